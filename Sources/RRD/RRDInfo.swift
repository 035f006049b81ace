/// One value of `rrd_info_r`'s list.
public enum RRDInfoValue: Sendable, Hashable {
    case value(Double)
    case count(UInt64)
    case string(String)
    case integer(Int64)
    case blob

    public var number: Double? {
        switch self {
        case .value(let v): return v
        case .count(let c): return Double(c)
        case .integer(let i): return Double(i)
        case .string, .blob: return nil
        }
    }

    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }
}

/// The header of an RRD as librrd reports it (`rrdtool info`), with typed
/// accessors for what callers need most.
public struct RRDInfo: Sendable {
    /// Keys in librrd's order (`step`, `ds[value].type`, `rra[0].cf` …).
    public let keys: [String]
    public let values: [String: RRDInfoValue]

    public init(entries: [(String, RRDInfoValue)]) {
        keys = entries.map(\.0)
        var v: [String: RRDInfoValue] = [:]
        for (k, x) in entries { v[k] = x }
        values = v
    }

    public subscript(key: String) -> RRDInfoValue? { values[key] }

    public var step: Int { Int(values["step"]?.number ?? 0) }
    public var lastUpdate: Int { Int(values["last_update"]?.number ?? 0) }

    /// Data sources in file order.
    public var dataSources: [RRDDataSource] {
        var names: [(Int, String)] = []
        for k in keys where k.hasPrefix("ds[") && k.hasSuffix("].index") {
            let name = String(k.dropFirst(3).dropLast(7))
            names.append((Int(values[k]?.number ?? 0), name))
        }
        return names.sorted { $0.0 < $1.0 }.map { _, name in
            let p = "ds[\(name)]."
            let kind = RRDDataSource.Kind(rawValue: values[p + "type"]?.string ?? "") ?? .gauge
            let min = values[p + "min"]?.number
            let max = values[p + "max"]?.number
            return RRDDataSource(name: name, kind: kind, heartbeat: Int(values[p + "minimal_heartbeat"]?.number ?? 0),
                                 minimum: min.flatMap { $0.isNaN ? nil : $0 }, maximum: max.flatMap { $0.isNaN ? nil : $0 })
        }
    }

    /// Archives in file order.
    public var archives: [RRDArchive] {
        var result: [RRDArchive] = []
        var i = 0
        while let cf = values["rra[\(i)].cf"]?.string {
            result.append(RRDArchive(RRDConsolidation(rawValue: cf) ?? .average,
                                     xff: values["rra[\(i)].xff"]?.number ?? 0.5,
                                     steps: Int(values["rra[\(i)].pdp_per_row"]?.number ?? 1),
                                     rows: Int(values["rra[\(i)].rows"]?.number ?? 0)))
            i += 1
        }
        return result
    }
}

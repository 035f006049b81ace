/// One check result with performance data, as read from any input format.
public struct PerfdataRecord: Sendable, Equatable {
    public enum Format: String, Sendable {
        /// `DATATYPE::SERVICEPERFDATA\tTIMET::…` (PNP4Nagios bulk template, Icinga 2 PerfdataWriter).
        case keyValue = "key-value"
        /// `[SERVICEPERFDATA]\t$TIMET$\t…` (Nagios' default templates).
        case nagiosDefault = "nagios-default"
        /// Raw plugin output given with --host/--service.
        case pluginOutput = "plugin-output"
    }

    public var format: Format
    /// Seconds since the epoch (may have a fraction: Icinga 2 writes one).
    public var time: Double
    public var host: [UInt8]
    /// `nil` for host perfdata.
    public var service: [UInt8]?
    public var perfdata: [UInt8]
    public var checkCommand: [UInt8]?

    public init(format: Format, time: Double, host: [UInt8], service: [UInt8]?, perfdata: [UInt8], checkCommand: [UInt8]? = nil) {
        self.format = format
        self.time = time
        self.host = host
        self.service = service
        self.perfdata = perfdata
        self.checkCommand = checkCommand
    }
}

/// Why a line is not a record.
public struct RecordError: Error, Sendable, Equatable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
}

/// Reads one line of a perfdata file, detecting its format: the key-value
/// templates (PNP4Nagios bulk mode, Icinga 2 PerfdataWriter: `KEY::value`
/// fields separated by tabs, in any order) or Nagios' default templates
/// (`[SERVICEPERFDATA]` / `[HOSTPERFDATA]` then positional fields).
public enum RecordParser {
    /// Earliest and latest accepted times (1990 … 2200).
    static let timeRange: ClosedRange<Double> = 631_152_000...7_258_118_400

    public static func parse<C: Collection>(line: C) throws(RecordError) -> PerfdataRecord where C.Element == UInt8 {
        var bytes = Array(line)
        if bytes.last == 0x0D { bytes.removeLast() } // CRLF files
        let fields = bytes.split(separator: 0x09, omittingEmptySubsequences: false)
        guard let first = fields.first else { throw RecordError("empty line") }
        if first.elementsEqual("[SERVICEPERFDATA]".utf8) || first.elementsEqual("[HOSTPERFDATA]".utf8) {
            return try parseNagiosDefault(fields, service: first.elementsEqual("[SERVICEPERFDATA]".utf8))
        }
        if isKeyValueField(first) { return try parseKeyValue(fields) }
        throw RecordError("unrecognised record (neither KEY::value fields nor [SERVICEPERFDATA]/[HOSTPERFDATA])")
    }

    static func isKeyValueField(_ f: ArraySlice<UInt8>) -> Bool {
        var i = f.startIndex
        while i < f.endIndex, (f[i] >= 0x41 && f[i] <= 0x5A) || f[i] == 0x5F { i += 1 }
        return i > f.startIndex && i + 1 < f.endIndex && f[i] == 0x3A && f[i + 1] == 0x3A
    }

    /// The keys read from key-value records (others are ignored).
    static let knownKeys: [[UInt8]] = ["DATATYPE", "TIMET", "HOSTNAME", "SERVICEDESC", "SERVICEPERFDATA", "HOSTPERFDATA",
                                       "SERVICECHECKCOMMAND", "HOSTCHECKCOMMAND"].map { Array($0.utf8) }

    static func parseKeyValue(_ fields: [ArraySlice<UInt8>]) throws(RecordError) -> PerfdataRecord {
        var v = [ArraySlice<UInt8>?](repeating: nil, count: knownKeys.count)
        for f in fields where !f.isEmpty {
            guard isKeyValueField(f), let colon = f.firstIndex(of: 0x3A) else {
                throw RecordError("field '\(preview(f))' is not KEY::value")
            }
            let key = f[f.startIndex..<colon]
            guard let k = knownKeys.firstIndex(where: { $0.elementsEqual(key) }) else { continue }
            if v[k] != nil { throw RecordError("key \(String(decoding: key, as: UTF8.self)) appears twice") }
            v[k] = f[(colon + 2)...]
        }
        let (type, timet, hostname, desc, servicePerf, hostPerf, serviceCommand, hostCommand) = (v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7])
        let isService: Bool
        switch type.map({ String(decoding: $0, as: UTF8.self) }) {
        case "SERVICEPERFDATA": isService = true
        case "HOSTPERFDATA": isService = false
        case nil: isService = desc != nil
        case let other?: throw RecordError("unknown DATATYPE '\(other)'")
        }
        guard let timet else { throw RecordError("no TIMET") }
        let time = try parseTime(timet)
        guard let hostname, !hostname.isEmpty else { throw RecordError("no HOSTNAME") }
        if isService {
            guard let desc, !desc.isEmpty else { throw RecordError("no SERVICEDESC") }
            guard let servicePerf else { throw RecordError("no SERVICEPERFDATA") }
            return PerfdataRecord(format: .keyValue, time: time, host: Array(hostname), service: Array(desc), perfdata: Array(servicePerf),
                                  checkCommand: serviceCommand.map { Array($0) })
        }
        guard let hostPerf else { throw RecordError("no HOSTPERFDATA") }
        return PerfdataRecord(format: .keyValue, time: time, host: Array(hostname), service: nil, perfdata: Array(hostPerf),
                              checkCommand: hostCommand.map { Array($0) })
    }

    /// `[SERVICEPERFDATA] TIMET HOSTNAME SERVICEDESC EXECUTIONTIME LATENCY OUTPUT PERFDATA`
    /// `[HOSTPERFDATA] TIMET HOSTNAME EXECUTIONTIME OUTPUT PERFDATA`
    /// (the output may itself hold tabs: perfdata is the last field).
    static func parseNagiosDefault(_ f: [ArraySlice<UInt8>], service: Bool) throws(RecordError) -> PerfdataRecord {
        let minimum = service ? 8 : 6
        guard f.count >= minimum else {
            throw RecordError("\(service ? "[SERVICEPERFDATA]" : "[HOSTPERFDATA]") record has \(f.count) fields, expected \(minimum)")
        }
        let time = try parseTime(Array(f[1]))
        let host = Array(f[2])
        guard !host.isEmpty else { throw RecordError("empty host name") }
        let perf = Array(f[f.count - 1])
        if service {
            let desc = Array(f[3])
            guard !desc.isEmpty else { throw RecordError("empty service description") }
            return PerfdataRecord(format: .nagiosDefault, time: time, host: host, service: desc, perfdata: perf)
        }
        return PerfdataRecord(format: .nagiosDefault, time: time, host: host, service: nil, perfdata: perf)
    }

    /// The host and service (`nil`: host perfdata) of a line, found without
    /// parsing or copying it, exactly as `parse` would read them; `nil`
    /// when that cannot be told so quickly (`parse` then decides). Writer
    /// processes use it to pass over the records of other processes.
    static func names(line: ArraySlice<UInt8>) -> (host: ArraySlice<UInt8>, service: ArraySlice<UInt8>?)? {
        var line = line
        if line.last == 0x0D { line = line.dropLast() }
        var fieldStart = line.startIndex
        var index = 0
        var nagiosDefault: Bool? // nil: key-value; true/false: [SERVICEPERFDATA] / [HOSTPERFDATA]
        var host: ArraySlice<UInt8>?, desc: ArraySlice<UInt8>?, type: ArraySlice<UInt8>?
        var i = line.startIndex
        while true {
            let end = i
            if end < line.endIndex, line[end] != 0x09 {
                i += 1
                continue
            }
            let f = line[fieldStart..<end]
            if index == 0 {
                if f.elementsEqual("[SERVICEPERFDATA]".utf8) { nagiosDefault = true } else if f.elementsEqual("[HOSTPERFDATA]".utf8) {
                    nagiosDefault = false
                }
            }
            if let service = nagiosDefault {
                if index == 2 { host = f }
                if index == 3, service { desc = f }
            } else if !f.isEmpty {
                guard isKeyValueField(f), let colon = f.firstIndex(of: 0x3A) else { return nil }
                let key = f[f.startIndex..<colon], value = f[(colon + 2)...]
                func set(_ slot: inout ArraySlice<UInt8>?) -> Bool {
                    if slot != nil { return false } // a key twice: parse rejects the record
                    slot = value
                    return true
                }
                if key.elementsEqual("HOSTNAME".utf8) { guard set(&host) else { return nil } }
                else if key.elementsEqual("SERVICEDESC".utf8) { guard set(&desc) else { return nil } }
                else if key.elementsEqual("DATATYPE".utf8) { guard set(&type) else { return nil } }
            }
            index += 1
            if end >= line.endIndex { break }
            i = end + 1
            fieldStart = i
        }
        guard let host, !host.isEmpty else { return nil }
        if let service = nagiosDefault {
            guard service else { return index >= 6 ? (host, nil) : nil }
            guard index >= 8, let desc, !desc.isEmpty else { return nil }
            return (host, desc)
        }
        let isService: Bool
        if let type {
            if type.elementsEqual("SERVICEPERFDATA".utf8) { isService = true } else if type.elementsEqual("HOSTPERFDATA".utf8) {
                isService = false
            } else {
                return nil
            }
        } else {
            isService = desc != nil
        }
        guard isService else { return (host, nil) }
        guard let desc, !desc.isEmpty else { return nil }
        return (host, desc)
    }

    /// `TIMET`: decimal seconds, optionally with a fraction (Icinga 2).
    public static func parseTime<C: Collection>(_ b: C) throws(RecordError) -> Double where C.Element == UInt8 {
        var seenDigit = false, seenDot = false
        for c in b {
            if c >= 0x30 && c <= 0x39 { seenDigit = true } else if c == 0x2E && !seenDot { seenDot = true } else {
                throw RecordError("TIMET '\(preview(b))' is not a time")
            }
        }
        guard seenDigit, let t = Double(String(decoding: b, as: UTF8.self)), timeRange.contains(t) else {
            throw RecordError("TIMET '\(preview(b))' is not a time")
        }
        return t
    }

    /// Up to 60 bytes of a field for a message, controls shown as `?`.
    static func preview<C: Collection>(_ b: C) -> String where C.Element == UInt8 {
        let cut = b.prefix(60).map { $0 < 0x20 || $0 == 0x7F ? UInt8(ascii: "?") : $0 }
        return String(decoding: cut, as: UTF8.self) + (b.count > 60 ? "…" : "")
    }
}

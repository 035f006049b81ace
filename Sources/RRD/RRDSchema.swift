/// A data source definition, `DS:name:TYPE:heartbeat:min:max`.
public struct RRDDataSource: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case gauge = "GAUGE"
        case counter = "COUNTER"
        case derive = "DERIVE"
        case absolute = "ABSOLUTE"
        /// COUNTER that accepts fractional values (librrd ≥ 1.5).
        case dcounter = "DCOUNTER"
        /// DERIVE that accepts fractional values (librrd ≥ 1.5).
        case dderive = "DDERIVE"
    }

    /// 1–19 characters of `[A-Za-z0-9_]` (librrd's rule).
    public var name: String
    public var kind: Kind
    /// Seconds without an update after which the value becomes unknown.
    public var heartbeat: Int
    /// Values below/above are stored as unknown; `nil` = no limit (`U`).
    public var minimum: Double?
    public var maximum: Double?

    public init(name: String, kind: Kind, heartbeat: Int, minimum: Double? = nil, maximum: Double? = nil) {
        self.name = name
        self.kind = kind
        self.heartbeat = heartbeat
        self.minimum = minimum
        self.maximum = maximum
    }

    /// The `DS:` argument librrd and rrdcached read.
    public var definition: String {
        "DS:\(name):\(kind.rawValue):\(heartbeat):\(RRDNumber.limit(minimum)):\(RRDNumber.limit(maximum))"
    }

    /// Whether `name` is a valid data-source name for librrd.
    public static func isValidName(_ name: String) -> Bool {
        let u = name.utf8
        return (1...19).contains(u.count) && u.allSatisfy {
            ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F
        }
    }
}

/// A consolidation function.
public enum RRDConsolidation: String, Sendable, Hashable, CaseIterable {
    case average = "AVERAGE"
    case minimum = "MIN"
    case maximum = "MAX"
    case last = "LAST"
}

/// A round-robin archive, `RRA:CF:xff:steps:rows`.
public struct RRDArchive: Sendable, Hashable {
    public var consolidation: RRDConsolidation
    /// Fraction of unknown primary points still giving a known value.
    public var xff: Double
    /// Primary data points per row (row duration = steps × step).
    public var steps: Int
    public var rows: Int

    public init(_ consolidation: RRDConsolidation, xff: Double = 0.5, steps: Int, rows: Int) {
        self.consolidation = consolidation
        self.xff = xff
        self.steps = steps
        self.rows = rows
    }

    public var definition: String { "RRA:\(consolidation.rawValue):\(RRDNumber.text(xff)):\(steps):\(rows)" }
}

/// Number texts in the form librrd's `strtod` reads.
public enum RRDNumber {
    /// A value for an update (`U` for unknown or non-finite).
    public static func text(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "U" }
        if v == v.rounded(.towardZero), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    static func limit(_ v: Double?) -> String { text(v) }

    /// `text(v)` appended to `out` (no String for integral values).
    public static func append(_ v: Double?, to out: inout [UInt8]) {
        guard let v, v.isFinite else {
            out.append(0x55)
            return
        }
        if v == v.rounded(.towardZero), abs(v) < 1e15 {
            appendInteger(Int64(v), to: &out)
        } else {
            out.append(contentsOf: "\(v)".utf8)
        }
    }

    /// Decimal digits of `n` (with `-`) appended to `out`.
    static func appendInteger(_ n: Int64, to out: inout [UInt8]) {
        if n < 0 { out.append(0x2D) }
        var m = n.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var k = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[k] = UInt8(truncatingIfNeeded: m % 10) + 0x30
                m /= 10
                k += 1
            } while m > 0
            while k > 0 {
                k -= 1
                out.append(d[k])
            }
        }
    }
}

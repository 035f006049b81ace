/// One performance-data item, `'label'=value[UOM];[warn];[crit];[min];[max]`,
/// formatted the way the 2.3.3 plugins print it.
///
/// Fields are kept as the exact text to print, because the C plugins print
/// numbers in several styles (`%ld`, `%f`, `%.3f`, range specs verbatim)
/// and graphing tools and existing RRDs depend on them. Use the factory
/// functions to get each style.
public struct PerfDatum: Sendable, Hashable, CustomStringConvertible {
    /// How the trailing fields are laid out; the C library has two habits.
    public enum Layout: Sendable, Hashable {
        /// `perfdata()`: always four `;` before max (`procs=95;;;0;`).
        case integer
        /// `fperfdata()`/`sperfdata()`: `;max` only when max is set and no
        /// `;` after min (`time=0.2s;5.0;10.0;0.0`).
        case float
        /// The guideline's minimal form: trailing empty fields dropped (`d=10`).
        case minimal
    }

    public let label: String
    public let value: String
    public let uom: String
    public let warning: String?
    public let critical: String?
    public let minimum: String?
    public let maximum: String?
    public let layout: Layout

    /// Builds a datum from field texts. Throws if the label is empty or the
    /// unit of measure could not be read back by a perfdata parser.
    public init(label: String, value: String, uom: String = "", warning: String? = nil,
                critical: String? = nil, minimum: String? = nil, maximum: String? = nil,
                layout: Layout = .minimal) throws(PerfdataError) {
        guard !label.isEmpty else { throw PerfdataError(text: label, reason: "empty label") }
        guard PerfDatum.isValidUOM(uom) else { throw PerfdataError(text: uom, reason: "invalid unit of measure '\(uom)'") }
        self.label = label
        self.value = value
        self.uom = uom
        self.warning = warning
        self.critical = critical
        self.minimum = minimum
        self.maximum = maximum
        self.layout = layout
    }

    /// `perfdata()` of the C library: integers, `label=V;W;C;MIN;[MAX]`.
    public static func integer(_ label: String, _ value: Int64, uom: String = "", warning: Int64? = nil,
                               critical: Int64? = nil, minimum: Int64? = nil,
                               maximum: Int64? = nil) throws(PerfdataError) -> PerfDatum {
        try PerfDatum(label: label, value: String(value), uom: uom, warning: warning.map { String($0) },
                      critical: critical.map { String($0) }, minimum: minimum.map { String($0) },
                      maximum: maximum.map { String($0) }, layout: .integer)
    }

    /// `fperfdata()` of the C library: doubles printed with `decimals`
    /// places (6, `%f`, unless a plugin prints fewer).
    public static func float(_ label: String, _ value: Double, uom: String = "", warning: Double? = nil,
                             critical: Double? = nil, minimum: Double? = nil, maximum: Double? = nil,
                             decimals: Int = 6) throws(PerfdataError) -> PerfDatum {
        let f = { (v: Double) in NumberFormat.fixed(v, decimals: decimals) }
        return try PerfDatum(label: label, value: f(value), uom: uom, warning: warning.map(f),
                             critical: critical.map(f), minimum: minimum.map(f), maximum: maximum.map(f),
                             layout: .float)
    }

    /// `sperfdata()` of the C library: the value as a double, thresholds as
    /// their range specs verbatim.
    public static func ranges(_ label: String, _ value: Double, uom: String = "", warning: ThresholdRange? = nil,
                              critical: ThresholdRange? = nil, minimum: Double? = nil, maximum: Double? = nil,
                              decimals: Int = 6) throws(PerfdataError) -> PerfDatum {
        let f = { (v: Double) in NumberFormat.fixed(v, decimals: decimals) }
        return try PerfDatum(label: label, value: f(value), uom: uom, warning: warning?.spec,
                             critical: critical?.spec, minimum: minimum.map(f), maximum: maximum.map(f),
                             layout: .float)
    }

    /// The label as printed: quoted when it holds a space, `=` or `'` (as
    /// the C plugins decide), with a `'` inside doubled (as the guidelines
    /// say, so that parsers can read it back; 2.3.3 itself does not double).
    public var quotedLabel: String {
        var needsQuotes = false
        for b in label.utf8 where b == 0x20 || b == 0x3D || b == 0x27 { needsQuotes = true; break }
        guard needsQuotes else { return label }
        var out = "'"
        for ch in label {
            if ch == "'" { out += "''" } else { out.append(ch) }
        }
        return out + "'"
    }

    public var description: String {
        // Appended in place (each `a + b` would build a new string).
        var s = quotedLabel
        s += "="
        s += value
        s += uom
        func field(_ text: String?) {
            s += ";"
            if let text { s += text }
        }
        func given(_ text: String?) -> Bool { !(text ?? "").isEmpty }
        switch layout {
        case .integer:
            field(warning); field(critical); field(minimum); field(maximum)
        case .float:
            field(warning); field(critical); field(minimum)
            if let maximum { s += ";"; s += maximum }
        case .minimal:
            let last = given(maximum) ? 3 : given(minimum) ? 2 : given(critical) ? 1 : given(warning) ? 0 : -1
            if last >= 0 { field(warning) }
            if last >= 1 { field(critical) }
            if last >= 2 { field(minimum) }
            if last >= 3 { field(maximum) }
        }
        return s
    }

    /// The units of measure a perfdata parser can read back: no digits,
    /// separators, quotes or white space. The guideline's list is
    /// `s ms us % B KB MB TB c`; real plugins also print `GB`, `KiB` …
    public static func isValidUOM(_ uom: String) -> Bool {
        if uom.utf8.count > 16 { return false }
        for b in uom.utf8 {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: ";"), UInt8(ascii: "="), UInt8(ascii: "'"),
                 UInt8(ascii: "."), UInt8(ascii: ","), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "|"):
                return false
            case 0...0x20, 0x7F: return false
            default: continue
            }
        }
        return true
    }
}

extension Array where Element == PerfDatum {
    /// The items space-separated, as they follow the `|`.
    public var perfdataText: String {
        var s = ""
        for (i, d) in enumerated() {
            if i > 0 { s += " " }
            s += d.description
        }
        return s
    }
}

/// A perfdata item that cannot be formatted or parsed.
public struct PerfdataError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The offending text (the item, or the field inside it).
    public let text: String
    public let reason: String
    public init(text: String, reason: String) {
        self.text = text
        self.reason = reason
    }
    public var description: String { "\(reason): '\(text)'" }
}

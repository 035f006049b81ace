import NagiosPlugin

/// How the generated configuration names things, shared by the Nagios and
/// Icinga 2 writers so that both say the same thing under the same names.
///
/// - A service's thresholds live in a template named
///   `vigil:<host>:<service>` (host perfdata: `vigil:<host>`), which the
///   user's own service definition inherits from (`use` / `import`).
/// - Each perfdata label becomes a *key*: upper-case ASCII letters and
///   digits kept, every other run of characters one `_`, no `_` at either
///   end (`load1` → `LOAD1`, `/var/log` → `VAR_LOG`, `time to first byte`
///   → `TIME_TO_FIRST_BYTE`). A label with no letter or digit at all (`/`)
///   becomes `X` and the hex of its bytes (`X2F`). Two labels of one
///   service that map to the same key are told apart by `_2`, `_3`… in the
///   order of their labels.
public enum ConfigNaming {
    /// The template a service's (or, for an empty service, a host's)
    /// variables are defined in. Characters that cannot appear in a
    /// `use`/`import` list (`,`, control characters, and `:` in the host
    /// part) or blanks at either end are replaced by `_`, and then a hash of
    /// the exact names is appended so that two names never share a template.
    public static func templateName(host: String, service: String) -> String {
        let h = cleaned(host, colonAllowed: false)
        let s = cleaned(service, colonAllowed: true)
        var name = service.isEmpty ? "vigil:\(h.text)" : "vigil:\(h.text):\(s.text)"
        if h.changed || s.changed {
            name += ":" + hexHash(host + "\u{0}" + service)
        }
        return name
    }

    /// Keys for every label of one service, in label order.
    public static func keys(forLabels labels: [String]) -> [String: String] {
        var used: [String: Int] = [:]
        var result: [String: String] = [:]
        for label in labels.sorted() where result[label] == nil {
            let base = key(label)
            let n = (used[base] ?? 0) + 1
            used[base] = n
            result[label] = n == 1 ? base : "\(base)_\(n)"
        }
        return result
    }

    /// The key of one label, before collisions are resolved.
    public static func key(_ label: String) -> String {
        var out = ""
        var pendingUnderscore = false
        for byte in label.utf8 {
            let upper: UInt8? = switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - 32
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): byte
            default: nil
            }
            if let upper {
                if pendingUnderscore && !out.isEmpty { out.append("_") }
                pendingUnderscore = false
                out.append(Character(Unicode.Scalar(upper)))
            } else {
                pendingUnderscore = true
            }
        }
        if out.isEmpty {
            out = "X" + label.utf8.map { hexByte($0) }.joined()
        }
        return out
    }

    /// FNV-1a (32 bit) of the UTF-8 bytes, as 8 lower-case hex digits:
    /// stable across runs and machines.
    public static func hexHash(_ text: String) -> String {
        var h: UInt32 = 0x811c_9dc5
        for b in text.utf8 {
            h ^= UInt32(b)
            h = h &* 0x0100_0193
        }
        let s = String(h, radix: 16)
        return String(repeating: "0", count: 8 - s.count) + s
    }

    static func hexByte(_ b: UInt8) -> String {
        let s = String(b, radix: 16, uppercase: true)
        return s.count == 1 ? "0" + s : s
    }

    private static func cleaned(_ text: String, colonAllowed: Bool) -> (text: String, changed: Bool) {
        var out = ""
        var changed = false
        for ch in text.unicodeScalars {
            let bad = ch == "," || ch.value < 0x20 || ch.value == 0x7F || (!colonAllowed && ch == ":")
            if bad {
                out.unicodeScalars.append("_")
                changed = true
            } else {
                out.unicodeScalars.append(ch)
            }
        }
        if out.first == " " || out.last == " " || out.first == "\t" || out.last == "\t" { changed = true }
        return (out, changed)
    }
}

/// Numbers and ranges as the generated configuration prints them.
public enum ConfigNumber {
    /// Six significant digits, never an exponent (Icinga 2's parser has
    /// none), no trailing zeros: `3.2`, `1250`, `0.000125`, `0.000000004`.
    /// Magnitudes below 1e-15 print as `0`.
    public static func render(_ value: Double) -> String {
        switch spelling(value) {
        case .text(let text): return text
        case .decimal(let units, let decimals): return decimalText(units, decimals: decimals)
        }
    }

    /// `render(value)`'s bytes appended to `bytes` (the digits written
    /// there directly, without a string per number).
    static func append(_ value: Double, to bytes: inout [UInt8]) {
        switch spelling(value) {
        case .text(let text): bytes.append(contentsOf: text.utf8)
        case .decimal(let units, let decimals):
            withDecimalDigits(units, decimals: decimals) { bytes.append(contentsOf: $0) }
        }
    }

    /// How `render` spells a value: most values as the digits of an
    /// integer with a decimal point (`decimalText`), the others as text.
    enum Spelling {
        case text(String)
        case decimal(units: Int64, decimals: Int)
    }

    static func spelling(_ value: Double) -> Spelling {
        guard value.isFinite else { return .text(value > 0 ? "1e308" : "-1e308") }
        let magnitude = abs(value)
        if magnitude < 1e-15 { return .text("0") }
        if magnitude >= 1e6 { return .text(NumberFormat.format("%.0f", [value])) }
        // Decimals for six significant digits.
        var decimals = 5
        var m = magnitude
        while m >= 10 && decimals > 0 { m /= 10; decimals -= 1 }
        while m < 1 && decimals < 20 { m *= 10; decimals += 1 }
        if decimals <= 15 {
            // n / 10^d is the double nearest to that decimal, so Swift's
            // shortest round-trip spelling prints exactly its digits (no
            // printf, no exponent in this range); thousands of numbers per
            // profile make this path matter.
            var scale = 1.0
            for _ in 0..<decimals { scale *= 10 }
            let units = (value * scale).rounded()
            let rounded = units / scale
            if rounded == 0 { return .text("0") }
            // From 0.001 on (Swift spells smaller ones with an exponent)
            // those digits are the digits of `units` with the point
            // `decimals` places from the right: written directly, without
            // the shortest-digits search of `description`.
            if abs(rounded) >= 0.001 && abs(units) < 1e15 { return .decimal(units: Int64(units), decimals: decimals) }
            var s = rounded.description
            if s.hasSuffix(".0") { s.removeLast(2) }
            if !s.utf8.contains(UInt8(ascii: "e")) { return .text(s) }
        }
        var s = NumberFormat.format("%.*f", [Int32(decimals), value])
        if s.utf8.contains(UInt8(ascii: ".")) {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return .text(s == "-0" ? "0" : s)
    }

    /// `units / 10^decimals` in plain decimal notation without trailing
    /// zeros (`123450, 2` → `1234.5`, `5, 3` → `0.005`), what
    /// `Double.description` prints for that quotient once `.0` is dropped.
    static func decimalText(_ units: Int64, decimals: Int) -> String {
        withDecimalDigits(units, decimals: decimals) { String(decoding: $0, as: UTF8.self) }
    }

    /// Calls `body` with `decimalText`'s bytes.
    static func withDecimalDigits<R>(_ units: Int64, decimals: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        // Digits from the right, then the sign.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 48) { buffer in
            var magnitude = units.magnitude
            var end = 48
            var trimming = true
            var position = 0
            // The fractional digits (trailing zeros dropped), then the point,
            // then at least one integer digit.
            while position < decimals {
                let digit = UInt8(magnitude % 10)
                magnitude /= 10
                if !(trimming && digit == 0) {
                    trimming = false
                    end -= 1
                    buffer[end] = UInt8(ascii: "0") + digit
                }
                position += 1
            }
            if !trimming {
                end -= 1
                buffer[end] = UInt8(ascii: ".")
            }
            repeat {
                end -= 1
                buffer[end] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if units < 0 {
                end -= 1
                buffer[end] = UInt8(ascii: "-")
            }
            return body(UnsafeBufferPointer(rebasing: buffer[end..<48]))
        }
    }

    /// A Nagios range alerting outside `low…high`: `low:high`, `~:high`,
    /// `low:`; `nil` when both ends are open.
    public static func range(low: Double?, high: Double?) -> String? {
        switch (low, high) {
        case (nil, nil): return nil
        case (nil, let h?): return "~:" + render(h)
        case (let l?, nil): return render(l) + ":"
        case (let l?, let h?): return render(l) + ":" + render(h)
        }
    }

    /// `range(low:high:)`'s bytes appended to `bytes`, or `none`'s when
    /// both ends are open.
    static func appendRange(low: Double?, high: Double?, none: StaticString, to bytes: inout [UInt8]) {
        switch (low, high) {
        case (nil, nil):
            bytes.append(contentsOf: UnsafeBufferPointer(start: none.utf8Start, count: none.utf8CodeUnitCount))
        case (nil, let h?):
            bytes.append(UInt8(ascii: "~"))
            bytes.append(UInt8(ascii: ":"))
            append(h, to: &bytes)
        case (let l?, nil):
            append(l, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
        case (let l?, let h?):
            append(l, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            append(h, to: &bytes)
        }
    }
}

extension ThresholdBand {
    /// The warning range in Nagios syntax, `nil` when unbounded.
    public var warningRange: String? { ConfigNumber.range(low: warningLow, high: warningHigh) }
    /// The critical range in Nagios syntax, `nil` when unbounded.
    public var criticalRange: String? { ConfigNumber.range(low: criticalLow, high: criticalHigh) }
}

/// What the configuration writers need to know about one metric.
public struct ConfiguredMetric: Sendable, Hashable {
    public var analysis: MetricAnalysis
    /// The profile file written for it (`--profiles`), if any.
    public var profilePath: String?

    public init(analysis: MetricAnalysis, profilePath: String? = nil) {
        self.analysis = analysis
        self.profilePath = profilePath
    }
}

/// Metrics grouped by host and service, in the writers' deterministic order.
public struct ServiceGroup: Sendable {
    public var host: String
    public var service: String
    public var templateName: String
    /// Sorted by label.
    public var metrics: [ConfiguredMetric]
    /// label → key (see ``ConfigNaming``).
    public var keys: [String: String]
    /// The directory holding this service's profiles, if any were written.
    public var profileDirectory: String?

    /// Groups metrics by (host, service), sorted by host, then service, then label.
    public static func grouping(_ metrics: [ConfiguredMetric]) -> [ServiceGroup] {
        var byService: [String: [ConfiguredMetric]] = [:]
        for m in metrics {
            byService[m.analysis.id.host + "\u{0}" + m.analysis.id.service, default: []].append(m)
        }
        var groups: [ServiceGroup] = []
        for (_, list) in byService {
            let sorted = list.sorted { $0.analysis.id < $1.analysis.id }
            guard let first = sorted.first else { continue }
            let id = first.analysis.id
            let profileDir = sorted.compactMap(\.profilePath).first.map(parentDirectory)
            groups.append(ServiceGroup(host: id.host, service: id.service,
                                       templateName: ConfigNaming.templateName(host: id.host, service: id.service),
                                       metrics: sorted, keys: ConfigNaming.keys(forLabels: sorted.map(\.analysis.id.label)),
                                       profileDirectory: profileDir))
        }
        return groups.sorted { ($0.host, $0.service) < ($1.host, $1.service) }
    }
}

func parentDirectory(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}

extension MetricAnalysis {
    /// One line saying what was learned, for comments in generated files.
    public var summaryLine: String {
        var parts: [String] = []
        switch outcome {
        case .thresholds: parts.append("\(direction.wording) is bad")
        case .coldStart(let reason): parts.append("cold start, no threshold: \(reason)")
        }
        if historySeconds > 0 { parts.append(ConfigNumber.render((Double(historySeconds) / 86_400 * 10).rounded() / 10) + " days of history") }
        if hasDailySeason { parts.append("daily cycle") }
        if hasWeeklySeason { parts.append("weekly cycle") }
        if trendPerDay != 0, case .thresholds = outcome { parts.append("trend " + ConfigNumber.render(trendPerDay) + uom + "/day") }
        if !anomalies.isEmpty { parts.append("\(anomalies.count) recent anomal\(anomalies.count == 1 ? "y" : "ies"), score " + ConfigNumber.render(anomalyScore)) }
        return parts.joined(separator: "; ")
    }
}

extension AlertDirection {
    var wording: String {
        switch self {
        case .high: "high"
        case .low: "low"
        case .both: "high or low"
        }
    }
}

extension String {
    /// Each character replaced by `table[ch]` when present (escaping for
    /// the generated formats: Nagios values, comments, HTML, profiles).
    func escaping(_ table: [Character: String]) -> String {
        // Nothing to replace when the text is ASCII without any of the keys'
        // bytes (a non-ASCII character could be canonically equivalent to a
        // key, e.g. U+037E to `;`: those take the slow path).
        var keyBytes: (UInt64, UInt64) = (0, 0)
        var plain = true
        for key in table.keys {
            for byte in key.utf8 {
                if byte >= 128 { plain = false } else if byte < 64 { keyBytes.0 |= 1 << UInt64(byte) } else {
                    keyBytes.1 |= 1 << UInt64(byte - 64)
                }
            }
        }
        for byte in utf8 where plain {
            let hit = byte >= 128 || (byte < 64 ? keyBytes.0 >> UInt64(byte) : keyBytes.1 >> UInt64(byte - 64)) & 1 != 0
            if hit {
                plain = false
                break
            }
        }
        if plain { return self }
        var out = ""
        out.reserveCapacity(utf8.count)
        for ch in self {
            if let r = table[ch] { out += r } else { out.append(ch) }
        }
        return out
    }
}

/// Line breaks become one space: a value or comment stays on its line.
let singleLine: [Character: String] = ["\n": " ", "\r": " ", "\r\n": " "]

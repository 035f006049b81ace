/// A Nagios threshold range, as in the Monitoring Plugins development
/// guidelines: `N` (0…N), `N:` (N…∞), `~:N` (−∞…N), `a:b`, and any of these
/// with a leading `@` to alert *inside* instead of outside. Both ends are
/// inclusive.
///
/// Unlike the C library, junk is rejected rather than ignored: `10abc`,
/// `1:12%%` and `1:~` are errors, not 10, 1:12 and 1:0. The empty string is
/// accepted and means 0…∞, as in the C plugins (so `-w ''` from an empty
/// `$ARG$` keeps working).
public struct ThresholdRange: Sendable, Hashable, CustomStringConvertible {
    /// Lower end; `-infinity` when the spec starts with `~`.
    public let start: Double
    /// Upper end; `+infinity` when the spec has none (`N:`).
    public let end: Double
    /// `true` for `@` ranges: alert when the value lies inside.
    public let alertsInside: Bool
    /// The spec exactly as given, printed back by ``description`` (and
    /// copied verbatim into perfdata, as the C plugins do).
    public let spec: String

    public var description: String { spec }

    /// Builds a range from its ends. `spec` is rendered in the guideline syntax.
    public init(start: Double, end: Double, alertsInside: Bool = false) {
        self.start = start
        self.end = end
        self.alertsInside = alertsInside
        var s = alertsInside ? "@" : ""
        if start == -.infinity {
            s += "~:"
        } else if start != 0 || end == .infinity {
            s += NumberFormat.shortest(start) + ":"
        }
        if end != .infinity { s += NumberFormat.shortest(end) }
        self.spec = s
    }

    /// Parses a range spec; throws ``RangeError`` for anything that is not one.
    public init(parsing text: String) throws(RangeError) {
        var body = Substring(text)
        var inside = false
        if body.first == "@" {
            inside = true
            body = body.dropFirst()
            if body.isEmpty { throw RangeError(text: text, reason: "nothing after '@'") }
        }
        var lower: Double = 0
        var upper: Double = .infinity
        if let colon = body.firstIndex(of: ":") {
            let left = body[..<colon]
            let right = body[body.index(after: colon)...]
            if left.isEmpty && right.isEmpty { throw RangeError(text: text, reason: "no start or end") }
            if left == "~" {
                lower = -.infinity
            } else if !left.isEmpty {
                guard let v = NumberFormat.parseStrict(left) else {
                    throw RangeError(text: text, reason: "start is not a number")
                }
                lower = v
            }
            if !right.isEmpty {
                guard let v = NumberFormat.parseStrict(right) else {
                    throw RangeError(text: text, reason: "end is not a number")
                }
                upper = v
            }
        } else if !body.isEmpty {
            guard let v = NumberFormat.parseStrict(body) else {
                throw RangeError(text: text, reason: "not a number")
            }
            upper = v
        }
        if lower > upper { throw RangeError(text: text, reason: RangeError.reversed) }
        self.start = lower
        self.end = upper
        self.alertsInside = inside
        self.spec = text
    }

    /// Whether `value` raises an alert for this range (`check_range()`).
    public func alerts(_ value: Double) -> Bool {
        let within = value >= start && value <= end
        return within == alertsInside
    }

    /// Parses a comma-separated list such as `5,4,3` (check_load's `-w`).
    /// Each element is a range spec; empty input gives an empty list.
    public static func parseList(_ text: String) throws(RangeError) -> [ThresholdRange] {
        if text.isEmpty { return [] }
        var result: [ThresholdRange] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            result.append(try ThresholdRange(parsing: String(part)))
        }
        return result
    }
}

/// A range spec that could not be parsed.
public struct RangeError: Error, Sendable, Equatable, CustomStringConvertible {
    public let text: String
    public let reason: String
    public var description: String { "invalid range '\(text)': \(reason)" }
    /// The one range 2.3.3's `parse_range_string()` refuses as well
    /// (`5:1`, `-1`): its plugins die with "Range format incorrect".
    public var isReversed: Bool { reason == RangeError.reversed }
    static let reversed = "start is greater than end"
}

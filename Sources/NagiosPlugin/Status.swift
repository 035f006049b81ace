/// A plugin's result state, with the exit codes Nagios reads (0–3).
///
/// Two orders are in use, and both are written down here once:
/// - ``severity`` ("worst of"): OK < UNKNOWN < WARNING < CRITICAL. This is
///   `max_state_alt()` of the C library, used when combining the states of
///   several measurements where UNKNOWN must not hide a WARNING/CRITICAL but
///   must outrank OK.
/// - ``combinedClassic(_:_:)``: `max_state()` of the C library, where OK
///   outranks UNKNOWN (CRITICAL > WARNING > OK > UNKNOWN). A few 2.3.3 plugins
///   combine with it and we follow them where they do.
public enum Status: Int32, Sendable, CaseIterable, CustomStringConvertible {
    case ok = 0
    case warning = 1
    case critical = 2
    case unknown = 3

    /// The upper-case word Nagios users see: `OK`, `WARNING`, `CRITICAL`, `UNKNOWN`.
    public var label: String {
        switch self {
        case .ok: "OK"
        case .warning: "WARNING"
        case .critical: "CRITICAL"
        case .unknown: "UNKNOWN"
        }
    }

    public var description: String { label }

    /// The exit code of a plugin ending in this state.
    public var exitCode: Int32 { rawValue }

    /// Rank in the "worst of" order: OK 0, UNKNOWN 1, WARNING 2, CRITICAL 3.
    public var severity: Int {
        switch self {
        case .ok: 0
        case .unknown: 1
        case .warning: 2
        case .critical: 3
        }
    }

    /// The worse of two states by ``severity``.
    public func worst(_ other: Status) -> Status {
        other.severity > severity ? other : self
    }

    /// The worst of any number of states (OK for none).
    public static func worst<S: Sequence>(of states: S) -> Status where S.Element == Status {
        states.reduce(.ok) { $0.worst($1) }
    }

    /// `max_state()` of the C library: CRITICAL > WARNING > OK > UNKNOWN.
    public static func combinedClassic(_ a: Status, _ b: Status) -> Status {
        for s in [Status.critical, .warning, .ok] where a == s || b == s { return s }
        return .unknown
    }

    /// Parses a state given on the command line as a name (`OK`, `warning`,
    /// any case) or a number 0–3, as `negate -o` and friends accept.
    public init?(argument: String) {
        switch argument.uppercased() {
        case "OK", "0": self = .ok
        case "WARNING", "1": self = .warning
        case "CRITICAL", "2": self = .critical
        case "UNKNOWN", "3": self = .unknown
        default: return nil
        }
    }
}

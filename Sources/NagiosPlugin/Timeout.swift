#if canImport(Glibc)
import Glibc
#endif

/// `-t/--timeout N[:STATE]`: an alarm that ends the plugin with a chosen
/// state after N seconds, printing the 2.3.3 message.
///
/// The handler runs in signal context: it only writes a message prepared
/// when the alarm was armed, kills the child process group if one was
/// registered, and calls `_exit`. It is the one exit outside ``PluginMain``,
/// which cannot run while the process is blocked in a read or a connect.
public enum Timeout {
    /// The C plugins' default for `-t`.
    public static let defaultSeconds: UInt32 = 10

    /// Which of the 2.3.3 messages a timeout prints.
    public enum Kind: Sendable {
        /// `CRITICAL - Plugin timed out after N seconds` (negate, local checks).
        case plugin
        /// `CRITICAL - Socket timeout after N seconds` (network checks).
        case socket
        /// A message of the check's own; `N` and the state are not added.
        case custom(String)
    }

    /// Parses `N` or `N:STATE` (STATE a name or 0–3). `N` must be a whole
    /// number ≥ 0; 0 turns the alarm off.
    public static func parse(_ text: String, defaultState: Status = .critical) throws(PluginError) -> (seconds: UInt32, state: Status) {
        var secondsText = Substring(text)
        var state = defaultState
        if let colon = text.firstIndex(of: ":") {
            secondsText = text[..<colon]
            let stateText = String(text[text.index(after: colon)...])
            guard let s = Status(argument: stateText) else {
                throw .usage("Timeout state must be a valid state name (OK, WARNING, CRITICAL, UNKNOWN) or integer (0-3) - \(text)")
            }
            state = s
        }
        guard let seconds = UInt32(secondsText) else {
            throw .usage("Timeout interval must be a positive integer - \(text)")
        }
        return (seconds, state)
    }

    /// The line printed when the alarm fires.
    public static func message(kind: Kind, seconds: UInt32, state: Status) -> String {
        switch kind {
        case .plugin: "\(state.label) - Plugin timed out after \(seconds) seconds\n"
        case .socket: "\(state.label) - Socket timeout after \(seconds) seconds\n"
        case .custom(let text): text.hasSuffix("\n") ? text : text + "\n"
        }
    }

    /// Arms the alarm; `seconds == 0` disarms it.
    public static func arm(seconds: UInt32, state: Status, kind: Kind = .plugin) {
        guard seconds > 0 else { disarm(); return }
        let text = message(kind: kind, seconds: seconds, state: state)
        // A buffer of our own: the handler must not touch Swift-managed memory.
        let bytes = Array(text.utf8)
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: bytes.count)
        buffer.initialize(from: bytes, count: bytes.count)
        alarm(0)
        if let old = timeoutMessage { old.deallocate() }
        timeoutMessage = buffer
        timeoutMessageLength = bytes.count
        timeoutExitCode = state.exitCode
        // The parent may have blocked or ignored SIGALRM (test runners,
        // some daemons): take it back before relying on it.
        var action = sigaction()
        action.__sigaction_handler.sa_handler = timeoutHandler
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGALRM, &action, nil)
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGALRM)
        sigprocmask(SIG_UNBLOCK, &unblock, nil)
        alarm(seconds)
    }

    /// Cancels a pending alarm.
    public static func disarm() {
        alarm(0)
    }

    /// Registers the process group to kill when the alarm fires (0: none).
    public static func killOnTimeout(processGroup: pid_t) {
        timeoutChildGroup = processGroup
    }
}

nonisolated(unsafe) private var timeoutMessage: UnsafeMutablePointer<UInt8>?
nonisolated(unsafe) private var timeoutMessageLength = 0
nonisolated(unsafe) private var timeoutExitCode: Int32 = 2
nonisolated(unsafe) private var timeoutChildGroup: pid_t = 0

private let timeoutHandler: @convention(c) (Int32) -> Void = { _ in
    if timeoutChildGroup > 0 { kill(-timeoutChildGroup, SIGKILL) }
    if let p = timeoutMessage { _ = write(1, p, timeoutMessageLength) }
    _exit(timeoutExitCode)
}

import NagiosPlugin
import Testing
@testable import Analytics

@Suite struct NagiosStateMachineTests {
    /// Feeds a sequence (o = OK, w = WARNING, c = CRITICAL) and returns the
    /// indices where a notification goes out.
    func notifications(_ states: String, attempts: Int = 3, interval: Int64? = nil) -> [Int] {
        var m = NagiosStateMachine(maxCheckAttempts: attempts, notificationInterval: interval)
        var out: [Int] = []
        for (i, ch) in states.enumerated() {
            let s: Status = ch == "w" ? .warning : ch == "c" ? .critical : .ok
            if m.check(s, at: Int64(i) * 300) { out.append(i) }
        }
        return out
    }

    @Test(arguments: [
        ("ooowww", [5]),  // hard after the third attempt
        ("owwowwo", []),  // soft problems that recover never notify
        ("owwwwwww", [3]),  // one notification per problem without an interval
        ("owwwcccwww", [3, 4, 7]),  // hard WARNING → CRITICAL → WARNING: each change notifies
        ("owccooccc", [3, 8]),  // soft state changes do not reset the attempt count
        ("owwwowww", [3, 7]),  // a recovery ends the problem; a new one needs 3 attempts again
        ("cccccoccc", [2, 8]),
    ])
    func softAndHardStates(sequence: String, expected: [Int]) {
        #expect(notifications(sequence) == expected)
    }

    @Test func oneAttemptIsHardAtOnce() {
        #expect(notifications("owowwc", attempts: 1) == [1, 3, 5])
    }

    @Test func renotificationInterval() {
        // Checks every 300 s, re-notify every 900 s while the problem lasts.
        #expect(notifications("owwwwwwwwo", interval: 900) == [3, 6])
        var m = NagiosStateMachine(maxCheckAttempts: 3, notificationInterval: nil)
        for _ in 0..<3 { _ = m.check(.critical, at: 0) }
        #expect(m.state == .critical && m.isHard)
        let again = m.check(.critical, at: 1_000_000)
        #expect(!again)
    }
}

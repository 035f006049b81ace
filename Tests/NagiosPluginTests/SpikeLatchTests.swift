import Testing
@testable import NagiosPlugin

/// The evaluator check_baseline and the analytics backtest share.
struct SpikeLatchTests {
    /// Warning above 10, critical above 20 (gap 10); warning below 0, critical below −10.
    static let limits = BandLimits(warningLow: 0, warningHigh: 10, criticalLow: -10, criticalHigh: 20)

    /// The reported states of a sequence of values, one check each.
    func states(_ values: [Double], factor: Double = 4, length: Int = 2, hold: Bool = false, recovery: Int = 0)
        -> [Status]
    {
        var latch = SpikeLatch(factor: factor, length: length, holdsCritical: hold, recoveryChecks: recovery)
        return values.enumerated().map { latch.judge($0.element, limits: Self.limits, at: Int64($0.offset) * 300).status }
    }

    @Test func limitsJudgeLikeNagiosRanges() throws {
        #expect(Self.limits.status(of: 10) == .ok && Self.limits.status(of: 10.5) == .warning)
        #expect(Self.limits.status(of: 20) == .warning && Self.limits.status(of: 20.5) == .critical)
        #expect(Self.limits.status(of: -10.5) == .critical && Self.limits.status(of: .nan) == .unknown)
        let t = try Thresholds(warning: "0:10", critical: "-10:20")
        #expect(BandLimits(t) == Self.limits)
        #expect(BandLimits(try Thresholds(warning: "~:10", critical: "~:20")) == BandLimits(warningHigh: 10, criticalHigh: 20))
        #expect(BandLimits(try Thresholds(warning: "@0:10", critical: nil)) == nil, "alerting inside has no beyond")
        for v in stride(from: -40.0, through: 80, by: 0.5) { #expect(BandLimits(t)?.status(of: v) == t.status(of: v)) }
    }

    @Test func excessIsMeasuredInWarningToCriticalGaps() {
        #expect(Self.limits.excessBeyondCritical(60) == 4)
        #expect(Self.limits.excessBeyondCritical(-30) == 2)
        #expect(Self.limits.excessBeyondCritical(20) == nil && Self.limits.excessBeyondCritical(15) == nil)
        #expect(BandLimits(criticalHigh: 20).excessBeyondCritical(1000) == nil, "no warning limit: no gap to measure")
    }

    @Test func oneExtremeSpikeHoldsCriticalForTheNextChecks() {
        // 60 is 4 gaps beyond the critical limit 20.
        #expect(states([1, 60, 1, 1, 1]) == [.ok, .critical, .critical, .critical, .ok])
        #expect(states([1, -50, 1, 1, 1]) == [.ok, .critical, .critical, .critical, .ok], "below as above")
        #expect(states([1, 60, 1, 1, 1, 1], length: 3) == [.ok, .critical, .critical, .critical, .critical, .ok])
        #expect(states([1, 60, 1, 1], length: 0) == [.ok, .critical, .ok, .ok], "length 0: no latch")
    }

    @Test func aModerateOutlierDoesNotLatch() {
        #expect(states([1, 25, 1, 1]) == [.ok, .critical, .ok, .ok])
        #expect(states([1, 59, 1, 1]) == [.ok, .critical, .ok, .ok], "3.9 gaps beyond")
        #expect(states([1, 15, 1]) == [.ok, .warning, .ok])
    }

    @Test func aNewSpikeRestartsTheLatchAndOwnStatesStillCount() {
        #expect(states([60, 1, 70, 1, 1, 1]) == [.critical, .critical, .critical, .critical, .critical, .ok])
        #expect(states([60, 15, 15, 15]) == [.critical, .critical, .critical, .warning])
    }

    /// Hysteresis: a CRITICAL ends only with an OK check, so a value
    /// hovering around the critical limit is one problem.
    @Test func criticalIsHeldUntilAnOKCheck() {
        #expect(states([1, 25, 15, 25, 15, 1, 15], hold: true) == [.ok, .critical, .critical, .critical, .critical, .ok, .warning])
        #expect(states([1, 25, 15, 25, 15, 1, 15]) == [.ok, .critical, .warning, .critical, .warning, .ok, .warning])
        #expect(states([15, 15, 25], hold: true) == [.warning, .warning, .critical], "escalation is not held back")
        #expect(states([60, 1, 15, 15, 1], hold: true) == [.critical, .critical, .critical, .critical, .ok], "after a latched spike too")
        var latch = SpikeLatch()
        _ = latch.judge(25, limits: Self.limits, at: 0)
        let held = latch.judge(15, limits: Self.limits, at: 300)
        #expect(held.own == .warning && held.status == .critical)
        #expect(held.heldSince == SpikeLatch.Spike(time: 0, value: 25, status: .critical, limit: 20, checksAgo: 1))
        #expect(SpikeLatch.defaultHoldsCritical)
    }

    @Test func theVerdictNamesTheSpike() {
        var latch = SpikeLatch(factor: 4, length: 2)
        _ = latch.judge(1, limits: Self.limits, at: 0)
        let spike = latch.judge(60, limits: Self.limits, at: 300)
        #expect(spike.own == .critical && spike.latchedBy == nil && latch.spike?.checksAgo == 0)
        let next = latch.judge(1, limits: Self.limits, at: 600)
        #expect(next.own == .ok && next.status == .critical)
        #expect(next.latchedBy == SpikeLatch.Spike(time: 300, value: 60, status: .critical, limit: 20, checksAgo: 1))
        let nan = latch.judge(.nan, limits: Self.limits, at: 900)
        #expect(nan.status == .unknown && latch.spike?.checksAgo == 1, "no value is no check")
        #expect(latch.judge(1, limits: Self.limits, at: 1200).latchedBy?.checksAgo == 2)
        #expect(latch.judge(1, limits: Self.limits, at: 1500).latchedBy == nil && latch.spike == nil)
    }

    /// Hysteresis on recovery: a hard problem (3 non-OK checks in a row)
    /// ends only after `recoveryChecks` + 1 OK checks in a row.
    @Test func aHardProblemRecoversOnlyAfterEnoughOKChecks() {
        let flapping: [Double] = [1, 15, 15, 15, 1, 1, 15, 1, 1, 1, 1]
        #expect(states(flapping, recovery: 2)
            == [.ok, .warning, .warning, .warning, .warning, .warning, .warning, .warning, .warning, .ok, .ok])
        #expect(states(flapping) == [.ok, .warning, .warning, .warning, .ok, .ok, .warning, .ok, .ok, .ok, .ok],
                "0: off")
        #expect(states([1, 15, 15, 1, 15, 15, 1, 1], recovery: 2)
            == [.ok, .warning, .warning, .ok, .warning, .warning, .ok, .ok], "a soft problem is never held")
        #expect(states([1, 25, 25, 25, 15, 1, 1, 1], hold: true, recovery: 2)
            == [.ok, .critical, .critical, .critical, .critical, .critical, .critical, .ok], "the held CRITICAL's state")
        #expect(states([1, 25, 25, 25, 1, 15, 1, 1, 1], hold: true, recovery: 2)
            == [.ok, .critical, .critical, .critical, .critical, .critical, .critical, .critical, .ok],
                "a WARNING while recovering stays CRITICAL")
        #expect(states([1, 60, 1, 1, 1, 1, 1], recovery: 2) == [.ok, .critical, .critical, .critical, .critical, .critical, .ok],
                "a latched spike is a hard problem too")
        #expect(SpikeLatch.defaultRecoveryChecks == 12)
    }

    @Test func theRecoveryVerdictNamesTheProblem() {
        var latch = SpikeLatch(recoveryChecks: 2)
        for (i, v) in [15.0, 16, 17].enumerated() { _ = latch.judge(v, limits: Self.limits, at: Int64(i) * 300) }
        let first = latch.judge(1, limits: Self.limits, at: 900)
        #expect(first.own == .ok && first.status == .warning)
        #expect(first.recoveringFrom == SpikeLatch.Spike(time: 600, value: 17, status: .warning, limit: 10, checksAgo: 1))
        #expect(latch.judge(.nan, limits: Self.limits, at: 1200).status == .unknown && latch.problem?.checksAgo == 1,
                "no value is no check")
        #expect(latch.judge(1, limits: Self.limits, at: 1500).recoveringFrom?.checksAgo == 2)
        let done = latch.judge(1, limits: Self.limits, at: 1800)
        #expect(done.status == .ok && done.recoveringFrom == nil && latch.problem == nil && latch.nonOKRun == 0)
    }

    /// The shift check: the mean of the last `shiftChecks` residuals (value
    /// − expected) beyond the band's shift limit is a WARNING, although
    /// each value is within the warning limits.
    @Test func aShiftOfTheRecentMeanIsAWarning() {
        var limits = Self.limits
        limits.expected = 5
        limits.shiftHigh = 3
        limits.shiftLow = 4
        func run(_ values: [Double]) -> [SpikeLatch.Verdict] {
            var latch = SpikeLatch(length: 2, holdsCritical: false, recoveryChecks: 0, shiftChecks: 3, burstChecks: 0)
            return values.enumerated().map { latch.judge($0.element, limits: limits, at: Int64($0.offset) * 300) }
        }
        // Residuals 0, 4, 4, 4, 0: the means 8/3, 4, 8/3 — only 4 is beyond 3.
        let up = run([5, 9, 9, 9, 5, 5])
        #expect(up.map(\.status) == [.ok, .ok, .ok, .warning, .ok, .ok])
        #expect(up.map(\.own) == [.ok, .ok, .ok, .ok, .ok, .ok])
        #expect(up[3].shift == 4 && up[2].shift == nil)
        #expect(run([5, 1, 1, 1]).map(\.status) == [.ok, .ok, .ok, .ok], "a mean of −4 is not below −4")
        #expect(run([5, 0, 0, 0]).map(\.status) == [.ok, .ok, .ok, .warning])
        // A check without a value does not count (nor break the window).
        #expect(run([5, 9, .nan, 9, 9]).map(\.status) == [.ok, .ok, .unknown, .ok, .warning])
        // Fewer checks than the window: nothing to judge yet.
        #expect(run([9, 9]).map(\.status) == [.ok, .ok])
        // A band without an expected value (or without shift limits) forgets the window.
        var latch = SpikeLatch(length: 2, holdsCritical: false, recoveryChecks: 0, shiftChecks: 3, burstChecks: 0)
        _ = latch.judge(9, limits: limits, at: 0)
        _ = latch.judge(9, limits: limits, at: 300)
        _ = latch.judge(9, limits: Self.limits, at: 600)
        #expect(latch.recentResiduals.isEmpty)
        #expect(latch.judge(9, limits: limits, at: 900).status == .ok)
        // 0 turns it off.
        var off = SpikeLatch(length: 2, holdsCritical: false, recoveryChecks: 0, shiftChecks: 0, burstChecks: 0)
        #expect([9.0, 9, 9, 9].map { off.judge($0, limits: limits, at: 0).status } == [.ok, .ok, .ok, .ok])
    }

    /// The burst check: more checks beyond a warning limit among the last
    /// `burstChecks` than the band's burst limit latch like a spike.
    @Test func aBurstOfWarningsLatches() {
        var limits = Self.limits
        limits.burstLimit = 1
        func run(_ values: [Double], length: Int = 2) -> [SpikeLatch.Verdict] {
            var latch = SpikeLatch(length: length, holdsCritical: false, recoveryChecks: 0, shiftChecks: 0,
                                   burstChecks: 4)
            return values.enumerated().map { latch.judge($0.element, limits: limits, at: Int64($0.offset) * 300) }
        }
        // The second WARNING within 4 checks is a burst: held for 2 more checks.
        let burst = run([11, 1, 11, 1, 1, 1])
        #expect(burst.map(\.status) == [.warning, .ok, .warning, .warning, .warning, .ok])
        #expect(burst[2].burst == 2 && burst[3].latchedBy?.value == 11 && burst[0].burst == nil)
        // Further apart than the window: two single warnings.
        #expect(run([11, 1, 1, 1, 11, 1]).map(\.status) == [.warning, .ok, .ok, .ok, .warning, .ok])
        // Below as above; CRITICAL keeps its state.
        #expect(run([-1, 1, -11, 1]).map(\.status) == [.warning, .ok, .critical, .critical])
        // An OK check in a burst window is not counted, and without a latch nothing is held.
        #expect(run([11, 1, 11, 1], length: 0).map(\.status) == [.warning, .ok, .warning, .ok])
        // A burst during a CRITICAL spike's latch keeps the spike's state.
        let during = run([11, 60, 11, 1, 1, 1])
        #expect(during.map(\.status) == [.warning, .critical, .critical, .critical, .ok, .ok])
        #expect(during[2].latchedBy?.value == 60 && during[2].burst == nil)
        // No burst limit in the band: not checked.
        var latch = SpikeLatch(length: 2, holdsCritical: false, recoveryChecks: 0, shiftChecks: 0, burstChecks: 4)
        #expect([11.0, 1, 11, 1].map { latch.judge($0, limits: Self.limits, at: 0).status } == [.warning, .ok, .warning, .ok])
    }
}

// Nagios Core's service state logic, reduced to what decides notifications:
// soft/hard states with max_check_attempts, a notification on each hard
// change to WARNING or CRITICAL, optional re-notification.

import NagiosPlugin

public struct NagiosStateMachine: Sendable, Hashable {
    public var maxCheckAttempts: Int
    /// Seconds between repeated notifications while a problem persists;
    /// nil = notify once per problem (Nagios `notification_interval 0`).
    public var notificationInterval: Int64?

    public private(set) var state: Status = .ok
    public private(set) var isHard = true
    /// Current attempt (1 … maxCheckAttempts) while soft.
    public private(set) var attempt = 1
    private var lastNotification: Int64 = 0

    public init(maxCheckAttempts: Int = 3, notificationInterval: Int64? = nil) {
        self.maxCheckAttempts = max(1, maxCheckAttempts)
        self.notificationInterval = notificationInterval
    }

    /// Feeds one check result; returns true when Nagios would send a problem
    /// notification (recoveries are not counted).
    public mutating func check(_ result: Status, at time: Int64) -> Bool {
        let previous = state
        let wasHard = isHard
        if result == .ok {
            // Any OK result ends a problem (hard recovery or soft recovery).
            state = .ok
            isHard = true
            attempt = 1
            return false
        }
        if previous == .ok {
            // OK → problem: soft, attempt 1 (hard at once if 1 attempt).
            state = result
            attempt = 1
            isHard = maxCheckAttempts <= 1
            return isHard ? notify(at: time) : false
        }
        if wasHard {
            // Hard problem stays hard; a change of problem state notifies.
            state = result
            if result != previous { return notify(at: time) }
            if let interval = notificationInterval, time - lastNotification >= interval {
                return notify(at: time)
            }
            return false
        }
        // Soft problem: count attempts.
        state = result
        attempt += 1
        if attempt >= maxCheckAttempts {
            isHard = true
            return notify(at: time)
        }
        return false
    }

    private mutating func notify(at time: Int64) -> Bool {
        lastNotification = time
        return true
    }
}

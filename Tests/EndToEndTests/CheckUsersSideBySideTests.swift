import Foundation
import Testing

/// check_users, ours and Debian's, on the same /var/run/utmp.
struct CheckUsersSideBySideTests {
    static let utmps = ["utmp-3users", "utmp-boot-only", "utmp-12users-truncated"]
    static let argumentSets: [[String]] = [
        ["-w", "2", "-c", "10"], ["-w", "2", "-c", "10:"], ["1", "2"], ["-w", "5:10", "-c", "20"], ["-w", "@0:3", "-c", "20"],
        ["-w", "", "-c", "2"], ["-w", "1", "-c", "2", "-v"], ["-w", "1", "-c", "2", "extra"], ["--w=3", "--c=3"],
        ["-w", "1.5", "-c", "2"],
    ]

    @Test(arguments: utmps, argumentSets)
    func sameBytesOnFixtures(_ utmp: String, _ arguments: [String]) throws {
        let (ours, c) = try LocalChecks.both("check_users", arguments, utmp: LocalChecks.fixture("utmp/" + utmp))
        #expect(ours.stdout == c.stdout)
        #expect(ours.code == c.code)
    }

    @Test func liveUsersMasked() throws {
        let (ours, c) = try LocalChecks.both("check_users", ["-w", "1000", "-c", "2000"])
        #expect(ours.code == 0 && c.code == 0)
        #expect(LocalChecks.masked(ours.stdout) == LocalChecks.masked(c.stdout))
    }

    @Test(arguments: [["--verbose"], ["-w", "5:2", "-c", "1"], ["-w", "-1", "-c", "2"], ["-x"], ["-w"], ["--bogus=1"], ["-w", "5:1", "-c", "9", "-Z"]])
    func badArgumentsAsTheCPluginSaysIt(_ arguments: [String]) throws {
        let (ours, c) = try LocalChecks.both("check_users", arguments)
        #expect(ours.code == 3 && c.code == 3)
        #expect(E2E.alike(ours, c), "ours: \(ours)\nC: \(c)")
    }

    /// 2.3.3 prints an empty reason here; ours says what is missing.
    @Test(arguments: [[], ["-w", "abc", "-c", "5"], ["-w", "10abc", "-c", "5"]])
    func badArgumentsExitUnknown(_ arguments: [String]) throws {
        let ours = try E2E.plugin("check_users", arguments)
        #expect(ours.code == 3 && ours.stdout.hasPrefix("check_users: "))
        #expect(ours.stdout.hasSuffix("Usage:\ncheck_users -w <users> -c <users>\n"))
    }

    @Test(arguments: [["-w", "1"], ["-c", "1"], ["-v"]])
    func missingThresholdIsAUsageErrorNotACrash(_ arguments: [String]) throws {
        // Debian's check_users dies of SIGSEGV here (exit 139).
        let ours = try E2E.plugin("check_users", arguments)
        #expect(ours.code == 3)
        #expect(ours.stdout.hasPrefix("check_users: ") && ours.stdout.contains("threshold"))
    }
}

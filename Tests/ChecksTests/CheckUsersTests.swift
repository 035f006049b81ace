import Testing
@testable import Checks
@testable import NagiosPlugin
import SystemProbes

struct CheckUsersTests {
    func config(_ args: [String]) throws -> CheckUsers.Configuration {
        try #require(try CheckUsers.configure(args).configuration)
    }

    func users(_ fixture: String) throws -> Int {
        Utmp.parse(try LocalCheckFixtures.bytes("utmp/" + fixture)).filter(\.isUserProcess).count
    }

    @Test func thresholdsFromOptionsOrOperands() throws {
        #expect(try config(["-w", "5", "-c", "10"]).warning == "5")
        let positional = try config(["1:", "20"])
        #expect(positional.warning == "1:" && positional.critical == "20")
        #expect(try config(["-c", "3", "7"]).warning == "7")
        #expect(try config(["-v", "-w", "1", "-c", "2", "extra"]).critical == "2")
        // Options stop at the first operand, as with the C plugin's "+" optstring.
        #expect(throws: PluginError.usage("invalid range '-w': not a number")) { try CheckUsers.configure(["1", "-w", "2"]) }
    }

    @Test(arguments: [
        ([], "Could not parse arguments"), (["-w", "1"], "Critical threshold (-c) is required"),
        (["-c", "1"], "Warning threshold (-w) is required"), (["-v"], "Warning threshold (-w) is required"),
        (["-w", "abc", "-c", "1"], "invalid range 'abc': not a number"),
        (["-w", "-1", "-c", "2"], "invalid range '-1': start is greater than end"),
        (["--verbose"], "unrecognized option '--verbose'"),
    ])
    func usageErrors(_ c: ([String], String)) {
        #expect(throws: expectedUsage(c.1)) { try CheckUsers.configure(c.0) }
    }

    @Test func countsUserProcessRecords() throws {
        #expect(try users("utmp-3users") == 3)
        #expect(try users("utmp-boot-only") == 0)
        #expect(try users("utmp-12users-truncated") == 12)
    }

    @Test(arguments: [
        ("utmp-3users", ["-w", "2", "-c", "10"], "USERS WARNING - 3 users currently logged in |users=3;2;10;0\n", Status.warning),
        ("utmp-3users", ["-w", "5", "-c", "10"], "USERS OK - 3 users currently logged in |users=3;5;10;0\n", .ok),
        ("utmp-12users-truncated", ["-w", "2", "-c", "10"], "USERS CRITICAL - 12 users currently logged in |users=12;2;10;0\n", .critical),
        ("utmp-boot-only", ["-w", "1:", "-c", "2"], "USERS WARNING - 0 users currently logged in |users=0;1:;2;0\n", .warning),
        ("utmp-boot-only", ["-w", "", "-c", "2"], "USERS OK - 0 users currently logged in |users=0;;2;0\n", .ok),
    ])
    func output(_ c: (String, [String], String, Status)) throws {
        let n = try users(c.0)
        let out = PluginMain.outcome(CheckUsers.info) { () throws(PluginError) in
            try CheckUsers.configure(c.1).run { .result(CheckUsers.evaluate(users: n, $0)) }
        }
        #expect(out == (c.2, c.3))
    }
}

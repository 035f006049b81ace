import Foundation
import Testing
@testable import Checks
@testable import NagiosPlugin
@testable import SystemProbes

/// Fixtures shared with SystemProbesTests.
enum SystemFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("SystemProbesTests/Fixtures")
    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    static func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: directory.appendingPathComponent(name))) }
}

struct CheckAptTests {
    func config(_ args: [String]) throws -> CheckApt.Configuration {
        try #require(try CheckApt.configure(args).configuration, "no configuration for \(args)")
    }

    /// Evaluates a fixture as the upgrade output (what --input-file does).
    func check(_ fixture: String, _ args: [String]) throws -> (String, Status) {
        let c = try config(args)
        let run = CheckApt.Run(parsed: try AptUpgradeOutput(contentsOf: SystemFixtures.path("apt/" + fixture)))
        let f = CheckApt.evaluate(update: nil, upgrade: c.upgrade == .none ? nil : run, regexes: try CheckApt.compile(c), c)
        return (f.trace + CheckApt.render(f, c), f.state)
    }

    @Test func bookwormListsSecurityFirstThenTheRestSorted() throws {
        let (text, status) = try check("bookworm-upgrade.txt", ["-l"])
        #expect(status == .critical)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0] == "APT CRITICAL: 30 packages available for upgrade (11 critical updates). |available_upgrades=30;;;0 critical_updates=11;;;0")
        #expect(lines[1...3] == ["libapt-pkg6.0 (security)", "libgcrypt20 (security)", "libgcrypt20-dev (security)"])
        #expect(lines[11] == "zip (security)" && lines[12] == "base-files" && lines.last == "systemd-timesyncd")
        #expect(lines.count == 31)
    }

    @Test(arguments: [
        ("bookworm-upgrade.txt", ["-d"], "APT CRITICAL: 30 packages available for dist-upgrade (11 critical updates). |available_upgrades=30;;;0 critical_updates=11;;;0\n", Status.critical),
        ("bookworm-upgrade.txt", ["-i", "^Inst (bash|sed) "], "APT WARNING: 2 packages available for upgrade (0 critical updates). |available_upgrades=2;;;0 critical_updates=0;;;0\n", .warning),
        ("bookworm-upgrade.txt", ["-i", "bash", "-i", "sed", "-e", "bash"], "APT WARNING: 1 packages available for upgrade (0 critical updates). |available_upgrades=1;;;0 critical_updates=0;;;0\n", .warning),
        ("bookworm-upgrade.txt", ["-e", "Security", "-o"], "APT OK: 19 packages available for upgrade (0 critical updates). |available_upgrades=19;;;0 critical_updates=0;;;0\n", .ok),
        ("bookworm-upgrade.txt", ["-e", "Security", "-w", "20"], "APT OK: 19 packages available for upgrade (0 critical updates). |available_upgrades=19;;;0 critical_updates=0;;;0\n", .ok),
        ("bookworm-upgrade.txt", ["-e", "Security", "-w", "19"], "APT WARNING: 19 packages available for upgrade (0 critical updates). |available_upgrades=19;;;0 critical_updates=0;;;0\n", .warning),
        ("empty.txt", [], "APT OK: 0 packages available for upgrade (0 critical updates). |available_upgrades=0;;;0 critical_updates=0;;;0\n", .ok),
        ("empty.txt", ["-w", "0"], "APT WARNING: 0 packages available for upgrade (0 critical updates). |available_upgrades=0;;;0 critical_updates=0;;;0\n", .warning),
        ("empty.txt", ["-n", "-l"], "APT OK: 0 packages available for upgrade (0 critical updates). |available_upgrades=0;;;0 critical_updates=0;;;0\n", .ok),
        ("ubuntu-jammy-upgrade.txt", ["-l"], "APT CRITICAL: 5 packages available for upgrade (2 critical updates). |available_upgrades=5;;;0 critical_updates=2;;;0\nlibssl3 (security)\nopenssl (security)\nsnapd\ntzdata\nzlib1g\n", .critical),
        ("ubuntu-jammy-upgrade.txt", ["-l", "-o", "-c", "proposed"], "APT CRITICAL: 5 packages available for upgrade (1 critical updates). |available_upgrades=5;;;0 critical_updates=1;;;0\nzlib1g (security)\n", .critical),
        ("odd-lines.txt", ["-l"], "APT CRITICAL: 3 packages available for upgrade (1 critical updates). |available_upgrades=3;;;0 critical_updates=1;;;0\n (security)\nlastline\nonlyname\n", .critical),
    ])
    func classifiesLikeTheCPlugin(_ c: (String, [String], String, Status)) throws {
        let (text, status) = try check(c.0, c.1)
        #expect(text == c.2)
        #expect(status == c.3)
    }

    @Test func verboseEchoesLinesAndStarsMatches() throws {
        let (text, _) = try check("odd-lines.txt", ["-v"])
        #expect(text.hasPrefix("""
            Reading package lists...
            Inst onlyname
            *Inst onlyname
            Install notapackage [1]
            Inst  leadingspace [1] (2 Debian-Security:12/stable-security [all])
            **Inst  leadingspace [1] (2 Debian-Security:12/stable-security [all])
            Inst lastline [1] (2 Debian:12/stable [all])
            *Inst lastline [1] (2 Debian:12/stable [all])
            APT CRITICAL:
            """))
    }

    @Test func repeatedExpressionsAreOred() throws {
        let c = try config(["-i", "a", "--include=b", "-ic", "-e", "x", "-c", "s1", "-c", "s2"])
        #expect(c.include == "(a|b|c)" && c.exclude == "(x)" && c.critical == "(s1|s2)")
        #expect(try config([]).include == nil)
    }

    @Test func upgradeModesAndOptionalOptions() throws {
        var c = try config(["-d"])
        #expect(c.upgrade == .distUpgrade && c.upgradeOptions == nil)
        c = try config(["--dist-upgrade=-s -q", "-U"])
        #expect(c.upgrade == .upgrade && c.upgradeOptions == "-s -q")
        c = try config(["-u-q -o X=1", "-n"])
        #expect(c.update && c.updateOptions == "-q -o X=1" && c.upgrade == .none)
        // An optional value must be attached: "-d OPTS" leaves OPTS an operand.
        c = try config(["-d", "opts"])
        #expect(c.upgradeOptions == nil)
        #expect(try config(["--input-file", "/x", "-t", "30", "-w", "-2"]).inputFile == "/x")
        #expect(try config(["-t", "30"]).timeout == 30)
        #expect(try config(["-w", "-2"]).packagesWarning == -2)
    }

    @Test func commandLines() {
        #expect(CheckApt.commandLine(.upgrade, options: nil) == "/usr/bin/apt-get -o 'Debug::NoLocking=true' -s -qq upgrade")
        #expect(CheckApt.commandLine(.distUpgrade, options: "-s") == "/usr/bin/apt-get -s dist-upgrade")
        #expect(CheckApt.commandLine(.none, options: nil) == "/usr/bin/apt-get -q update")
    }

    @Test(arguments: [
        ("/usr/bin/apt-get -o 'Debug::NoLocking=true' -s -qq upgrade", ["/usr/bin/apt-get", "-o", "Debug::NoLocking=true", "-s", "-qq", "upgrade"]),
        ("a  b\tc ", ["a", "b", "c"]), ("a 'b c'd", ["a", "b c", "d"]), ("a -o'x y'", ["a", "-o'x", "y'"]),
        ("a '' b", ["a", "' b"]), ("", [""]),
    ])
    func splitsLikeNpRuncmd(_ c: (String, [String])) {
        #expect(CheckApt.split(c.0) == c.1)
    }

    @Test(arguments: ["a \"b\"", "a ' b", "a '''", "a 'b"])
    func refusesWhatNpRuncmdRefuses(_ line: String) {
        #expect(CheckApt.split(line) == nil)
    }

    @Test func unsplittableCommandIsUnknown() {
        #expect(throws: PluginError.state(.unknown, "Could not open pipe: /usr/bin/apt-get -o \"x\" upgrade")) {
            try CheckApt.execute(CheckApt.commandLine(.upgrade, options: "-o \"x\""))
        }
    }

    @Test func failedRunsAndStandardErrorAreReported() throws {
        let c = try config(["-u"])
        let regexes = try CheckApt.compile(c)
        // A failing update is CRITICAL; stderr adds "warnings detected".
        var f = CheckApt.evaluate(update: CheckApt.Run(stderr: Array("E: x\n".utf8), failed: true), upgrade: CheckApt.Run(), regexes: regexes, c)
        #expect(f.state == .critical)
        #expect(CheckApt.render(f, c) == "APT CRITICAL: 0 packages available for upgrade (0 critical updates).  warnings detected, errors detected.|available_upgrades=0;;;0 critical_updates=0;;;0\n")
        #expect(f.errors == "'/usr/bin/apt-get -q update' exited with non-zero status.\n")
        // A failing upgrade alone is UNKNOWN; with stderr it becomes WARNING (max_state).
        let plain = try config([])
        f = CheckApt.evaluate(update: nil, upgrade: CheckApt.Run(failed: true), regexes: regexes, plain)
        #expect(f.state == .unknown)
        #expect(CheckApt.render(f, plain).hasPrefix("APT UNKNOWN: 0 packages available for upgrade (0 critical updates).  errors detected.|"))
        f = CheckApt.evaluate(update: nil, upgrade: CheckApt.Run(stderr: [0x41], failed: true), regexes: regexes, plain)
        #expect(f.state == .warning)
        f = CheckApt.evaluate(update: nil, upgrade: CheckApt.Run(stderr: [0x41]), regexes: regexes, plain)
        #expect(CheckApt.render(f, plain).hasPrefix("APT WARNING: 0 packages available for upgrade (0 critical updates).  warnings detected.|"))
        // Standard error of a file read (--input-file) never counts.
        var fromFile = plain
        fromFile.inputFile = "/x"
        f = CheckApt.evaluate(update: nil, upgrade: CheckApt.Run(stderr: [0x41]), regexes: regexes, fromFile)
        #expect(f.state == .ok && !f.stderrWarning)
    }

    @Test(arguments: [(["-c", "("], "Unmatched ( or \\("), (["-i", "a{2,1}"], "Invalid content of \\{\\}")])
    func badExpressionsAreUnknown(_ c: ([String], String)) throws {
        #expect(throws: PluginError.state(.unknown, "check_apt: Error compiling regexp: \(c.1)")) {
            try CheckApt.compile(try config(c.0))
        }
    }

    @Test(arguments: [["-t", "abc"], ["-t", "-1"], ["-w", "x"], ["-w", "1.5"], ["-x"], ["-i"], ["--bogus"], ["-t"]])
    func badArgumentsAreUsageErrors(_ args: [String]) {
        let (text, status) = PluginMain.outcome(CheckApt.info) { () throws(PluginError) in
            if case .exit(let e) = try CheckApt.configure(args) { return e }
            return .text("configured", .ok)
        }
        #expect(status == .unknown)
        // getopt's complaints go to standard error: the usage alone on standard output.
        #expect((text.hasPrefix("check_apt: ") && text.contains("\nUsage:\ncheck_apt [[-d|-u|-U]opts]"))
                || text.hasPrefix("Usage:\ncheck_apt [[-d|-u|-U]opts]"), "\(text)")
    }
}

/// check_apt matches its default security expression by hand; it must
/// answer exactly what glibc's regexec answers for that expression.
struct CheckAptSecurityMatcherTests {
    static let handPicked: [String] = [
        "", "(", "( ", "( Debian-Security:", "(Debian-Security:", "x ( Debian-Security:",
        "Inst a [1] (2 Debian-Security:12/stable-security [amd64])",
        "Inst a [1] (2 Debian:12.15/oldstable, Debian-Security:12/oldstable-security [amd64]) []",
        "Inst a [1] (2 Debian:12.15/oldstable [amd64])",
        "Inst a [1] (2 debian-security:12 [amd64])",
        "Inst a [1] (2 Debian-Security [amd64])",
        "Inst a \\[1] (2 Debian-Security:12 [amd64])",
        "Inst a [1] (2 Debian-Security:12 [amd64]) \\",
        "Inst a [1] \\(2 Debian-Security:12 [amd64])",
        "Inst a [1]  Debian-Security:12 (x)",
        "Inst a [1] (x) Debian-Security:",
        "Inst a [1] (x)(y) Debian-Security:",
        "Inst a [1] (2 Ubuntu:22.04/jammy-security [amd64])",
        "Inst a [1] (2 Ubuntu:22.04/jammy-updates [amd64])",
        "Inst a [1] (2 Ubuntu:22.04/jammy-updates, Ubuntu:22.04/jammy-security [amd64])",
        "Inst a [1] (2 Ubuntu:22.04/jammy-proposed-security [amd64])",
        "Inst a [1] (2 Ubuntu:22/04/jammy-security [amd64])",
        "Inst a [1] (2 Ubuntu:22.04-x/jammy-security [amd64])",
        "Inst a [1] (2 Ubuntu:-/-security)", "( Ubuntu:/-security", "( Ubuntu:/-securit",
        "( Ubuntu:/x-security", "( Ubuntu:-security", "( Ubuntu:/", "( Ubuntu:", "( Ubuntu:/-",
        "( Ubuntu:a/b-securityX", "(  Ubuntu:a/b-security", "( xUbuntu:a/b-security",
        "( Ubuntu:a/b-secure Ubuntu:c/d-security", "( Ubuntu:a/b Debian-Security:",
        "( Debian-Security:\u{e9}", "\u{e9}( Debian-Security:", "( \u{e9}Ubuntu:a/b-security",
    ]

    /// Every string over a small alphabet of the expression's
    /// significant pieces, up to four pieces long.
    static var generated: [String] {
        let pieces = ["(", "\\", " ", "Debian-Security:", "Ubuntu:", "/", "-", "-security", "x", "Debian-Security"]
        var all: [String] = [""]
        var level: [String] = [""]
        for _ in 0..<4 {
            level = level.flatMap { s in pieces.map { s + $0 } }
            all += level
        }
        return all
    }

    @Test func agreesWithRegexecOnEveryCandidate() throws {
        let regex = try PosixRegex(CheckApt.securityPattern)
        var disagreements: [String] = []
        for line in Self.handPicked + Self.generated {
            let mine = line.withCString { CheckApt.matchesSecurityPattern($0) }
            if mine != regex.matches(line) { disagreements.append(line) }
        }
        #expect(disagreements.isEmpty, "differs from regexec on \(disagreements.prefix(10))")
    }

    @Test func agreesWithRegexecOnTheFixtures() throws {
        let regex = try PosixRegex(CheckApt.securityPattern)
        for name in ["bookworm-upgrade.txt", "ubuntu-jammy-upgrade.txt", "odd-lines.txt"] {
            let output = try AptUpgradeOutput(contentsOf: SystemFixtures.path("apt/" + name))
            output.forEachLine { _, line in
                #expect(CheckApt.matchesSecurityPattern(line) == regex.matches(cString: line), "\(name): \(String(cString: line))")
            }
        }
    }

    @Test func anExplicitCriticalExpressionStillUsesRegexec() throws {
        let c = try #require(try CheckApt.configure(["-c", "Debian-Security"]).configuration)
        let regexes = try CheckApt.compile(c)
        #expect(regexes.critical != nil)
        #expect("Inst a (Debian-Security)".withCString { regexes.isSecurity($0) })
        let defaults = try CheckApt.compile(try #require(try CheckApt.configure([]).configuration))
        #expect(defaults.critical == nil)
    }
}

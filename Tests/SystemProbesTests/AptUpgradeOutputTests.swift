import Foundation
import Testing
@testable import SystemProbes

struct AptUpgradeOutputTests {
    func installs(_ o: AptUpgradeOutput) -> [String] {
        (0..<o.lineCount).filter(o.isInstallLine).map(o.packageName)
    }

    @Test func bookwormSimulationListsEveryInstLine() throws {
        let o = try AptUpgradeOutput(contentsOf: ProbeFixtures.path("apt/bookworm-upgrade.txt"))
        #expect(o.lineCount == 48)
        let names = installs(o)
        #expect(names.count == 30)
        #expect(names.prefix(4) == ["base-files", "bash", "libgcrypt20-dev", "libgcrypt20"])
        #expect(names.contains("tzdata") && !names.contains("Conf"))
        #expect(o.line(1) == "Conf base-files (12.4+deb12u15 Debian:12.15/oldstable [amd64])")
    }

    @Test func readingAFileEqualsSplittingItsBytes() throws {
        let bytes = try ProbeFixtures.bytes("apt/bookworm-upgrade.txt")
        let fromFile = try AptUpgradeOutput(contentsOf: ProbeFixtures.path("apt/bookworm-upgrade.txt"))
        #expect(AptUpgradeOutput(bytes: bytes) == fromFile)
    }

    @Test func oddLines() throws {
        let o = try AptUpgradeOutput(contentsOf: ProbeFixtures.path("apt/odd-lines.txt"))
        #expect(o.lineCount == 5)
        // "Install …" is not "Inst "; a name with no version is the whole rest;
        // a double space gives an empty name, as the C plugin reads it.
        #expect(installs(o) == ["onlyname", "", "lastline"])
        #expect(o.line(4) == "Inst lastline [1] (2 Debian:12/stable [all])")
    }

    @Test func emptyOutputHasNoLines() throws {
        let o = try AptUpgradeOutput(contentsOf: ProbeFixtures.path("apt/empty.txt"))
        #expect(o.lineCount == 0 && o.text == "")
        #expect(AptUpgradeOutput(bytes: Array("\n\n".utf8)).lineCount == 2)
    }

    @Test func linesAreCStringsInPlace() {
        let o = AptUpgradeOutput(bytes: Array("Inst a [1]\nConf a\nInst b".utf8))
        var seen: [String] = []
        o.forEachLine { _, p in seen.append(String(cString: p)) }
        #expect(seen == ["Inst a [1]", "Conf a", "Inst b"])
        #expect(o.text == "Inst a [1]\nConf a\nInst b\n")
    }

    @Test func missingFileNamesTheCall() {
        #expect(throws: SystemError(call: "open", path: "/nonexistent/apt.txt", errno: ENOENT)) {
            try AptUpgradeOutput(contentsOf: "/nonexistent/apt.txt")
        }
    }
}

struct PosixRegexTests {
    @Test func extendedSyntaxAndGroups() throws {
        let r = try PosixRegex("^Inst (bash|sed) \\[([^]]*)\\]")
        #expect(r.matches("Inst bash [5.2] (x)"))
        #expect(!r.matches("Inst bashful [1]"))
        #expect(r.groups("Inst sed [4.9-1] (4.9-1+deb12u1)") == ["sed", "4.9-1"])
        #expect(r.groups("Conf sed") == nil)
    }

    @Test func securityPatternOfCheckApt() throws {
        let r = try PosixRegex("^[^\\(]*\\(.* (Debian-Security:|Ubuntu:[^/]*/[^-]*-security)")
        #expect(r.matches("Inst apt [2.6.1] (2.6.2 Debian-Security:12/oldstable-security [amd64])"))
        #expect(r.matches("Inst libssl3 [3.0.2] (3.0.2-1 Ubuntu:22.04/jammy-updates, Ubuntu:22.04/jammy-security [amd64])"))
        #expect(!r.matches("Inst bash [5.2] (5.2.15 Debian:12.15/oldstable [amd64])"))
        #expect(!r.matches("Inst snapd [2.58] (2.60 Ubuntu:22.04/jammy-updates [amd64])"))
    }

    @Test func newlineOptionMakesDollarMatchBeforeANewline() throws {
        let perlish = try PosixRegex("Requests: ([0-9]+)$", options: [.extended, .newline])
        let plain = try PosixRegex("Requests: ([0-9]+)$")
        let line = Array("Total Requests: 5\n".utf8)
        #expect(perlish.groups(line) == ["5"])
        #expect(plain.groups(line) == nil)
        #expect(try PosixRegex("total", options: [.extended, .ignoreCase]).matches("TOTAL"))
    }

    @Test(arguments: [("(", "Unmatched ( or \\("), ("a{2,1}", "Invalid content of \\{\\}")])
    func badPatternsGiveRegerrorsMessage(_ c: (String, String)) {
        #expect(throws: RegexError(pattern: c.0, message: c.1)) { try PosixRegex(c.0) }
    }
}

import Foundation
import NagiosPlugin
import Testing

/// Runs every installed plugin under a real Nagios Core and checks that
/// Nagios records what the plugin prints when run by hand as the same user
/// (`nagios`): the state, the summary (exactly, or its stable prefix where
/// the values move between runs) and perfdata our parser reads without error.
@Suite(.serialized)
struct NagiosRunTests {
    enum Match { case exact, prefix(String) }

    struct Case {
        let service: String
        let plugin: String
        let arguments: [String]
        let match: Match
    }

    /// One service per row. No `;` or `!` in arguments (Nagios object
    /// syntax); `@DIR@` is the private Nagios directory.
    static let cases: [Case] = [
        Case(service: "dummy ok", plugin: "check_dummy", arguments: ["0", "all good"], match: .exact),
        Case(service: "dummy critical", plugin: "check_dummy", arguments: ["2", "broken"], match: .exact),
        Case(service: "dummy bad argument", plugin: "check_dummy", arguments: ["x"], match: .exact),
        Case(service: "negate ok", plugin: "negate", arguments: ["\(E2E.plugins)/check_dummy", "0", "fine"], match: .exact),
        Case(service: "negate substitute", plugin: "negate",
             arguments: ["-s", "-o", "warning", "\(E2E.plugins)/check_dummy", "0", "OK"], match: .exact),
        Case(service: "load", plugin: "check_load", arguments: ["-w", "500,400,300", "-c", "1000,800,600"],
             match: .prefix("LOAD OK - total load average: ")),
        Case(service: "load per cpu", plugin: "check_load", arguments: ["-r", "-w", "500", "-c", "1000"],
             match: .prefix("LOAD OK - scaled load average: ")),
        Case(service: "disk root", plugin: "check_disk", arguments: ["-w", "1%", "-c", "1%", "-p", "/"],
             match: .prefix("DISK OK - free space: / ")),
        Case(service: "swap", plugin: "check_swap", arguments: ["-w", "20%", "-c", "10%"], match: .exact),
        Case(service: "users", plugin: "check_users", arguments: ["-w", "500", "-c", "1000"], match: .exact),
        Case(service: "procs", plugin: "check_procs", arguments: ["-w", "50000", "-c", "100000"], match: .prefix("PROCS OK: ")),
        Case(service: "procs nagios", plugin: "check_procs", arguments: ["-C", "nagios4", "-c", "1:"], match: .prefix("PROCS OK: ")),
        Case(service: "file age", plugin: "check_file_age",
             arguments: ["-f", "/etc/hostname", "-w", "2000000000", "-c", "2100000000"], match: .prefix("FILE_AGE OK: /etc/hostname is ")),
        Case(service: "cluster", plugin: "check_cluster", arguments: ["-s", "-d", "0,0,1", "-w", "1", "-c", "2"], match: .exact),
        Case(service: "nagios itself", plugin: "check_nagios",
             arguments: ["-F", "@DIR@/status.dat", "-e", "5", "-C", "@DIR@/nagios.cfg"], match: .prefix("NAGIOS OK: ")),
        Case(service: "apt", plugin: "check_apt", arguments: ["-t", "60"], match: .exact),
        Case(service: "sensors", plugin: "check_sensors", arguments: [], match: .exact),
        Case(service: "mailq", plugin: "check_mailq", arguments: ["-M", "exim", "-w", "10", "-c", "20"], match: .exact),
    ]

    @Test func pluginsUnderRealNagios() throws {
        for c in Self.cases { try E2E.require("\(E2E.plugins)/\(c.plugin)") }
        let dir = NagiosHarness.newDirectoryPath()
        let resolved = Self.cases.map { c in
            Case(service: c.service, plugin: c.plugin,
                 arguments: c.arguments.map { $0.replacingOccurrences(of: "@DIR@", with: dir) }, match: c.match)
        }
        let services = resolved.map { c in
            NagiosHarness.Service(description: c.service,
                                  commandLine: ([E2E.plugins + "/" + c.plugin] + c.arguments.map(Self.quoted)).joined(separator: " "))
        }
        let nagios = try NagiosHarness(services: services, directory: dir)
        defer { nagios.stop() }
        let verify = try nagios.verify()
        #expect(verify.code == 0, "nagios4 -v: \(verify.stdout)")
        try nagios.start()
        let status = try nagios.waitForResults()
        let perfLines = try nagios.perfdataLines()
        for c in resolved {
            let direct = try E2E.run("/usr/sbin/runuser", ["-u", "nagios", "--", E2E.plugins + "/" + c.plugin] + c.arguments)
            let recorded = try #require(status[c.service], "no result for \(c.service)")
            let first = direct.stdout.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let summary = first.split(separator: "|", maxSplits: 1).first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
            #expect(recorded.state == Int(direct.code), "\(c.service): Nagios \(recorded) / by hand \(direct)")
            switch c.match {
            case .exact: #expect(recorded.output == summary, "\(c.service)")
            case .prefix(let p):
                #expect(recorded.output.hasPrefix(p), "\(c.service): \(recorded.output)")
                #expect(summary.hasPrefix(p), "\(c.service): \(summary)")
            }
            // What Nagios passed on as perfdata reads back without an error.
            let parsed = PerfdataProbe.parse(recorded.perfdata)
            #expect(parsed.errors == 0, "\(c.service): \(recorded.perfdata)")
            if first.contains("|") {
                #expect(parsed.items > 0, "\(c.service): no perfdata recorded")
                #expect(perfLines.contains { $0.contains("SERVICEDESC::\(c.service)\t") }, "\(c.service) not in the perfdata file")
            }
        }
    }

    /// Single-quotes an argument for the shell Nagios runs commands with.
    static func quoted(_ s: String) -> String {
        if s.allSatisfy({ $0.isLetter || $0.isNumber || "/._-:@%,=~".contains($0) }) { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// Counts of what our parser reads from a perfdata string.
enum PerfdataProbe {
    static func parse(_ text: String) -> (items: Int, errors: Int) {
        let r = PerfdataParser.parse(text)
        return (r.items.count, r.errors.count)
    }
}

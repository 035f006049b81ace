import Foundation
import Testing

/// Runs our installed plugins under a real Nagios Core and checks that
/// Nagios records exactly what the plugin prints when run by hand: state,
/// summary, perfdata (also in the PNP4Nagios-style perfdata file).
@Suite(.serialized)
struct NagiosRunTests {
    /// One service per row: description, arguments after the plugin path.
    /// Rows use no `;` or `!` (Nagios object syntax) and give stable results.
    static let cases: [(service: String, plugin: String, arguments: [String])] = [
        ("dummy ok", "check_dummy", ["0", "all good"]),
        ("dummy critical", "check_dummy", ["2", "broken"]),
        ("dummy bad argument", "check_dummy", ["x"]),
        ("negate ok", "negate", ["\(E2E.plugins)/check_dummy", "0", "fine"]),
        ("negate substitute", "negate", ["-s", "-o", "warning", "\(E2E.plugins)/check_dummy", "0", "OK"]),
    ]

    @Test func pluginsUnderRealNagios() throws {
        for c in Self.cases { try E2E.require("\(E2E.plugins)/\(c.plugin)") }
        let services = Self.cases.map { c in
            NagiosHarness.Service(description: c.service,
                                  commandLine: ([E2E.plugins + "/" + c.plugin] + c.arguments.map(Self.quoted)).joined(separator: " "))
        }
        let nagios = try NagiosHarness(services: services)
        defer { nagios.stop() }
        let verify = try nagios.verify()
        #expect(verify.code == 0, "nagios4 -v: \(verify.stdout)")
        try nagios.start()
        let status = try nagios.waitForResults()
        for c in Self.cases {
            let direct = try E2E.plugin(c.plugin, c.arguments)
            let recorded = try #require(status[c.service], "no result for \(c.service)")
            let lines = direct.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            let first = lines.first.map(String.init) ?? ""
            let summary = first.split(separator: "|", maxSplits: 1).first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
            #expect(recorded.state == Int(direct.code), "\(c.service)")
            #expect(recorded.output == summary, "\(c.service)")
        }
    }

    /// Single-quotes an argument for the shell Nagios runs commands with.
    static func quoted(_ s: String) -> String {
        if s.allSatisfy({ $0.isLetter || $0.isNumber || "/._-:@%,=~".contains($0) }) { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

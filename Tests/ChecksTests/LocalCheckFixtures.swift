import Foundation
import NagiosPlugin
import SystemProbes

/// The fixtures of the local-system checks live with the probes' tests:
/// `Tests/SystemProbesTests/Fixtures/{load,swap,procs,utmp}`.
enum LocalCheckFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("SystemProbesTests/Fixtures")

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static func root(_ name: String) -> SystemRoot { SystemRoot(path: path(name)) }

    static func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: directory.appendingPathComponent(name))) }
}

/// The error a refused command line is expected to give: getopt's
/// complaints become ``PluginError/getopt(_:preface:)`` (stderr, then the
/// usage), a reversed range 2.3.3's "Range format incorrect", anything
/// else the plugin's own `name: reason` usage error.
func expectedUsage(_ message: String) -> PluginError {
    let getopt = ["invalid option -- ", "unrecognized option '", "requires an argument", "is ambiguous; possibilities",
                  "doesn't allow an argument"]
    if getopt.contains(where: { message.contains($0) }) { return .getopt(message) }
    if message.hasSuffix("start is greater than end") { return .state(.unknown, "Range format incorrect") }
    return .usage(message)
}

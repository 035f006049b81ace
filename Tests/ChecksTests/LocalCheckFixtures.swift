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

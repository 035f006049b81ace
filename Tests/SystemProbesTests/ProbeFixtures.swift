import Foundation

/// Fixture files under `Tests/SystemProbesTests/Fixtures/` (also read by the
/// ChecksTests of the plugins that parse them).
enum ProbeFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
    }
}

import Foundation
import Testing

/// Paths and process helpers shared by the end-to-end tests, which run the
/// installed plugins (`scripts/build` puts them in `plugins/`) the way
/// Nagios does, and the C plugins from Debian for side-by-side comparison.
enum E2E {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    /// Our plugins (override with VIGIL_PLUGIN_DIR).
    static let plugins = ProcessInfo.processInfo.environment["VIGIL_PLUGIN_DIR"] ?? repo.appendingPathComponent("plugins").path
    /// Debian's monitoring-plugins 2.3.3.
    static let cPlugins = "/usr/lib/nagios/plugins"

    struct Result: Equatable, CustomStringConvertible {
        var stdout: String
        var stderr: String
        var code: Int32
        var description: String { "exit \(code)\nstdout: \(stdout)\nstderr: \(stderr)" }
    }

    /// Runs an executable with arguments (no shell), optional stdin and
    /// environment additions, and returns what it printed and its exit code.
    static func run(_ path: String, _ arguments: [String], stdin: String? = nil,
                    environment: [String: String] = [:], directory: String? = nil) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        if !environment.isEmpty {
            p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        // Outputs go to files, so that a chatty child can never block on a full pipe.
        let dir = FileManager.default.temporaryDirectory
        let outURL = dir.appendingPathComponent("vigil-e2e-\(UUID().uuidString).out")
        let errURL = dir.appendingPathComponent("vigil-e2e-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        let inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        try p.run()
        if let stdin { inp.fileHandleForWriting.write(Data(stdin.utf8)) }
        try inp.fileHandleForWriting.close()
        p.waitUntilExit()
        try out.close()
        try err.close()
        return Result(stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                      stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self),
                      code: p.terminationStatus)
    }

    /// Runs our plugin `name` from `plugins/`.
    static func plugin(_ name: String, _ arguments: [String], stdin: String? = nil,
                       environment: [String: String] = [:]) throws -> Result {
        try run(plugins + "/" + name, arguments, stdin: stdin, environment: environment)
    }

    /// Runs Debian's C plugin `name`.
    static func cPlugin(_ name: String, _ arguments: [String], stdin: String? = nil,
                        environment: [String: String] = [:]) throws -> Result {
        try run(cPlugins + "/" + name, arguments, stdin: stdin, environment: environment)
    }

    /// Fails the test (rather than skipping it) when a prerequisite is missing:
    /// scripts/setup installs everything these tests need.
    static func require(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try #require(FileManager.default.isExecutableFile(atPath: path),
                     "missing \(path): run scripts/setup and scripts/build", sourceLocation: sourceLocation)
    }
}

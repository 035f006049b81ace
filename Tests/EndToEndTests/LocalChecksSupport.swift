import Foundation
import Testing

/// Helpers for the side-by-side tests of check_load, check_swap,
/// check_users and check_procs: both implementations read the same fixture
/// files because each run happens in a private mount namespace where the
/// fixture is bind-mounted over the system file (root and util-linux's
/// `unshare` are needed; scripts/setup runs as root).
enum LocalChecks {
    static let fixtures = E2E.repo.appendingPathComponent("Tests/SystemProbesTests/Fixtures")

    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    /// Exit code of the namespace set-up when a mount fails.
    static let setupFailed: Int32 = 99

    /// Runs `program args` with each `(file, target)` bind-mounted over
    /// `target`; with `utmp`, /run is a fresh tmpfs holding that file as
    /// /run/utmp (the utmp file does not exist here to mount over).
    static func run(_ program: String, _ arguments: [String], binds: [(String, String)] = [],
                    utmp: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> E2E.Result {
        var script = ""
        var parameters: [String] = []
        for (file, target) in binds {
            script += "mount --bind \"$1\" \"$2\" || exit \(setupFailed); shift 2; "
            parameters += [file, target]
        }
        if let utmp {
            script += "mount -t tmpfs none /run && cp \"$1\" /run/utmp || exit \(setupFailed); shift; "
            parameters.append(utmp)
        }
        script += "exec \"$@\""
        try E2E.require("/usr/bin/unshare", sourceLocation: sourceLocation)
        let r = try E2E.run("/usr/bin/unshare", ["-m", "/bin/sh", "-c", script, "sh"] + parameters + [program] + arguments)
        try #require(r.code != setupFailed, "mount namespace set-up failed (root needed): \(r.stderr)",
                     sourceLocation: sourceLocation)
        return r
    }

    /// Our plugin and Debian's, run the same way.
    static func both(_ name: String, _ arguments: [String], binds: [(String, String)] = [], utmp: String? = nil,
                     sourceLocation: SourceLocation = #_sourceLocation) throws -> (ours: E2E.Result, c: E2E.Result) {
        let ours = E2E.plugins + "/" + name, c = E2E.cPlugins + "/" + name
        try E2E.require(ours, sourceLocation: sourceLocation)
        try E2E.require(c, sourceLocation: sourceLocation)
        if binds.isEmpty && utmp == nil {
            return (try E2E.run(ours, arguments), try E2E.run(c, arguments))
        }
        return (try run(ours, arguments, binds: binds, utmp: utmp, sourceLocation: sourceLocation),
                try run(c, arguments, binds: binds, utmp: utmp, sourceLocation: sourceLocation))
    }

    /// Every number replaced by `N` (and "processes" by "process"), for
    /// output of live values that may change between the two runs.
    static func masked(_ text: String) -> String {
        text.replacingOccurrences(of: "[0-9]+(\\.[0-9]+)?", with: "N", options: .regularExpression)
            .replacingOccurrences(of: "N processes", with: "N process")
    }

    /// A temporary file with `contents`, removed by the caller.
    static func temporaryFile(_ contents: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-local-\(UUID().uuidString)")
        try contents.write(to: url, atomically: true, encoding: .utf8)
        return url
    }
}

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
    ///
    /// The child starts with an empty signal mask and default dispositions:
    /// test runners block signals in their threads, and a plugin (or Nagios)
    /// inheriting that mask never sees its SIGALRM or SIGCHLD.
    static func run(_ path: String, _ arguments: [String], stdin: String? = nil,
                    environment: [String: String] = [:], directory: String? = nil) throws -> Result {
        let dir = FileManager.default.temporaryDirectory
        let outPath = dir.appendingPathComponent("vigil-e2e-\(UUID().uuidString).out").path
        let errPath = dir.appendingPathComponent("vigil-e2e-\(UUID().uuidString).err").path
        let inPath = dir.appendingPathComponent("vigil-e2e-\(UUID().uuidString).in").path
        try Data((stdin ?? "").utf8).write(to: URL(fileURLWithPath: inPath))
        defer { for p in [outPath, errPath, inPath] { unlink(p) } }
        let pid = try spawn(path, arguments, environment: environment, directory: directory,
                            stdin: inPath, stdout: outPath, stderr: errPath)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw HarnessError("waitpid: \(errno)") }
        }
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Result(stdout: String(decoding: try Data(contentsOf: URL(fileURLWithPath: outPath)), as: UTF8.self),
                      stderr: String(decoding: try Data(contentsOf: URL(fileURLWithPath: errPath)), as: UTF8.self),
                      code: code)
    }

    /// posix_spawn with files for the standard streams, a clean signal state,
    /// and optionally another working directory. Returns the child's pid.
    static func spawn(_ path: String, _ arguments: [String], environment: [String: String] = [:],
                      directory: String? = nil, stdin: String = "/dev/null", stdout: String = "/dev/null",
                      stderr: String = "/dev/null") throws -> pid_t {
        if let directory {
            // glibc's addchdir_np is not visible to Swift here: let a shell change directory.
            return try spawn("/bin/sh", ["-c", "cd \"$0\" && exec \"$@\"", directory, path] + arguments,
                             environment: environment, stdin: stdin, stdout: stdout, stderr: stderr)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attr, argv, envp)
        guard rc == 0 else { throw HarnessError("posix_spawn \(path): \(String(cString: strerror(rc)))") }
        return pid
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

    /// Whether two runs behave alike: the same exit code, the same standard
    /// output (ours may end the last line where 2.3.3 does not) and the same
    /// standard error once each side's plugin directory is taken out (getopt
    /// names the program as started).
    static func alike(_ ours: Result, _ theirs: Result) -> Bool {
        let strip = { (r: Result, dir: String) in r.stderr.replacingOccurrences(of: dir + "/", with: "") }
        // -h/-V: the texts are ours by policy; the version line starts both.
        let versionLine = { (r: Result) in r.stdout.prefix { $0 != "\n" }.split(separator: " ").dropFirst().first == "v2.3.3" }
        let sameOut = ours.stdout == theirs.stdout || ours.stdout == theirs.stdout + "\n"
            || (versionLine(ours) && versionLine(theirs)
                && ours.stdout.split(separator: " ").first == theirs.stdout.split(separator: " ").first)
        return ours.code == theirs.code && sameOut && strip(ours, plugins) == strip(theirs, cPlugins)
    }

    /// Fails the test (rather than skipping it) when a prerequisite is missing:
    /// scripts/setup installs everything these tests need.
    static func require(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try #require(FileManager.default.isExecutableFile(atPath: path),
                     "missing \(path): run scripts/setup and scripts/build", sourceLocation: sourceLocation)
    }
}

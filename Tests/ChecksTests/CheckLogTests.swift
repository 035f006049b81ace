import Foundation
import Testing
@testable import Checks
@testable import NagiosPlugin

/// check_log against temporary logs: first run, appended lines, rotation,
/// exclusions and the option loop of the 2.3.3 script.
struct CheckLogTests {
    /// A fresh directory with `log` (and no old copy yet).
    final class Scratch {
        let dir: String
        var log: String { dir + "/app.log" }
        var old: String { dir + "/app.old" }
        init(_ text: String) throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-log-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try write(text)
        }
        deinit { try? FileManager.default.removeItem(atPath: dir) }
        func write(_ text: String) throws { try text.write(toFile: log, atomically: false, encoding: .utf8) }
        func append(_ text: String) throws {
            let h = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            try h.seekToEnd()
            h.write(Data(text.utf8))
            try h.close()
        }
        func oldText() throws -> String { try String(contentsOfFile: old, encoding: .utf8) }
    }

    func run(_ args: [String]) -> (String, Status) {
        PluginMain.outcome(CheckLog.info) { () throws(PluginError) in
            switch try CheckLog.configure(args) {
            case .exit(let exit): return exit
            case .run(let c): return try CheckLog.check(c)
            }
        }
    }

    @Test func firstRunInitialisesThenOnlyNewLinesCount() throws {
        let s = try Scratch("a\nerror one\nb\n")
        let args = ["-F", s.log, "-O", s.old, "-q", "error"]
        #expect(run(args) == ("Log check data initialized...\n", .ok))
        #expect(try s.oldText() == "a\nerror one\nb\n")
        try s.append("error two\nc\nERROR 3\nerror four\n")
        #expect(run(args) == ("(2) < error four\n", .critical))
        #expect(try s.oldText() == "a\nerror one\nb\nerror two\nc\nERROR 3\nerror four\n")
        #expect(run(args) == ("Log check ok - 0 pattern matches found\n", .ok))
    }

    @Test func allExcludeAndRegexSyntaxes() throws {
        let s = try Scratch("start\n")
        _ = run(["-F", s.log, "-O", s.old, "-q", "x"])
        try s.append("x error\ny error\nq12\n")
        let saved = try s.oldText()
        let cases: [([String], String)] = [
            (["-q", "error", "-a"], "(2) < x error\n< y error\n"),
            (["-q", "error", "--exclude", "x"], "(1) < y error\n"),
            (["-q", "q1\\+2"], "(1) < q12\n"),
            (["-q", "q1+2", "-e"], "(1) < q12\n"),
            (["-q", "q\\d{2}", "-p"], "(1) < q12\n"),
            // The diff hunk header ("2,4d1") is matched too, as with grep on diff output.
            (["-q", "d[0-9]", "-a"], "(1) 2,4d1\n"),
        ]
        for (extra, expected) in cases {
            try saved.write(toFile: s.old, atomically: false, encoding: .utf8)
            #expect(run(["-F", s.log, "-O", s.old] + extra) == (expected, .critical), "\(extra)")
        }
    }

    @Test func rotatedLogIsComparedLineByLine() throws {
        let s = try Scratch("one\ntwo\nerror old\n")
        _ = run(["-F", s.log, "-O", s.old, "-q", "error"])
        try s.write("error new\n")
        #expect(run(["-F", s.log, "-O", s.old, "-q", "error"]) == ("(1) < error new\n", .critical))
        #expect(try s.oldText() == "error new\n")
    }

    @Test func errors() throws {
        let s = try Scratch("x\n")
        #expect(run(["-F", s.dir + "/missing", "-O", s.old]) == ("Log check error: Log file \(s.dir)/missing does not exist!\n", .unknown))
        #expect(run(["-F", s.log]) == ("Oldlog parameter is needed\n", .unknown))
        #expect(run(["-F", s.log, "", "-O", s.old]) == ("Oldlog parameter is needed\n", .unknown))
        #expect(run(["-F", s.log, "-O", s.old, "-e", "-p"]) == ("Can not use extended and perl regex at the same time\n", .unknown))
        #expect(run(["-Z"]).0.hasPrefix("Unknown argument: -Z\nUsage: check_log -F "))
        // Without arguments: UNKNOWN and a usage whose first line starts
        // "Usage: " (upstream's check_log.t matches /^Usage: /).
        #expect(run([]).1 == .unknown)
        #expect(run([]).0 == "Usage: check_log -F logfile -O oldlog -q query\nUsage: check_log --help\nUsage: check_log --version\n")
        #expect(run([]).0.split(separator: "\n").allSatisfy { $0.hasPrefix("Usage: check_log ") })
        #expect(run(["-F"]).1 == .unknown)
        #expect(run(["-F", s.log, "-O", s.old, "-q", "["]).1 == .unknown)
        #expect(run(["-F", s.log, "-O", s.old, "-q", "(", "-p"]).1 == .unknown)
        #expect(!FileManager.default.fileExists(atPath: s.old))
    }

    @Test func helpAndVersionExitOK() {
        #expect(run(["--version"]) == (CheckLog.info.versionLine, .ok))
        #expect(run(["-h"]).1 == .ok)
    }
}

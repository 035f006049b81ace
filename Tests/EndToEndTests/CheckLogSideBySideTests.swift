import Foundation
import Testing

/// check_log next to Debian's 2.3.3 shell script: two identical logs, each
/// with its own old copy, grow (and get rotated) the same way; after every
/// step both plugins must print the same line, exit the same way and leave
/// the same old copy behind.
@Suite(.serialized)
final class CheckLogSideBySideTests {
    let dir: String

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-log-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try E2E.require("\(E2E.plugins)/check_log")
        try E2E.require("\(E2E.cPlugins)/check_log")
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    func log(_ who: String) -> String { "\(dir)/\(who).log" }
    func old(_ who: String) -> String { "\(dir)/\(who).old" }

    /// Applies a change to both logs, runs both plugins and compares.
    func step(_ change: (String) throws -> Void, _ extra: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        for who in ["c", "ours"] { try change(log(who)) }
        let theirs = try E2E.cPlugin("check_log", ["-F", log("c"), "-O", old("c")] + extra)
        let ours = try E2E.plugin("check_log", ["-F", log("ours"), "-O", old("ours")] + extra)
        #expect(ours.stdout == theirs.stdout, "\(extra)", sourceLocation: sourceLocation)
        #expect(ours.code == theirs.code, "\(extra)", sourceLocation: sourceLocation)
        #expect(FileManager.default.contents(atPath: old("ours")) == FileManager.default.contents(atPath: old("c")),
                sourceLocation: sourceLocation)
    }

    func append(_ text: String) -> (String) throws -> Void {
        { path in
            if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
            let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try h.seekToEnd()
            h.write(Data(text.utf8))
            try h.close()
        }
    }

    func replace(_ text: String) -> (String) throws -> Void {
        { path in try text.write(toFile: path, atomically: false, encoding: .utf8) }
    }

    @Test func sameResultsAsTheLogGrows() throws {
        try step(append("a\nerror one\nb\n"), ["-q", "error"])
        try step(append(""), ["-q", "error"])
        try step(append("error two\nc\nERROR 3\nerror four\n"), ["-q", "error"])
        try step(append("x error\ny error\n"), ["-q", "error", "-a"])
        try step(append("x error\ny error\n"), ["-q", "error", "--exclude", "x"])
        try step(append("zz\nab\n"), ["-q", "e\\|z"])
        try step(append("zz\nab\n"), ["-q", "e|z", "-e"])
        try step(append("zz\nab7\n"), ["-q", "\\d", "-p"])
        try step(append("q1\nq2\nq3\n"), ["-q", "q[0-9]+", "-e", "-a", "--exclude", "2"])
        try step(append("abc\n"), ["-q", "d[0-9]"])
        try step(append("abc\n"), ["-q", "", "-a"])
        try step(append("abc\n"), ["--query", "abc", "--all", "--extended-regex", "-x", "1"])
        try step(append("abc\n"), ["-q", "nomatch"])
        // Rotation: the log shrinks and starts over.
        try step(replace("new\nerror after rotation\n"), ["-q", "error"])
        try step(replace(""), ["-q", "error"])
        try step(append("no newline at the end error"), ["-q", "error"])
        try step(append("\nmore\n"), ["-q", "e", "-a"])
    }

    @Test func firstRunAndErrorsMatch() throws {
        for who in ["c", "ours"] { try "x\n".write(toFile: log(who), atomically: false, encoding: .utf8) }
        let cases: [([String], [String])] = [
            (["-F", log("c"), "-O", old("c"), "-q", "x"], ["-F", log("ours"), "-O", old("ours"), "-q", "x"]),
            (["-F", dir + "/missing", "-O", old("c")], ["-F", dir + "/missing", "-O", old("ours")]),
            (["-F", log("c")], ["-F", log("ours")]),
            (["-F", log("c"), "", "-O", old("c")], ["-F", log("ours"), "", "-O", old("ours")]),
            (["-F", log("c"), "-O", old("c"), "-e", "-p"], ["-F", log("ours"), "-O", old("ours"), "-e", "-p"]),
        ]
        for (c, ours) in cases {
            let theirs = try E2E.cPlugin("check_log", c)
            let mine = try E2E.plugin("check_log", ours)
            #expect(mine.stdout.replacingOccurrences(of: "ours.", with: "c.") == theirs.stdout, "\(c)")
            #expect(mine.code == theirs.code, "\(c)")
        }
    }

    /// Both answer UNKNOWN (3) to a command line they cannot use.
    @Test(arguments: [[], ["-Z"], ["--filename=x"], ["-e", "-p", "-F", "/etc/hostname", "-O", "/nonexistent/x"]])
    func badArgumentsExitUnknown(_ args: [String]) throws {
        #expect(try E2E.cPlugin("check_log", args).code == 3)
        let ours = try E2E.plugin("check_log", args)
        #expect(ours.code == 3)
        #expect(!ours.stdout.isEmpty)
    }

    /// The script's usage lines come first, as 2.3.3 prints them (its
    /// "Other parameters" paragraph after them is in our help instead).
    @Test(arguments: [[], ["-Z"], ["--bogus=1"], ["-F", "/etc/hostname", "-O", "/tmp/x", "-q", "x", "extra"]])
    func usageLinesAsTheScript(_ args: [String]) throws {
        let ours = try E2E.plugin("check_log", args)
        let theirs = try E2E.cPlugin("check_log", args)
        #expect(ours.code == 3 && theirs.code == 3)
        #expect(theirs.stdout.hasPrefix(ours.stdout), "ours: \(ours)\nC: \(theirs)")
        #expect(ours.stdout.hasSuffix("Usage: check_log -F logfile -O oldlog -q query\nUsage: check_log --help\nUsage: check_log --version\n"))
    }

    @Test(arguments: [["-h"], ["--help"]])
    func helpHasTheScriptsUsageShape(_ args: [String]) throws {
        let ours = try E2E.plugin("check_log", args)
        #expect(ours.code == 0 && ours.stdout.contains("\nUsage: check_log -F logfile -O oldlog -q query\n"))
    }
}

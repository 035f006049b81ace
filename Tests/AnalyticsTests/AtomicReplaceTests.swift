import Foundation
import RRDTesting
import Testing
@testable import Analytics

struct AtomicReplaceTests {

    /// Profiles are swapped with a spare instead of a new temporary file:
    /// from the second write on, no file is created or deleted (the same
    /// two inodes take turns), a reader that opened the old file reads it
    /// whole, and the path always holds a complete text.
    @Test func writeKeepingSpareSwapsTheSameTwoFiles() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let path = dir.file("load1.profile")
        let spare = AtomicReplace.sparePath(for: path)
        #expect(spare == dir.file(".load1.profile.spare"))
        func inode(_ p: String) -> UInt64? {
            var st = stat()
            return lstat(p, &st) == 0 ? UInt64(st.st_ino) : nil
        }
        try AtomicReplace.writeKeepingSpare(path: path, contents: "first\n")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "first\n")
        #expect(inode(spare) == nil, "the first spare became the file")
        try AtomicReplace.writeKeepingSpare(path: path, contents: "second\n")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "second\n")
        #expect(try String(contentsOfFile: spare, encoding: .utf8) == "first\n")
        let pair = Set([inode(path), inode(spare)].compactMap { $0 })
        #expect(pair.count == 2)
        // A reader holding the current file while it is replaced reads it
        // whole (it is reused only by the write after that: a night later).
        let reader = open(path, O_RDONLY)
        defer { close(reader) }
        try AtomicReplace.writeKeepingSpare(path: path, contents: "third\n")
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = buffer.withUnsafeMutableBytes { read(reader, $0.baseAddress, 64) }
        #expect(n == 7 && String(decoding: buffer[0..<7], as: UTF8.self) == "second\n")
        for k in 4...7 {
            try AtomicReplace.writeKeepingSpare(path: path, contents: String(repeating: "\(k)", count: 100 * k) + "\n")
            #expect(Set([inode(path), inode(spare)].compactMap { $0 }) == pair, "write \(k)")
            #expect(try String(contentsOfFile: path, encoding: .utf8).count == 100 * k + 1)
        }
        // Shorter than what the spare held: nothing of the old text is left.
        for text in ["short\n", "tiny\n", ""] {
            try AtomicReplace.writeKeepingSpare(path: path, contents: text)
            #expect(try String(contentsOfFile: path, encoding: .utf8) == text)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == [".load1.profile.spare", "load1.profile"])
        var st = stat()
        #expect(stat(path, &st) == 0 && st.st_mode & 0o777 == 0o644)
    }
    static let userServices = """
    define host {
        use                   generic-host
        host_name             web01
    }
    define service {
        use                   vigil:web01:Load,generic-service
        host_name             web01
        service_description   Load
        check_command         check_load_vigil
    }

    """

    static var loadOnly: String {
        NagiosConfigWriter.render([ConfiguredMetric(analysis: Sample.load)], info: Sample.info)
    }

    /// Output in which the template the user's service inherits is gone
    /// (its metric disappeared from the RRD tree).
    static var withoutLoad: String {
        NagiosConfigWriter.render([ConfiguredMetric(analysis: Sample.traffic)], info: Sample.info)
    }

    func leftovers(_ dir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix(".") }
    }

    @Test func validOutputReplacesTheOldFile() throws {
        let nagios = try NagiosFixture(objects: Self.userServices)
        defer { nagios.directory.remove() }
        try Self.loadOnly.write(toFile: nagios.generated, atomically: false, encoding: .utf8)
        let newer = NagiosConfigWriter.render([ConfiguredMetric(analysis: Sample.load), ConfiguredMetric(analysis: Sample.traffic)],
                                              info: GenerationInfo(time: 1_764_086_400, source: "test"))
        let validator = NagiosValidator(nagiosBinary: NagiosFixture.binary, mainConfig: nagios.mainConfig, target: nagios.generated)
        let outcome = try AtomicReplace.replace(path: nagios.generated, contents: newer) { (temp) throws(FileError) in
            try validator.validate(candidate: temp)
        }
        #expect(outcome == .replaced)
        #expect(try String(contentsOfFile: nagios.generated, encoding: .utf8) == newer)
        #expect(try leftovers(nagios.directory.file("generated")) == [])
        #expect(try nagios.verify().status == 0)
    }

    @Test func rejectedOutputLeavesTheOldFileAndSaysWhy() throws {
        let nagios = try NagiosFixture(objects: Self.userServices)
        defer { nagios.directory.remove() }
        try Self.loadOnly.write(toFile: nagios.generated, atomically: false, encoding: .utf8)
        let validator = NagiosValidator(nagiosBinary: NagiosFixture.binary, mainConfig: nagios.mainConfig, target: nagios.generated)
        let outcome = try AtomicReplace.replace(path: nagios.generated, contents: Self.withoutLoad) { (temp) throws(FileError) in
            try validator.validate(candidate: temp)
        }
        guard case .rejected(let reasons) = outcome else {
            Issue.record("replaced although nagios4 -v must refuse it")
            return
        }
        #expect(reasons.first == "\(NagiosFixture.binary) -v exited 1")
        #expect(reasons.contains { $0.contains("Template 'vigil:web01:Load'") && $0.contains("could not be") },
                "\(reasons)")
        #expect(!reasons.joined().contains(".tmp"), "the reasons name the real file, not the temporary one: \(reasons)")
        #expect(try String(contentsOfFile: nagios.generated, encoding: .utf8) == Self.loadOnly)
        #expect(try leftovers(nagios.directory.file("generated")) == [])
    }

    /// The generated file sits in a `cfg_dir` next to other object files:
    /// those are validated with it, the old generated file is not.
    @Test func generatedFileInsideACfgDir() throws {
        let nagios = try NagiosFixture(objects: "", generatedLine: "cfg_dir=generated")
        defer { nagios.directory.remove() }
        let dir = nagios.directory.file("generated")
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
        try Self.userServices.write(toFile: dir + "/sub/services.cfg", atomically: false, encoding: .utf8)
        try Self.loadOnly.write(toFile: nagios.generated, atomically: false, encoding: .utf8)
        let validator = NagiosValidator(nagiosBinary: NagiosFixture.binary, mainConfig: nagios.mainConfig, target: nagios.generated)
        let rewritten = validator.rewrite(mainText: try String(contentsOfFile: nagios.mainConfig, encoding: .utf8), candidate: "/x/cand")
        #expect(rewritten.note == nil)
        #expect(rewritten.text.contains("cfg_file=\(dir)/sub/services.cfg\ncfg_file=/x/cand"))
        #expect(rewritten.text.contains("cfg_file=\(nagios.directory.path)/objects.cfg"), "relative paths made absolute")
        #expect(!rewritten.text.contains("cfg_file=\(nagios.generated)"))
        // A good candidate passes, a bad one is refused, through the cfg_dir.
        #expect(try AtomicReplace.replace(path: nagios.generated, contents: Self.loadOnly + "\n") { (t) throws(FileError) in
            try validator.validate(candidate: t)
        } == .replaced)
        let bad = try AtomicReplace.replace(path: nagios.generated, contents: Self.withoutLoad) { (t) throws(FileError) in
            try validator.validate(candidate: t)
        }
        #expect(bad != .replaced)
        #expect(try String(contentsOfFile: nagios.generated, encoding: .utf8) == Self.loadOnly + "\n")
    }

    @Test func mainConfigThatDoesNotIncludeTheFileIsSaidAndStillChecked() throws {
        let nagios = try NagiosFixture(objects: Self.userServices, generatedLine: "")
        defer { nagios.directory.remove() }
        let validator = NagiosValidator(nagiosBinary: NagiosFixture.binary, mainConfig: nagios.mainConfig, target: nagios.generated)
        var notes: [String] = []
        let outcome = try AtomicReplace.replace(path: nagios.generated, contents: Self.loadOnly) { (t) throws(FileError) in
            try validator.validate(candidate: t) { notes.append($0) }
        }
        #expect(outcome == .replaced)
        #expect(notes.count == 1 && notes[0].contains("does not include"))
    }

    @Test func plainAtomicWriteCreatesAndReplaces() throws {
        let dir = try TemporaryDirectory("vigil-atomic")
        defer { dir.remove() }
        let path = dir.file("f.txt")
        try AtomicReplace.write(path: path, contents: "one\n")
        try AtomicReplace.write(path: path, contents: "two\n")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "two\n")
        #expect(try leftovers(dir.path) == [])
        #expect(throws: FileError.self) { try AtomicReplace.write(path: dir.file("missing/f.txt"), contents: "x") }
    }
}

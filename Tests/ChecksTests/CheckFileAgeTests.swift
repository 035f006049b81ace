import Foundation
import Testing
@testable import Checks
@testable import NagiosPlugin

struct CheckFileAgeTests {
    func run(_ args: [String], facts: CheckFileAge.FileFacts?) -> (String, Status) {
        PluginMain.outcome(CheckFileAge.info) { () throws(PluginError) in
            switch try CheckFileAge.configure(args) {
            case .exit(let exit): return exit
            case .run(let c): return try CheckFileAge.evaluate(c, facts: facts)
            }
        }
    }

    static let f = CheckFileAge.FileFacts(age: 300, size: 456)

    @Test(arguments: [
        (["-f", "/x"], Status.warning, "FILE_AGE WARNING: /x is 300 seconds old and 456 bytes | age=300s;240;600 size=456B;0;0;0\n"),
        (["/x", "-w", "300"], .ok, "FILE_AGE OK: /x is 300 seconds old and 456 bytes | age=300s;300;600 size=456B;0;0;0\n"),
        (["-f", "/x", "-w", "100", "-c", "299"], .critical, "FILE_AGE CRITICAL: /x is 300 seconds old and 456 bytes | age=300s;100;299 size=456B;0;0;0\n"),
        (["-f", "/x", "-w", "0400", "-W", "457"], .warning, "FILE_AGE WARNING: /x is 300 seconds old and 456 bytes | age=300s;0400;600 size=456B;457;0;0\n"),
        (["-f", "/x", "-w", "400", "-W", "457", "-C", "500"], .critical, "FILE_AGE CRITICAL: /x is 300 seconds old and 456 bytes | age=300s;400;600 size=456B;457;500;0\n"),
        (["-f", "/x", "-w", "400", "-W", "0", "-C", "0"], .ok, "FILE_AGE OK: /x is 300 seconds old and 456 bytes | age=300s;400;600 size=456B;0;0;0\n"),
        // Range syntax: every limit becomes a range of good values, size ranges default to 0:.
        (["-f", "/x", "-w", "10:", "-c", "@0:5"], .ok, "FILE_AGE OK: /x is 300 seconds old and 456 bytes | age=300s;10:;@0:5 size=456B;0:;0:;0\n"),
        (["-f", "/x", "-w", "0240", "-c", "10:", "-W", "3"], .warning, "FILE_AGE WARNING: /x is 300 seconds old and 456 bytes | age=300s;0240;10: size=456B;3;0:;0\n"),
        (["-f", "/x", "-w", "10:", "-c", "299"], .critical, "FILE_AGE CRITICAL: /x is 300 seconds old and 456 bytes | age=300s;10:;299 size=456B;0:;0:;0\n"),
        (["-f", "/x", "-c", " 1:2 ", "-w", "~:1e3"], .critical, "FILE_AGE CRITICAL: /x is 300 seconds old and 456 bytes | age=300s;~:1e3; 1:2  size=456B;0:;0:;0\n"),
        (["-f", "/x", "-w", "~:", "-c", "+1:", "-C", "@400:500"], .critical, "FILE_AGE CRITICAL: /x is 300 seconds old and 456 bytes | age=300s;~:;+1: size=456B;0:;@400:500;0\n"),
        (["--warning-age=1000", "--critical-age", "2000", "--ignore-missing", "--file", "/x"], .ok, "FILE_AGE OK: /x is 300 seconds old and 456 bytes | age=300s;1000;2000 size=456B;0;0;0\n"),
    ])
    func limits(_ c: ([String], Status, String)) {
        #expect(run(c.0, facts: Self.f) == (c.2, c.1))
    }

    @Test func missingFiles() {
        #expect(run(["-f", "/nope"], facts: nil) == ("FILE_AGE CRITICAL: File not found - /nope\n", .critical))
        #expect(run(["-i", "-f", "/nope"], facts: nil) == ("FILE_AGE OK: /nope doesn't exist, but ignore-missing was set\n", .ok))
        #expect(run([], facts: nil) == ("FILE_AGE UNKNOWN: No file specified\n", .unknown))
        #expect(run(["-f", "0"], facts: nil) == ("FILE_AGE UNKNOWN: No file specified\n", .unknown))
    }

    @Test(arguments: [
        ["-f", "/x", "-w", "abc"], ["-f", "/x", "-c", "~"], ["-f", "/x", "-c", "5:1"], ["-f", "/x", "-W", "1.2.3:"],
        ["-f", "/x", "-C", "@"], ["-f", "/x", "-w", "1E3:"],
    ])
    func badArgumentsAreUnknown(_ args: [String]) {
        let (text, status) = run(args, facts: Self.f)
        #expect(status == .unknown)
        #expect(text.hasPrefix("check_file_age: "))
    }

    /// As the script's GetOptions: a warning, and the option is left out.
    @Test(arguments: [
        (["-f", "/x", "-x"], "Unknown option: x\n", "/x"), (["-f"], "Option f requires an argument\n", ""),
        (["-f", "/x", "--warning", "5"], "Option warning is ambiguous (warning-age, warning-size)\n", "/x"),
        (["--bogus=1", "/x"], "Unknown option: bogus\n", "/x"),
    ])
    func unknownOptionsAreWarnedAbout(_ c: ([String], String, String)) throws {
        var warned = ""
        let invocation = try? CheckFileAge.configure(c.0, warn: { warned += $0 })
        #expect(warned == c.1)
        if c.2.isEmpty {
            #expect(run(c.0, facts: nil) == ("FILE_AGE UNKNOWN: No file specified\n", .unknown))
        } else {
            #expect(invocation?.configuration?.file == c.2)
        }
    }

    @Test func helpAndVersionAreUnknown() {
        #expect(run(["-V"], facts: nil) == (CheckFileAge.info.versionLine, .unknown))
        #expect(run(["-h"], facts: nil).1 == .unknown)
    }

    @Test func measuresAgeAndSizeOfARealFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-age-\(UUID().uuidString)").path
        try Data(repeating: 65, count: 1234).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let mtime = Date(timeIntervalSince1970: 1_600_000_000)
        try FileManager.default.setAttributes([.modificationDate: mtime], ofItemAtPath: path)
        #expect(CheckFileAge.measure(path, now: 1_600_000_777) == .init(age: 777, size: 1234))
        #expect(CheckFileAge.measure(path + ".missing") == nil)
    }
}

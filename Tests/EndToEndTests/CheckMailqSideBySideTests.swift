import Foundation
import Testing

/// check_mailq next to Debian's 2.3.3 Perl script. The script takes the
/// queue commands from utils.pm beside it, so it runs from a copy of the
/// plugin directory whose utils.pm points $PATH_TO_MAILQ and
/// $PATH_TO_QMAIL_QSTAT at a stand-in printing a fixture; ours gets the same
/// stand-in through its documented test-only variables. One test also
/// queues real messages in the machine's exim.
@Suite(.serialized)
final class CheckMailqSideBySideTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("SystemProbesTests/Fixtures/mailq").path

    let dir: String
    var standIn: String { dir + "/fake-mailq" }
    var debianCopy: String { dir + "/check_mailq" }

    init() throws {
        try E2E.require("\(E2E.plugins)/check_mailq")
        try E2E.require("\(E2E.cPlugins)/check_mailq")
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-mailq-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // A link to the committed stand-in: a script written now could fail
        // to exec (ETXTBSY) while another test's child still holds it open.
        try FileManager.default.createSymbolicLink(atPath: standIn, withDestinationPath: Self.fixtures + "/stand-in.sh")
        try FileManager.default.copyItem(atPath: E2E.cPlugins + "/check_mailq", toPath: debianCopy)
        let utils = try String(contentsOfFile: E2E.cPlugins + "/utils.pm", encoding: .utf8)
        var patched: [String] = []
        for line in utils.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("$PATH_TO_MAILQ") { patched.append("$PATH_TO_MAILQ = \"\(standIn)\";") }
            else if line.hasPrefix("$PATH_TO_QMAIL_QSTAT") { patched.append("$PATH_TO_QMAIL_QSTAT = \"\(standIn)\";") }
            else { patched.append(String(line)) }
        }
        try patched.joined(separator: "\n").write(toFile: dir + "/utils.pm", atomically: true, encoding: .utf8)
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    func both(_ args: [String], fixture: String, exit: Int = 0) throws -> (ours: E2E.Result, theirs: E2E.Result) {
        let env = ["MAILQ_FIXTURE": Self.fixtures + "/" + fixture, "MAILQ_EXIT": String(exit)]
        let ours = try E2E.plugin("check_mailq", args, environment: env.merging(
            ["VIGIL_TEST_MAILQ": standIn, "VIGIL_TEST_QMAIL_QSTAT": standIn]) { $1 })
        // Run through perl: the copy is read, never exec'd (no ETXTBSY).
        let theirs = try E2E.run("/usr/bin/perl", ["-w", debianCopy] + args, environment: env)
        return (ours, theirs)
    }

    static let cases: [(String, String)] = [
        ("sendmail-deferred.txt", "-M sendmail -w 1 -c 10"), ("sendmail-deferred.txt", "-M sendmail -w 1 -c 10 -W 2 -C 3 -v"),
        ("sendmail-deferred.txt", "-M sendmail -w 5 -c 10 -W 1 -C 2"), ("sendmail-deferred.txt", "-M sendmail -w 5 -c 10 -W 3 -C 4"),
        ("sendmail-deferred.txt", "-M sendmail -w 2 -c 4 -W 1 -C 2"), ("sendmail-deferred.txt", "-M sendmail -w 1 -c 10 -W 1 -C 2"),
        ("sendmail-deferred.txt", "-M sendmail -w 9 -c 10 -W 0"), ("sendmail-deferred.txt", "-M sendmail -w 4 -c 5"),
        ("sendmail-multi.txt", "-M sendmail -w 1 -c 5 -W 1 -C 3"), ("sendmail-multi.txt", "-M sendmail -w 1 -c 5 -v"),
        ("sendmail-empty.txt", "-M sendmail -w 1 -c 5 -W 0 -C 1"), ("sendmail-empty.txt", "-M -w 1 -c 5"),
        ("postfix.txt", "-M postfix -w 1 -c 5"), ("postfix.txt", "-M postfix -w 4 -c 5 -v"), ("postfix.txt", "-Mpostfix -w 3 -c 5"),
        ("postfix.txt", "--mailserver postfix --warning=1 --critical 2"), ("postfix.txt", "-w 1 -c 2 -M postfix -d /etc/postfix"),
        ("postfix-empty.txt", "-M postfix -w 1 -c 5"), ("postfix-down.txt", "-M postfix -w 1 -c 5"),
        ("postfix-down.txt", "-M postfix -w 1 -c 5 -d /etc/pf"),
        ("qmail.txt", "-M qmail -w 1 -c 10"), ("qmail.txt", "-M qmail -w 1 -c 10 -W 0 -C 5"), ("qmail.txt", "-M qmail -w 1 -c 5 -W 1 -C 3"),
        ("qmail.txt", "-M qmail -w 10 -c 15 -W 0 -C 1"), ("qmail.txt", "-M qmail -w 1 -c 10 -v"), ("qmail-empty.txt", "-M qmail -w 1 -c 2"),
        ("postfix-empty.txt", "-M qmail -w 1 -c 2"),
        ("exim.txt", "-M exim -w 1 -c 5"), ("exim.txt", "-M exim -w 5 -c 10"), ("exim.txt", "-M exim -w 0 -c 3 -v"),
        ("sendmail-empty.txt", "-M exim -w 0 -c 3"),
        ("nullmailer.txt", "-M nullmailer -w 1 -c 2"), ("nullmailer.txt", "-M nullmailer -w 3 -c 4"),
        ("nullmailer.txt", "-M nullmailer -w 3 -c 4 -t 0"), ("exim.txt", "-M exim -w 1 -c 5 extra operand"),
    ]

    @Test func sameOutputForTheSameListing() throws {
        for (fixture, args) in Self.cases {
            let r = try both(args.split(separator: " ").map(String.init), fixture: fixture)
            #expect(r.ours.stdout == r.theirs.stdout, "\(fixture) \(args)")
            #expect(r.ours.code == r.theirs.code, "\(fixture) \(args)")
        }
    }

    @Test func failingListingCommand() throws {
        for mta in ["sendmail", "postfix", "qmail", "exim", "nullmailer"] {
            let r = try both(["-M", mta, "-w", "1", "-c", "2"], fixture: "nullmailer.txt", exit: 75)
            #expect(r.ours.stdout == r.theirs.stdout && r.ours.code == r.theirs.code, "\(mta): \(r.ours) / \(r.theirs)")
        }
    }

    /// Bad arguments that the Perl script rejects: UNKNOWN (3) from both.
    @Test func badArgumentsAreUnknown() throws {
        for args in ["-w 1", "-c 1", "", "-w 5 -c 5", "-w 6 -c 5", "-w 1 -c 5 -W 3 -C 2", "-w 1 -c 5 -M foo", "-w 1x -c 5",
                     "--warn 1 -c 5", "-w 1 -c 5 -M Postfix", "-w -c 5"] {
            let r = try both(args.split(separator: " ").map(String.init), fixture: "postfix.txt")
            #expect(r.ours.code == 3 && r.theirs.code == 3, "\(args): \(r.ours) / \(r.theirs)")
            #expect(!r.ours.stdout.isEmpty)
        }
        // Where 2.3.3 prints a message of its own, the text is the same.
        for args in ["-w 5 -c 5", "-w 1 -c 5 -W 3 -C 2", "-w 1 -c 5 -M foo"] {
            let r = try both(args.split(separator: " ").map(String.init), fixture: "postfix.txt")
            #expect(r.ours.stdout == r.theirs.stdout, "\(args)")
        }
    }

    /// As GetOptions: unknown options and bad numbers are warned about on
    /// stderr and left out; without -w/-c the script prints its usage line.
    @Test(arguments: ["-Z", "--bogus=1", "-w", "-w 1", "-w abc -c 5", "-w 1 -c 5 -M postfix -Z", "-w 1 -c 5 -M postfix -t x",
                      "-w 1 -c 5 -M postfix -W x", "-w 1 -c 5 -M postfix --bogus", "-w 5: -c 10 -M postfix", "",
                      "--c", "--w 1 --c 5 -M postfix", "--ver", "--help=1"])
    func getoptLongBehaviour(_ line: String) throws {
        let r = try both(line.split(separator: " ").map(String.init), fixture: "postfix.txt")
        #expect(r.ours.stdout == r.theirs.stdout && r.ours.code == r.theirs.code, "\(line): \(r.ours) / \(r.theirs)")
        // perl -w may add warnings of its own after GetOptions' ones.
        #expect(r.theirs.stderr.hasPrefix(r.ours.stderr), "\(line): \(r.ours) / \(r.theirs)")
    }

    @Test func versionAndHelpExitUnknown() throws {
        for flag in ["-V", "--version", "-h", "--help"] {
            let r = try both([flag], fixture: "postfix.txt")
            #expect(r.ours.code == 3 && r.theirs.code == 3, "\(flag)")
        }
        #expect(try both(["-V"], fixture: "postfix.txt").ours.stdout.hasPrefix("check_mailq v2.3.3 "))
        #expect(try both(["-h"], fixture: "postfix.txt").ours.stdout.contains("\nUsage: check_mailq -w <warn> -c <crit> "))
    }

    /// The real exim of this machine with two messages queued (-odq: no
    /// delivery attempt), found by both through autodetection; removed after.
    @Test func realEximQueue() throws {
        let exim = "/usr/sbin/exim4"
        try E2E.require(exim)
        var ids: [String] = []
        defer { if !ids.isEmpty { _ = try? E2E.run(exim, ["-Mrm"] + ids) } }
        let before = Set(try E2E.run(exim, ["-bpr"]).stdout.split(separator: "\n").compactMap { Self.messageId($0) })
        for (i, to) in ["vigil-a@example.com other@example.net", "vigil-b@example.org"].enumerated() {
            let r = try E2E.run(exim, ["-odq", "-f", "vigil-test@example.org"] + to.split(separator: " ").map(String.init),
                                stdin: "Subject: vigil check_mailq test \(i)\n\nqueued by a test\n")
            try #require(r.code == 0, "exim4 -odq: \(r)")
        }
        ids = try E2E.run(exim, ["-bpr"]).stdout.split(separator: "\n").compactMap { Self.messageId($0) }.filter { !before.contains($0) }
        #expect(ids.count == 2)
        for args in [["-w", "1", "-c", "50"], ["-w", "100", "-c", "200"], ["-M", "exim", "-w", "1", "-c", "2"]] {
            let ours = try E2E.plugin("check_mailq", args)
            let theirs = try E2E.cPlugin("check_mailq", args)
            #expect(ours.stdout == theirs.stdout && ours.code == theirs.code, "\(args): \(ours) / \(theirs)")
            #expect(ours.stdout.contains("exim mailq"))
        }
    }

    static func messageId(_ line: Substring) -> String? {
        let fields = line.split(separator: " ")
        guard fields.count >= 3, fields[2].count == 16, fields[2].filter({ $0 == "-" }).count == 2 else { return nil }
        return String(fields[2])
    }
}

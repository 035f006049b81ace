import Foundation
import Testing
@testable import Checks
@testable import NagiosPlugin
@testable import SystemProbes

struct CheckMailqTests {
    static let mailq = "/usr/bin/mailq"

    func config(_ args: [String]) throws -> CheckMailq.Configuration {
        try #require(try CheckMailq.configure(args).configuration, "no configuration for \(args)")
    }

    func check(_ fixture: String, _ args: [String], exitCode: Int32 = 0) throws -> PluginExit {
        let c = try config(args)
        let output = Command.Output(stdout: try SystemFixtures.bytes("mailq/" + fixture), stderr: [], exitCode: exitCode)
        return try CheckMailq.evaluate(output, mta: c.mta ?? .sendmail, c, mailqPath: Self.mailq, qstatPath: "/var/qmail/bin/qmail-qstat")
    }

    // Expected texts and states as the 2.3.3 Perl plugin prints them for the same listings.
    @Test(arguments: [
        ("sendmail-deferred.txt", "-M sendmail -w 1 -c 10", "WARNING: sendmail mailq is 4 (threshold w = 1)|unsent=4;1;10;0\n", Status.warning),
        ("sendmail-deferred.txt", "-M sendmail -w 1 -c 10 -W 2 -C 3", "WARNING: sendmail mailq is 4 (threshold w = 1) -and- 2 messages in queue FROM kpnqwest.pt (threshold W = 2) -and- 2 messages in queue TO eunet.pt (threshold W = 2)|unsent=4;1;10;0\n", .warning),
        ("sendmail-deferred.txt", "-M sendmail -w 5 -c 10 -W 1 -C 2", "CRITICAL: 2 messages in queue FROM kpnqwest.pt (threshold C = 2) -and- 2 messages in queue TO eunet.pt (threshold W = 1)|unsent=4;5;10;0\n", .critical),
        ("sendmail-deferred.txt", "-M sendmail -w 5 -c 10 -W 3 -C 4", "OK: sendmail mailq (4) is below threshold (5/10) 2 msgs. FROM kpnqwest.pt is below threshold (3/4) 2 msgs. TO eunet.pt is below threshold (3/4)|unsent=4;5;10;0\n", .ok),
        ("sendmail-deferred.txt", "-M sendmail -w 2 -c 4 -W 1 -C 2", "CRITICAL: sendmail mailq is 4 (threshold c = 4) -and- 2 messages in queue FROM kpnqwest.pt (threshold W = 1) -and- 2 messages in queue TO eunet.pt (threshold W = 1)|unsent=4;2;4;0\n", .critical),
        // 2.3.3 rewrites the text to CRITICAL but keeps the WARNING state.
        ("sendmail-deferred.txt", "-M sendmail -w 1 -c 10 -W 1 -C 2", "CRITICAL: 2 messages in queue TO eunet.pt (threshold C = 2) -and- CRITICAL: 2 messages in queue FROM kpnqwest.pt (threshold C = 2) -and- sendmail mailq is 4 (threshold w = 1)|unsent=4;1;10;0\n", .warning),
        // -W without -C: the missing -C counts as 0 and prints as nothing.
        ("sendmail-deferred.txt", "-M sendmail -w 9 -c 10 -W 0", "CRITICAL: 2 messages in queue FROM kpnqwest.pt (threshold C = ) -and- 2 messages in queue TO eunet.pt (threshold W = 0)|unsent=4;9;10;0\n", .critical),
        ("sendmail-multi.txt", "-M sendmail -w 1 -c 5 -W 1 -C 3", "WARNING: sendmail mailq is 3 (threshold w = 1) -and- 2 messages in queue FROM example.com (threshold W = 1) -and- 1 messages in queue TO example.net (threshold W = 1)|unsent=3;1;5;0\n", .warning),
        ("sendmail-empty.txt", "-M sendmail -w 1 -c 5 -W 0 -C 1", "OK: sendmail mailq is empty|unsent=0;1;5;0\n", .ok),
        ("postfix.txt", "-M postfix -w 1 -c 5", "WARNING: postfix mailq is 3 (threshold w = 1)|unsent=3;1;5;0\n", .warning),
        ("postfix.txt", "-M postfix -w 4 -c 5", "OK: postfix mailq (3) is below threshold (4/5)|unsent=3;4;5;0\n", .ok),
        ("postfix-empty.txt", "-M postfix -w 1 -c 5", "OK: postfix mailq reports queue is empty|unsent=0;1;5;0\n", .ok),
        ("qmail.txt", "-M qmail -w 1 -c 10", "WARNING: qmail mailq is 7 (threshold w = 1)|unsent=7;1;10;0\n", .warning),
        ("qmail.txt", "-M qmail -w 1 -c 10 -W 0 -C 5", "WARNING: qmail mailq is 7 (threshold w = 1)[Preprocessed = 0]|unsent=7;1;10;0\n", .warning),
        ("qmail.txt", "-M qmail -w 1 -c 5 -W 1 -C 3", "CRITICAL: qmail mailq is 7 (threshold c = 5)[Preprocessed = 0]|unsent=7;1;5;0\n", .critical),
        ("qmail.txt", "-M qmail -w 10 -c 15 -W 0 -C 1", "OK: qmail mailq (7) is below threshold (10/15)[Preprocessed = 0]|unsent=7;10;15;0\n", .warning),
        ("qmail-empty.txt", "-M qmail -w 1 -c 2", "OK: qmail-qstat reports queue is empty|unsent=0;1;2;0\n", .ok),
        ("exim.txt", "-M exim -w 1 -c 5", "WARNING: exim mailq is 3 (threshold w = 1)|unsent=3;1;5;0\n", .warning),
        ("exim.txt", "-M exim -w 5 -c 10", "OK: exim mailq (3) is below threshold (5/10)|unsent=3;5;10;0\n", .ok),
        ("exim.txt", "-M exim -w 0 -c 3", "CRITICAL: exim mailq is 3 (threshold c = 3)|unsent=3;0;3;0\n", .critical),
        ("sendmail-empty.txt", "-M exim -w 0 -c 3", "WARNING: exim mailq is 0 (threshold w = 0)|unsent=0;0;3;0\n", .warning),
        ("nullmailer.txt", "-M nullmailer -w 1 -c 2", "CRITICAL: nullmailer mailq is 2 (threshold c = 2)|unsent=2;1;2;0\n", .critical),
        ("nullmailer.txt", "-M nullmailer -w 3 -c 4", "OK: nullmailer mailq (2) is below threshold (3/4)|unsent=2;3;4;0\n", .ok),
        ("postfix.txt", "-M postfix -w 1 -c 5 -v", "msg_q = 3 warn=1 crit=5\nWARNING: postfix mailq is 3 (threshold w = 1)|unsent=3;1;5;0\n", .warning),
        ("qmail.txt", "-M qmail -w 1 -c 10 -v", "msg_q = 7 warn=1 crit=10\nWARNING: qmail mailq is 7 (threshold w = 1)|unsent=7;1;10;0\n", .warning),
        ("exim.txt", "-M exim -w 1 -c 10 -v", "WARNING: exim mailq is 3 (threshold w = 1)|unsent=3;1;10;0\n", .warning),
    ])
    func messagesAndStates(_ c: (String, String, String, Status)) throws {
        let args = c.1.split(separator: " ").map(String.init)
        #expect(try check(c.0, args) == .text(c.2, c.3))
    }

    @Test func sendmailVerboseTracesWhatItReads() throws {
        let exit = try check("sendmail-deferred.txt", ["-M", "sendmail", "-w", "1", "-c", "10", "-W", "2", "-C", "3", "-v"])
        guard case .text(let text, .warning) = exit else { Issue.record("\(exit)"); return }
        #expect(text.hasPrefix("/usr/bin/mailq =                 /var/spool/mqueue (4 requests)\n /usr/bin/mailq = srcdomain = kpnqwest.pt \n"))
        #expect(text.contains("/usr/bin/mailq = dstdomain = UNKNOWN \n/usr/bin/mailq =                 Total requests: 4\n \nmsg_q = 4 warn=1 crit=10\nsrc max is kpnqwest.pt with 2 messages\ndst max is eunet.pt with 2 messages\nWARNING:"))
    }

    @Test func listingErrors() throws {
        #expect(throws: PluginError.state(.unknown, "Couldn't match /usr/bin/mailq -C /etc/pf output")) {
            try check("postfix-down.txt", ["-M", "postfix", "-w", "1", "-c", "5", "-d", "/etc/pf"])
        }
        #expect(throws: PluginError.state(.unknown, "Couldn't match /var/qmail/bin/qmail-qstat output")) {
            try check("postfix-down.txt", ["-M", "qmail", "-w", "1", "-c", "5"])
        }
        #expect(throws: PluginError.state(.critical, "CRITICAL: Error code 75 returned from /usr/bin/mailq")) {
            try check("exim.txt", ["-M", "exim", "-w", "1", "-c", "5"], exitCode: 75)
        }
        #expect(throws: PluginError.state(.critical, "CRITICAL: Error code 1 returned from /usr/bin/mailq -C /x")) {
            try check("postfix.txt", ["-M", "postfix", "-w", "1", "-c", "5", "-d", "/x"], exitCode: 1)
        }
        // nullmailer's exit code is not looked at.
        #expect(try check("nullmailer.txt", ["-M", "nullmailer", "-w", "5", "-c", "9"], exitCode: 1)
                == .text("OK: nullmailer mailq (2) is below threshold (5/9)|unsent=2;5;9;0\n", .ok))
    }

    @Test func perlStyleOptionalValues() {
        #expect(CheckMailq.attachingOptionalValues(["-M", "postfix", "-w", "1"]) == ["-Mpostfix", "-w", "1"])
        #expect(CheckMailq.attachingOptionalValues(["-M", "-w", "1"]) == ["-M", "-w", "1"])
        #expect(CheckMailq.attachingOptionalValues(["--mailserver", "exim"]) == ["--mailserver=exim"])
        #expect(CheckMailq.attachingOptionalValues(["--mail", "exim"]) == ["--mail=exim"])
        #expect(CheckMailq.attachingOptionalValues(["-sd", "/etc/postfix"]) == ["-sd/etc/postfix"])
        #expect(CheckMailq.attachingOptionalValues(["-w", "-M", "x"]) == ["-w", "-M", "x"])
        #expect(CheckMailq.attachingOptionalValues(["-c", "5", "-M"]) == ["-c", "5", "-M"])
        #expect(CheckMailq.attachingOptionalValues(["--", "-M", "x"]) == ["--", "-M", "x"])
    }

    @Test func configurations() throws {
        var c = try config(["-w", "05", "-c", "+7", "-M", "postfix", "-t", "3", "-s", "-d", "/etc/pf", "-v", "extra"])
        #expect(c.warning == 5 && c.critical == 7 && c.mta == .postfix && c.timeout == 3 && c.sudo)
        #expect(c.configDirectory == "/etc/pf" && c.verbose)
        c = try config(["--warning=1", "--critical", "2", "-M"])
        #expect(c.mta == .sendmail && c.timeout == 15 && c.domainWarning == nil)
        c = try config(["-w", "1", "-c", "2"])
        #expect(c.mta == nil)
        c = try config(["-w", "1", "-c", "2", "-W", "3"])
        #expect(c.domainWarning == 3 && c.domainCritical == nil)
    }

    @Test(arguments: [
        ("-w 5 -c 5", PluginError.state(.unknown, "Warning (-w) cannot be greater than Critical (-c)!")),
        ("-w 6 -c 5", .state(.unknown, "Warning (-w) cannot be greater than Critical (-c)!")),
        ("-w 1 -c 5 -W 2 -C 2", .state(.unknown, "Warning (-W) cannot be greater than Critical (-C)!")),
        ("-w 1 -c 5 -M foo", .state(.unknown, "-M: foo is not supported")),
        ("-w 1 -c 5 -M Postfix", .state(.unknown, "-M: Postfix is not supported")),
        ("-w 1", .state(.unknown, CheckMailq.info.usageText)),
        ("-w 1x -c 5", .state(.unknown, CheckMailq.info.usageText)),
        ("--warn 1 -c 5", .state(.unknown, CheckMailq.info.usageText)),
    ])
    func badArguments(_ c: (String, PluginError)) {
        #expect(throws: c.1) { try CheckMailq.configure(c.0.split(separator: " ").map(String.init)) }
    }

    /// As GetOptions: a complaint on standard error, and the script goes on without the option.
    @Test(arguments: [
        ("-w 1 -c 5 -x", "Unknown option: x\n"),
        ("-w 1 -c 5 --bogus=1", "Unknown option: bogus\n"),
        ("-w 1 -c 5 -t 1.5", "Value \"1.5\" invalid for option t (number expected)\n"),
        ("-w 1 -c 5 -W x", "Value \"x\" invalid for option W (number expected)\n"),
        ("--warn 1 -c 5 -w 1", "Option warn is ambiguous (warning, warning-domain)\n"),
        ("-w 1 -c 5 -t", "Option t requires an argument\n"),
    ])
    func perlWarningsAreNotFatal(_ c: (String, String)) throws {
        var warned = ""
        let invocation = try CheckMailq.configure(c.0.split(separator: " ").map(String.init), warn: { warned += $0 })
        #expect(invocation.configuration?.warning == 1 && invocation.configuration?.critical == 5)
        #expect(warned == c.1)
    }

    @Test func usageLineIsTheScriptsOwn() {
        #expect(CheckMailq.info.usageText.hasPrefix("Usage: check_mailq -w <warn> -c <crit> "))
        #expect(CheckMailq.info.helpText.contains("\nUsage: check_mailq -w <warn> -c <crit> "))
    }

    @Test func versionWinsOverHelpAndBothBeatMissingThresholds() throws {
        #expect(try CheckMailq.configure(["-h", "-V"]) == .exit(.text(CheckMailq.info.versionLine, .unknown)))
        #expect(try CheckMailq.configure(["-h"]) == .exit(.text(CheckMailq.info.helpText, .unknown)))
    }

    @Test func detectsTheInstalledMTA() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-mta-\(getpid())")
        defer { try? FileManager.default.removeItem(at: root) }
        let sys = SystemRoot(path: root.path)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        #expect(CheckMailq.detect(root: sys, qstat: "") == .sendmail)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("usr/lib/nullmailer"), withIntermediateDirectories: true)
        #expect(CheckMailq.detect(root: sys, qstat: "") == .nullmailer)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("usr/sbin"), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: root.appendingPathComponent("usr/sbin/exim").path, contents: nil)
        #expect(CheckMailq.detect(root: sys, qstat: "") == .exim)
        // A plain file where postfix's directory should be does not count.
        try FileManager.default.createDirectory(at: root.appendingPathComponent("var/lib"), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: root.appendingPathComponent("var/lib/postfix").path, contents: nil)
        #expect(CheckMailq.detect(root: sys, qstat: "") == .exim)
        _ = FileManager.default.createFile(atPath: root.appendingPathComponent("usr/sbin/postfix").path, contents: nil)
        #expect(CheckMailq.detect(root: sys, qstat: "") == .postfix)
        #expect(CheckMailq.detect(root: sys, qstat: "/bin/true") == .qmail)
    }
}

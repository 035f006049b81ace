import Foundation
import Testing

/// utils.sh and utils.pm, the helpers third-party plugin scripts load from
/// the plugin directory: the same small shell and Perl plugins run once
/// beside Debian's helpers and once beside ours (installed in plugins/ by
/// scripts/build) and must behave the same. Only the texts of
/// print_revision/support are ours (same shape).
@Suite(.serialized)
final class PluginHelpersSideBySideTests {
    let root: String
    var debian: String { root + "/debian" }
    var vigil: String { root + "/vigil" }

    static let shellPlugin = """
        #!/bin/sh
        PROGNAME=$(basename "$0")
        PROGPATH=$(echo "$0" | sed -e 's,[\\\\/][^\\\\/][^\\\\/]*$,,')
        . "$PROGPATH"/utils.sh
        case "$1" in
        -V) print_revision "$PROGNAME" 1.4; exit "$STATE_UNKNOWN" ;;
        -h) print_revision "$PROGNAME" 1.4; echo; echo "Usage: $PROGNAME VALUE RANGE"; support; exit "$STATE_UNKNOWN" ;;
        states) echo "$STATE_OK $STATE_WARNING $STATE_CRITICAL $STATE_UNKNOWN $STATE_DEPENDENT"; exit "$STATE_OK" ;;
        esac
        check_range "$1" "$2"
        case $? in
        0) echo "VALUE CRITICAL - $1 outside $2"; exit "$STATE_CRITICAL" ;;
        1) echo "VALUE OK - $1 within $2"; exit "$STATE_OK" ;;
        *) echo "VALUE UNKNOWN - bad input"; exit "$STATE_UNKNOWN" ;;
        esac

        """

    static let perlPlugin = """
        #!/usr/bin/perl -w
        use strict;
        use FindBin;
        use lib "$FindBin::Bin";
        use utils qw(%ERRORS $TIMEOUT &print_revision &support &usage);
        my $what = shift // '';
        if ($what eq '-V') { print_revision('check_thing', '2.0'); exit $ERRORS{'UNKNOWN'}; }
        if ($what eq '-h') { print_revision('check_thing', '2.0'); support(); exit $ERRORS{'UNKNOWN'}; }
        if ($what eq 'usage') { usage("Usage: %s -H <host> [-t %d]\\n", 'check_thing', $TIMEOUT); }
        if ($what eq 'vars') {
            print join(' ', map { "$_=$ERRORS{$_}" } sort keys %ERRORS), " timeout=$TIMEOUT\\n";
            print "mailq=$utils::PATH_TO_MAILQ sudo=$utils::PATH_TO_SUDO rpcinfo=$utils::PATH_TO_RPCINFO ",
                  "smbclient=$utils::PATH_TO_SMBCLIENT lmstat=$utils::PATH_TO_LMSTAT qstat=$utils::PATH_TO_QMAIL_QSTAT\\n";
            exit $ERRORS{'OK'};
        }
        if ($what eq 'host') {
            my $ok = utils::is_hostname($ARGV[0]);
            print $ok ? "HOST OK - $ARGV[0]\\n" : "HOST UNKNOWN - invalid\\n";
            exit($ok ? $ERRORS{'OK'} : $ERRORS{'WARNING'});
        }
        print "THING CRITICAL - unknown request\\n";
        exit $ERRORS{'CRITICAL'};

        """

    init() throws {
        for dir in [E2E.plugins, E2E.cPlugins] {
            try #require(FileManager.default.fileExists(atPath: dir + "/utils.sh") && FileManager.default.fileExists(atPath: dir + "/utils.pm"),
                         "missing utils.sh/utils.pm in \(dir): run scripts/setup and scripts/build")
        }
        root = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-helpers-\(UUID().uuidString)").path
        for (dir, source) in [(root + "/debian", E2E.cPlugins), (root + "/vigil", E2E.plugins)] {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            for helper in ["utils.sh", "utils.pm"] {
                try FileManager.default.copyItem(atPath: source + "/" + helper, toPath: dir + "/" + helper)
            }
            try Self.shellPlugin.write(toFile: dir + "/check_value", atomically: true, encoding: .utf8)
            try Self.perlPlugin.write(toFile: dir + "/check_thing", atomically: true, encoding: .utf8)
            chmod(dir + "/check_value", 0o755)
            chmod(dir + "/check_thing", 0o755)
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// Runs a script written by this test through its interpreter, as its
    /// `#!` line would. Exec'ing the script itself can fail with ETXTBSY
    /// ("Text file busy") when another test's fork inherited the descriptor
    /// it was written through; the interpreter only reads it.
    func runScript(_ path: String, _ args: [String]) throws -> E2E.Result {
        let interpreter = path.hasSuffix("/check_thing") ? ["/usr/bin/perl", "-w"] : ["/bin/sh"]
        return try E2E.run(interpreter[0], Array(interpreter.dropFirst()) + [path] + args)
    }

    static let values = ["5", "0", "10", "-1", "1.5", ".5", "1.", "-.5", "11", "abc", "", "5 ", "1e3", "--5"]
    static let ranges = ["10", "@10", "5:", "~:5", "2:8", "@2:8", "~:", "10:", ":5", "abc", "", "@", "-5:-1", "@1.5:2", "5:2",
                         "1.:2.", ".5:", "2:8:9", "@~:1", "0", "0:0", "@0:0"]

    @Test func shellCheckRangeAndStates() throws {
        for v in Self.values {
            for r in Self.ranges {
                let ours = try runScript(vigil + "/check_value", [v, r])
                let theirs = try runScript(debian + "/check_value", [v, r])
                #expect(ours == theirs, "check_range '\(v)' '\(r)'")
            }
        }
        #expect(try runScript(vigil + "/check_value", ["states"]) == runScript(debian + "/check_value", ["states"]))
    }

    /// A lone "~" range: same decision; Debian's prints an awk syntax error
    /// on standard error as well, ours does not.
    @Test func loneTildeRange() throws {
        for v in ["5", "-1"] {
            for r in ["~", "@~"] {
                let ours = try runScript(vigil + "/check_value", [v, r])
                let theirs = try runScript(debian + "/check_value", [v, r])
                #expect(ours.stdout == theirs.stdout && ours.code == theirs.code, "'\(v)' '\(r)'")
            }
        }
    }

    @Test func perlHelpers() throws {
        var cases: [[String]] = [["vars"], ["usage"], ["other"], ["host"]]
        for h in ["example.com", "a.b.c.d", "1.2.3.4", "1.2.3", "1.2.3.4.", "1.2.3.4.5", "-bad.com", "ok-host", "x_y", "host.", "a..b",
                  "999.1.1.1", "", "ex ample", "web01.prod.example.org", "1.2.3.4\n"] {
            cases.append(["host", h])
        }
        for args in cases {
            let ours = try runScript(vigil + "/check_thing", args)
            let theirs = try runScript(debian + "/check_thing", args)
            #expect(ours.stdout == theirs.stdout && ours.code == theirs.code, "\(args): \(ours) / \(theirs)")
        }
    }

    @Test func revisionAndSupportHaveTheSameShape() throws {
        for (plugin, name) in [("/check_value", "check_value v1.4 ("), ("/check_thing", "check_thing v2.0 (")] {
            for flag in ["-V", "-h"] {
                let ours = try runScript(vigil + plugin, [flag])
                let theirs = try runScript(debian + plugin, [flag])
                #expect(ours.code == 3 && theirs.code == 3)
                #expect(ours.stdout.hasPrefix(name) && theirs.stdout.hasPrefix(name), "\(plugin) \(flag)")
                #expect(ours.stdout.contains("vigil") && ours.stderr.isEmpty, "\(plugin) \(flag)")
            }
        }
    }
}

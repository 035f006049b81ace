import Foundation
import Testing

/// `--extra-opts=[section][@file]`, ours and Debian's 2.3.3, on the same ini
/// files: the same standard output, standard error and exit code.
struct ExtraOptsSideBySideTests {
    /// A scratch directory of ini files, made once per test process.
    static let dir: String = {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-extraopts-\(UUID().uuidString)").path
        let files = [
            "p.ini": """
                # thresholds for check_load
                [check_load]
                warning=5,4,3
                critical = 10,8,6
                [w]
                warning=6,5,4
                [c]
                critical=20,15,10
                [empty]
                ; nothing
                [short]
                w=5
                [novalue]
                percpu
                [bogus]
                bogus=1
                [version]
                version=
                [check_cluster]
                service=
                data=0,2,2
                critical=1
                [cl_w]
                warning = 0
                [check_cluster]
                warning=5

                """,
            "syntax.ini": "warning=1\n[check_load]\ncritical=2\n",
            "spaces.ini": "  [ check_cluster ]  \n\tservice\t=\t\n data = 0,0,1 \r\n[x]\ndata=9\n[check_cluster]\ncritical=  0  \n",
            "quirks.ini": "[check_cluster]\nservice=\ndata=0,1\ncritical=1 # not a comment\n",
            "dirs/b/plugins.ini": "[check_cluster]\nservice=\ndata=2,2\n",
            "dirs/b/nagios-plugins.ini": "[check_cluster]\nservice=\ndata=0\n",
            "secret.ini": "[check_cluster]\nservice=\ndata=0\n",
        ]
        for (name, text) in files {
            let path = d + "/" + name
            try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                     withIntermediateDirectories: true)
            try? text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        chmod(d, 0o755)
        chmod(d + "/secret.ini", 0o600)
        return d
    }()

    static func args(_ a: [String]) -> [String] { a.map { $0.replacingOccurrences(of: "{D}", with: dir) } }

    static let loadBinds = [(LocalChecks.fixture("load/busy4/proc/loadavg"), "/proc/loadavg")]

    @Test(arguments: [
        ["--extra-opts=@{D}/p.ini"], ["--extra-opts", "@{D}/p.ini"], ["--extra-opts=check_load@{D}/p.ini"],
        // The command line comes after the ini options, so it wins.
        ["-w", "7", "--extra-opts=@{D}/p.ini"], ["--extra-opts=@{D}/p.ini", "-c", "30"], ["--extra-opts=@{D}/p.ini", "-w", "11"],
        ["--extra-opts=w@{D}/p.ini", "--extra-opts=c@{D}/p.ini"], ["--extra-opts=c@{D}/p.ini", "--extra-opts", "w@{D}/p.ini", "-r"],
        ["--", "--extra-opts=@{D}/p.ini"], ["-w", "--extra-opts=@{D}/p.ini"],
        // Errors: 2.3.3's die() texts, exit 3.
        ["--extra-opts=missing@{D}/p.ini"], ["--extra-opts=empty@{D}/p.ini", "-w", "1", "-c", "2"],
        ["--extra-opts=@/nonexistent/p.ini"], ["--extra-opts=@{D}/syntax.ini"], ["--extra-opts=novalue@{D}/p.ini"],
        ["--extra-opts=@{D}"], ["--extra-opts=c@{D}/p.ini", "--extra-opts=missing@{D}/p.ini"],
        ["--extra-opts=sec@"], ["--extra-opts=@"], ["-Z", "--extra-opts=missing@{D}/p.ini"],
        // What the options then mean is the plugin's business.
        ["--extra-opts=short@{D}/p.ini", "-c", "9"], ["--extra-opts=bogus@{D}/p.ini"],
        // Look-alikes are getopt's to refuse.
        ["--extra-optsX"], ["--extra", "-w", "1", "-c", "2"],
    ])
    func checkLoad(_ arguments: [String]) throws {
        let (ours, c) = try LocalChecks.both("check_load", Self.args(arguments), binds: Self.loadBinds)
        #expect(E2E.alike(ours, c), "ours: \(ours)\nC: \(c)")
    }

    @Test(arguments: [
        ["--extra-opts"], ["--extra-opts="], ["--extra-opts", "-w", "1", "-c", "2"], ["--extra-opts", ""],
        ["--extra-opts=@{D}/p.ini"], ["--extra-opts=@{D}/p.ini", "--critical=3"], ["--extra-opts=cl_w@{D}/p.ini", "-s", "-d", "0,1"],
        ["--extra-opts=@{D}/spaces.ini"], ["-s", "-d", "1", "--extra-opts"],
    ])
    func checkClusterWithoutAFileOrWithOne(_ arguments: [String]) throws {
        let (ours, c) = try LocalChecks.both("check_cluster", Self.args(arguments))
        #expect(E2E.alike(ours, c), "ours: \(ours)\nC: \(c)")
    }

    /// No inline comments: `critical=1 # not a comment` is the value
    /// `1 # not a comment`, which 2.3.3 reads as 1 and Vigil refuses, as it
    /// refuses `1abc` on the command line (docs/plugins/README.md).
    @Test func inlineCommentIsPartOfTheValue() throws {
        let ours = try E2E.plugin("check_cluster", Self.args(["--extra-opts=@{D}/quirks.ini"]))
        #expect(ours.code == 3)
        #expect(ours.stdout.hasPrefix("check_cluster: invalid range '1 # not a comment': not a number\nUsage:\n"))
    }

    /// The default search: NAGIOS_CONFIG_PATH's directories (2.3.3 looks for
    /// monitoring-plugins.ini, plugins.ini, nagios-plugins.ini in each), an
    /// empty MP_CONFIG_FILE, one naming a missing file.
    @Test(arguments: [
        ["NAGIOS_CONFIG_PATH": "{D}/dirs/a::{D}/dirs/b"], ["NAGIOS_CONFIG_PATH": "{D}/dirs/a"],
        ["MP_CONFIG_FILE": ""], ["MP_CONFIG_FILE": "/nonexistent.ini"],
    ])
    func defaultSearch(_ environment: [String: String]) throws {
        let env = environment.mapValues { $0.replacingOccurrences(of: "{D}", with: Self.dir) }
        let ours = try E2E.plugin("check_cluster", ["--extra-opts"], environment: env)
        let c = try E2E.cPlugin("check_cluster", ["--extra-opts"], environment: env)
        #expect(E2E.alike(ours, c), "ours: \(ours)\nC: \(c)")
    }

    @Test func standardInput() throws {
        let ini = "[check_cluster]\nservice=\ndata=0,2\n[w]\nwarning=0\n"
        for arguments in [["--extra-opts=@-"], ["--extra-opts=@-", "--extra-opts=w@-"]] {
            let ours = try E2E.plugin("check_cluster", arguments, stdin: ini)
            let c = try E2E.cPlugin("check_cluster", arguments, stdin: ini)
            #expect(E2E.alike(ours, c), "ours: \(ours)\nC: \(c)")
        }
    }

    @Test func unreadableFile() throws {
        let setpriv = "/usr/bin/setpriv"
        try E2E.require(setpriv)
        let run = { (dir: String) in
            try E2E.run(setpriv, ["--reuid=65534", "--regid=65534", "--clear-groups", dir + "/check_cluster",
                                  "--extra-opts=@" + Self.dir + "/secret.ini"])
        }
        let ours = try run(E2E.plugins), c = try run(E2E.cPlugins)
        #expect(ours.stdout == "Can't read config file: Permission denied\n")
        #expect(E2E.alike(ours, c), "ours: \(ours)\nC: \(c)")
    }

    /// Every plugin 2.3.3 reads ini files for: the section is the plugin's
    /// name, its options reach the option parser.
    @Test(arguments: ["check_load", "check_disk", "check_swap", "check_procs", "check_users", "check_nagios", "check_apt",
                      "check_cluster"])
    func everyPluginThatHasIt(_ name: String) throws {
        let ini = try LocalChecks.temporaryFile("[\(name)]\nbogus=1\n[v]\nversion=\n")
        defer { try? FileManager.default.removeItem(at: ini) }
        for arguments in [["--extra-opts=@" + ini.path], ["--extra-opts=missing@" + ini.path], ["--extra-opts=v@" + ini.path],
                          ["--extra-opts=@/nonexistent.ini", "-h"]] {
            let (ours, c) = try LocalChecks.both(name, arguments)
            #expect(E2E.alike(ours, c), "\(name) \(arguments)\nours: \(ours)\nC: \(c)")
            #expect(ours.code == 3)
        }
    }

    /// The 2.3.3 plugins without --extra-opts refuse it, each in its way.
    @Test(arguments: ["check_dummy", "check_file_age", "check_log", "check_mailq", "check_sensors", "negate"])
    func pluginsWithoutIt(_ name: String) throws {
        let (ours, c) = try LocalChecks.both(name, ["--extra-opts=@" + Self.dir + "/p.ini"])
        if name == "check_log" {
            // Our usage leaves out 2.3.3's "Other parameters" paragraph (docs/plugins/check_log.md).
            #expect(ours.code == c.code && ours.stderr == c.stderr && c.stdout.hasPrefix(ours.stdout), "ours: \(ours)\nC: \(c)")
        } else {
            #expect(E2E.alike(ours, c), "ours: \(ours)\nC: \(c)")
        }
    }
}

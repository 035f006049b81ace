import Testing
@testable import NagiosPlugin

/// `--extra-opts`: the ini reader and the argument expansion, with the
/// behaviour found by running Debian's 2.3.3 C plugins on the same files.
struct ExtraOptsTests {
    func ini(_ text: String, _ section: String = "check_load") throws(ExtraOptsError) -> [String]? {
        try IniSection.options(in: Array(text.utf8), section: section)
    }

    /// An environment with fixed variables and files (nothing else exists).
    func env(_ variables: [String: String] = [:], files: [String: String] = [:]) -> ExtraOpts.Environment {
        ExtraOpts.Environment(
            variable: { variables[$0] },
            exists: { files[$0] != nil },
            read: { path in
                guard let text = files[path] else { return .failure(.unreadable("No such file or directory")) }
                return .success(Array(text.utf8))
            })
    }

    @Test func keysBecomeLongOptionsAndOneLetterKeysShortOnes() throws {
        #expect(try ini("[check_load]\nwarning=5\ncritical=10\n") == ["--warning=5", "--critical=10"])
        // `w=5` is `-w=5`: getopt then reads the value as `=5`, as in 2.3.3.
        #expect(try ini("[check_load]\nw=5\n") == ["-w=5"])
        // `key=` (or only spaces after `=`) is the option without a value.
        #expect(try ini("[check_load]\npercpu=\ncritical=   \n") == ["--percpu", "--critical"])
        // Keys are taken as written: `-w=6` becomes `---w=6`.
        #expect(try ini("[check_load]\n-w=6\n") == ["---w=6"])
    }

    @Test func whitespaceCommentsAndLineEnds() throws {
        #expect(try ini("# c\n; c\n  [ check_load ]  \n  warning = 5  \n\tcritical\t=\t10\t\n") == ["--warning=5", "--critical=10"])
        #expect(try ini("[check_load]\r\nwarning=5\r\n") == ["--warning=5"])
        #expect(try ini("[check_load]\nwarning=5") == ["--warning=5"])  // no final newline
        #expect(try ini("[x]\n[check_load]\n  \n\n  warning=5\n") == ["--warning=5"])
        // No inline comments, quotes or continuation lines: all part of the value.
        #expect(try ini("[check_load]\nwarning=5 # c\n") == ["--warning=5 # c"])
        #expect(try ini("[check_load]\nwarning=\"5\"\n") == ["--warning=\"5\""])
        #expect(try ini("[check_load]\nwarning=5\\\ncritical=10\n") == ["--warning=5\\", "--critical=10"])
        // Inner spaces stay; of a run of spaces before `=`, 2.3.3 drops one if the run is odd.
        #expect(try ini("[check_load]\nwar ning=5\n") == ["--war ning=5"])
        #expect(try ini("[check_load]\nwarning  =5\n") == ["--warning  =5"])
        #expect(try ini("[check_load]\nwarning   =5\n") == ["--warning  =5"])
    }

    @Test func sectionHeaders() throws {
        // Options may follow the header on its line; the header may span lines.
        #expect(try ini("[check_load]warning=5\n") == ["--warning=5"])
        #expect(try ini("[check_load\n]\nwarning=5\n") == ["--warning=5"])
        // Same-named sections add up; other sections are skipped.
        #expect(try ini("[check_load]\nwarning=5\n[x]\ncritical=1\n[check_load]\ncritical=10\n")
            == ["--warning=5", "--critical=10"])
        #expect(try ini("[check_loadx]\nwarning=5\n") == nil)
        // A header cut short swallows the next line too (GOBBLE_TO reads on first).
        #expect(try ini("[check\n[check_load]\nwarning=5\n") == nil)
        #expect(try ini("[check_load]\nwarning=5\n[x\nwarning=1\n") == ["--warning=5"])
        // Missing, or present with no option: both are an invalid section.
        #expect(try ini("[other]\nwarning=1\n") == nil)
        #expect(try ini("[check_load]\n# only a comment\n[x]\na=b\n") == nil)
        #expect(try ini("") == nil)
        // 2.3.3 compares fgetc's byte with a signed char: a non-ASCII name never matches.
        #expect(try ini("[\u{E4}]\na=b\n", "\u{E4}") == nil)
    }

    @Test(arguments: ["warning=5\n[check_load]\ncritical=10\n", "[check_load]\npercpu\n", "[check_load]\n=x\n",
                      "[check_load]\n  = x\n"])
    func syntaxErrors(_ text: String) {
        #expect(throws: ExtraOptsError.syntax) { try ini(text) }
    }

    @Test func syntaxInOtherSectionsIsNotLookedAt() throws {
        #expect(try ini("[x]\npercpu\n=x\n[check_load]\nwarning=5\n") == ["--warning=5"])
    }

    @Test func iniOptionsGoFirstInOrder() throws {
        let e = env(files: ["/i": "[check_load]\nwarning=5\ncritical=10\n[w]\nwarning=6\n[c]\ncritical=20\n"])
        #expect(try ExtraOpts.expand(["-w", "1", "--extra-opts=@/i"], section: "check_load", environment: e)
            == ["--warning=5", "--critical=10", "-w", "1"])
        #expect(try ExtraOpts.expand(["--extra-opts=c@/i", "-r", "--extra-opts", "w@/i"], section: "check_load", environment: e)
            == ["--critical=20", "--warning=6", "-r"])
        // Even after `--` or as another option's value, as 2.3.3's scan of argv.
        #expect(try ExtraOpts.expand(["--", "--extra-opts=w@/i"], section: "check_load", environment: e) == ["--warning=6", "--"])
    }

    @Test func separateValueUnlessTheNextLooksLikeAnOption() throws {
        let e = env(["MP_CONFIG_FILE": "/d"], files: ["/d": "[check_load]\nwarning=1\n[s]\nwarning=2\n[---x]\nwarning=3\n[-]\na=b\n"])
        #expect(try ExtraOpts.expand(["--extra-opts", "s"], section: "check_load", environment: e) == ["--warning=2"])
        #expect(try ExtraOpts.expand(["--extra-opts", "-c", "5"], section: "check_load", environment: e)
            == ["--warning=1", "-c", "5"])
        #expect(try ExtraOpts.expand(["--extra-opts", "-"], section: "check_load", environment: e) == ["--warning=1", "-"])
        #expect(try ExtraOpts.expand(["--extra-opts", "---x"], section: "check_load", environment: e) == ["--warning=3"])
        #expect(try ExtraOpts.expand(["--extra-opts"], section: "check_load", environment: e) == ["--warning=1"])
        #expect(try ExtraOpts.expand(["--extra-opts="], section: "check_load", environment: e) == ["--warning=1"])
        #expect(try ExtraOpts.expand(["--extra-opts", ""], section: "check_load", environment: e) == ["--warning=1"])
    }

    @Test func lookalikesAreLeftToGetopt() throws {
        let args = ["--extra-optsX", "--extra", "-w", "--extra-opt=x"]
        #expect(try ExtraOpts.expand(args, section: "check_load", environment: env()) == args)
    }

    @Test func locators() throws {
        let e = env(files: ["/i": "[a]\nx=1\n", "/i@j": "[a]\nx=2\n"])
        #expect(try ExtraOpts.options(locator: "a@/i", defaultSection: "p", environment: e) == ["-x=1"])
        #expect(try ExtraOpts.options(locator: "a@/i@j", defaultSection: "p", environment: e) == ["-x=2"])
        #expect(throws: ExtraOptsError.noConfigFile) { try ExtraOpts.options(locator: "a@", defaultSection: "p", environment: e) }
        #expect(throws: ExtraOptsError.noConfigFile) { try ExtraOpts.options(locator: "@", defaultSection: "p", environment: e) }
        #expect(throws: ExtraOptsError.noConfigFile) { try ExtraOpts.options(locator: nil, defaultSection: "p", environment: e) }
        #expect(throws: ExtraOptsError.invalidSection(section: "p", file: "/i")) {
            try ExtraOpts.options(locator: "@/i", defaultSection: "p", environment: e)
        }
        #expect(throws: ExtraOptsError.unreadable("No such file or directory")) {
            try ExtraOpts.options(locator: "a@/nonexistent", defaultSection: "p", environment: e)
        }
    }

    @Test func defaultSearch() {
        // MP_CONFIG_FILE wins, even empty (then no file is found).
        #expect(ExtraOpts.defaultFile(env(["MP_CONFIG_FILE": "/m", "NAGIOS_CONFIG_PATH": "/d"], files: ["/d/plugins.ini": ""])) == "/m")
        #expect(ExtraOpts.defaultFile(env(["MP_CONFIG_FILE": ""])) == "")
        // NAGIOS_CONFIG_PATH: each directory in turn, each name in 2.3.3's order; empty entries skipped.
        let files = ["/b/plugins.ini": "", "/b/nagios-plugins.ini": "", "/etc/nagios/plugins.ini": ""]
        #expect(ExtraOpts.defaultFile(env(["NAGIOS_CONFIG_PATH": "/a::/b"], files: files)) == "/b/plugins.ini")
        #expect(ExtraOpts.defaultFile(env(["NAGIOS_CONFIG_PATH": "/a"], files: files)) == "/etc/nagios/plugins.ini")
        #expect(ExtraOpts.defaultFile(env(files: ["/etc/monitoring-plugins.ini": "", "/etc/nagios-plugins.ini": ""]))
            == "/etc/monitoring-plugins.ini")
        #expect(ExtraOpts.defaultFile(env()) == nil)
        #expect(ExtraOpts.defaultPaths.count == 11 && ExtraOpts.defaultPaths.first == "/usr/local/etc/monitoring-plugins/monitoring-plugins.ini")
    }

    @Test func errorsAreDieMessages() {
        #expect(PluginError(ExtraOptsError.invalidSection(section: "s", file: "f"))
            == .state(.unknown, "Invalid section 's' in config file 'f'"))
        #expect(ExtraOptsError.noConfigFile.description == "Cannot find config file in any standard location.")
        #expect(ExtraOptsError.unreadable("Permission denied").description == "Can't read config file: Permission denied")
        #expect(ExtraOptsError.syntax.description == "Config file error")
    }

    @Test func realFiles() {
        #expect(ExtraOpts.readFile("/nonexistent/x.ini") == .failure(.unreadable("No such file or directory")))
        // A directory opens but reads nothing, so its section is missing (as fopen/fgetc in 2.3.3).
        #expect(ExtraOpts.readFile("/") == .success([]))
    }

    @Test func withoutExtraOptsTheArgumentsAreUntouched() throws {
        let args = ["-w", "1", "-c", "2", "--extra", "x"]
        #expect(try ExtraOpts.expand(args, section: "check_load", environment: env()) == args)
    }
}

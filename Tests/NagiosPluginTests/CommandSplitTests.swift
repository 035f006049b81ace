import Testing
@testable import NagiosPlugin

/// `Command.splitLikeCmdRun`: the C library's cmd_run() word splitting.
struct CommandSplitTests {
    @Test(arguments: [
        ("/p 0 x", ["/p", "0", "x"]),
        ("  /p\t0\r\nx  ", ["/p", "0", "x"]),
        ("/p 0 'a dummy okay'", ["/p", "0", "a dummy okay"]),
        ("/p 'a'b", ["/p", "a", "b"]),
        ("/p a'b", ["/p", "a'b"]),
        ("/p ''", ["/p", ""]),
        ("/p", ["/p"]),
        ("", [""]),
        ("/p 'x' ", ["/p", "x"]),
    ])
    func splits(_ c: (String, [String])) {
        #expect(Command.splitLikeCmdRun(c.0) == c.1)
    }

    @Test(arguments: ["/p \"x\"", "/p ' x", "/p '''", "/p 'open"])
    func refuses(_ line: String) {
        #expect(Command.splitLikeCmdRun(line) == nil)
    }
}

import Foundation
import Testing

/// check_swap, ours and Debian's, on the same /proc/meminfo.
struct CheckSwapSideBySideTests {
    static let meminfos = ["meminfo-debian12", "meminfo-noswap", "meminfo-linux24", "meminfo-mixed", "meminfo-odd"]
    static let argumentSets: [[String]] = [
        ["-w", "20%", "-c", "10%"], ["-w", "60%", "-c", "50%", "-v"], ["-w", "60%", "-c", "51%"],
        ["-w", "1500000000", "-c", "150000000", "-vvv"], ["-w", "50%", "-c", "100000000", "-a", "-v"],
        ["-w", "60%", "-c", "10%", "-a", "-v"], ["-w", "20%", "-c", "10%", "-a", "-vvv"], ["-w", "20%", "-c", "10%", "-n", "ok"],
        ["--no-swap=warning", "-w", "1"], ["-w", "100%", "-c", "100%"], ["-w", "1000000000000", "-c", "10%"], ["-w", "5", "-c", "5"],
        ["-w", "20%", "-c", "10%", "30"],
    ]

    @Test(arguments: meminfos, argumentSets)
    func sameBytesOnFixtures(_ meminfo: String, _ arguments: [String]) throws {
        let (ours, c) = try LocalChecks.both("check_swap", arguments,
                                             binds: [(LocalChecks.fixture("swap/" + meminfo), "/proc/meminfo")])
        #expect(ours.stdout == c.stdout)
        #expect(ours.code == c.code)
    }

    @Test(arguments: [["-w", "1%", "-c", "1"], ["-w", "1%", "-c", "1", "-n", "ok"]])
    func liveSwapMasked(_ arguments: [String]) throws {
        let (ours, c) = try LocalChecks.both("check_swap", arguments)
        #expect(ours.code == c.code)
        #expect(LocalChecks.masked(ours.stdout) == LocalChecks.masked(c.stdout))
        #expect(ours.stdout.hasPrefix("SWAP "))
    }

    @Test(arguments: [
        [], ["-w", "0", "-c", "0"], ["-w", "10", "-c", "20"], ["-w", "10%", "-c", "20%"], ["-w", "101%", "-c", "10%"],
        ["-w", "20%", "-c", "10%", "-n", "foo"], ["20%", "10%"], ["-c", "1"], ["-w", "18446744073709551615", "-c", "1"],
        ["-Z"], ["--bogus=1"], ["-w"], ["-w", "1%", "-c", "0%", "-t", "x"], ["-w", "1%", "-c", "0%", "-n"],
        ["-?"], ["--ver"], ["--v"], ["-V", "-Z"], ["-w", "-5%", "-c", "5%"], ["-w", "5%", "-c", "-5%"],
        ["-n", "foo", "-Z"], ["-w", "1%", "-c", "0%", "-n", "foo", "--bogus"],
    ])
    func badArgumentsSameMessage(_ arguments: [String]) throws {
        let (ours, c) = try LocalChecks.both("check_swap", arguments)
        #expect(ours.code == 3 && c.code == 3)
        #expect(E2E.alike(ours, c), "ours: \(ours)\nC: \(c)")
    }

    @Test(arguments: [["-w", "abc", "-c", "1"], ["-w", "10abc"], ["-w", "-5", "-c", "1"], ["-t", "5", "-w", "1"], ["-n"]])
    func junkIsRejected(_ arguments: [String]) throws {
        // 2.3.3 reads "10abc" as 10 and "-5" as 2^64-5; ours refuses them.
        let ours = try E2E.plugin("check_swap", arguments)
        #expect(ours.code == 3)
        #expect(ours.stdout.contains("Usage:\n check_swap [-av]"))
    }
}

import Testing
@testable import Checks
@testable import NagiosPlugin
import SystemProbes

struct CheckSwapTests {
    func config(_ args: [String]) throws -> CheckSwap.Configuration {
        try #require(try CheckSwap.configure(args).configuration)
    }

    func run(_ args: [String], meminfo: String) throws -> (String, Status) {
        let swap = SwapInfo(parsing: try LocalCheckFixtures.bytes("swap/" + meminfo))
        return PluginMain.outcome(CheckSwap.info) { () throws(PluginError) in
            try CheckSwap.configure(args).run { CheckSwap.evaluate(swap, $0) }
        }
    }

    @Test func limits() throws {
        let c = try config(["-w", "20%", "-c", "104857600", "-a", "-vv", "--no-swap=ok"])
        #expect(c.warning == .init(isPercentage: true, value: 20))
        #expect(c.critical == .init(isPercentage: false, value: 104_857_600))
        #expect(c.allSwaps && c.verbose == 2 && c.noSwapState == .ok)
        #expect(try config(["-w", "1"]).critical == .init())  // one limit is enough
        #expect(try config(["-w", "5", "-c", "5"]).warning.value == 5)
        #expect(try config(["-w", "10%", "-c", "50"]).noSwapState == .critical)  // units differ: not compared
    }

    @Test(arguments: [
        ([], "Could not parse arguments"), (["-w", "0", "-c", "0"], "Could not parse arguments"),
        (["-w", "0%", "-c", "0%"], "Could not parse arguments"), (["20%", "10%"], "Could not parse arguments"),
        (["-c", "1"], "Warning should be more than critical"), (["-w", "10%", "-c", "20%"], "Warning should be more than critical"),
        (["-w", "101%", "-c", "10%"], "Warning threshold percentage must be <= 100!"),
        (["-w", "10%", "-c", "101%"], "Critical threshold percentage must be <= 100!"),
        (["-w", "abc", "-c", "1"], "Warning threshold be positive integer or percentage!"),
        (["-w", "10abc"], "Warning threshold be positive integer or percentage!"),
        (["-w", "-5"], "Warning threshold be positive integer or percentage!"),
        (["-w", "%"], "Warning threshold be positive integer or percentage!"),
        (["-w", "-5%", "-c", "1%"], "Warning threshold percentage must be <= 100!"),
        (["-w", "5%", "-c", "-1%"], "Critical threshold percentage must be <= 100!"),
        (["-w", "-0%", "-c", "1%"], "Warning threshold be positive integer or percentage!"),
        (["-w", "5", "-c", "x%"], "Critical threshold be positive integer or percentage!"),
        (["-w", "18446744073709551615"], "Warning threshold be positive integer or percentage!"),
        (["-w", "1", "-n", "foo"], "no-swap result must be a valid state name (OK, WARNING, CRITICAL, UNKNOWN) or integer (0-3)."),
        (["-t", "5"], "invalid option -- 't'"),
    ])
    func usageErrors(_ c: ([String], String)) {
        #expect(throws: expectedUsage(c.1)) { try CheckSwap.configure(c.0) }
    }

    @Test func debian12Swap() throws {
        #expect(try run(["-w", "20%", "-c", "10%"], meminfo: "meminfo-debian12") ==
                ("SWAP OK - 51% free (1025MB out of 2047MB) |swap=1074790400B;429287000;214643500;0;2146435072\n", .ok))
        #expect(try run(["-w", "60%", "-c", "50%", "-v"], meminfo: "meminfo-debian12") ==
                ("SWAP WARNING - 51% free (1025MB out of 2047MB) |swap=1074790400B;1287861000;1073217500;0;2146435072\n", .warning))
        // 49.93% used is 49 when cut to an integer: at 51% free limit, CRITICAL.
        #expect(try run(["-w", "60%", "-c", "51%"], meminfo: "meminfo-debian12").1 == .critical)
        #expect(try run(["-w", "20%", "-c", "1500000000"], meminfo: "meminfo-debian12").1 == .critical)
        #expect(try run(["-w", "100%", "-c", "100%"], meminfo: "meminfo-debian12") ==
                ("SWAP CRITICAL - 51% free (1025MB out of 2047MB) |swap=1074790400B;2146435000;2146435000;0;2146435072\n", .critical))
    }

    @Test func verboseTraceOfWhatWasRead() throws {
        #expect(try run(["-w", "1500000000", "-c", "150000000", "-vvv"], meminfo: "meminfo-debian12") == (
            "Reading PROC_MEMINFO at /proc/meminfo\nGot Cached with 1024\nGot Total with 2097148\nGot Free with 1048576\n"
                + "SWAP WARNING - 51% free (1025MB out of 2047MB) |swap=1074790400B;1500000000;150000000;0;2146435072\n",
            .warning))
    }

    @Test(arguments: [("critical", Status.critical), ("ok", .ok), ("1", .warning), ("UNKNOWN", .unknown)])
    func noSwapState(_ c: (String, Status)) throws {
        #expect(try run(["-w", "20%", "-c", "10%", "-n", c.0], meminfo: "meminfo-noswap") == (
            "SWAP \(c.1.label) - 0% free (0MB out of 0MB) - Swap is either disabled, not present, or of zero size. "
                + "|swap=0B;0;0;0;0\n", c.1))
    }

    @Test func allSwapsChecksEachLinux24Area() throws {
        #expect(try run(["-w", "60%", "-c", "10%", "-a", "-v"], meminfo: "meminfo-linux24") == (
            "SWAP WARNING - 100% free (1024MB out of 1024MB)  [1023 (50%)] [1024 (100%)]"
                + "|swap=1073741824B;644245080;107374180;0;1073741824\n", .warning))
        #expect(try run(["-w", "60%", "-c", "10%"], meminfo: "meminfo-linux24").1 == .ok)
    }

    @Test func freeAboveTotalWrapsAsInC() throws {
        #expect(try run(["-w", "20%", "-c", "10%", "-a", "-vvv"], meminfo: "meminfo-mixed") == (
            "Reading PROC_MEMINFO at /proc/meminfo\nGot Total with 3000000\nGot Free with 2000000\n"
                + "SWAP CRITICAL - 247814884% free (2976MB out of 2929MB)  [1023 (50%)]"
                + "|swap=3120562176B;614255820;307127910;0;3071279104\n", .critical))
    }
}

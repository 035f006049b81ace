import Testing
@testable import Checks
@testable import NagiosPlugin

struct CheckSensorsTests {
    func output(_ fixture: String, _ code: Int32 = 0) throws -> Command.Output {
        Command.Output(stdout: try SystemFixtures.bytes("sensors/" + fixture), stderr: [], exitCode: code)
    }

    @Test(arguments: [
        ("normal.txt", Int32(0), "", "SENSORS OK\n", Status.ok),
        ("alarm.txt", 0, "", "SENSOR CRITICAL - Sensor alarm detected!\n", .critical),
        ("fault.txt", 0, "", "SENSOR UNKNOWN - Sensor reported fault\n", .unknown),
        ("fault.txt", 0, "-i", "SENSORS OK\n", .ok),
        ("fault.txt", 0, "--ignore-fault", "SENSORS OK\n", .ok),
        ("fault.txt", 0, "--ignore", "SENSOR UNKNOWN - Sensor reported fault\n", .unknown),
        ("alarm-and-fault.txt", 0, "-i", "SENSOR CRITICAL - Sensor alarm detected!\n", .critical),
        ("lowercase.txt", 0, "", "SENSORS OK\n", .ok),
        ("alarm.txt", 1, "", "WARNING - sensors returned state 1\n", .warning),
        ("normal.txt", 137, "", "WARNING - sensors returned state 137\n", .warning),
        ("normal.txt", 127, "", "SENSORS UNKNOWN - command not found (did you install lmsensors?)\n", .unknown),
    ])
    func statesInTheScriptsOrder(_ c: (String, Int32, String, String, Status)) throws {
        #expect(CheckSensors.evaluate(try output(c.0, c.1), firstArgument: c.2) == .text(c.3, c.4))
    }

    @Test func verboseAppendsTheOutputWithOneNewline() throws {
        let exit = CheckSensors.evaluate(try output("alarm.txt"), firstArgument: "--verbose")
        guard case .text(let text, .critical) = exit else { Issue.record("\(exit)"); return }
        #expect(text.hasPrefix("SENSOR CRITICAL - Sensor alarm detected!\nit8718-isa-0290\n"))
        #expect(text.hasSuffix("sensor = thermistor\n"))
        #expect(CheckSensors.evaluate(try output("normal.txt"), firstArgument: "-v") != CheckSensors.evaluate(try output("normal.txt"), firstArgument: "x"))
    }

    @Test func helpAndVersionExitZeroAsTheScriptDoes() {
        #expect(CheckSensors.informational("-h") == .text(CheckSensors.info.helpText, .ok))
        #expect(CheckSensors.informational("--help") == .text(CheckSensors.info.helpText, .ok))
        #expect(CheckSensors.informational("-V") == .text(CheckSensors.info.versionLine, .ok))
        #expect(CheckSensors.informational("--version") == .text(CheckSensors.info.versionLine, .ok))
        #expect(CheckSensors.informational("-x") == nil)
        #expect(CheckSensors.informational("-hV") == nil)
    }
}

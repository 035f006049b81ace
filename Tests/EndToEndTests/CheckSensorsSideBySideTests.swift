import Foundation
import Testing

/// check_sensors next to Debian's 2.3.3 shell script. The script sets its
/// own PATH, so a stand-in `sensors` printing a fixture is bind-mounted over
/// /usr/local/sbin (first in that PATH) in a private mount namespace
/// (`unshare -m`); both plugins then run unchanged and find it.
struct CheckSensorsSideBySideTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("SystemProbesTests/Fixtures/sensors").path

    /// A new directory whose `sensors` is a link to the committed stand-in
    /// script (`Fixtures/sensors/stand-in.sh`). Nothing executable is written
    /// while tests run: a script written by one test thread can be held open
    /// by a child another thread forks, and then fails to exec (ETXTBSY).
    static func makeStandIn() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-sensors-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir + "/sensors", withDestinationPath: fixtures + "/stand-in.sh")
        return dir
    }

    /// Runs `plugin args` with the stand-in mounted over /usr/local/sbin.
    static func run(_ plugin: String, _ args: [String], fixture: String, exit: Int = 0, stderr: String = "") throws -> E2E.Result {
        try E2E.require("/usr/bin/unshare")
        let standIn = try makeStandIn()
        defer { try? FileManager.default.removeItem(atPath: standIn) }
        return try E2E.run("/usr/bin/unshare", ["-m", "/bin/sh", "-c", "mount --bind \"$STAND_IN\" /usr/local/sbin && exec \"$@\"", "sh", plugin] + args,
                           environment: ["STAND_IN": standIn, "SENSORS_FIXTURE": fixtures + "/" + fixture,
                                         "SENSORS_EXIT": String(exit), "SENSORS_STDERR": stderr])
    }

    @Test(arguments: ["normal.txt", "alarm.txt", "fault.txt", "alarm-and-fault.txt", "lowercase.txt"])
    func sameResultForEachFixture(_ fixture: String) throws {
        try E2E.require("\(E2E.plugins)/check_sensors")
        for args in [[], ["-i"], ["--ignore-fault"], ["-v"], ["--verbose"], ["x", "-v"], ["-i", "-v"]] {
            let ours = try Self.run("\(E2E.plugins)/check_sensors", args, fixture: fixture)
            let theirs = try Self.run("\(E2E.cPlugins)/check_sensors", args, fixture: fixture)
            #expect(ours.stdout == theirs.stdout, "\(fixture) \(args)")
            #expect(ours.code == theirs.code, "\(fixture) \(args)")
        }
    }

    @Test(arguments: [1, 2, 3, 126])
    func failingSensorsCommand(_ code: Int) throws {
        for args in [[], ["-v"]] {
            let ours = try Self.run("\(E2E.plugins)/check_sensors", args, fixture: "alarm.txt", exit: code, stderr: "No sensors found!")
            let theirs = try Self.run("\(E2E.cPlugins)/check_sensors", args, fixture: "alarm.txt", exit: code, stderr: "No sensors found!")
            #expect(ours.stdout == theirs.stdout && ours.code == theirs.code, "\(code) \(args): \(ours) / \(theirs)")
        }
        // Standard error is part of what -v shows (after standard output here).
        let ours = try Self.run("\(E2E.plugins)/check_sensors", ["-v"], fixture: "normal.txt", exit: 1, stderr: "No sensors found!")
        #expect(ours.stdout.hasSuffix("(crit = +105.0°C)\n\nNo sensors found!\n") && ours.code == 1, "\(ours)")
    }

    /// The machine's real lm-sensors (in a VM it usually finds no chips and exits 1).
    @Test func realSensors() throws {
        try E2E.require("/usr/bin/sensors")
        for args in [[], ["-i"]] {
            let ours = try E2E.plugin("check_sensors", args)
            let theirs = try E2E.cPlugin("check_sensors", args)
            #expect(ours.stdout == theirs.stdout && ours.code == theirs.code, "\(args): \(ours) / \(theirs)")
        }
    }

    /// The documented test-only override gives what the mounted stand-in gives.
    @Test func overrideVariable() throws {
        let viaMount = try Self.run("\(E2E.plugins)/check_sensors", ["-v"], fixture: "fault.txt")
        let standIn = try Self.makeStandIn()
        defer { try? FileManager.default.removeItem(atPath: standIn) }
        let viaVariable = try E2E.plugin("check_sensors", ["-v"], environment: [
            "VIGIL_TEST_SENSORS": standIn + "/sensors", "SENSORS_FIXTURE": Self.fixtures + "/fault.txt"])
        #expect(viaVariable == viaMount)
        let missing = try E2E.plugin("check_sensors", [], environment: ["VIGIL_TEST_SENSORS": "/nonexistent/sensors"])
        #expect(missing.stdout == "SENSORS UNKNOWN - command not found (did you install lmsensors?)\n" && missing.code == 3)
    }

    @Test func helpAndVersionExitZeroInBoth() throws {
        for flag in ["-h", "--help", "-V", "--version"] {
            let ours = try E2E.plugin("check_sensors", [flag])
            let theirs = try E2E.cPlugin("check_sensors", [flag])
            #expect(ours.code == 0 && theirs.code == 0, "\(flag)")
            #expect(ours.stdout.hasPrefix("check_sensors v2.3.3 ") && theirs.stdout.hasPrefix("check_sensors v2.3.3 "), "\(flag)")
        }
    }
}

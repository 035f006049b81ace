import Foundation
import Testing

/// A private Nagios Core (Debian `nagios4-core`) started by a test on this
/// machine: its own config, log, status, command pipe and perfdata file in
/// a temporary directory, `interval_length=1` so intervals are seconds.
///
/// Nagios writes the service perfdata file in the PNP4Nagios bulk template,
/// which the collector reads; `status.dat` holds each service's last result.
final class NagiosHarness {
    struct Service {
        var description: String
        /// The command line as Nagios would run it (no `;`, which starts a
        /// comment in object files, and no `!`).
        var commandLine: String
        var maxCheckAttempts = 1
    }

    /// One service's last result as recorded in status.dat.
    struct ServiceStatus: Equatable {
        var state: Int
        var output: String
        var longOutput: String
        var perfdata: String
    }

    static let nagios = "/usr/sbin/nagios4"
    static let perfdataTemplate =
        "DATATYPE::SERVICEPERFDATA\\tTIMET::$TIMET$\\tHOSTNAME::$HOSTNAME$\\tSERVICEDESC::$SERVICEDESC$\\tSERVICEPERFDATA::$SERVICEPERFDATA$\\tSERVICECHECKCOMMAND::$SERVICECHECKCOMMAND$\\tHOSTSTATE::$HOSTSTATE$\\tHOSTSTATETYPE::$HOSTSTATETYPE$\\tSERVICESTATE::$SERVICESTATE$\\tSERVICESTATETYPE::$SERVICESTATETYPE$"

    /// What every private Nagios configuration of the tests needs: the
    /// `24x7` time period, the contact `nobody` (notifications off) and its
    /// `notify-none` command.
    static let baseObjects = """
        define timeperiod {
            timeperiod_name 24x7
            alias always
            sunday 00:00-24:00
            monday 00:00-24:00
            tuesday 00:00-24:00
            wednesday 00:00-24:00
            thursday 00:00-24:00
            friday 00:00-24:00
            saturday 00:00-24:00
        }
        define contact {
            contact_name nobody
            host_notifications_enabled 0
            service_notifications_enabled 0
            host_notification_period 24x7
            service_notification_period 24x7
            host_notification_options n
            service_notification_options n
            host_notification_commands notify-none
            service_notification_commands notify-none
        }
        define command {
            command_name notify-none
            command_line /bin/true
        }

    """

    let directory: URL
    let services: [Service]
    private var pid: pid_t = 0

    var configFile: URL { directory.appendingPathComponent("nagios.cfg") }
    var perfdataFile: URL { directory.appendingPathComponent("service-perfdata") }
    var statusFile: URL { directory.appendingPathComponent("status.dat") }
    var commandPipe: URL { directory.appendingPathComponent("rw/nagios.cmd") }
    var logFile: URL { directory.appendingPathComponent("nagios.log") }

    /// Writes the configuration; `start()` runs Nagios.
    init(services: [Service], host: String = "vigil-test-host", directory path: String? = nil) throws {
        try E2E.require(Self.nagios)
        // Short path: the query socket must stay under 108 bytes.
        directory = URL(fileURLWithPath: path ?? Self.newDirectoryPath())
        self.services = services
        let fm = FileManager.default
        try fm.createDirectory(at: directory.appendingPathComponent("rw"), withIntermediateDirectories: true)
        try fm.createDirectory(at: directory.appendingPathComponent("checkresults"), withIntermediateDirectories: true)
        try fm.createDirectory(at: directory.appendingPathComponent("tmp"), withIntermediateDirectories: true)
        let d = directory.path
        let main = """
        log_file=\(d)/nagios.log
        cfg_file=\(d)/objects.cfg
        object_cache_file=\(d)/objects.cache
        precached_object_file=\(d)/objects.precache
        resource_file=\(d)/resource.cfg
        status_file=\(d)/status.dat
        status_update_interval=1
        nagios_user=nagios
        nagios_group=nagios
        check_external_commands=1
        command_file=\(d)/rw/nagios.cmd
        query_socket=\(d)/rw/q.sock
        lock_file=\(d)/nagios.lock
        temp_file=\(d)/nagios.tmp
        temp_path=\(d)/tmp
        check_result_path=\(d)/checkresults
        retain_state_information=0
        state_retention_file=\(d)/retention.dat
        use_syslog=0
        log_rotation_method=n
        interval_length=1
        max_service_check_spread=1
        max_host_check_spread=1
        check_result_reaper_frequency=1
        enable_notifications=0
        enable_flap_detection=0
        execute_service_checks=1
        execute_host_checks=1
        process_performance_data=1
        service_perfdata_file=\(d)/service-perfdata
        service_perfdata_file_template=\(Self.perfdataTemplate)
        service_perfdata_file_mode=a
        service_perfdata_file_processing_interval=0
        illegal_macro_output_chars=`~$&|'"<>
        enable_environment_macros=0
        """
        try main.write(to: configFile, atomically: true, encoding: .utf8)
        try "$USER1$=\(E2E.plugins)\n".write(to: directory.appendingPathComponent("resource.cfg"), atomically: true, encoding: .utf8)
        var objects = Self.baseObjects + """
        define command {
            command_name host-up
            command_line $USER1$/check_dummy 0 up
        }
        define host {
            host_name \(host)
            address 127.0.0.1
            check_command host-up
            max_check_attempts 1
            check_interval 60
            retry_interval 60
            check_period 24x7
            contacts nobody
            notification_period 24x7
        }

        """
        for (i, s) in services.enumerated() {
            objects += """
            define command {
                command_name vigil-cmd-\(i)
                command_line \(s.commandLine)
            }
            define service {
                host_name \(host)
                service_description \(s.description)
                check_command vigil-cmd-\(i)
                max_check_attempts \(s.maxCheckAttempts)
                check_interval 2
                retry_interval 1
                check_period 24x7
                contacts nobody
                notification_period 24x7
            }

            """
        }
        try objects.write(to: directory.appendingPathComponent("objects.cfg"), atomically: true, encoding: .utf8)
        // Nagios drops to the nagios user: it must be able to read and write here.
        _ = try E2E.run("/bin/chown", ["-R", "nagios:nagios", d])
        _ = try E2E.run("/bin/chmod", ["-R", "u+rwX,go+rX", d])
    }

    /// A fresh directory name, short enough for the query socket (< 108 bytes).
    static func newDirectoryPath() -> String {
        "/tmp/vigil-nagios-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    /// `nagios4 -v` on the configuration: exit code and output.
    func verify() throws -> E2E.Result {
        try E2E.run(Self.nagios, ["-v", configFile.path])
    }

    /// Starts Nagios in the foreground as a child process.
    func start() throws {
        // Spawned with a clean signal mask: its workers reap checks on SIGCHLD.
        pid = try E2E.spawn(Self.nagios, [configFile.path])
    }

    /// Waits until every service has been checked at least `checks` times
    /// (counted in the perfdata file when all have perfdata, else in status.dat),
    /// forcing checks through the command pipe. Returns the status of each.
    func waitForResults(timeout: TimeInterval = 90) throws -> [String: ServiceStatus] {
        let deadline = Date().addingTimeInterval(timeout)
        var forced = Date.distantPast
        while Date() < deadline {
            if Date().timeIntervalSince(forced) > 5, FileManager.default.fileExists(atPath: commandPipe.path) {
                forceChecks()
                forced = Date()
            }
            let status = (try? parseStatus()) ?? [:]
            if status.count == services.count { return status }
            Thread.sleep(forTimeInterval: 0.5)
        }
        let log = (try? String(contentsOf: logFile, encoding: .utf8)) ?? "(no log)"
        throw HarnessError("Nagios did not check every service within \(Int(timeout)) s; log:\n\(log.suffix(3000))")
    }

    /// Sends `SCHEDULE_FORCED_HOST_SVC_CHECKS` for the test host.
    func forceChecks(host: String = "vigil-test-host") {
        let now = Int(Date().timeIntervalSince1970)
        let line = "[\(now)] SCHEDULE_FORCED_HOST_SVC_CHECKS;\(host);\(now)\n"
        // Open non-blocking: if Nagios has not opened the pipe yet, skip.
        let fd = open(commandPipe.path, O_WRONLY | O_NONBLOCK)
        guard fd >= 0 else { return }
        _ = line.withCString { write(fd, $0, strlen($0)) }
        close(fd)
    }

    /// Services that have been checked, from status.dat.
    func parseStatus() throws -> [String: ServiceStatus] {
        let text = try String(contentsOf: statusFile, encoding: .utf8)
        var result: [String: ServiceStatus] = [:]
        for block in text.components(separatedBy: "servicestatus {").dropFirst() {
            let body = block.components(separatedBy: "\n\t}").first ?? block
            var fields: [String: String] = [:]
            for line in body.split(separator: "\n") {
                let t = line.trimmingCharacters(in: .whitespaces)
                if let eq = t.firstIndex(of: "=") { fields[String(t[..<eq])] = String(t[t.index(after: eq)...]) }
            }
            guard fields["has_been_checked"] == "1", let name = fields["service_description"],
                  let state = fields["current_state"].flatMap({ Int($0) }) else { continue }
            result[name] = ServiceStatus(state: state, output: fields["plugin_output"] ?? "",
                                         longOutput: fields["long_plugin_output"] ?? "",
                                         perfdata: fields["performance_data"] ?? "")
        }
        return result
    }

    /// The lines Nagios wrote to the service perfdata file so far.
    func perfdataLines() throws -> [String] {
        guard let text = try? String(contentsOf: perfdataFile, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map(String.init)
    }

    /// Stops Nagios and removes the directory (pass `keep: true` to look at it).
    func stop(keep: Bool = false) {
        if pid > 0 {
            kill(pid, SIGTERM)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            pid = 0
        }
        if !keep { try? FileManager.default.removeItem(at: directory) }
    }

    deinit { stop() }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

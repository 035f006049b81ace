import Foundation
import RRDTesting
import Testing
@testable import Analytics

/// Hand-made analyses for the writers (what the learner would produce).
enum Sample {
    static func analysis(_ host: String, _ service: String, _ label: String, uom: String = "",
                         direction: AlertDirection = .high, band: ThresholdBand? = nil, cold: Bool = false,
                         profile: TimeOfWeekProfile? = nil, score: Double = 0, anomalies: [Anomaly] = []) -> MetricAnalysis {
        MetricAnalysis(id: MetricID(host: host, service: service, label: label), uom: uom, direction: direction,
                       outcome: cold ? .coldStart(reason: "only 2 hours of history") : .thresholds,
                       band: cold ? nil : band, profile: profile, hasDailySeason: profile != nil,
                       anomalies: anomalies, anomalyScore: score, historySeconds: cold ? 7200 : 28 * 86_400)
    }

    static let load = analysis("web01", "Load", "load1", band: ThresholdBand(warningHigh: 3.2, criticalHigh: 4.75))
    static let load5 = analysis("web01", "Load", "load5", band: ThresholdBand(warningHigh: 2.5, criticalHigh: 4))
    static let load15 = analysis("web01", "Load", "load15", cold: true)
    static let traffic = analysis("web01", "eth0 traffic", "in", uom: "B", direction: .both,
                                  band: ThresholdBand(warningLow: 1000, warningHigh: 9_000_000, criticalLow: 10,
                                                      criticalHigh: 12_000_000.5))
    /// A service description with a `;` (written `\;` in object files) and a label with spaces.
    static let semicolon = analysis("db;1", "Disk /var;x", "/var data", uom: "%",
                                    band: ThresholdBand(warningHigh: 80, criticalHigh: 90))
    static let hostRTA = analysis("web01", "", "rta", uom: "ms", band: ThresholdBand(warningHigh: 12.5, criticalHigh: 40))
    static let free = analysis("db2", "Disk /", "/", uom: "MB", direction: .low,
                               band: ThresholdBand(warningLow: 2048, criticalLow: 1024))

    static var all: [ConfiguredMetric] {
        [load, load5, load15, traffic, semicolon, hostRTA, free].map { ConfiguredMetric(analysis: $0) }
    }

    static let info = GenerationInfo(time: 1_764_000_000, source: "--rrd-dir /var/lib/vigil/rrd")
}

/// A private Nagios Core configuration (Debian nagios4-core) in a
/// temporary directory that `nagios4 -v` can check: readable by the
/// `nagios` user it drops to, its own paths for everything.
struct NagiosFixture {
    static let binary = "/usr/sbin/nagios4"
    let directory: TemporaryDirectory
    var mainConfig: String { directory.file("nagios.cfg") }
    var generated: String { directory.file("generated/vigil.cfg") }

    /// `objects` are the user's own object definitions (services that use
    /// the generated templates); `generatedLine` is how nagios.cfg includes
    /// the generated file.
    init(objects: String, generatedLine: String? = nil) throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "nagios4-core missing: run scripts/setup")
        directory = try TemporaryDirectory("vigil-nagios")
        let d = directory.path
        for sub in ["generated", "rw", "checkresults", "tmp"] {
            try FileManager.default.createDirectory(atPath: "\(d)/\(sub)", withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o777])
            chmod("\(d)/\(sub)", 0o777)
        }
        let main = """
        log_file=\(d)/nagios.log
        cfg_file=\(d)/base.cfg
        cfg_file=objects.cfg
        \(generatedLine ?? "cfg_file=\(d)/generated/vigil.cfg")
        object_cache_file=\(d)/objects.cache
        precached_object_file=\(d)/objects.precache
        status_file=\(d)/status.dat
        nagios_user=nagios
        nagios_group=nagios
        command_file=\(d)/rw/nagios.cmd
        query_socket=\(d)/rw/q.sock
        lock_file=\(d)/nagios.lock
        temp_file=\(d)/nagios.tmp
        temp_path=\(d)/tmp
        check_result_path=\(d)/checkresults
        state_retention_file=\(d)/retention.dat
        use_syslog=0
        illegal_macro_output_chars=`~$&|'"<>
        """
        try main.write(toFile: mainConfig, atomically: false, encoding: .utf8)
        try Self.base.write(toFile: "\(d)/base.cfg", atomically: false, encoding: .utf8)
        try objects.write(toFile: "\(d)/objects.cfg", atomically: false, encoding: .utf8)
        chmod(d, 0o777)
    }

    /// Contacts, time period, a notify command and generic templates.
    static let base = """
    define timeperiod {
        timeperiod_name 24x7
        alias           always
        monday          00:00-24:00
    }
    define command {
        command_name    notify
        command_line    /bin/true
    }
    define contact {
        contact_name                  admin
        host_notifications_enabled    0
        service_notifications_enabled 0
        host_notification_period      24x7
        service_notification_period   24x7
        host_notification_options     n
        service_notification_options  n
        host_notification_commands    notify
        service_notification_commands notify
    }
    define host {
        name                  generic-host
        register              0
        max_check_attempts    3
        check_period          24x7
        contacts              admin
        notification_interval 0
        notification_period   24x7
    }
    define service {
        name                  generic-service
        register              0
        max_check_attempts    3
        check_interval        5
        retry_interval        1
        check_period          24x7
        contacts              admin
        notification_interval 0
        notification_period   24x7
    }
    define command {
        command_name    check_load_vigil
        command_line    /usr/lib/nagios/plugins/check_load -w $_SERVICEVIGIL_LOAD1_WARN_MAX$,$_SERVICEVIGIL_LOAD5_WARN_MAX$,$_SERVICEVIGIL_LOAD15_WARN_MAX$ -c $_SERVICEVIGIL_LOAD1_CRIT_MAX$,$_SERVICEVIGIL_LOAD5_CRIT_MAX$,$_SERVICEVIGIL_LOAD15_CRIT_MAX$
    }
    define command {
        command_name    check_range_vigil
        command_line    /usr/lib/nagios/plugins/check_dummy 0 '$ARG1$'
    }

    """

    /// Runs `nagios4 -v` (`-vp` also writes objects.precache, the resolved
    /// objects with inherited custom variables).
    func verify(precache: Bool = false) throws -> ProcessResult {
        try runProcess(Self.binary, [precache ? "-vp" : "-v", mainConfig])
    }

    /// Custom variables of each resolved service in objects.precache,
    /// keyed "host/service".
    func resolvedServiceVariables() throws -> [String: [String: String]] {
        let text = try String(contentsOfFile: directory.file("objects.precache"), encoding: .utf8)
        var result: [String: [String: String]] = [:]
        for block in text.components(separatedBy: "define service {").dropFirst() {
            let body = block.components(separatedBy: "\t}").first ?? ""
            var fields: [String: String] = [:]
            for line in body.split(separator: "\n") {
                let parts = line.drop { $0 == "\t" }.split(separator: "\t", maxSplits: 1)
                if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
            }
            let key = "\(fields["host_name"] ?? "")/\(fields["service_description"] ?? "")"
            result[key] = fields.filter { $0.key.hasPrefix("_") }
        }
        return result
    }
}

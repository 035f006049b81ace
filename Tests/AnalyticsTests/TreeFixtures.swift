import Collector
import Foundation
import Logging
import RRDTesting
import Testing
@testable import Analytics

/// Real RRD files made with Debian's `rrdtool` (create + batched updates).
enum RRDFixture {
    static let rrdtool = "/usr/bin/rrdtool"
    /// Analysis time of the fixtures: a Monday 16:00 UTC.
    static let now: Int64 = 1_764_000_000

    /// Creates `path` with the data sources `names` (GAUGE, step 300, one
    /// AVERAGE archive of 9 weeks) holding `value(t)` every 5 minutes for
    /// `days` days before `now`.
    static func make(_ path: String, dataSources names: [String], days: Int = 21, minimum: String = "U",
                     until end: Int64 = now, value: (Int64, Int) -> Double?) throws {
        try #require(FileManager.default.isExecutableFile(atPath: rrdtool), "rrdtool missing: run scripts/setup")
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        let start = now - Int64(days) * 86_400
        let create = try runProcess(rrdtool, ["create", path, "--start", String(start - 300), "--step", "300"]
            + names.map { "DS:\($0):GAUGE:600:\(minimum):U" } + ["RRA:AVERAGE:0.5:1:18200", "RRA:MAX:0.5:12:1600"])
        try #require(create.status == 0, "\(create.stderr)")
        var updates: [String] = []
        var t = start
        while t <= end {
            updates.append("\(t):" + names.indices.map { k in value(t, k).map { String($0) } ?? "U" }.joined(separator: ":"))
            t += 300
        }
        for chunk in stride(from: 0, to: updates.count, by: 3000) {
            let r = try runProcess(rrdtool, ["update", path] + updates[chunk..<min(chunk + 3000, updates.count)])
            try #require(r.status == 0, "\(r.stderr)")
        }
    }

    /// A daily sine around `base` with deterministic noise; `spike` is
    /// added during the last `spikeSeconds` before `now`.
    static func daily(_ t: Int64, base: Double, amplitude: Double, spike: Double = 0, spikeSeconds: Int64 = 3600) -> Double {
        let phase = Double(t % 86_400) / 86_400 * 2 * Double.pi
        let noise = Double((t / 300 * 2_654_435_761) % 1000) / 1000 - 0.5
        return base + amplitude * sin(phase) + noise * amplitude * 0.1 + (t > now - spikeSeconds ? spike : 0)
    }
}

/// Perfdata stored by the collector's own code (`Ingester`), so that the
/// trees analysed are the collector's real layout.
enum CollectorFixture {
    /// A record in the PNP4Nagios bulk template Nagios writes.
    static func serviceLine(_ t: Int64, host: String, service: String, perfdata: String) -> String {
        "DATATYPE::SERVICEPERFDATA\tTIMET::\(t)\tHOSTNAME::\(host)\tSERVICEDESC::\(service)\tSERVICEPERFDATA::\(perfdata)"
            + "\tSERVICECHECKCOMMAND::check_x"
    }

    static func hostLine(_ t: Int64, host: String, perfdata: String) -> String {
        "DATATYPE::HOSTPERFDATA\tTIMET::\(t)\tHOSTNAME::\(host)\tHOSTPERFDATA::\(perfdata)\tHOSTCHECKCOMMAND::check-host-alive"
    }

    /// Stores `lines` below `rrdDirectory`; every value must be stored.
    static func ingest(_ lines: [String], into rrdDirectory: String) throws {
        let spool = try TemporaryDirectory("vigil-perfdata")
        defer { spool.remove() }
        let file = spool.file("service-perfdata")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))
        let ingester = try Ingester(options: CollectorOptions(rrdDirectory: rrdDirectory),
                                    logger: Logger(label: "collector") { _ in SwiftLogNoOpLogHandler() })
        try ingester.ingest(path: file)
        let summary = ingester.flush()
        try #require(summary.rejects == 0 && summary.failed == 0 && summary.records == lines.count, "\(summary.line)")
    }
}

/// A small RRD tree of every kind the scanner reads.
struct MixedTree {
    let directory: TemporaryDirectory
    var root: String { directory.path }

    static let pingXML = """
    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
    <NAGIOS>
      <DATASOURCE>
        <TEMPLATE>check_ping</TEMPLATE>
        <RRDFILE>/var/lib/pnp4nagios/perfdata/web01/PING.rrd</RRDFILE>
        <RRD_STORAGE_TYPE>SINGLE</RRD_STORAGE_TYPE>
        <RRD_HEARTBEAT>8460</RRD_HEARTBEAT>
        <IS_MULTI>0</IS_MULTI>
        <DS>1</DS>
        <NAME>rta</NAME>
        <LABEL>rta</LABEL>
        <UNIT>ms</UNIT>
        <ACT>12.001</ACT>
        <WARN>100.000000</WARN>
        <WARN_MIN></WARN_MIN>
        <WARN_MAX></WARN_MAX>
        <WARN_RANGE_TYPE></WARN_RANGE_TYPE>
        <CRIT>500.000000</CRIT>
        <CRIT_MIN></CRIT_MIN>
        <CRIT_MAX></CRIT_MAX>
        <CRIT_RANGE_TYPE></CRIT_RANGE_TYPE>
        <MIN>0</MIN>
        <MAX></MAX>
      </DATASOURCE>
      <DATASOURCE>
        <TEMPLATE>check_ping</TEMPLATE>
        <RRDFILE>/var/lib/pnp4nagios/perfdata/web01/PING.rrd</RRDFILE>
        <RRD_STORAGE_TYPE>SINGLE</RRD_STORAGE_TYPE>
        <RRD_HEARTBEAT>8460</RRD_HEARTBEAT>
        <IS_MULTI>0</IS_MULTI>
        <DS>2</DS>
        <NAME>pl</NAME>
        <LABEL>pl</LABEL>
        <UNIT>%</UNIT>
        <ACT>0</ACT>
        <WARN>20</WARN>
        <CRIT>60</CRIT>
        <MIN>0</MIN>
        <MAX>100</MAX>
      </DATASOURCE>
      <RRD>
        <RC>0</RC>
        <TXT>successful updated</TXT>
      </RRD>
      <NAGIOS_AUTH_HOSTNAME>web01</NAGIOS_AUTH_HOSTNAME>
      <NAGIOS_AUTH_SERVICEDESC>PING</NAGIOS_AUTH_SERVICEDESC>
      <NAGIOS_CHECK_COMMAND>check_ping!100.0,20%!500.0,60%</NAGIOS_CHECK_COMMAND>
      <NAGIOS_DISP_HOSTNAME>web01</NAGIOS_DISP_HOSTNAME>
      <NAGIOS_DISP_SERVICEDESC>PING</NAGIOS_DISP_SERVICEDESC>
      <NAGIOS_HOSTNAME>web01</NAGIOS_HOSTNAME>
      <NAGIOS_SERVICEDESC>PING</NAGIOS_SERVICEDESC>
      <XML>
       <VERSION>4</VERSION>
      </XML>
    </NAGIOS>
    """

    /// MULTIPLE storage: one RRD per label, named SERVICE_NAME.rrd; the
    /// label (`/var`) differs from PNP's file-safe NAME (`_var`); the
    /// service has an `&` written as an entity.
    static let diskXML = """
    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
    <NAGIOS>
      <DATASOURCE>
        <TEMPLATE>check_disk</TEMPLATE>
        <RRDFILE>/var/lib/pnp4nagios/perfdata/db1/Disk_&amp;_var__var.rrd</RRDFILE>
        <RRD_STORAGE_TYPE>MULTIPLE</RRD_STORAGE_TYPE>
        <DS>1</DS>
        <NAME>_var</NAME>
        <LABEL>/var</LABEL>
        <UNIT>MB</UNIT>
        <MIN>0</MIN>
        <MAX>10240</MAX>
      </DATASOURCE>
      <NAGIOS_AUTH_HOSTNAME>db1</NAGIOS_AUTH_HOSTNAME>
      <NAGIOS_AUTH_SERVICEDESC>Disk &amp; /var</NAGIOS_AUTH_SERVICEDESC>
    </NAGIOS>
    """

    /// Host perfdata (`_HOST_`).
    static let hostXML = """
    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
    <NAGIOS>
      <DATASOURCE>
        <RRDFILE>/elsewhere/db1/_HOST_.rrd</RRDFILE>
        <RRD_STORAGE_TYPE>SINGLE</RRD_STORAGE_TYPE>
        <DS>1</DS>
        <NAME>rta</NAME>
        <LABEL>rta</LABEL>
        <UNIT>ms</UNIT>
      </DATASOURCE>
      <NAGIOS_AUTH_HOSTNAME>db1</NAGIOS_AUTH_HOSTNAME>
      <NAGIOS_AUTH_SERVICEDESC>_HOST_</NAGIOS_AUTH_SERVICEDESC>
    </NAGIOS>
    """

    /// - `pnp/`: web01 PING (two labels in one RRD), db1 disk (MULTIPLE), db1 host rta;
    /// - `collector/`: written by vigil-collector's `Ingester`: the service
    ///   file `app%201/HTTP%20%2Fapi.rrd` + `.meta` (labels time, size,
    ///   `used space`) and `app%201/PING/{rta,pl}.rrd` + `.meta` (the
    ///   per-metric layout of older trees);
    /// - `plain/`: a collectd-style tree (`host/plugin/type.rrd`, DS `value`).
    /// `spike` is added to web01 PING rta during the last hour.
    init(days: Int = 21, spike: Double = 0) throws {
        directory = try TemporaryDirectory("vigil-tree")
        let pnp = directory.file("pnp")
        try FileManager.default.createDirectory(atPath: pnp + "/web01", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: pnp + "/db1", withIntermediateDirectories: true)
        try Self.pingXML.write(toFile: pnp + "/web01/PING.xml", atomically: false, encoding: .utf8)
        try RRDFixture.make(pnp + "/web01/PING.rrd", dataSources: ["1", "2"], days: days) { t, k in
            k == 0 ? RRDFixture.daily(t, base: 12, amplitude: 4, spike: spike) : 0
        }
        try Self.diskXML.write(toFile: pnp + "/db1/Disk_&_var.xml", atomically: false, encoding: .utf8)
        try RRDFixture.make(pnp + "/db1/Disk_&_var__var.rrd", dataSources: ["1"], days: days) { t, _ in
            4000 + Double(t - RRDFixture.now) / 86_400 * 10
        }
        try Self.hostXML.write(toFile: pnp + "/db1/_HOST_.xml", atomically: false, encoding: .utf8)
        try RRDFixture.make(pnp + "/db1/_HOST_.rrd", dataSources: ["1"], days: days) { t, _ in
            RRDFixture.daily(t, base: 1, amplitude: 0.2)
        }
        // Written by the collector itself: a service file for HTTP /api
        // (a generated data-source name for `used space`), and PING stored
        // a file per metric, as a tree from before service files keeps it.
        let collector = directory.file("collector")
        try FileManager.default.createDirectory(atPath: collector + "/app%201/PING", withIntermediateDirectories: true)
        var lines: [String] = []
        var t = RRDFixture.now - Int64(days) * 86_400
        while t <= RRDFixture.now {
            let time = RRDFixture.daily(t, base: 0.25, amplitude: 0.1)
            let size = 5000 + Double(t / 300 % 7) * 10
            let used = 40 + Double(t - RRDFixture.now) / 86_400 * 0.1
            lines.append(CollectorFixture.serviceLine(t, host: "app 1", service: "HTTP /api",
                                                      perfdata: "time=\(time)s;1;2;0; size=\(size)B;;;0; 'used space'=\(used)%;80;90;0;100"))
            lines.append(CollectorFixture.serviceLine(t, host: "app 1", service: "PING",
                                                      perfdata: "rta=\(RRDFixture.daily(t, base: 3, amplitude: 0.5))ms;100;500;0; pl=0%;20;60;0;100"))
            t += 300
        }
        try CollectorFixture.ingest(lines, into: collector)
        try RRDFixture.make(directory.file("plain/edge7/cpu-0/cpu-idle.rrd"), dataSources: ["value"], days: days) { t, _ in
            RRDFixture.daily(t, base: 80, amplitude: 10)
        }
        // A cold start: a single value.
        try RRDFixture.make(directory.file("plain/edge7/uptime.rrd"), dataSources: ["value"], days: 0) { t, _ in
            Double(t % 7200)
        }
    }
}

import Foundation
import Testing

/// A real Nagios Core writes its service perfdata file (PNP4Nagios bulk
/// template); the built `vigil-collector` ingests it, and `rrdtool` (an
/// independent reader) finds every value in the RRD files.
@Suite(.serialized)
struct CollectorNagiosTests {
    /// `scripts/build` builds the tools into .build/release (override with VIGIL_COLLECTOR).
    static let collector = ProcessInfo.processInfo.environment["VIGIL_COLLECTOR"]
        ?? E2E.repo.appendingPathComponent(".build/release/vigil-collector").path

    @Test func ingestsThePerfdataFileOfARealNagios() throws {
        try E2E.require(Self.collector)
        try E2E.require("/usr/bin/rrdtool")
        try E2E.require("\(E2E.cPlugins)/check_load")
        let services = [
            NagiosHarness.Service(description: "echo perf", commandLine: "/bin/echo \"OK - fine | a=1 'b c'=2.5s n=1000.5c\""),
            NagiosHarness.Service(description: "Load", commandLine: "\(E2E.cPlugins)/check_load -w 50,40,30 -c 60,50,40"),
        ]
        let nagios = try NagiosHarness(services: services)
        defer { nagios.stop() }
        try nagios.start()
        _ = try nagios.waitForResults()
        // wait until both services are in the perfdata file
        for _ in 0..<120 {
            let lines = try nagios.perfdataLines()
            let seen = services.filter { svc in lines.contains { $0.contains("\tSERVICEDESC::\(svc.description)\t") } }
            if seen.count == services.count { break }
            Thread.sleep(forTimeInterval: 0.5)
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-e2e-collector-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let copy = dir + "/service-perfdata"
        try FileManager.default.copyItem(atPath: nagios.perfdataFile.path, toPath: copy)
        let written = try String(contentsOfFile: copy, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(written.allSatisfy { $0.hasPrefix("DATATYPE::SERVICEPERFDATA\tTIMET::") })

        let r = try E2E.run(Self.collector, ["ingest", "--rrd-dir", dir + "/rrd", copy])
        #expect(r.code == 0, "\(r)")
        #expect(r.stdout.contains("\(written.count) records"), "\(r)")
        #expect(r.stdout.contains(" 0 rejects"), "\(r)")

        let host = "vigil-test-host"
        func last(_ service: String, _ file: String) throws -> Double? {
            let out = try E2E.run("/usr/bin/rrdtool", ["lastupdate", "\(dir)/rrd/\(host)/\(service)/\(file).rrd"])
            #expect(out.code == 0, "\(out)")
            return out.stdout.split(separator: "\n").last.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
        }
        #expect(try last("echo%20perf", "a") == 1)
        #expect(try last("echo%20perf", "b%20c") == 2.5)
        #expect(try last("echo%20perf", "n") == 1000.5)
        let info = try E2E.run("/usr/bin/rrdtool", ["info", "\(dir)/rrd/\(host)/echo%20perf/n.rrd"])
        #expect(info.stdout.contains("ds[value].type = \"DDERIVE\""))
        // check_load: the stored values are those of the last record Nagios wrote
        let lastLoad = try #require(written.last { $0.contains("SERVICEDESC::Load\t") })
        let perf = try #require(lastLoad.split(separator: "\t").first { $0.hasPrefix("SERVICEPERFDATA::") })
        for label in ["load1", "load5", "load15"] {
            let item = try #require(perf.dropFirst("SERVICEPERFDATA::".count).split(separator: " ").first { $0.hasPrefix(label + "=") })
            let value = try #require(Double(item.dropFirst(label.count + 1).prefix { $0 != ";" }))
            #expect(try last("Load", label) == value, "\(label)")
        }
        let meta = try String(contentsOfFile: "\(dir)/rrd/\(host)/Load/load1.meta", encoding: .utf8)
        #expect(meta.contains("label=load1\n"))
        #expect(meta.contains("check_command=vigil-cmd-1\n"))
    }
}

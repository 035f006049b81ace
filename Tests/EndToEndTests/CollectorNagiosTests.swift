import Foundation
import Testing

/// A real Nagios Core writes its service perfdata file (PNP4Nagios bulk
/// template); the built `vigil-collector` ingests it into one RRD file per
/// service, and `rrdtool` (an independent reader) finds every value there.
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

        // One file per service (`host/service.rrd`), a data source per
        // label, and the sidecar saying which data source holds which label.
        let host = "vigil-test-host"
        func last(_ service: String) throws -> [String: Double] {
            let out = try E2E.run("/usr/bin/rrdtool", ["lastupdate", "\(dir)/rrd/\(host)/\(service).rrd"])
            #expect(out.code == 0, "\(out)")
            let lines = out.stdout.split(separator: "\n")
            guard let names = lines.first?.split(separator: " "), let values = lines.last?.split(separator: " ").dropFirst() else { return [:] }
            return Dictionary(uniqueKeysWithValues: zip(names.map(String.init), values.map { Double($0) ?? .nan }))
        }
        let echo = try last("echo%20perf")
        let hashed = try #require(echo.keys.first { $0.hasPrefix("_") }, "'b c' is not a data-source name: one is generated")
        #expect(echo == ["a": 1, hashed: 2.5, "n": 1000.5])
        let echoMeta = try String(contentsOfFile: "\(dir)/rrd/\(host)/echo%20perf.meta", encoding: .utf8)
        #expect(echoMeta.hasPrefix("# vigil-collector service metadata 1\n"))
        #expect(echoMeta.contains("metric=a\nlabel=a\n") && echoMeta.contains("metric=\(hashed)\nlabel=b%20c\nuom=s\n"), "\(echoMeta)")
        let info = try E2E.run("/usr/bin/rrdtool", ["info", "\(dir)/rrd/\(host)/echo%20perf.rrd"])
        #expect(info.stdout.contains("ds[n].type = \"DDERIVE\""))
        #expect(info.stdout.contains("ds[a].type = \"GAUGE\""))
        // check_load: the stored values are those of the last record Nagios wrote
        let lastLoad = try #require(written.last { $0.contains("SERVICEDESC::Load\t") })
        let perf = try #require(lastLoad.split(separator: "\t").first { $0.hasPrefix("SERVICEPERFDATA::") })
        let load = try last("Load")
        for label in ["load1", "load5", "load15"] {
            let item = try #require(perf.dropFirst("SERVICEPERFDATA::".count).split(separator: " ").first { $0.hasPrefix(label + "=") })
            let value = try #require(Double(item.dropFirst(label.count + 1).prefix { $0 != ";" }))
            #expect(load[label] == value, "\(label)")
        }
        let meta = try String(contentsOfFile: "\(dir)/rrd/\(host)/Load.meta", encoding: .utf8)
        #expect(meta.contains("metric=load1\nlabel=load1\n"))
        #expect(meta.contains("check_command=vigil-cmd-1\n"))
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/rrd/\(host)/Load"), "no per-metric directory in a new tree")
    }
}

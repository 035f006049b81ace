import Collector
import Foundation
import RRD
import RRDTesting
import Testing

let t0 = Fixture.t0

@Suite struct IngestFormatTests {
    @Test func pnpBulkTemplate() throws {
        let store = try TestStore(); defer { store.remove() }
        let s = try store.ingest([Fixture.path("pnp-bulk.perfdata")])
        #expect(s.records == 6)
        #expect(s.stored == 12)
        #expect(s.rejects == 0 && s.duplicates == 0 && s.failed == 0)
        let disk = try store.series("web-01", "Disk /var", "/var")
        #expect(disk[t0] == 2048)
        #expect(disk[t0 + 60] == 2049)
        // the labels changed order in the second record: nothing mislabelled
        let inodes = try store.series("web-01", "Disk /var", "inodes")
        #expect(inodes[t0] == 12.5)
        #expect(inodes[t0 + 60] == 13)
        #expect(try store.series("web-01", nil, "rta")[t0] == 0.512)
        #expect(try store.series("web-01", nil, "pl")[t0] == 0)
        // counters: a per-second rate, fractional values accepted
        #expect(try store.series("web-01", "Interface eth0", "in octets")[t0 + 60] == 100)
        #expect(try store.series("web-01", "Interface eth0", "out octets")[t0 + 60] == 10)
        let time = try store.series("web-01", "Interface eth0", "time")
        #expect(time[t0] == 9.99e-06)
        #expect(time[t0 + 60] == 1.5)
        let sidecar = try #require(try store.sidecar("web-01", "Disk /var"))
        #expect(sidecar.checkCommand == Array("check_disk!20%!10%!/var".utf8))
        #expect(sidecar.firstSeen == Double(t0) && sidecar.lastSeen == Double(t0 + 60))
        #expect(sidecar.metrics.map(\.label) == ["/var", "inodes"])
        let meta = try #require(sidecar.metric(label: "/var"))
        #expect(meta.dataSource == ServiceMetadata.dataSourceName(for: "/var"))
        #expect(meta.uom == "MB")
        #expect(meta.warning == "3000" && meta.critical == "3500")
        #expect(meta.minimum == 0 && meta.maximum == 4096)
        #expect(meta.dataSourceType == "GAUGE")
        let octets = ServiceMetadata.dataSourceName(for: "in octets")
        let info = try RRDFile.info(path: store.rrd("web-01", "Interface eth0"))
        #expect(info.dataSources.map(\.name) == [octets, ServiceMetadata.dataSourceName(for: "out octets"), "time"])
        let counter = info.dataSources.first { $0.name == octets }
        #expect(counter?.kind == .dderive)
        #expect(counter?.minimum == 0)
        #expect(try store.metric("web-01", "Interface eth0", "in octets")?.dataSourceType == "DDERIVE")
        let gauge = try RRDFile.info(path: store.rrd("web-01", "Disk /var")).dataSources.first { $0.name == meta.dataSource }
        #expect(gauge?.kind == .gauge && gauge?.minimum == 0 && gauge?.maximum == 4096)
        // a record without perfdata makes no file
        #expect(!FileManager.default.fileExists(atPath: try store.rrd("web-01", "No perfdata")))
    }

    @Test func nagiosDefaultTemplate() throws {
        let store = try TestStore(); defer { store.remove() }
        let s = try store.ingest([Fixture.path("nagios-default.perfdata")])
        #expect(s.records == 3 && s.stored == 8 && s.rejects == 0)
        let load1 = try store.series("db-01", "Load", "load1")
        #expect(load1[t0] == 0.5 && load1[t0 + 60] == 0.75)
        #expect(try store.series("db-01", "Load", "load15")[t0 + 60] == 0.31)
        #expect(try store.series("db-01", nil, "rta")[t0] == 0.05)
    }

    @Test func icinga2PerfdataWriter() throws {
        let store = try TestStore(); defer { store.remove() }
        let s = try store.ingest([Fixture.path("icinga2.perfdata")])
        #expect(s.records == 3 && s.stored == 6 && s.rejects == 0)
        let rta = try store.series("icinga-host", "ping4", "rta")
        #expect(rta[t0] == 0.055)
        // the fraction of a second of the first value weighs in the second step
        #expect(abs((rta[t0 + 60] ?? 0) - 0.065) < 0.0001)
        #expect(try store.lastValue("icinga-host", "ping4", "pl") == 20)
        #expect(try store.series("icinga-host", nil, "pl")[t0] == 0)
    }

    @Test func rawPluginOutput() throws {
        let store = try TestStore(); defer { store.remove() }
        let i = try store.ingester()
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: Fixture.path("plugin-output.txt"))))
        i.ingestPluginOutput(bytes, name: "plugin-output.txt", host: "web-01", service: "Disk", time: Double(t0))
        let s = i.flush()
        #expect(s.records == 1 && s.stored == 3 && s.rejects == 0)
        #expect(try store.series("web-01", "Disk", "/")[t0] == 2643)
        #expect(try store.series("web-01", "Disk", "/boot")[t0] == 68)
        #expect(try store.series("web-01", "Disk", "/home")[t0] == 69357)
    }

    @Test func allFormatsInOneFileAreDetectedPerLine() throws {
        let store = try TestStore(); defer { store.remove() }
        var all = Data()
        for f in ["pnp-bulk.perfdata", "nagios-default.perfdata", "icinga2.perfdata"] {
            all += try Data(contentsOf: URL(fileURLWithPath: Fixture.path(f)))
        }
        let mixed = try writeFile(store.dir, "mixed", Array(all))
        let s = try store.ingest([mixed])
        #expect(s.records == 12 && s.stored == 26 && s.rejects == 0)
    }
}

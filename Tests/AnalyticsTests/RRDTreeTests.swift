import Collector
import Foundation
import RRD
import RRDTesting
import Testing
@testable import Analytics

struct PNP4NagiosXMLTests {
    @Test func singleStorageWithTwoLabels() throws {
        let xml = try PNP4NagiosXML(parsing: MixedTree.pingXML)
        #expect(xml.host == "web01" && xml.service == "PING")
        #expect(xml.dataSources.map(\.index) == [1, 2])
        #expect(xml.dataSources.map(\.label) == ["rta", "pl"])
        #expect(xml.dataSources.map(\.unit) == ["ms", "%"])
        #expect(xml.dataSources[1].minimum == 0 && xml.dataSources[1].maximum == 100)
        #expect(xml.dataSources[0].maximum == nil)
        #expect(xml.dataSources[0].storageType == "SINGLE")
    }

    @Test func labelEntitiesAndHostPerfdata() throws {
        let disk = try PNP4NagiosXML(parsing: MixedTree.diskXML)
        #expect(disk.service == "Disk & /var")
        #expect(disk.dataSources[0].name == "_var" && disk.dataSources[0].label == "/var")
        #expect(disk.dataSources[0].storageType == "MULTIPLE")
        let host = try PNP4NagiosXML(parsing: MixedTree.hostXML)
        #expect(host.host == "db1" && host.service == "")
    }

    @Test(arguments: ["", "<html><body/></html>", "<NAGIOS><NAGIOS_AUTH_HOSTNAME>x</NAGIOS_AUTH_HOSTNAME></NAGIOS>",
                      "<NAGIOS><DATASOURCE><DS>1</DS></DATASOURCE></NAGIOS>"])
    func notPNP(_ text: String) {
        #expect(throws: PNP4NagiosXML.ParseError.self) { try PNP4NagiosXML(parsing: text) }
    }

    @Test func entitiesAndCDATA() {
        #expect(SimpleXML.decodeEntities("a&amp;b&lt;&#65;&#x42;&bogus;&") == "a&b<AB&bogus;&")
        let events = SimpleXML.elements("<A><B><![CDATA[x<y]]></B><!-- c --><C/></A>")
        #expect(events.filter { !$0.isStart }.map { "\($0.path.joined(separator: "/"))=\($0.text)" } == ["A/B=x<y", "A/C=", "A="])
    }
}

struct RRDTreeTests {
    @Test func scansEveryLayout() throws {
        let tree = try MixedTree()
        defer { tree.directory.remove() }
        let scan = try RRDTree.scan(tree.root)
        #expect(scan.warnings == [])
        let byPath = Dictionary(uniqueKeysWithValues: scan.files.map { (String($0.path.dropFirst(tree.root.count + 1)), $0) })
        #expect(byPath.keys.sorted() == [
            "collector/app%201/HTTP%20%2Fapi.rrd", "collector/app%201/PING/pl.rrd", "collector/app%201/PING/rta.rrd",
            "plain/edge7/cpu-0/cpu-idle.rrd", "plain/edge7/uptime.rrd",
            "pnp/db1/Disk_&_var__var.rrd", "pnp/db1/_HOST_.rrd", "pnp/web01/PING.rrd",
        ])
        let ping = try #require(byPath["pnp/web01/PING.rrd"])
        #expect(ping.layout == .pnp4nagios)
        #expect(ping.metrics == [
            SourceMetric(id: MetricID(host: "web01", service: "PING", label: "rta"), dataSource: "1", uom: "ms", minimum: 0),
            SourceMetric(id: MetricID(host: "web01", service: "PING", label: "pl"), dataSource: "2", uom: "%", minimum: 0, maximum: 100),
        ])
        let disk = try #require(byPath["pnp/db1/Disk_&_var__var.rrd"])
        #expect(disk.metrics.map(\.id) == [MetricID(host: "db1", service: "Disk & /var", label: "/var")])
        #expect(disk.metrics.map(\.dataSource) == ["1"])
        #expect(byPath["pnp/db1/_HOST_.rrd"]?.metrics.map(\.id) == [MetricID(host: "db1", service: "", label: "rta")])
        // The collector's service file: a data source per label, in the
        // order the labels came, named from the label.
        let service = try #require(byPath["collector/app%201/HTTP%20%2Fapi.rrd"])
        #expect(service.layout == .collector)
        let api = { (label: String) in MetricID(host: "app 1", service: "HTTP /api", label: label) }
        let usedSpace = ServiceMetadata.dataSourceName(for: "used space")
        #expect(usedSpace.hasPrefix("_") && usedSpace.count == 17)
        #expect(service.metrics == [
            SourceMetric(id: api("time"), dataSource: "time", uom: "s", minimum: 0),
            SourceMetric(id: api("size"), dataSource: "size", uom: "B", minimum: 0),
            SourceMetric(id: api("used space"), dataSource: usedSpace, uom: "%", minimum: 0, maximum: 100),
        ])
        #expect(try RRDFile.info(path: service.path).dataSources.map(\.name) == ["time", "size", usedSpace])
        // The per-metric layout of older trees: one data source `value` each.
        let rta = try #require(byPath["collector/app%201/PING/rta.rrd"])
        #expect(rta.layout == .collector)
        #expect(rta.metrics == [SourceMetric(id: MetricID(host: "app 1", service: "PING", label: "rta"), dataSource: "value",
                                             uom: "ms", minimum: 0)])
        #expect(byPath["collector/app%201/PING/pl.rrd"]?.metrics.map(\.id.label) == ["pl"])
        let plain = try #require(byPath["plain/edge7/cpu-0/cpu-idle.rrd"])
        #expect(plain.layout == .plain && plain.metrics.isEmpty)
        // Plain files are named by their path below the scanned directory.
        #expect(plain.host == "plain" && plain.service == "edge7/cpu-0/cpu-idle")
        let own = try RRDTree.scan(tree.directory.file("plain"))
        #expect(own.files.map { "\($0.host)|\($0.service)" } == ["edge7|cpu-0/cpu-idle", "edge7|uptime"])
    }

    @Test func missingDirectoryIsAnError() {
        #expect(throws: FileError.self) { try RRDTree.scan("/nonexistent/vigil") }
    }

    @Test func hiddenFilesAndBrokenXMLAreSkipped() throws {
        let dir = try TemporaryDirectory("vigil-tree")
        defer { dir.remove() }
        try RRDFixture.make(dir.file("h/.hidden.rrd"), dataSources: ["value"], days: 0) { _, _ in 1 }
        try "<NAGIOS><broken".write(toFile: dir.file("h/svc.xml"), atomically: false, encoding: .utf8)
        try RRDFixture.make(dir.file("h/svc.rrd"), dataSources: ["value"], days: 0) { _, _ in 1 }
        let scan = try RRDTree.scan(dir.path)
        #expect(scan.files.map(\.path) == [dir.file("h/svc.rrd")])
        #expect(scan.files.first?.layout == .plain)
        #expect(scan.warnings.count == 1 && scan.warnings[0].contains("svc.xml"))
    }

    /// Host perfdata is `<host>/@host.rrd`; the sidecar names every data
    /// source, including one the collector named from a hash.
    @Test func serviceFileOfHostPerfdata() throws {
        let dir = try TemporaryDirectory("vigil-tree")
        defer { dir.remove() }
        try CollectorFixture.ingest([
            CollectorFixture.hostLine(RRDFixture.now - 600, host: "db 1", perfdata: "rta=0.5ms;100;500;0 pl=0%;20;60;0;100 /=3"),
            CollectorFixture.hostLine(RRDFixture.now - 300, host: "db 1", perfdata: "rta=0.6ms;100;500;0 pl=0%;20;60;0;100 /=4"),
        ], into: dir.path)
        let scan = try RRDTree.scan(dir.path)
        #expect(scan.warnings == [])
        #expect(scan.files.map(\.path) == [dir.file("db%201/@host.rrd")])
        let file = try #require(scan.files.first)
        #expect(file.layout == .collector && file.host == "db 1" && file.service == "")
        #expect(file.metrics.map(\.id) == ["rta", "pl", "/"].map { MetricID(host: "db 1", service: "", label: $0) })
        #expect(file.metrics.map(\.dataSource) == ["rta", "pl", ServiceMetadata.dataSourceName(for: "/")])
    }

    /// A data source the sidecar lists without a label (the sidecar was
    /// rebuilt from the file): a name kept from its label is that label; a
    /// generated name cannot be turned back into one, and is skipped.
    @Test func dataSourcesWithoutALabel() throws {
        let dir = try TemporaryDirectory("vigil-tree")
        defer { dir.remove() }
        var lines: [String] = []
        for k in 0..<12 {
            let t = RRDFixture.now - 3600 + Int64(k) * 300
            lines.append(CollectorFixture.serviceLine(t, host: "h", service: "Disk", perfdata: "'used space'=\(40 + k)%;80;90;0;100 free=\(60 - k)% inodes=\(k)"))
        }
        try CollectorFixture.ingest(lines, into: dir.path)
        let metaPath = dir.file("h/Disk.meta")
        var meta = try #require(ServiceMetadata.read(path: metaPath))
        #expect(meta.metrics.map(\.label) == ["used space", "free", "inodes"])
        // As the collector rebuilds a lost sidecar from the file, before the labels come again.
        for k in 0...1 { meta.metrics[k] = ServiceMetadata.Metric(dataSource: meta.metrics[k].dataSource, label: nil) }
        try Data(meta.serialized()).write(to: URL(fileURLWithPath: metaPath))
        let scan = try RRDTree.scan(dir.path)
        let generated = ServiceMetadata.dataSourceName(for: "used space")
        #expect(scan.warnings == ["\(dir.file("h/Disk.rrd")): data source \(generated) skipped: its label is unknown (not in the sidecar)"])
        let file = try #require(scan.files.first)
        #expect(scan.files.count == 1 && file.layout == .collector)
        #expect(file.metrics.map(\.id.label) == ["free", "inodes"])
        #expect(file.metrics.map(\.dataSource) == ["free", "inodes"])
        #expect(file.metrics[0].uom == "", "what the sidecar says (nothing) is kept")
        // The analysis reads the two named data sources of the file.
        var options = AnalyzeOptions(rrdDirectories: [dir.path])
        options.now = RRDFixture.now
        let outcome = try AnalyzeCommand.run(options, logger: AnalyzeCommandTests.logger)
        #expect(outcome.messages == [])
        #expect(outcome.metrics.map(\.analysis.id.description) == ["h/Disk/free", "h/Disk/inodes"])
        // No data source named: the file is left out, not read as a plain file.
        meta.metrics = [meta.metrics[0]]
        try Data(meta.serialized()).write(to: URL(fileURLWithPath: metaPath))
        let none = try RRDTree.scan(dir.path)
        #expect(none.files.isEmpty && none.warnings.count == 1)
    }

    /// A damaged sidecar: the file is still read, host and service decoded
    /// from its path, a metric per data source named as the data source.
    @Test func damagedSidecars() throws {
        let dir = try TemporaryDirectory("vigil-tree")
        defer { dir.remove() }
        let root = dir.file("rrd")
        let t = RRDFixture.now
        try FileManager.default.createDirectory(atPath: root + "/app%201/Old", withIntermediateDirectories: true)
        try CollectorFixture.ingest([
            CollectorFixture.serviceLine(t - 300, host: "app 1", service: "HTTP /api", perfdata: "time=1s 'used space'=3%"),
            CollectorFixture.serviceLine(t - 300, host: "app 1", service: "Old", perfdata: "'a b'=1"),
        ], into: root)
        let service = root + "/app%201/HTTP%20%2Fapi.meta"
        let metric = root + "/app%201/Old/a%20b.meta"
        #expect(FileManager.default.fileExists(atPath: metric))
        let header = "# vigil-collector service metadata 1\n"
        try Data((header + "host=app%201\nmetric=bad name\n").utf8).write(to: URL(fileURLWithPath: service))
        try Data("garbage\n".utf8).write(to: URL(fileURLWithPath: metric))
        let scan = try RRDTree.scan(root)
        #expect(scan.warnings == ["\(service): not a well-formed service sidecar; names taken from the path",
                                  "\(metric): not a collector sidecar; names taken from the path"])
        let byPath = Dictionary(uniqueKeysWithValues: scan.files.map { ($0.path, $0) })
        let api = try #require(byPath[root + "/app%201/HTTP%20%2Fapi.rrd"])
        #expect(api.layout == .plain && api.host == "app 1" && api.service == "HTTP /api" && api.metrics.isEmpty)
        #expect(byPath[root + "/app%201/Old/a%20b.rrd"]?.metrics
            == [SourceMetric(id: MetricID(host: "app 1", service: "Old", label: "a b"), dataSource: "value")])
        // One level deeper, the path says nothing reliable: any other RRD.
        let outer = try RRDTree.scan(dir.path)
        let nested = outer.files.first { $0.path == api.path }
        #expect(nested?.layout == .plain && nested?.host == "rrd" && nested?.service == "app%201/HTTP%20%2Fapi")
        #expect(outer.warnings.contains("\(service): not a well-formed service sidecar; read as any other RRD"))
    }
}

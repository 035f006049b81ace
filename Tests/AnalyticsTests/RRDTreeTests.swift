import Foundation
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
            "collector/app%201/HTTP%20%2Fapi/time.rrd", "plain/edge7/cpu-0/cpu-idle.rrd", "plain/edge7/uptime.rrd",
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
        let collector = try #require(byPath["collector/app%201/HTTP%20%2Fapi/time.rrd"])
        #expect(collector.layout == .collector)
        #expect(collector.metrics == [SourceMetric(id: MetricID(host: "app 1", service: "HTTP /api", label: "time"),
                                                   dataSource: "value", uom: "s", minimum: 0)])
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
}

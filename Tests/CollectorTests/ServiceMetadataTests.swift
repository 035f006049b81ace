@testable import Collector
import Foundation
import RRDTesting
import Testing

@Suite struct ServiceMetadataTests {
    static let base = ServiceMetadata(
        host: Array("web 01".utf8), service: Array("Disk /var".utf8), checkCommand: Array("check_disk!20%!/var".utf8),
        metrics: [
            ServiceMetadata.Metric(dataSource: ServiceMetadata.dataSourceName(for: "/var"), label: "/var", uom: "MB", warning: "3000",
                                   critical: "~:3500", minimum: 0, maximum: 4096.5),
            ServiceMetadata.Metric(dataSource: "inodes", label: nil, uom: "%"),
            ServiceMetadata.Metric(dataSource: "reads", label: "reads", uom: "c", dataSourceType: "DDERIVE"),
        ],
        firstSeen: 1_700_000_040, lastSeen: 1_700_086_440)

    @Test func serializedTextIsUnchanged() {
        let text = String(decoding: Self.base.serialized(), as: UTF8.self)
        #expect(text == """
            # vigil-collector service metadata 1
            host=web%2001
            service=Disk%20/var
            check_command=check_disk!20%25!/var
            metric=\(generatedDataSourceName("/var"))
            label=/var
            uom=MB
            warning=3000
            critical=~:3500
            min=0
            max=4096.5
            type=GAUGE
            metric=inodes
            uom=%25
            type=GAUGE
            metric=reads
            label=reads
            uom=c
            type=DDERIVE
            first_seen=1700000040
            last_seen=1700086440

            """)
    }

    /// What the collector reads on every pass gives the same metadata as a
    /// full parse, whether the sidecar describes the expected service or not.
    @Test(arguments: [
        base,
        { var m = base; m.metrics[0].warning = "3100"; return m }(),
        { var m = base; m.service = nil; m.checkCommand = nil; return m }(),
        { var m = base; m.metrics.swapAt(0, 2); return m }(),
        { var m = base; m.metrics.removeLast(); return m }(),
        { var m = base; m.metrics[1].label = "inodes"; return m }(),
        { var m = base; m.firstSeen = 1_700_000_040.25; return m }(),
    ])
    func quickReadEqualsFullRead(onDisk: ServiceMetadata) throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        try Data(onDisk.serialized()).write(to: URL(fileURLWithPath: dir.file("x.meta")))
        let fd = open(dir.path, O_RDONLY | O_DIRECTORY); defer { close(fd) }
        var expected = Self.base
        expected.firstSeen = 1
        expected.lastSeen = 2
        var identity: FileIdentity?
        let quick = ServiceMetadata.read(path: "x.meta", relativeTo: fd, expecting: expected, description: expected.descriptionText(),
                                         identity: &identity)
        #expect(quick == ServiceMetadata.read(path: dir.file("x.meta")))
        #expect(quick == onDisk)
        #expect(identity != nil)
        #expect(ServiceMetadata(parsing: onDisk.serialized()) == onDisk)
    }

    @Test(arguments: [
        // not a service sidecar, or broken
        "host=h\nfirst_seen=1\nlast_seen=2\n",
        "# vigil-collector service metadata 1\nhost=h\nmetric=a\nmetric=a\nfirst_seen=1\nlast_seen=2\n",
        "# vigil-collector service metadata 1\nhost=h\nmetric=not valid\nfirst_seen=1\nlast_seen=2\n",
        "# vigil-collector service metadata 1\nhost=h\nmetric=a\nlast_seen=2\n",
        "# vigil-collector service metadata 1\nmetric=a\nfirst_seen=1\nlast_seen=2\n",
        "# vigil-collector service metadata 1\nhost=h\nmetric=a\nlabel=%zz\nfirst_seen=1\nlast_seen=2\n",
    ])
    func malformedSidecarsAreNotRead(text: String) {
        #expect(ServiceMetadata(parsing: Array(text.utf8)) == nil)
    }

    /// The two kinds of sidecar are never taken for each other.
    @Test func metricAndServiceSidecarsAreToldApart() {
        let service = Self.base.serialized()
        let metric = MetricMetadataTests.base.serialized()
        #expect(ServiceMetadata.isServiceSidecar(service) && !ServiceMetadata.isServiceSidecar(metric))
        #expect(MetricMetadata(parsing: service) == nil)
        #expect(ServiceMetadata(parsing: metric) == nil)
        #expect(MetricMetadata(parsing: metric) == MetricMetadataTests.base)
    }

    @Test func metricOfALabel() {
        #expect(Self.base.metric(label: "/var")?.dataSource == ServiceMetadata.dataSourceName(for: "/var"))
        #expect(Self.base.metric(label: "reads")?.dataSourceType == "DDERIVE")
        #expect(Self.base.metric(label: "inodes") == nil) // its label is not known
    }
}

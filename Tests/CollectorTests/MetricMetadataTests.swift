@testable import Collector
import Foundation
import RRDTesting
import Testing

@Suite struct MetricMetadataTests {
    static let base = MetricMetadata(host: Array("web 01".utf8), service: Array("Disk /var".utf8), label: "/var", uom: "MB",
                                     warning: "3000", critical: "~:3500", minimum: 0, maximum: 4096.5,
                                     checkCommand: Array("check_disk!20%!/var".utf8), dataSourceType: "GAUGE",
                                     firstSeen: 1_700_000_040, lastSeen: 1_700_086_440)

    /// What the collector reads on every pass gives the same metadata as a
    /// full parse, whether the sidecar describes the expected metric or not.
    @Test(arguments: [
        base,
        { var m = base; m.warning = "3100"; return m }(),
        { var m = base; m.service = nil; m.checkCommand = nil; return m }(),
        { var m = base; m.uom = "c"; m.dataSourceType = "DDERIVE"; m.minimum = nil; m.maximum = nil; return m }(),
        { var m = base; m.firstSeen = 1_700_000_040.25; return m }(),
    ])
    func quickReadEqualsFullRead(onDisk: MetricMetadata) throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        try Data(onDisk.serialized()).write(to: URL(fileURLWithPath: dir.file("x.meta")))
        let fd = open(dir.path, O_RDONLY | O_DIRECTORY); defer { close(fd) }
        var expected = Self.base
        expected.firstSeen = 1
        expected.lastSeen = 2
        let quick = MetricMetadata.read(path: "x.meta", relativeTo: fd, expecting: expected, description: expected.descriptionText())
        #expect(quick == MetricMetadata.read(path: dir.file("x.meta")))
        #expect(quick == onDisk)
    }

    @Test func keysInAnotherOrderAndCommentsAreReadInFull() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let text = "# written by hand\nlabel=/var\nhost=web%2001\nservice=Disk%20/var\nuom=MB\ntype=GAUGE\n"
            + "last_seen=1700000100\nfirst_seen=1700000040\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: dir.file("x.meta")))
        let fd = open(dir.path, O_RDONLY | O_DIRECTORY); defer { close(fd) }
        let m = MetricMetadata.read(path: "x.meta", relativeTo: fd, expecting: Self.base, description: Self.base.descriptionText())
        #expect(m == MetricMetadata.read(path: dir.file("x.meta")))
        #expect(m?.warning == nil && m?.lastSeen == 1_700_000_100)
        #expect(MetricMetadata.read(path: "none.meta", relativeTo: fd, expecting: Self.base, description: Self.base.descriptionText()) == nil)
    }

    @Test func serializedTextIsUnchanged() {
        let text = String(decoding: Self.base.serialized(), as: UTF8.self)
        #expect(text == """
            # vigil-collector metric metadata 1
            host=web%2001
            service=Disk%20/var
            label=/var
            uom=MB
            warning=3000
            critical=~:3500
            min=0
            max=4096.5
            check_command=check_disk!20%25!/var
            type=GAUGE
            first_seen=1700000040
            last_seen=1700086440

            """)
    }
}

import RRD
import Testing

@Suite struct RRDCachedBatchTests {
    /// The bytes of a batch are the commands `update` would send, value by value.
    @Test(arguments: [
        (1_700_000_040.0, 1.0 as Double?), (1_700_000_040, 0), (1_700_000_040, -0.0), (1_700_000_040, -42),
        (1_700_000_040, 1.5), (1_700_000_040, 9.99e-06), (1_700_000_040, -2.5e300), (1_700_000_040, 123_456_789_012_345),
        (1_700_000_040, 1e15), (1_700_000_040, nil), (1_700_000_040, .nan), (1_700_000_040, .infinity),
        (1_700_000_040.123456, 3), (1_700_000_040.5, 3), (1_700_000_040.0000004, 3), (1_700_000_040.9999996, 3),
    ])
    func updatesAreTheTextOfUpdateString(time: Double, value: Double?) throws {
        var b = RRDCachedBatch()
        try b.appendUpdates(path: "/r/h/s/l.rrd", [(time, value)])
        let expected = "UPDATE /r/h/s/l.rrd \(RRDFile.updateString(time: time, values: [value]))\n"
        #expect(String(decoding: b.bytes, as: UTF8.self) == expected)
        #expect(b.count == 1)
    }

    @Test func commandsKeepTheirOrderAndCount() throws {
        var b = RRDCachedBatch()
        try b.append("UPDATE /a 1:1")
        try b.appendUpdates(path: "/b", [(2, 2), (3, nil)])
        try b.appendUpdates(path: "/c", [])
        #expect(b.count == 3)
        #expect(String(decoding: b.bytes, as: UTF8.self) == "UPDATE /a 1:1\nUPDATE /b 2:2\nUPDATE /b 3:U\n")
    }

    @Test(arguments: ["", "/has space/x.rrd", "/tab\t.rrd", "/nl\n.rrd", "/cr\r.rrd"])
    func pathsRrdcachedCannotReadAreRefused(path: String) {
        var b = RRDCachedBatch()
        #expect(throws: RRDError.self) { try b.appendUpdates(path: path, [(1, 1)]) }
        #expect(b.count == 0 && b.bytes.isEmpty)
    }

    @Test func aCommandWithANewlineIsRefused() {
        var b = RRDCachedBatch()
        #expect(throws: RRDError.self) { try b.append("UPDATE /a 1:1\nFLUSHALL") }
        #expect(b.count == 0)
    }
}

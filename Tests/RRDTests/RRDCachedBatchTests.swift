import RRD
import RRDTesting
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

    /// `appendUpdates(path:count:_:)` writes one `UPDATE path VALUES` per
    /// row, the values as the closure writes them (a service file's
    /// `time:v1:v2…`), and counts each.
    @Test func rowsWrittenByTheCallerAreOneCommandEach() throws {
        let rows: [(Double, [Double?])] = [(1_700_000_040, [1, nil, 2.5]), (1_700_000_100.25, [nil, -3, 1e15]), (1_700_000_160, [0, 0, 0])]
        var b = RRDCachedBatch()
        try b.append("FLUSH /x")
        var asked: [Int] = []
        try b.appendUpdates(path: "/r/h/s.rrd", count: rows.count) { i, out in
            asked.append(i)
            out += Array(RRDFile.updateString(time: rows[i].0, values: rows[i].1).utf8)
        }
        #expect(asked == [0, 1, 2])
        #expect(b.count == 4)
        let expected = "FLUSH /x\n" + rows.map { "UPDATE /r/h/s.rrd \(RRDFile.updateString(time: $0.0, values: $0.1))\n" }.joined()
        #expect(String(decoding: b.bytes, as: UTF8.self) == expected)
        // none: nothing appended, the closure not called
        try b.appendUpdates(path: "/r/h/t.rrd", count: 0) { _, _ in Issue.record("called for no row") }
        #expect(b.count == 4 && b.bytes.count == expected.utf8.count)
    }

    @Test(arguments: ["", "/has space/x.rrd", "/tab\t.rrd", "/nl\n.rrd", "/cr\r.rrd"])
    func rowsForPathsRrdcachedCannotReadAreRefused(path: String) {
        var b = RRDCachedBatch()
        var called = false
        #expect(throws: RRDError.self) { try b.appendUpdates(path: path, count: 2) { _, out in called = true; out += [0x31] } }
        #expect(b.count == 0 && b.bytes.isEmpty && !called)
    }

    /// Through a real rrdcached: each row is one UPDATE of a file with
    /// several data sources, and a refused one is reported by its index.
    @Test func rowsGoThroughARealRRDCached() throws {
        let daemon = try RRDCachedDaemon()
        defer { daemon.stop() }
        let path = "\(daemon.baseDirectory)/s.rrd"
        try RRDFile.create(path: path, step: 60, start: 1_699_999_980,
                           dataSources: ["a", "b"].map { RRDDataSource(name: $0, kind: .gauge, heartbeat: 900) },
                           archives: [RRDArchive(.average, steps: 1, rows: 100)])
        let rows: [(Int, String)] = [(1_700_000_040, "1:2"), (1_700_000_100, "U:20"), (1_700_000_100, "9:9"), (1_700_000_160, "3:30")]
        var b = RRDCachedBatch()
        try b.appendUpdates(path: path, count: rows.count) { i, out in out += Array("\(rows[i].0):\(rows[i].1)".utf8) }
        let client = try RRDCachedClient(daemon.address)
        let errors = try client.batch(b)
        #expect(errors.map(\.index) == [2]) // the repeated time
        let r = try RRDFile.fetch(path: path, start: 1_699_999_980, end: 1_700_000_160, resolution: 60, daemon: client)
        let byTime = Dictionary(uniqueKeysWithValues: r.rows.indices.map { (r.time(ofRow: $0), r.rows[$0]) })
        #expect(r.dsNames == ["a", "b"])
        #expect(byTime[1_700_000_040] == [1, 2])
        #expect(byTime[1_700_000_100]?[0].isNaN == true && byTime[1_700_000_100]?[1] == 20)
        #expect(byTime[1_700_000_160] == [3, 30])
    }
}

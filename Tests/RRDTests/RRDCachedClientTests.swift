import Foundation
import RRD
import RRDTesting
import Testing

@Suite struct RRDCachedClientTests {
    @Test(arguments: [
        ("unix:/run/rrdcached.sock", RRDCachedAddress.unix("/run/rrdcached.sock")),
        ("/tmp/x.sock", .unix("/tmp/x.sock")),
        ("localhost", .tcp(host: "localhost", port: 42217)),
        ("127.0.0.1:4000", .tcp(host: "127.0.0.1", port: 4000)),
        ("[::1]:4000", .tcp(host: "::1", port: 4000)),
        ("[::1]", .tcp(host: "::1", port: 42217)),
    ])
    func addresses(text: String, address: RRDCachedAddress) throws {
        #expect(try RRDCachedAddress(parsing: text) == address)
    }

    @Test(arguments: ["", "unix:", "host:0", "host:99999", "host:port", "a:b:c", "[::1", "[::1]x"])
    func badAddresses(text: String) {
        #expect(throws: RRDError.self) { try RRDCachedAddress(parsing: text) }
    }

    @Test func connectionRefusedIsAConnectionError() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        do {
            _ = try RRDCachedClient("unix:\(dir.file("nobody.sock"))")
            Issue.record("connected to nothing")
        } catch {
            #expect(error.kind == .connection)
        }
    }

    @Test func createBatchPendingFlushFetchThroughARealDaemon() throws {
        let daemon = try RRDCachedDaemon()
        defer { daemon.stop() }
        let client = try RRDCachedClient(daemon.address)
        defer { client.close() }
        #expect(try client.ping())
        let path = "\(daemon.baseDirectory)/a.rrd"
        let ds = [RRDDataSource(name: "value", kind: .gauge, heartbeat: 120)]
        let rra = [RRDArchive(.average, steps: 1, rows: 100)]
        try client.create(path, step: 60, start: t0 - 60, dataSources: ds, archives: rra)
        do {
            try client.create(path, step: 60, start: t0 - 60, dataSources: ds, archives: rra)
            Issue.record("CREATE -O overwrote")
        } catch {
            #expect(error.kind == .alreadyExists)
        }
        // 10 updates in one BATCH, the 6th a repeated time
        var commands = (0..<5).map { "UPDATE \(path) \(t0 + 60 * $0):\($0 + 1)" }
        commands.append("UPDATE \(path) \(t0 + 60 * 4):99")
        commands += (5..<9).map { "UPDATE \(path) \(t0 + 60 * $0):\($0 + 1)" }
        let errors = try client.batch(commands)
        #expect(errors.map(\.index) == [5])
        #expect(errors.first?.message.contains("illegal attempt") == true)
        #expect(try client.pending(path).count == 9)
        #expect(try client.last(path) == t0 + 60 * 8)
        // on disk nothing yet (writes are delayed by an hour)
        #expect(try RRDFile.last(path: path) == t0 - 60)
        let fetched = try RRDFile.fetch(path: path, start: t0 - 60, end: t0 + 60 * 8, daemon: client)
        let byTime = Dictionary(uniqueKeysWithValues: fetched.rows.indices.map { (fetched.time(ofRow: $0), fetched.rows[$0][0]) })
        for k in 0..<9 { #expect(byTime[t0 + 60 * k] == Double(k + 1)) }
        #expect(try client.pending(path).isEmpty)
        let stats = try client.stats()
        #expect(stats["UpdatesReceived"] == 10) // the refused one included
        #expect(stats["FlushesReceived"] ?? 0 >= 1)
        try client.update(path, values: ["\(t0 + 60 * 9):10"])
        do {
            try client.update(path, values: ["\(t0):0"])
            Issue.record("UPDATE in the past accepted")
        } catch {
            #expect(error.kind == .notAfterLastUpdate)
        }
        try client.flushAll()
        try client.forget(path)
        #expect(throws: RRDError.self) { try client.update("has space.rrd", values: ["1:1"]) }
    }

    @Test func daemonRefusesFilesOutsideItsBase() throws {
        let daemon = try RRDCachedDaemon()
        defer { daemon.stop() }
        let client = try RRDCachedClient(daemon.address)
        let outside = try TemporaryDirectory(); defer { outside.remove() }
        do {
            try client.create(outside.file("x.rrd"), step: 60, start: t0, dataSources: [RRDDataSource(name: "v", kind: .gauge, heartbeat: 120)],
                              archives: [RRDArchive(.average, steps: 1, rows: 10)])
            Issue.record("created outside -b")
        } catch {
            #expect(error.kind == .daemon)
        }
        #expect(!FileManager.default.fileExists(atPath: outside.file("x.rrd")))
    }
}

import Foundation
import RRD
import RRDTesting
import Testing

/// A one-DS gauge file with a 60 s step and a full-resolution archive.
func makeGauge(_ dir: TemporaryDirectory, _ name: String = "g.rrd", start: Int = 1_700_000_000,
               min: Double? = nil, max: Double? = nil, kind: RRDDataSource.Kind = .gauge) throws -> String {
    let path = dir.file(name)
    try RRDFile.create(path: path, step: 60, start: start,
                       dataSources: [RRDDataSource(name: "value", kind: kind, heartbeat: 120, minimum: min, maximum: max)],
                       archives: [RRDArchive(.average, steps: 1, rows: 100), RRDArchive(.maximum, steps: 5, rows: 10)])
    return path
}

let t0 = 1_700_000_040 // a multiple of 60

@Suite struct RRDFileTests {
    @Test func createThenInfoReportsSchema() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let path = try makeGauge(dir, min: 0, max: 100)
        let info = try RRDFile.info(path: path)
        #expect(info.step == 60)
        #expect(info.lastUpdate == 1_700_000_000)
        #expect(info.dataSources == [RRDDataSource(name: "value", kind: .gauge, heartbeat: 120, minimum: 0, maximum: 100)])
        #expect(info.archives == [RRDArchive(.average, steps: 1, rows: 100), RRDArchive(.maximum, steps: 5, rows: 10)])
        #expect(info["filename"]?.string == path)
        // no temporary file left next to it
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["g.rrd"])
    }

    @Test func createRefusesToOverwrite() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let path = try makeGauge(dir)
        try RRDFile.update(path: path, values: ["\(t0):5"])
        #expect {
            try RRDFile.create(path: path, step: 300, start: 1, dataSources: [RRDDataSource(name: "x", kind: .gauge, heartbeat: 600)],
                               archives: [RRDArchive(.average, steps: 1, rows: 10)])
        } throws: { ($0 as? RRDError)?.kind == .alreadyExists }
        #expect(try RRDFile.last(path: path) == t0)
        #expect(try RRDFile.info(path: path).step == 60)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["g.rrd"])
    }

    @Test func createWithBadDefinitionCarriesLibrrdMessage() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        do {
            try RRDFile.create(path: dir.file("bad.rrd"), step: 60, start: 1, dataSources: [], archives: [RRDArchive(.average, steps: 1, rows: 10)])
            Issue.record("created a file without data sources")
        } catch {
            #expect(error.kind == .library)
            #expect(error.operation == "rrd_create_r2")
            #expect(error.message.lowercased().contains("data source"))
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("bad.rrd")))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test func updateThenFetchReturnsTheValues() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let path = try makeGauge(dir)
        let values: [Double] = [1.5, 2.25, -3, 9.99e-06, 1e12]
        try RRDFile.update(path: path, values: values.enumerated().map { RRDFile.updateString(time: Double(t0 + 60 * $0.offset), values: [$0.element]) })
        let r = try RRDFile.fetch(path: path, cf: .average, start: t0 - 60, end: t0 + 60 * 4)
        #expect(r.step == 60)
        #expect(r.dsNames == ["value"])
        let byTime = Dictionary(uniqueKeysWithValues: r.rows.indices.map { (r.time(ofRow: $0), r.rows[$0][0]) })
        for (k, v) in values.enumerated() { #expect(byTime[t0 + 60 * k] == v) }
        #expect(r.column("value")?.count == r.rows.count)
        #expect(r.column("nope") == nil)
    }

    @Test func fetchColumnsIsFetchTransposed() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let path = try makeGauge(dir)
        try RRDFile.addDataSource(path: path, RRDDataSource(name: "second", kind: .gauge, heartbeat: 120))
        try RRDFile.update(path: path, values: (0..<6).map { "\(t0 + 60 * $0):\($0):\(-$0)" })
        let rows = try RRDFile.fetch(path: path, start: t0 - 60, end: t0 + 300)
        let cols = try RRDFile.fetchColumns(path: path, start: t0 - 60, end: t0 + 300)
        #expect(cols.dsNames == ["value", "second"])
        #expect(cols.start == rows.start && cols.step == rows.step && cols.rowCount == rows.rows.count)
        for k in 0..<2 {
            let a = rows.rows.map { $0[k] }, b = cols.columns[k]
            #expect(zip(a, b).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
        }
        let last = try #require((0..<cols.rowCount).first { cols.time(ofRow: $0) == t0 + 300 })
        #expect(cols.columns[1][last] == -5)
        #expect(cols.columns[0][last] == 5)
    }

    /// One data source: the column is librrd's buffer copied whole.
    @Test func fetchColumnsOfOneDataSource() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let path = try makeGauge(dir)
        try RRDFile.update(path: path, values: (0..<6).map { "\(t0 + 60 * $0):\($0 == 2 ? "U" : "\(-$0)")" })
        let rows = try RRDFile.fetch(path: path, start: t0 - 60, end: t0 + 300)
        let cols = try RRDFile.fetchColumns(path: path, start: t0 - 60, end: t0 + 300)
        #expect(cols.columns.count == 1)
        #expect(cols.columns[0].map(\.bitPattern) == rows.rows.map { $0[0].bitPattern })
    }

    @Test func unknownValueIsNaN() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let path = try makeGauge(dir)
        try RRDFile.update(path: path, values: ["\(t0):1", RRDFile.updateString(time: Double(t0 + 60), values: [nil]), "\(t0 + 120):3"])
        let r = try RRDFile.fetch(path: path, start: t0, end: t0 + 120)
        let byTime = Dictionary(uniqueKeysWithValues: r.rows.indices.map { (r.time(ofRow: $0), r.rows[$0][0]) })
        #expect(byTime[t0 + 60]?.isNaN == true)
        #expect(byTime[t0 + 120] == 3)
    }

    @Test func repeatedTimeIsNotAfterLastUpdate() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let path = try makeGauge(dir)
        try RRDFile.update(path: path, values: ["\(t0):1"])
        do {
            try RRDFile.update(path: path, values: ["\(t0):2"])
            Issue.record("a repeated time was accepted")
        } catch {
            #expect(error.kind == .notAfterLastUpdate)
            #expect(error.message.contains("illegal attempt to update using time"))
            #expect(error.path == path)
        }
        // skipping past updates: no error, nothing changes, later values stored
        try RRDFile.update(path: path, values: ["\(t0 - 60):7", "\(t0):8", "\(t0 + 60):9"], skipPastUpdates: true)
        let last = try RRDFile.lastUpdate(path: path)
        #expect(last.time == t0 + 60)
        #expect(last.values["value"] == .some(9))
    }

    @Test func fractionalTimesAreAccepted() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let path = try makeGauge(dir)
        try RRDFile.update(path: path, values: [RRDFile.updateString(time: Double(t0) + 0.25, values: [4])])
        #expect(try RRDFile.last(path: path) == t0)
        #expect(RRDFile.timeText(1_700_000_000.5) == "1700000000.5")
        #expect(RRDFile.timeText(1_700_000_000) == "1700000000")
        #expect(RRDFile.timeText(1_700_000_000.000001) == "1700000000.000001")
    }

    @Test func missingFileErrorsNameTheFunction() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let missing = dir.file("missing.rrd")
        let calls: [(String, () throws -> Void)] = [
            ("rrd_updatex_r", { try RRDFile.update(path: missing, values: ["\(t0):1"]) }),
            ("rrd_fetch_r", { _ = try RRDFile.fetch(path: missing, start: t0, end: t0 + 60) }),
            ("rrd_last_r", { _ = try RRDFile.last(path: missing) }),
            ("rrd_lastupdate_r", { _ = try RRDFile.lastUpdate(path: missing) }),
            ("rrd_info_r", { _ = try RRDFile.info(path: missing) }),
            ("rrd_tune", { try RRDFile.tune(path: missing, arguments: ["-h", "value:300"]) }),
        ]
        for (function, call) in calls {
            do {
                try call()
                Issue.record("\(function) succeeded on a missing file")
            } catch let e as RRDError {
                #expect(e.operation == function)
                #expect(e.kind == .library)
                #expect(!e.message.isEmpty && e.message != "failed", "\(function): \(e.message)")
            }
        }
    }

    @Test func fractionalCounterWithResetGivesRatesAndNoSpike() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let path = try makeGauge(dir, min: 0, kind: .dderive)
        // +30 per minute = 0.5/s, fractional values, then a reset to 0.5
        let counter: [Double] = [100.5, 130.5, 160.5, 0.5, 30.5]
        try RRDFile.update(path: path, values: counter.enumerated().map { RRDFile.updateString(time: Double(t0 + 60 * $0.offset), values: [$0.element]) })
        let r = try RRDFile.fetch(path: path, start: t0, end: t0 + 240)
        let byTime = Dictionary(uniqueKeysWithValues: r.rows.indices.map { (r.time(ofRow: $0), r.rows[$0][0]) })
        #expect(byTime[t0 + 60] == 0.5)
        #expect(byTime[t0 + 120] == 0.5)
        #expect(byTime[t0 + 180]?.isNaN == true) // the reset interval: unknown, not a huge rate
        #expect(byTime[t0 + 240] == 0.5)
    }

    @Test func gaugeOutsideLimitsIsUnknown() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let path = try makeGauge(dir, min: 0, max: 100)
        try RRDFile.update(path: path, values: ["\(t0):50", "\(t0 + 60):150"])
        let r = try RRDFile.fetch(path: path, start: t0, end: t0 + 60)
        let byTime = Dictionary(uniqueKeysWithValues: r.rows.indices.map { (r.time(ofRow: $0), r.rows[$0][0]) })
        #expect(byTime[t0 + 60]?.isNaN == true)
    }

    @Test func tuneChangesLimitsAndAddsADataSource() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let path = try makeGauge(dir, min: 0, max: 100)
        try RRDFile.update(path: path, values: ["\(t0):42"])
        try RRDFile.setLimits(path: path, dataSource: "value", minimum: -5, maximum: nil)
        try RRDFile.setLimits(path: path, dataSource: "value", minimum: -10, maximum: 1000)
        #expect(try RRDFile.info(path: path).dataSources.first?.minimum == -10)
        #expect(try RRDFile.info(path: path).dataSources.first?.maximum == 1000)
        try RRDFile.addDataSource(path: path, RRDDataSource(name: "extra", kind: .gauge, heartbeat: 120))
        let info = try RRDFile.info(path: path)
        #expect(info.dataSources.map(\.name) == ["value", "extra"])
        #expect(info.lastUpdate == t0)
        try RRDFile.update(path: path, values: ["\(t0 + 60):43:7"])
        let r = try RRDFile.fetch(path: path, start: t0 - 60, end: t0 + 60)
        #expect(r.dsNames == ["value", "extra"])
        let last = try #require(r.rows.indices.first { r.time(ofRow: $0) == t0 + 60 })
        #expect(r.rows[last] == [43, 7])
        let before = try #require(r.rows.indices.first { r.time(ofRow: $0) == t0 })
        #expect(r.rows[before][0] == 42) // history of the old source kept
        do {
            try RRDFile.tune(path: path, arguments: ["--no-such-option"])
            Issue.record("bad tune option accepted")
        } catch {
            #expect(error.operation == "rrd_tune")
        }
    }

    @Test func errorsStayOnTheirThread() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let path = try makeGauge(dir)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    for k in 0..<200 {
                        if (k + worker) % 2 == 0 {
                            _ = try RRDFile.info(path: path)
                        } else {
                            do {
                                _ = try RRDFile.last(path: dir.file("none-\(worker).rrd"))
                                Issue.record("no error")
                            } catch let error as RRDError {
                                #expect(error.message.contains("none-\(worker).rrd"))
                            }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    @Test(arguments: [
        (1.0, "1"), (-3.0, "-3"), (0.5, "0.5"), (9.99e-06, "9.99e-06"), (Double.nan, "U"), (Double.infinity, "U"),
    ])
    func numberTexts(value: Double, text: String) {
        #expect(RRDNumber.text(value) == text)
    }

    @Test func dataSourceNames() {
        #expect(RRDDataSource.isValidName("value"))
        #expect(RRDDataSource.isValidName("a_1"))
        #expect(!RRDDataSource.isValidName(""))
        #expect(!RRDDataSource.isValidName("a-b"))
        #expect(!RRDDataSource.isValidName(String(repeating: "x", count: 20)))
        #expect(RRDDataSource(name: "v", kind: .dderive, heartbeat: 600, minimum: 0).definition == "DS:v:DDERIVE:600:0:U")
        #expect(RRDArchive(.maximum, xff: 0.5, steps: 5, rows: 20160).definition == "RRA:MAX:0.5:5:20160")
    }
}

import Foundation
@testable import RRD
import RRDTesting
import Testing

/// `fetchColumns` reads plain files itself (`directColumns`): bit for bit
/// what `rrd_fetch_r` returns — archive choice, alignment, unknown rows
/// before and after an archive, a ring that wrapped — for every layout and
/// period tried; librrd answers for files it does not read.
@Suite struct RRDDirectFetchTests {
    static let start = 1_700_000_000

    /// A file of `layout`'s data sources and archives, updated every
    /// `every` seconds for `updates` updates (values with gaps).
    static func make(_ dir: TemporaryDirectory, _ name: String, step: Int, sources: Int, archives: [RRDArchive],
                     every: Int, updates: Int) throws -> String {
        let path = dir.file(name)
        try RRDFile.create(path: path, step: step, start: start,
                           dataSources: (0..<sources).map { RRDDataSource(name: "ds\($0)", kind: .gauge, heartbeat: 3 * every) },
                           archives: archives)
        var seed: UInt64 = 0x9E37_79B9 &* UInt64(updates + sources)
        let values = (1...updates).map { i -> String in
            let row = (0..<sources).map { k -> Double? in
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                if (seed >> 60) == 0 { return nil }
                return Double(Int(seed >> 33) % 10_000) / 7 - Double(k * 100) + (i % 97 == 0 ? -0.0 : 0)
            }
            return RRDFile.updateString(time: Double(start + i * every), values: row)
        }
        try RRDFile.update(path: path, values: values)
        return path
    }

    static func layouts(_ dir: TemporaryDirectory) throws -> [String] {
        [
            // One data source, several archives of each kind; the finest wraps.
            try make(dir, "a.rrd", step: 300, sources: 1,
                     archives: [RRDArchive(.average, steps: 1, rows: 20), RRDArchive(.average, steps: 3, rows: 30),
                                RRDArchive(.maximum, steps: 1, rows: 20), RRDArchive(.minimum, steps: 12, rows: 10)],
                     every: 300, updates: 500),
            // The collector's kind of file: several data sources, 60 s.
            try make(dir, "b.rrd", step: 60, sources: 3,
                     archives: [RRDArchive(.average, steps: 1, rows: 50), RRDArchive(.average, steps: 5, rows: 40),
                                RRDArchive(.average, steps: 60, rows: 5), RRDArchive(.maximum, steps: 60, rows: 5)],
                     every: 60, updates: 700),
            // No AVERAGE archive: one of one step stands in for it.
            try make(dir, "c.rrd", step: 300, sources: 2,
                     archives: [RRDArchive(.last, steps: 1, rows: 100), RRDArchive(.maximum, steps: 2, rows: 50)],
                     every: 300, updates: 60),
            // Barely updated (most rows unknown).
            try make(dir, "d.rrd", step: 300, sources: 1, archives: [RRDArchive(.average, steps: 1, rows: 288)],
                     every: 300, updates: 3),
        ]
    }

    @Test func sameAsLibrrd() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        var compared = 0
        for path in try Self.layouts(dir) {
            let last = try RRDFile.last(path: path)
            let spans = [0, 1, 299, 300, 3600, 6 * 3600, 86_400, 10 * 86_400]
            let ends = [last, last - 1, last + 1, last - 7200, last + 86_400, Self.start, Self.start - 86_400,
                        last - 299]
            for end in ends {
                for span in spans where end - span >= 0 {
                    for resolution in [nil, 1, 60, 300, 900, 3600, 86_400] as [Int?] {
                        for cf in RRDConsolidation.allCases {
                            let label = "\(path) \(cf) \(end - span)…\(end) \(resolution ?? 0)"
                            let reference: RRDFetchColumns
                            do {
                                reference = try RRDFile.librrdColumns(path: path, cf: cf, start: end - span, end: end,
                                                                      resolution: resolution)
                            } catch {
                                // No archive of that CF: librrd fails, and so must the direct read.
                                #expect(RRDFile.directColumns(path: path, cf: cf, start: end - span, end: end,
                                                              resolution: resolution) == nil, "\(label)")
                                continue
                            }
                            let direct = try #require(RRDFile.directColumns(path: path, cf: cf, start: end - span,
                                                                            end: end, resolution: resolution), "\(label)")
                            #expect(direct.start == reference.start && direct.end == reference.end
                                && direct.step == reference.step && direct.dsNames == reference.dsNames, "\(label)")
                            #expect(direct.columns.map { $0.map(\.bitPattern) }
                                == reference.columns.map { $0.map(\.bitPattern) }, "\(label)")
                            compared += 1
                        }
                    }
                }
            }
        }
        #expect(compared > 1000)
    }

    /// Files it does not read itself (another version, cut short, missing)
    /// are left to librrd, which reads them or says what is wrong.
    @Test func othersAreLeftToLibrrd() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let path = try Self.make(dir, "e.rrd", step: 300, sources: 1, archives: [RRDArchive(.average, steps: 1, rows: 10)],
                                 every: 300, updates: 5)
        var bytes = try #require(FileManager.default.contents(atPath: path))
        let short = dir.file("short.rrd")
        try bytes.prefix(bytes.count - 8).write(to: URL(fileURLWithPath: short))
        #expect(RRDFile.directColumns(path: short, cf: .average, start: Self.start, end: Self.start + 3000,
                                      resolution: 300) == nil)
        #expect(throws: RRDError.self) {
            try RRDFile.fetchColumns(path: short, start: Self.start, end: Self.start + 3000, resolution: 300)
        }
        bytes[7] = UInt8(ascii: "9")
        let v9 = dir.file("v9.rrd")
        try bytes.write(to: URL(fileURLWithPath: v9))
        #expect(RRDFile.directColumns(path: v9, cf: .average, start: Self.start, end: Self.start + 3000,
                                      resolution: 300) == nil)
        #expect(RRDFile.directColumns(path: dir.file("missing.rrd"), cf: .average, start: Self.start,
                                      end: Self.start + 3000, resolution: 300) == nil)
        #expect(throws: RRDError.self) {
            try RRDFile.fetchColumns(path: dir.file("missing.rrd"), start: Self.start, end: Self.start + 3000)
        }
    }
}

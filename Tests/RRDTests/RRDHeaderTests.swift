import Foundation
@testable import RRD
import RRDTesting
import Testing

/// `RRDFile.dataSources` reads the header itself: the same data sources
/// as `rrd_info_r` reports, and librrd's answer for headers it leaves alone.
@Suite struct RRDHeaderTests {
    static let limits: [(Double?, Double?)] = [(nil, nil), (0, 100), (-0.0, 1e300), (-5.5, nil), (nil, 4.25e-7),
                                               (-1e-300, 0)]

    @Test(arguments: RRDDataSource.Kind.allCases) func sameAsInfo(kind: RRDDataSource.Kind) throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        for (i, (low, high)) in Self.limits.enumerated() {
            let path = try makeGauge(dir, "g\(i).rrd", min: low, max: high, kind: kind)
            let header = try #require(RRDFile.headerDataSources(path: path))
            let info = try RRDFile.info(path: path).dataSources
            #expect(header == info)
            // Bit for bit (== does not tell −0 from +0).
            #expect(header.first?.minimum?.bitPattern == info.first?.minimum?.bitPattern)
            #expect(header.first?.maximum?.bitPattern == info.first?.maximum?.bitPattern)
            #expect((header.first?.minimum == nil) == (low == nil) && (header.first?.maximum == nil) == (high == nil))
        }
    }

    @Test func manyDataSourcesInFileOrder() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let path = dir.file("m.rrd")
        let sources = (0..<40).map { k in
            RRDDataSource(name: "ds_\(39 - k)", kind: k % 2 == 0 ? .gauge : .derive, heartbeat: 60 + k,
                          minimum: k % 3 == 0 ? nil : Double(k), maximum: k % 5 == 0 ? nil : Double(k) * 1000)
        }
        try RRDFile.create(path: path, step: 60, start: 1_700_000_000, dataSources: sources,
                           archives: [RRDArchive(.average, steps: 1, rows: 10)])
        // 40 data sources do not fit in the page read: librrd answers.
        #expect(RRDFile.headerDataSources(path: path) == nil)
        #expect(try RRDFile.dataSources(path: path) == sources)
        let few = dir.file("f.rrd")
        try RRDFile.create(path: few, step: 60, start: 1_700_000_000, dataSources: Array(sources.prefix(30)),
                           archives: [RRDArchive(.average, steps: 1, rows: 10)])
        #expect(RRDFile.headerDataSources(path: few) == Array(sources.prefix(30)))
        #expect(try RRDFile.dataSources(path: few) == (try RRDFile.info(path: few).dataSources))
    }

    @Test func computedDataSourceIsLeftToLibrrd() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let path = try makeGauge(dir, min: 0, max: 10)
        try RRDFile.tune(path: path, arguments: ["DS:twice:COMPUTE:value,2,*"])
        #expect(RRDFile.headerDataSources(path: path) == nil)
        #expect(try RRDFile.dataSources(path: path) == (try RRDFile.info(path: path).dataSources))
    }

    @Test func unknownVersionOrArchitectureIsLeftToLibrrd() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let path = try makeGauge(dir, min: 1, max: 2)
        var bytes = try #require(FileManager.default.contents(atPath: path))
        bytes[7] = UInt8(ascii: "9")  // version "0009"
        let other = dir.file("v9.rrd")
        try bytes.write(to: URL(fileURLWithPath: other))
        #expect(RRDFile.headerDataSources(path: other) == nil)
        #expect(throws: RRDError.self) { try RRDFile.dataSources(path: other) }
        bytes[7] = UInt8(ascii: "3")
        bytes[16] ^= 1  // float cookie
        try bytes.write(to: URL(fileURLWithPath: other))
        #expect(RRDFile.headerDataSources(path: other) == nil)
        #expect(RRDFile.headerDataSources(path: dir.file("missing.rrd")) == nil)
        #expect(throws: RRDError.self) { try RRDFile.dataSources(path: dir.file("missing.rrd")) }
    }
}

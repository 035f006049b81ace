import Testing
@testable import NagiosPlugin

/// shared/vectors/threshold_vectors.tsv: critical first, unset never alerts.
struct ThresholdVectorTests {
    struct Row: CustomTestStringConvertible, Sendable {
        let warning: String?, critical: String?, value: Double, status: String
        var testDescription: String { "w=\(warning ?? "-") c=\(critical ?? "-") v=\(value)" }
    }

    static let rows: [Row] = Fixture.rows("threshold_vectors.tsv").map {
        Row(warning: $0["warning"]!.isEmpty ? nil : $0["warning"], critical: $0["critical"]!.isEmpty ? nil : $0["critical"],
            value: Double($0["value"]!)!, status: $0["status"]!)
    }

    @Test func fixtureIsLoaded() { #expect(Self.rows.count > 80) }

    @Test(arguments: rows)
    func status(_ row: Row) throws {
        let t = try Thresholds(warning: row.warning, critical: row.critical)
        #expect(t.status(of: row.value).label == row.status)
    }

    @Test func commaListsFillWithTheLastValue() throws {
        let lists = try Thresholds.lists(warning: "5,4", critical: "10", count: 3)
        #expect(lists.map { $0.warning?.end } == [5, 4, 4])
        #expect(lists.map { $0.critical?.end } == [10, 10, 10])
        #expect(try Thresholds.lists(warning: nil, critical: "", count: 3).allSatisfy { $0.warning == nil && $0.critical == nil })
        #expect(throws: RangeError.self) { try Thresholds.lists(warning: "1,2,3,4", critical: nil, count: 3) }
        #expect(throws: RangeError.self) { try Thresholds.lists(warning: "1,x,3", critical: nil, count: 3) }
    }

    @Test func worstOfOrder() {
        #expect(Status.ok.worst(.unknown) == .unknown)
        #expect(Status.unknown.worst(.warning) == .warning)
        #expect(Status.warning.worst(.critical) == .critical)
        #expect(Status.worst(of: [.ok, .unknown, .ok]) == .unknown)
        #expect(Status.worst(of: []) == .ok)
        #expect(Status.combinedClassic(.ok, .unknown) == .ok)
        #expect(Status.combinedClassic(.unknown, .unknown) == .unknown)
        #expect(Status.combinedClassic(.warning, .critical) == .critical)
    }

    @Test(arguments: [("ok", Status.ok), ("Warning", .warning), ("CRITICAL", .critical), ("3", .unknown)])
    func stateArguments(_ pair: (String, Status)) { #expect(Status(argument: pair.0) == pair.1) }

    @Test(arguments: ["4", "crit", "", "-1", "okay"])
    func badStateArguments(_ text: String) { #expect(Status(argument: text) == nil) }
}

import Testing
@testable import NagiosPlugin

/// Vectors from shared/vectors/range_vectors.tsv (facts gathered from
/// upstream's test_utils.c). Where we deliberately differ from the C
/// library, the row is listed in `stricterThanC` and must be rejected.
struct RangeVectorTests {
    /// The C library ignores trailing junk; we reject it (docs/plugins/ranges.md).
    static let stricterThanC: Set<String> = ["1:12%%"]

    struct ParseRow: CustomTestStringConvertible, Sendable {
        let input: String, valid: Bool, start: String, end: String, startInf: Bool, endInf: Bool, inside: Bool
        var testDescription: String { "'\(input)'" }
    }
    struct CheckRow: CustomTestStringConvertible, Sendable {
        let input: String, value: Double, alert: Bool
        var testDescription: String { "'\(input)' \(value)" }
    }

    static let rows = Fixture.rows("range_vectors.tsv")
    static let parseRows: [ParseRow] = rows.filter { ($0["value"] ?? "").isEmpty }.map {
        ParseRow(input: $0["input"]!, valid: $0["valid"] == "1", start: $0["start"]!, end: $0["end"]!,
                 startInf: $0["start_inf"] == "1", endInf: $0["end_inf"] == "1", inside: $0["alert_on"] == "inside")
    }
    static let checkRows: [CheckRow] = rows.filter { !($0["value"] ?? "").isEmpty }.map {
        CheckRow(input: $0["input"]!, value: evaluate($0["value"]!), alert: $0["alert"] == "1")
    }

    /// Values such as `12345678901234567890/1.1` are C expressions in the source.
    static func evaluate(_ text: String) -> Double {
        if let slash = text.firstIndex(of: "/") {
            return Double(text[..<slash])! / Double(text[text.index(after: slash)...])!
        }
        if let star = text.firstIndex(of: "*") {
            return Double(text[..<star])! * Double(text[text.index(after: star)...])!
        }
        return Double(text)!
    }

    @Test func fixturesAreLoaded() {
        #expect(Self.parseRows.count > 30)
        #expect(Self.checkRows.count > 80)
    }

    @Test(arguments: parseRows)
    func parse(_ row: ParseRow) throws {
        let valid = row.valid && !Self.stricterThanC.contains(row.input)
        guard valid else {
            #expect(throws: RangeError.self) { try ThresholdRange(parsing: row.input) }
            return
        }
        let r = try ThresholdRange(parsing: row.input)
        #expect(r.alertsInside == row.inside)
        if row.startInf { #expect(r.start == -.infinity) } else { #expect(r.start == Double(row.start)) }
        if row.endInf { #expect(r.end == .infinity) } else { #expect(r.end == Double(row.end)) }
        #expect(r.description == row.input)
    }

    @Test(arguments: checkRows)
    func check(_ row: CheckRow) throws {
        let r = try ThresholdRange(parsing: row.input)
        #expect(r.alerts(row.value) == row.alert)
    }

    @Test(arguments: ["10abc", "1:12%%", "1:~", "~", "@", "@:", "1::2", "nan", "inf", "0x10", "1e", "--1", " 5", "5 "])
    func junkIsRejectedWithAReason(_ text: String) {
        #expect(throws: RangeError.self) { try ThresholdRange(parsing: text) }
    }

    @Test func errorNamesTheText() {
        do {
            _ = try ThresholdRange(parsing: "10abc")
            Issue.record("accepted 10abc")
        } catch {
            #expect(error.description == "invalid range '10abc': not a number")
        }
    }

    @Test func emptySpecMeansZeroToInfinityAsInC() throws {
        let r = try ThresholdRange(parsing: "")
        #expect(r.start == 0 && r.end == .infinity && !r.alerts(5) && r.alerts(-0.5))
    }

    @Test(arguments: [
        (ThresholdRange(start: 0, end: 10), "10"),
        (ThresholdRange(start: 10, end: .infinity), "10:"),
        (ThresholdRange(start: -.infinity, end: 5.5), "~:5.5"),
        (ThresholdRange(start: 1, end: 2.25, alertsInside: true), "@1:2.25"),
        (ThresholdRange(start: 0, end: .infinity), "0:"),
    ])
    func rangesBuiltFromEndsPrintTheirSpec(_ pair: (ThresholdRange, String)) throws {
        #expect(pair.0.spec == pair.1)
        let back = try ThresholdRange(parsing: pair.1)
        #expect(back.start == pair.0.start && back.end == pair.0.end && back.alertsInside == pair.0.alertsInside)
    }
}

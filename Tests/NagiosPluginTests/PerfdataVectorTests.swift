import Testing
@testable import NagiosPlugin

/// shared/vectors/perfdata_parse_vectors.tsv: what Monitoring::Plugin's
/// parser reads from 31 strings. We read the same items, and more where it
/// gives up: `''` in labels, `U` values, and items next to a broken one.
struct PerfdataParseVectorTests {
    struct Row: CustomTestStringConvertible, Sendable {
        let input: String, n: Int?, label: String, value: String, uom: String
        let warning: String, critical: String, min: String, max: String
        var testDescription: String { "\(input.prefix(40)) #\(n.map(String.init) ?? "-")" }
    }

    static let rows: [Row] = Fixture.rows("perfdata_parse_vectors.tsv").map {
        Row(input: $0["input"]!.replacingOccurrences(of: "\\n", with: "\n"), n: Int($0["n"]!), label: $0["label"]!,
            value: $0["value"]!, uom: $0["uom"]!, warning: $0["warning"]!, critical: $0["critical"]!,
            min: $0["min"]!, max: $0["max"]!)
    }

    @Test func fixtureIsLoaded() { #expect(Self.rows.count > 40) }

    @Test(arguments: rows.filter { $0.n != nil })
    func sameItemsAsTheReferenceParser(_ row: Row) throws {
        let result = PerfdataParser.parse(row.input)
        let n = try #require(row.n)
        try #require(result.items.count > n)
        let item = result.items[n]
        #expect(item.label == row.label)
        #expect(item.value == Double(row.value))
        #expect(item.uom == row.uom)
        try expectSameRange(item.warning, row.warning)
        try expectSameRange(item.critical, row.critical)
        #expect(item.minimum == (row.min.isEmpty ? nil : Double(row.min)))
        #expect(item.maximum == (row.max.isEmpty ? nil : Double(row.max)))
    }

    func expectSameRange(_ ours: String?, _ theirs: String) throws {
        if theirs.isEmpty { #expect(ours == nil); return }
        let a = try ThresholdRange(parsing: try #require(ours))
        let b = try ThresholdRange(parsing: theirs)
        #expect(a.start == b.start && a.end == b.end && a.alertsInside == b.alertsInside)
    }

    @Test func nothingFromRubbishOrEmpty() {
        #expect(PerfdataParser.parse("rubbish").items.isEmpty)
        #expect(PerfdataParser.parse("rubbish").errors.count == 1)
        #expect(PerfdataParser.parse("").items.isEmpty)
        #expect(PerfdataParser.parse("").errors.isEmpty)
    }

    @Test func doubledQuoteInLabel() {
        let r = PerfdataParser.parse("'it''s'=1;2;3")
        #expect(r.items == [ParsedPerfDatum(label: "it's", value: 1, warning: "2", critical: "3")])
    }

    @Test func unknownValue() {
        let r = PerfdataParser.parse("x=U;1;2 y=Us;;;0;10")
        #expect(r.items == [ParsedPerfDatum(label: "x", value: nil, warning: "1", critical: "2"),
                            ParsedPerfDatum(label: "y", value: nil, uom: "s", minimum: 0, maximum: 10)])
        #expect(r.errors.isEmpty)
    }

    @Test func badThresholdDropsTheFieldNotTheItem() {
        let r = PerfdataParser.parse("processes=9;WKFLSV32.exe;9=")
        #expect(r.items == [ParsedPerfDatum(label: "processes", value: 9)])
        #expect(r.warnings.count == 2)
    }

    @Test func oneBadItemKeepsTheOthers() {
        let r = PerfdataParser.parse("a=1 b=x c=3 =4 'd=5 e=6")
        #expect(r.items.map(\.label) == ["a", "c"])
        #expect(r.errors.map(\.reason) == ["value is not a number", "empty label", "unterminated quoted label"])
    }

    @Test func exponentsAndTinySeconds() {
        let r = PerfdataParser.parse("time=9.99e-06s;;;0 big=1E+20B")
        #expect(r.items.map(\.value) == [9.99e-06, 1e20])
        #expect(r.items.map(\.uom) == ["s", "B"])
    }

    @Test func fractionalCounter() {
        let r = PerfdataParser.parse("bytes=12345.5c")
        #expect(r.items == [ParsedPerfDatum(label: "bytes", value: 12345.5, uom: "c")])
    }

    @Test func labelWithEqualsSignWhenQuoted() {
        let r = PerfdataParser.parse("'a=b'=1 'x y'=2")
        #expect(r.items.map(\.label) == ["a=b", "x y"])
    }

    @Test func roundTripOfFormattedItems() throws {
        let items = try [
            PerfDatum(label: "it's a test", value: "1.5", uom: "ms", warning: "~:10", critical: "@5:6", minimum: "0"),
            PerfDatum.integer("procs", 95, minimum: 0),
            PerfDatum.float("time", 0.25, uom: "s", warning: 1, critical: 2, minimum: 0, maximum: 10),
        ]
        let parsed = PerfdataParser.parse(items.perfdataText)
        #expect(parsed.errors.isEmpty && parsed.warnings.isEmpty)
        #expect(parsed.items.map(\.label) == ["it's a test", "procs", "time"])
        #expect(parsed.items.map(\.value) == [1.5, 95, 0.25])
        #expect(parsed.items[0].critical == "@5:6")
        #expect(parsed.items[2].maximum == 10)
    }
}

/// shared/vectors/perfdata_format_vectors.tsv: the strings 2.3.3 prints.
struct PerfdataFormatTests {
    @Test func integerLayoutLikePerfdata() throws {
        #expect(try PerfDatum.integer("procs", 95, minimum: 0).description == "procs=95;;;0;")
        #expect(try PerfDatum.integer("procs", 95, warning: 5, minimum: 0).description == "procs=95;5;;0;")
        #expect(try PerfDatum.integer("procs", 95, warning: 4, critical: 44, minimum: 0).description == "procs=95;4;44;0;")
        #expect(try PerfDatum.integer("users", 4, warning: 20, critical: 50, minimum: 0, maximum: 100).description
                == "users=4;20;50;0;100")
    }

    @Test func multipleMetricsSpaceSeparated() throws {
        let items = try [PerfDatum.integer("procs", 95, minimum: 0), .integer("procs_warn", 1, minimum: 0),
                         .integer("procs_crit", 0, minimum: 0)]
        #expect(items.perfdataText == "procs=95;;;0; procs_warn=1;;;0; procs_crit=0;;;0;")
        let r = CheckResult(status: .warning, summary: "CPU WARNING: 1 warn out of 95 processes", perfdata: items)
        #expect(r.rendered == "CPU WARNING: 1 warn out of 95 processes | procs=95;;;0; procs_warn=1;;;0; procs_crit=0;;;0;\n")
    }

    @Test func floatLayoutLikeFperfdata() throws {
        #expect(try PerfDatum.float("time", 0.001229, uom: "s", warning: 0, critical: 0, minimum: 0, maximum: 10).description
                == "time=0.001229s;0.000000;0.000000;0.000000;10.000000")
        #expect(try PerfDatum.float("time", 0.2153, uom: "s", warning: 5, critical: 10, minimum: 0).description
                == "time=0.215300s;5.000000;10.000000;0.000000")
        #expect(try PerfDatum.float("time", 1, uom: "s").description == "time=1.000000s;;;")
    }

    @Test func rangeLayoutLikeSperfdata() throws {
        let d = try PerfDatum.ranges("entries", 3, warning: ThresholdRange(parsing: "10000000:"),
                                     critical: ThresholdRange(parsing: "10000001:"), minimum: 0)
        #expect(d.description == "entries=3.000000;10000000:;10000001:;0.000000")
    }

    @Test func checkLoadStyleThreeDecimals() throws {
        let f = { (v: Double) in NumberFormat.fixed(v, decimals: 3) }
        let d = try PerfDatum(label: "load1", value: f(4.33), warning: f(1), critical: f(2), minimum: "0", layout: .integer)
        #expect(d.description == "load1=4.330;1.000;2.000;0;")
    }

    @Test func minimalLayoutDropsTrailingEmptyFields() throws {
        #expect(try PerfDatum(label: "page file", value: "36", uom: "%", warning: "80", critical: "90").description
                == "'page file'=36%;80;90")
        #expect(try PerfDatum(label: "data", value: "5").description == "data=5")
        #expect(try PerfDatum(label: "/", value: "382", uom: "MB", warning: "15264", critical: "15269", minimum: "0",
                              maximum: "32768").description == "/=382MB;15264;15269;0;32768")
        #expect(try PerfDatum(label: "d d", value: "10").description == "'d d'=10")
    }

    @Test func quotesWhenNeededAndDoublesInnerQuote() throws {
        #expect(try PerfDatum(label: "d'", value: "10").description == "'d'''=10")
        #expect(try PerfDatum(label: "d=", value: "10").description == "'d='=10")
        #expect(try PerfDatum(label: "/var/log", value: "1").description == "/var/log=1")
    }

    @Test(arguments: ["", "s", "ms", "us", "%", "B", "KB", "MB", "GB", "TB", "c"])
    func validUnits(_ uom: String) throws { _ = try PerfDatum(label: "x", value: "1", uom: uom) }

    @Test(arguments: ["1s", "m s", "a;b", "x=", "'", "-"])
    func invalidUnitsAreRefused(_ uom: String) {
        #expect(throws: PerfdataError.self) { try PerfDatum(label: "x", value: "1", uom: uom) }
    }

    @Test func emptyLabelIsRefused() {
        #expect(throws: PerfdataError.self) { try PerfDatum(label: "", value: "1") }
    }

    @Test(arguments: [(0.0005, 3, "0.001"), (2.5, 0, "2"), (3.5, 0, "4"), (-0.0, 2, "-0.00"), (1234.5678, 6, "1234.567800")])
    func fixedMatchesPrintf(_ c: (Double, Int, String)) { #expect(NumberFormat.fixed(c.0, decimals: c.1) == c.2) }
}

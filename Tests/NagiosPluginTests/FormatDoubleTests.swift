import Testing
@testable import NagiosPlugin

/// `NumberFormat.formatDouble` (glibc's strfromd) prints what snprintf
/// prints for the same one-double format.
struct FormatDoubleTests {
    static let values: [Double] = [
        0, -0.0, 1, -1, 0.5, 0.1, 1.0 / 3, 2.5, 3.5, 1e-5, 123456789.125, 1e15, 1e16, 1e300, -2.75e-300,
        .infinity, -.infinity, .nan, 18446744073709551616, 0.000001, 99.99999, 12045.5,
    ]
    static let formats = ["%g", "%.0f", "%.3f", "%.6f", "%.15g", "%.16g", "%.17g", "%e", "%.2e"]

    @Test(arguments: formats)
    func matchesSnprintf(_ fmt: String) {
        for v in Self.values {
            #expect(NumberFormat.formatDouble(fmt, v) == NumberFormat.format(fmt, [v]), "\(fmt) \(v)")
        }
    }

    @Test func longOutputIsNotCut() {
        let big = NumberFormat.formatDouble("%.0f", 1e300)
        #expect(big.utf8.count == 301)
        #expect(big == NumberFormat.format("%.0f", [1e300]))
    }
}

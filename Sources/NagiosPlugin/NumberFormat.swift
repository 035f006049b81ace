#if canImport(Glibc)
import Glibc
import CGlibcExtras
#elseif canImport(Darwin)
import Darwin
#endif

/// Number parsing and printing without Foundation, matching C's `printf`
/// where plugins must print exactly what the C plugins print.
public enum NumberFormat {
    /// Parses a decimal number in the strict form
    /// `[+-]digits[.digits][e[+-]digits]` (also `.5` and `5.`).
    /// Rejects trailing junk (`10abc`), `inf`, `nan`, hex and empty text.
    public static func parseStrict<S: StringProtocol>(_ text: S) -> Double? {
        guard isDecimal(text.utf8) else { return nil }
        return Double(String(text))
    }

    /// Whether the bytes form a strict decimal number (see ``parseStrict(_:)``).
    public static func isDecimal<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        var i = bytes.startIndex
        let end = bytes.endIndex
        if i != end, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i = bytes.index(after: i) }
        var digits = 0
        while i != end, bytes[i] >= 48, bytes[i] <= 57 { digits += 1; i = bytes.index(after: i) }
        if i != end, bytes[i] == UInt8(ascii: ".") {
            i = bytes.index(after: i)
            while i != end, bytes[i] >= 48, bytes[i] <= 57 { digits += 1; i = bytes.index(after: i) }
        }
        if digits == 0 { return false }
        if i != end, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i = bytes.index(after: i)
            if i != end, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i = bytes.index(after: i) }
            var expDigits = 0
            while i != end, bytes[i] >= 48, bytes[i] <= 57 { expDigits += 1; i = bytes.index(after: i) }
            if expDigits == 0 { return false }
        }
        return i == end
    }

    /// Parses an integer like the C plugins' `is_integer`/`is_intnonneg` but
    /// strictly: optional sign, digits, nothing else.
    public static func parseInteger<S: StringProtocol>(_ text: S) -> Int? {
        Int(String(text))
    }

    /// `is_integer()` + `atoi()` of the C library, for arguments the 2.3.3
    /// plugins read that way (check_dummy's state, check_procs' uid): only
    /// blanks, `-` and digits are allowed; the value is what `strtol` reads
    /// from the start (leading blanks, one sign, digits), 0 when it reads
    /// nothing; `nil` for other characters or a value outside `Int32`.
    public static func cIntegerArgument(_ text: String) -> Int32? {
        for ch in text.utf8 where !(ch == 0x20 || ch == 0x2D || (ch >= 0x30 && ch <= 0x39)) { return nil }
        var s = Substring(text).drop { $0 == " " }
        let negative = s.first == "-"
        if negative { s = s.dropFirst() }
        let digits = s.prefix { $0 >= "0" && $0 <= "9" }
        if digits.isEmpty { return 0 }
        guard let value = Int32(digits) else { return nil }
        return negative ? -value : value
    }

    /// `printf("%.<decimals>f", value)`: C's rounding and spelling exactly.
    public static func fixed(_ value: Double, decimals: Int) -> String {
        // Up to 3 decimals in integer arithmetic: a C variadic call costs
        // ~500k instructions of runtime look-ups on first use.
        if let fast = FixedPoint.fastFormat(value, decimals: decimals) { return fast }
        return formatDouble("%.\(max(decimals, 0))f", value)
    }

    /// `printf("%f", value)`.
    public static func fixed6(_ value: Double) -> String { fixed(value, decimals: 6) }

    /// The shortest spelling that reads back as the same value, without a
    /// trailing `.0` for whole numbers (`5`, `0.25`, `1e+20`).
    public static func shortest(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 {
            return String(Int64(value))
        }
        return formatDouble("%.17g", value).withShortest(value)
    }

    /// `snprintf(fmt, value)` for one double; `fmt` is `%[.precision]` and
    /// one of `a e f g` (glibc's strfromd: no variadic call, whose bridging
    /// costs ~300k instructions of protocol-conformance look-ups in a
    /// plugin's short life).
    public static func formatDouble(_ fmt: String, _ value: Double) -> String {
        #if canImport(Glibc)
        var buffer = [CChar](repeating: 0, count: 64)
        var needed = Int(strfromd(&buffer, buffer.count, fmt, value))
        if needed >= buffer.count {
            buffer = [CChar](repeating: 0, count: needed + 1)
            needed = Int(strfromd(&buffer, buffer.count, fmt, value))
        }
        guard needed >= 0 else { return format(fmt, [value]) }
        return String(decoding: buffer.prefix(needed).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        #else
        return format(fmt, [value])
        #endif
    }

    /// `snprintf` with a Swift argument list; the format is a C literal.
    public static func format(_ fmt: String, _ args: [any CVarArg]) -> String {
        var buffer = [CChar](repeating: 0, count: 128)
        let needed = withVaList(args) { vsnprintf(&buffer, buffer.count, fmt, $0) }
        if needed >= buffer.count {
            buffer = [CChar](repeating: 0, count: Int(needed) + 1)
            _ = withVaList(args) { vsnprintf(&buffer, buffer.count, fmt, $0) }
        }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension String {
    /// Tries `%.15g`/`%.16g` before settling for the 17 digits in `self`.
    fileprivate func withShortest(_ value: Double) -> String {
        for precision in [15, 16] {
            let s = NumberFormat.formatDouble("%.\(precision)g", value)
            if Double(s) == value { return s }
        }
        return self
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// A cursor over bytes that reads fields the way glibc's `sscanf`
/// conversions do, so that parsers of `ps` output, `/proc/meminfo` and
/// option values accept exactly what the 2.3.3 plugins accept.
///
/// Each conversion skips leading white space (as `%d`, `%s`, `%f` do),
/// returns `nil` on a matching failure and then leaves the cursor where
/// the failure happened.
public struct CScanner {
    public let bytes: [UInt8]
    /// The offset of the next unread byte (`%n`).
    public private(set) var index: Int

    public init(_ bytes: [UInt8], from index: Int = 0) {
        self.bytes = bytes
        self.index = index
    }

    public init(_ text: String) { self.init(Array(text.utf8)) }

    /// Whether every byte was consumed.
    public var atEnd: Bool { index >= bytes.count }

    /// The bytes not read yet.
    public var rest: ArraySlice<UInt8> { bytes[min(index, bytes.count)...] }

    /// `isspace()` in the C locale.
    @inline(__always)
    public static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }

    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    /// Moves past `count` bytes.
    public mutating func skip(_ count: Int) { index = min(index + count, bytes.count) }

    /// A literal byte in the format: consumed if it is next.
    public mutating func consume(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// A blank in the format: skips any amount of white space.
    public mutating func skipSpace() {
        while index < bytes.count, CScanner.isSpace(bytes[index]) { index += 1 }
    }

    /// `%s`: a run of non-space bytes (nil at the end of the input).
    public mutating func word() -> ArraySlice<UInt8>? {
        skipSpace()
        let start = index
        while index < bytes.count, !CScanner.isSpace(bytes[index]) { index += 1 }
        return index > start ? bytes[start..<index] : nil
    }

    /// `%[set]` (or `%*[set]`): one or more bytes for which `member` holds.
    public mutating func run(_ member: (UInt8) -> Bool) -> ArraySlice<UInt8>? {
        let start = index
        while index < bytes.count, member(bytes[index]) { index += 1 }
        return index > start ? bytes[start..<index] : nil
    }

    /// Optional sign and digits, as `strtol` reads them; the magnitude
    /// saturates instead of overflowing.
    private mutating func signedDigits() -> (negative: Bool, magnitude: UInt64, overflow: Bool)? {
        skipSpace()
        var i = index
        var negative = false
        if i < bytes.count, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
            negative = bytes[i] == UInt8(ascii: "-")
            i += 1
        }
        guard i < bytes.count, CScanner.isDigit(bytes[i]) else { return nil }
        var value: UInt64 = 0
        var overflow = false
        while i < bytes.count, CScanner.isDigit(bytes[i]) {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(bytes[i] - 0x30))
            if o1 || o2 { overflow = true } else { value = s }
            i += 1
        }
        index = i
        return (negative, value, overflow)
    }

    /// `%ld`: clamped to the `Int64` range like `strtol`.
    public mutating func long() -> Int64? {
        guard let (negative, magnitude, overflow) = signedDigits() else { return nil }
        if negative {
            return overflow || magnitude > UInt64(Int64.max) + 1 ? Int64.min : Int64(truncatingIfNeeded: 0 &- magnitude)
        }
        return overflow || magnitude > UInt64(Int64.max) ? Int64.max : Int64(magnitude)
    }

    /// `%d`: the `%ld` value cut to 32 bits, as glibc stores it in an `int`.
    public mutating func int() -> Int32? {
        long().map { Int32(truncatingIfNeeded: $0) }
    }

    /// `%lu`: like `strtoul`, a minus sign negates modulo 2^64 and an
    /// overflow gives `UInt64.max`.
    public mutating func unsignedLong() -> UInt64? {
        guard let (negative, magnitude, overflow) = signedDigits() else { return nil }
        if overflow { return UInt64.max }
        return negative ? 0 &- magnitude : magnitude
    }

    /// `%lf`: whatever `strtod` reads (decimal, exponent, hex, inf, nan).
    public mutating func double() -> Double? {
        floating { strtod($0, $1) }
    }

    /// `%f`: whatever `strtof` reads.
    public mutating func float() -> Float? {
        floating { strtof($0, $1) }
    }

    private mutating func floating<T>(_ convert: (UnsafePointer<CChar>, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> T) -> T? {
        skipSpace()
        var end = index
        while end < bytes.count, !CScanner.isSpace(bytes[end]), bytes[end] != 0 { end += 1 }
        guard end > index else { return nil }
        var token = bytes[index..<end].map { CChar(bitPattern: $0) }
        token.append(0)
        var consumed = 0
        let value = token.withUnsafeBufferPointer { buffer -> T? in
            guard let base = buffer.baseAddress else { return nil }
            var stop: UnsafeMutablePointer<CChar>?
            let v = convert(base, &stop)
            consumed = stop.map { UnsafePointer($0) - base } ?? 0
            return consumed > 0 ? v : nil
        }
        if value != nil { index += consumed }
        return value
    }
}

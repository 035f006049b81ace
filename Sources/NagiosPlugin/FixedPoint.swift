/// `printf("%.Nf")` for N ≤ 3 in integer arithmetic, exactly as glibc
/// rounds (the exact binary value, ties to even), without the cost of a
/// C variadic call from Swift: building a `CVaList` makes the runtime
/// look up protocol conformances, about half a million instructions on
/// first use, more than a whole C plugin run. Anything else falls back to
/// ``NumberFormat/fixed(_:decimals:)``.
public enum FixedPoint {
    private static let powers: [UInt64] = [1, 10, 100, 1000]

    /// `|v| × 10^decimals` rounded as printf rounds it, and the sign; `nil`
    /// when it does not fit the fast path (NaN, ∞, huge, decimals > 3).
    public static func scaled(_ v: Double, decimals: Int) -> (negative: Bool, units: UInt64)? {
        guard v.isFinite, decimals >= 0, decimals < powers.count else { return nil }
        let negative = v.sign == .minus
        let a = abs(v)
        if a == 0 { return (negative, 0) }
        let p10 = powers[decimals]
        let bits = a.significandBitPattern
        let (m, shift): (UInt64, Int) = a.isNormal
            ? ((1 << 52) | bits, Int(a.exponent) - 52)
            : (bits, -1074)
        if shift >= 0 {
            guard shift + 10 < m.leadingZeroBitCount else { return nil }
            return (negative, (m << UInt64(shift)) * p10)
        }
        let n = m * p10  // < 2^53 · 2^10
        let k = -shift
        if k >= 64 { return (negative, 0) }  // below one half of a unit
        var q = n >> UInt64(k)
        let r = n & ((1 << UInt64(k)) - 1)
        let half: UInt64 = 1 << UInt64(k - 1)
        if r > half || (r == half && q & 1 == 1) { q += 1 }
        return (negative, q)
    }

    /// The text `printf("%.<decimals>f", v)` prints (fast path or printf).
    public static func format(_ v: Double, decimals: Int) -> String {
        NumberFormat.fixed(v, decimals: decimals)
    }

    /// The fast path of ``format(_:decimals:)``; `nil` outside it.
    static func fastFormat(_ v: Double, decimals: Int) -> String? {
        guard let (negative, units) = scaled(v, decimals: decimals) else { return nil }
        var digits = Array(String(units).utf8)
        while digits.count <= decimals { digits.insert(UInt8(ascii: "0"), at: 0) }
        if decimals > 0 { digits.insert(UInt8(ascii: "."), at: digits.count - decimals) }
        if negative { digits.insert(UInt8(ascii: "-"), at: 0) }
        return String(decoding: digits, as: UTF8.self)
    }

    /// `v` as it reads back after `printf("%.<decimals>f")`: the nearest
    /// double to the printed decimal.
    public static func rounded(_ v: Double, decimals: Int) -> Double {
        guard let (negative, units) = scaled(v, decimals: decimals), units < 1 << 53 else {
            return Double(NumberFormat.fixed(v, decimals: decimals)) ?? v
        }
        let r = Double(units) / Double(powers[decimals])
        return negative ? -r : r
    }
}

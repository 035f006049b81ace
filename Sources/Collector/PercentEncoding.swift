/// `%XX` encoding of bytes, shared by file names (`MetricPath`) and the
/// metadata sidecar (`MetricMetadata`), which differ only in what they keep.
enum PercentEncoding {
    private static let hex = Array("0123456789ABCDEF".utf8)

    /// Writes every byte for which `keep(index, byte)` is false as `%XX`.
    static func encode<C: Collection>(_ bytes: C, keep: (Int, UInt8) -> Bool) -> [UInt8] where C.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for (i, b) in bytes.enumerated() {
            if keep(i, b) {
                out.append(b)
            } else {
                out += [0x25, hex[Int(b >> 4)], hex[Int(b & 0x0F)]]
            }
        }
        return out
    }

    /// Reads `%XX` (either case) back; `nil` for a `%` not followed by two hex digits.
    static func decode<C: Collection>(_ bytes: C) -> [UInt8]? where C.Element == UInt8 {
        let b = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = 0
        while i < b.count {
            if b[i] == 0x25 {
                guard i + 2 < b.count, let hi = hexValue(b[i + 1]), let lo = hexValue(b[i + 2]) else { return nil }
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return out
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }
}

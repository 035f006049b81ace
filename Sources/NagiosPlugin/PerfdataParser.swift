/// One item read back from perfdata text.
public struct ParsedPerfDatum: Sendable, Hashable {
    public var label: String
    /// `nil` when the plugin printed `U` (value unknown).
    public var value: Double?
    public var uom: String
    /// Threshold specs as printed (`nil` when empty or unreadable).
    public var warning: String?
    public var critical: String?
    public var minimum: Double?
    public var maximum: Double?

    public init(label: String, value: Double?, uom: String = "", warning: String? = nil, critical: String? = nil,
                minimum: Double? = nil, maximum: Double? = nil) {
        self.label = label
        self.value = value
        self.uom = uom
        self.warning = warning
        self.critical = critical
        self.minimum = minimum
        self.maximum = maximum
    }
}

/// What a parse produced: every good item, and a reason for every item or
/// field that was dropped. One bad item never costs the others.
public struct PerfdataParseResult: Sendable, Equatable {
    public var items: [ParsedPerfDatum] = []
    /// Items rejected whole (no label, no `=`, value not a number …).
    public var errors: [PerfdataError] = []
    /// Fields dropped from items that were kept (a threshold or min/max
    /// that is not a number or range).
    public var warnings: [PerfdataError] = []
    public init() {}
}

/// Reads any perfdata string a real plugin prints: quoted labels with `''`
/// for a quote, `U` values, exponents, negative numbers, decimal commas,
/// empty fields, several items separated by any white space.
public enum PerfdataParser {
    public static func parse(_ text: String) -> PerfdataParseResult {
        var copy = text
        return copy.withUTF8 { parse(bytes: $0) }
    }

    public static func parse(bytes b: UnsafeBufferPointer<UInt8>) -> PerfdataParseResult {
        var result = PerfdataParseResult()
        let n = b.count
        var i = 0
        @inline(__always) func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
        func skipItem() { while i < n, !isSpace(b[i]) { i += 1 } }
        func text(_ from: Int, _ to: Int) -> String { String(decoding: UnsafeBufferPointer(rebasing: b[from..<to]), as: UTF8.self) }

        while i < n {
            while i < n, isSpace(b[i]) { i += 1 }
            if i >= n { break }
            let itemStart = i
            var labelBytes: [UInt8] = []
            if b[i] == UInt8(ascii: "'") {
                i += 1
                var closed = false
                while i < n {
                    if b[i] == UInt8(ascii: "'") {
                        if i + 1 < n, b[i + 1] == UInt8(ascii: "'") {
                            labelBytes.append(UInt8(ascii: "'")); i += 2; continue
                        }
                        i += 1; closed = true; break
                    }
                    labelBytes.append(b[i]); i += 1
                }
                if !closed {
                    result.errors.append(PerfdataError(text: text(itemStart, n), reason: "unterminated quoted label"))
                    break
                }
                if i >= n || b[i] != UInt8(ascii: "=") {
                    skipItem()
                    result.errors.append(PerfdataError(text: text(itemStart, i), reason: "no '=' after quoted label"))
                    continue
                }
            } else {
                while i < n, b[i] != UInt8(ascii: "="), !isSpace(b[i]) { labelBytes.append(b[i]); i += 1 }
                if i >= n || b[i] != UInt8(ascii: "=") {
                    result.errors.append(PerfdataError(text: text(itemStart, i), reason: "no '=' in item"))
                    continue
                }
            }
            i += 1 // past '='
            let fieldsStart = i
            skipItem()
            let itemText = text(itemStart, i)
            if labelBytes.isEmpty {
                result.errors.append(PerfdataError(text: itemText, reason: "empty label"))
                continue
            }
            // Split value;warn;crit;min;max
            var fields: [Range<Int>] = []
            var fs = fieldsStart
            for j in fieldsStart..<i where b[j] == UInt8(ascii: ";") {
                fields.append(fs..<j); fs = j + 1
            }
            fields.append(fs..<i)
            let label = String(decoding: labelBytes, as: UTF8.self)
            let v = fields[0]
            var value: Double?
            var uomStart = v.lowerBound
            if v.count >= 1, b[v.lowerBound] == UInt8(ascii: "U") {
                // `U`: value unknown (a unit after it is tolerated and kept)
                value = nil
                uomStart = v.lowerBound + 1
            } else {
                guard let (num, end) = scanNumber(b, v) else {
                    result.errors.append(PerfdataError(text: itemText, reason: v.isEmpty ? "empty value" : "value is not a number"))
                    continue
                }
                value = num
                uomStart = end
            }
            let uom = text(uomStart, v.upperBound)
            var uomOK = true
            for k in uomStart..<v.upperBound where !isUOMByte(b[k]) { uomOK = false; break }
            if !uomOK {
                result.errors.append(PerfdataError(text: itemText, reason: "invalid unit of measure '\(uom)'"))
                continue
            }
            var item = ParsedPerfDatum(label: label, value: value, uom: uom)
            if fields.count > 5 {
                result.warnings.append(PerfdataError(text: itemText, reason: "more than 5 fields, extra ignored"))
            }
            for (k, r) in fields.enumerated().dropFirst().prefix(4) where !r.isEmpty {
                let f = text(r.lowerBound, r.upperBound)
                switch k {
                case 1, 2:
                    if let spec = readableRange(f) {
                        if k == 1 { item.warning = spec } else { item.critical = spec }
                    } else {
                        result.warnings.append(PerfdataError(text: itemText, reason: "\(k == 1 ? "warning" : "critical") '\(f)' is not a range, ignored"))
                    }
                default:
                    if f == "U" { continue }
                    if let (num, end) = scanNumber(b, r), end == r.upperBound {
                        if k == 3 { item.minimum = num } else { item.maximum = num }
                    } else {
                        result.warnings.append(PerfdataError(text: itemText, reason: "\(k == 3 ? "min" : "max") '\(f)' is not a number, ignored"))
                    }
                }
            }
            result.items.append(item)
        }
        return result
    }

    /// Bytes allowed in a unit of measure: anything but digits, separators,
    /// signs, quotes, controls and white space.
    @inline(__always)
    static func isUOMByte(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: ";"), UInt8(ascii: "="), UInt8(ascii: "'"),
             UInt8(ascii: "."), UInt8(ascii: ","), UInt8(ascii: "-"), UInt8(ascii: "+"), 0...0x20, 0x7F:
            return false
        default:
            return true
        }
    }

    /// A range spec as printed in perfdata; a decimal comma is read as a point.
    static func readableRange(_ f: String) -> String? {
        if (try? ThresholdRange(parsing: f)) != nil { return f }
        var dotted = ""
        for ch in f { dotted.append(ch == "," ? "." : ch) }
        if (try? ThresholdRange(parsing: dotted)) != nil { return dotted }
        return nil
    }

    /// Scans `[+-]digits[.|,digits][e[+-]digits]` at the start of `r`;
    /// returns the number and where it ends.
    static func scanNumber(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> (Double, Int)? {
        var i = r.lowerBound
        let end = r.upperBound
        var chars: [UInt8] = []
        if i < end, b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+") { chars.append(b[i]); i += 1 }
        var digits = 0
        while i < end, b[i] >= 48, b[i] <= 57 { chars.append(b[i]); i += 1; digits += 1 }
        if i < end, b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ",") {
            // a decimal comma only when digits follow (`1,391ms`)
            let digitFollows = i + 1 < end && b[i + 1] >= 48 && b[i + 1] <= 57
            if b[i] == UInt8(ascii: ".") || digitFollows {
                chars.append(UInt8(ascii: ".")); i += 1
                while i < end, b[i] >= 48, b[i] <= 57 { chars.append(b[i]); i += 1; digits += 1 }
            }
        }
        if digits == 0 { return nil }
        if i < end, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            var j = i + 1
            var exp: [UInt8] = [UInt8(ascii: "e")]
            if j < end, b[j] == UInt8(ascii: "-") || b[j] == UInt8(ascii: "+") { exp.append(b[j]); j += 1 }
            var ed = 0
            while j < end, b[j] >= 48, b[j] <= 57 { exp.append(b[j]); j += 1; ed += 1 }
            if ed > 0 { chars += exp; i = j }
        }
        if i < end, b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ",") { return nil }
        guard let v = Double(String(decoding: chars, as: UTF8.self)), v.isFinite else { return nil }
        return (v, i)
    }
}

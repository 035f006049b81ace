import NagiosPlugin

/// What check_nagios reads from a Nagios status file: its time stamp.
/// (The processes come from ``ProcessTable``.)
public enum NagiosStatusFile {
    /// The longest piece `fgets` hands over at once in the C plugin (a
    /// longer line is read as several pieces).
    static let pieceLength = 8190

    /// The time the status file was last written, read as the 2.3.3 plugin
    /// reads it: the number after the first `created=` (Nagios 3/4
    /// `status.dat`); failing that, the largest `[time]` stamp at the start
    /// of a line (the old `status.log`). 0 when neither is found.
    public static func latestEntryTime(_ bytes: [UInt8]) -> UInt64 {
        var latest: UInt64 = 0
        for piece in pieces(bytes) {
            if let at = find(Array("created=".utf8), in: piece) {
                return strtoul(piece[(at + 8)...])
            }
            // strtok(line, "]"): the first token after any leading ']',
            // read as a number from its second character.
            guard let start = piece.firstIndex(where: { $0 != UInt8(ascii: "]") }) else { continue }
            let end = piece[start...].firstIndex(of: UInt8(ascii: "]")) ?? piece.endIndex
            let value = strtoul(piece[(start + 1)..<max(start + 1, end)])
            if value > latest { latest = value }
        }
        return latest
    }

    /// The pieces `fgets(buffer, 8191, file)` returns, each with its `\n`.
    static func pieces(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var start = bytes.startIndex
        while start < bytes.endIndex {
            var end = start
            while end < bytes.endIndex && end - start < pieceLength {
                let b = bytes[end]
                end += 1
                if b == UInt8(ascii: "\n") { break }
            }
            result.append(bytes[start..<end])
            start = end
        }
        return result
    }

    /// C's `strtoul(text, NULL, 10)`: leading white space, an optional
    /// sign (a `-` negates modulo 2^64), decimal digits; saturates on overflow.
    static func strtoul(_ text: ArraySlice<UInt8>) -> UInt64 {
        var i = text.startIndex
        while i < text.endIndex, text[i] == 0x20 || (text[i] >= 0x09 && text[i] <= 0x0D) { i += 1 }
        var negative = false
        if i < text.endIndex, text[i] == UInt8(ascii: "+") || text[i] == UInt8(ascii: "-") {
            negative = text[i] == UInt8(ascii: "-")
            i += 1
        }
        var value: UInt64 = 0
        var overflow = false
        while i < text.endIndex, text[i] >= 0x30, text[i] <= 0x39 {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(text[i] - 0x30))
            if o1 || o2 { overflow = true }
            value = a
            i += 1
        }
        if overflow { return .max }
        return negative ? 0 &- value : value
    }

    static func find(_ needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var i = haystack.startIndex
        while i + needle.count <= haystack.endIndex {
            if haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}

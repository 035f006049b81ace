#if canImport(Glibc)
import Glibc
#endif

/// A compiled POSIX regular expression (`regcomp`/`regexec` of the C
/// library), so that plugins match exactly what the C plugins match.
///
/// The `regex_t` lives in its own allocation because glibc keeps pointers
/// into it; `deinit` calls `regfree`.
public final class PosixRegex {
    public struct Options: OptionSet, Sendable {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        /// `REG_EXTENDED`: ERE syntax (`|`, `+`, `?`, `()` without backslashes).
        public static let extended = Options(rawValue: REG_EXTENDED)
        /// `REG_ICASE`: case-insensitive.
        public static let ignoreCase = Options(rawValue: REG_ICASE)
        /// `REG_NEWLINE`: `.` and `[^…]` do not match a newline and `$`
        /// matches before one, as in Perl for a line that still ends in `\n`.
        public static let newline = Options(rawValue: REG_NEWLINE)
    }

    public let pattern: String
    private let compiled: UnsafeMutablePointer<regex_t>
    private let groupCount: Int

    /// Compiles `pattern`; throws the message `regerror` gives.
    public init(_ pattern: String, options: Options = .extended) throws(RegexError) {
        self.pattern = pattern
        compiled = .allocate(capacity: 1)
        let rc = regcomp(compiled, pattern, options.rawValue)
        guard rc == 0 else {
            var buffer = [CChar](repeating: 0, count: 256)
            regerror(rc, compiled, &buffer, buffer.count)
            compiled.deallocate()
            let message = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw RegexError(pattern: pattern, message: message)
        }
        groupCount = Int(compiled.pointee.re_nsub)
    }

    deinit {
        regfree(compiled)
        compiled.deallocate()
    }

    /// Whether the expression matches anywhere in `text`.
    public func matches(_ text: String) -> Bool {
        // withCString: no copy for a native string (passing `text` directly
        // builds a ContiguousArray per call).
        text.withCString { regexec(compiled, $0, 0, nil, 0) == 0 }
    }

    /// Whether the expression matches anywhere in a C string.
    public func matches(cString: UnsafePointer<CChar>) -> Bool {
        regexec(compiled, cString, 0, nil, 0) == 0
    }

    /// Whether the expression matches anywhere in the bytes (up to a NUL).
    public func matches(_ bytes: [UInt8]) -> Bool {
        withCString(bytes) { regexec(compiled, $0, 0, nil, 0) == 0 }
    }

    /// The text of each parenthesised group of the first match (`nil` for
    /// a group that took no part), or `nil` when there is no match.
    public func groups(_ bytes: [UInt8]) -> [String?]? {
        var matches = [regmatch_t](repeating: regmatch_t(), count: groupCount + 1)
        let rc = withCString(bytes) { regexec(compiled, $0, matches.count, &matches, 0) }
        guard rc == 0 else { return nil }
        return matches.dropFirst().map { m -> String? in
            guard m.rm_so >= 0, m.rm_eo >= m.rm_so, Int(m.rm_eo) <= bytes.count else { return nil }
            return String(decoding: bytes[Int(m.rm_so)..<Int(m.rm_eo)], as: UTF8.self)
        }
    }

    /// The groups of the first match in a line of text.
    public func groups(_ text: String) -> [String?]? { groups(Array(text.utf8)) }

    private func withCString<R>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R {
        var terminated = bytes
        terminated.append(0)
        return terminated.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                // A non-empty buffer always has a base address.
                chars.baseAddress.map(body) ?? body("")
            }
        }
    }
}

/// A pattern `regcomp` refused, with its message (`Unmatched ( or \(`).
public struct RegexError: Error, Sendable, Equatable, CustomStringConvertible {
    public let pattern: String
    public let message: String
    public init(pattern: String, message: String) {
        self.pattern = pattern
        self.message = message
    }
    public var description: String { message }
}

import NagiosPlugin

/// The mail transfer agents check_mailq knows, with the listing each prints.
public enum MailTransferAgent: String, Sendable, CaseIterable {
    case sendmail, qmail, postfix, exim, nullmailer
}

/// What a queue listing says: the number of queued messages and, for
/// sendmail, how many of them come from or go to each domain.
public struct MailQueueSummary: Sendable, Equatable {
    /// Messages in the queue(s).
    public var messages: Int = 0
    /// sendmail: messages per sender domain (the last two labels).
    public var sourceDomains: [String: Int] = [:]
    /// sendmail: deferred deliveries per destination domain.
    public var destinationDomains: [String: Int] = [:]
    /// sendmail: the order domains were first seen, for stable output.
    public var sourceOrder: [String] = []
    public var destinationOrder: [String] = []
    /// qmail: messages not yet preprocessed.
    public var unpreprocessed: Int = 0
    /// What `-v` prints while reading (the 2.3.3 plugin's debugging lines).
    public var trace: [String] = []

    public init() {}

    mutating func countSource(_ domain: String) {
        if sourceDomains[domain] == nil { sourceOrder.append(domain) }
        sourceDomains[domain, default: 0] += 1
    }

    mutating func countDestination(_ domain: String) {
        if destinationDomains[domain] == nil { destinationOrder.append(domain) }
        destinationDomains[domain, default: 0] += 1
    }

    /// The domain with the most messages (ties: the one seen first), as
    /// the plugin applies `-W`/`-C` to it.
    public static func busiest(_ counts: [String: Int], order: [String]) -> (domain: String, count: Int)? {
        var best: (String, Int)?
        for d in order {
            guard let n = counts[d] else { continue }
            if best == nil || n > (best?.1 ?? 0) { best = (d, n) }
        }
        return best
    }
}

/// Why a listing could not be read (the plugin then reports UNKNOWN).
public struct MailQueueFormatError: Error, Sendable, Equatable {
    public init() {}
}

/// Parsers for each MTA's queue listing, matching what the 2.3.3 Perl
/// plugin's regular expressions match (translated to POSIX ERE; each line
/// is matched with its `\n`, as Perl sees it).
public struct MailQueueParser {
    /// The command path shown in `-v` lines (`/usr/bin/mailq`).
    public let commandPath: String

    public init(commandPath: String) { self.commandPath = commandPath }

    static let word = "[[:alnum:]_]"
    static let space = "[[:space:]]"

    /// Compiles one of the fixed expressions below; they are constants, so
    /// a failure here is a programming error reported as "no match".
    static func regex(_ pattern: String, _ options: PosixRegex.Options = [.extended, .newline]) -> PosixRegex? {
        try? PosixRegex(pattern, options: options)
    }

    /// Splits output into lines that keep their `\n` (the last may lack one).
    static func perlLines(_ bytes: [UInt8]) -> [[UInt8]] {
        var result: [[UInt8]] = []
        var current: [UInt8] = []
        for b in bytes {
            current.append(b)
            if b == 0x0A { result.append(current); current = [] }
        }
        if !current.isEmpty { result.append(current) }
        return result
    }

    /// sendmail's `mailq`: one or several queue directories, `(N request…)`
    /// per queue or a final `Total Requests: N`; `<user@domain>` lines count
    /// sender domains, deferral reasons count destination domains.
    public func sendmail(_ output: [UInt8]) -> MailQueueSummary {
        let w = MailQueueParser.word, s = MailQueueParser.space
        let domain = "(\(w)+\\.\(w)+)"
        let address = [MailQueueParser.regex("<.*@.*\\.\(domain)>"), MailQueueParser.regex("<.*@\(domain)>")]
        let startsWithWord = MailQueueParser.regex("^\(w)+")
        let deferrals = [
            "\(s)\\(reply:\(s)read\(s)error\(s)from\(s).*\\.\(domain)\\.$",
            "\(s)\\(reply:\(s)read\(s)error\(s)from\(s)\(domain)\\.$",
            "\(s)\\(timeout\(s)writing\(s)message\(s)to\(s).*\\.\(domain)\\.:",
            "\(s)\\(timeout\(s)writing\(s)message\(s)to\(s)\(domain)\\.:",
            "\(s)\\(host\(s)map:\(s)lookup\(s)\\(.*\\.\(domain)\\):",
            "\(s)\\(host\(s)map:\(s)lookup\(s)\\(\(domain)\\):",
            "\(s)\\(Deferred:\(s).*\(s).*\\.\(domain)\\.\\)",
            "\(s)\\(Deferred:\(s).*\(s)\(domain)\\.\\)",
        ].map { MailQueueParser.regex($0) }
        let ioError = MailQueueParser.regex("\(s)+\\(I/O\(s)error\\)")
        let mqueue = MailQueueParser.regex("mqueue")
        let requests = MailQueueParser.regex(" \\(([0-9]+) request")
        let total = MailQueueParser.regex("^\(s)+Total\(s)Requests:\(s)([0-9]+)$", [.extended, .newline, .ignoreCase])

        var summary = MailQueueSummary()
        for line in MailQueueParser.perlLines(output) {
            if let d = firstGroup(address, line) {
                if startsWithWord?.matches(line) ?? false {
                    summary.trace.append("\(commandPath) = srcdomain = \(d) \n")
                    summary.countSource(d)
                }
                continue
            }
            if let d = firstGroup(deferrals, line) {
                summary.trace.append("\(commandPath) = dstdomain = \(d) \n")
                summary.countDestination(d)
            }
            if ioError?.matches(line) ?? false {
                summary.trace.append("\(commandPath) = dstdomain = UNKNOWN \n")
                summary.countDestination("UNKNOWN")
            }
            let text = String(decoding: line, as: UTF8.self)
            if mqueue?.matches(line) ?? false {
                summary.trace.append("\(commandPath) = \(text) ")
                if let n = firstGroup([requests], line), let v = Int(n) { summary.messages = v }
            } else if let n = firstGroup([total], line), let v = Int(n) {
                summary.trace.append("\(commandPath) = \(text) \n")
                summary.messages = v
            }
        }
        return summary
    }

    /// postfix's `mailq`: the last line is `-- N Kbytes in M Requests.` or
    /// `Mail queue is empty`.
    public func postfix(_ output: [UInt8]) throws(MailQueueFormatError) -> MailQueueSummary {
        guard let last = MailQueueParser.perlLines(output).last else { throw MailQueueFormatError() }
        var summary = MailQueueSummary()
        if let n = firstGroup([MailQueueParser.regex("Kbytes in ([0-9]+)")], last), let v = Int(n) {
            summary.messages = v
        } else if MailQueueParser.regex("Mail queue is empty")?.matches(last) ?? false {
            summary.messages = 0
        } else {
            throw MailQueueFormatError()
        }
        return summary
    }

    /// `qmail-qstat`: `messages in queue: N` then
    /// `messages in queue but not yet preprocessed: N`.
    public func qmail(_ output: [UInt8]) throws(MailQueueFormatError) -> MailQueueSummary {
        let lines = MailQueueParser.perlLines(output)
        var summary = MailQueueSummary()
        guard let first = lines.first, let n = firstGroup([MailQueueParser.regex("^messages in queue: ([0-9]+)")], first),
              let v = Int(n) else { throw MailQueueFormatError() }
        summary.messages = v
        guard lines.count > 1,
              let p = firstGroup([MailQueueParser.regex("^messages in queue but not yet preprocessed: ([0-9]+)")], lines[1]),
              let u = Int(p) else { throw MailQueueFormatError() }
        summary.unpreprocessed = u
        return summary
    }

    /// exim's `mailq` (`exim -bp`): one message per line holding an id
    /// such as `1aBcDe-000FgH-Ij`.
    public func exim(_ output: [UInt8]) -> MailQueueSummary {
        let w = MailQueueParser.word, s = MailQueueParser.space
        let id = MailQueueParser.regex("\(s)\(w){6}-\(w){6}-\(w){2}\(s)")
        var summary = MailQueueSummary()
        for line in MailQueueParser.perlLines(output) where id?.matches(line) ?? false { summary.messages += 1 }
        return summary
    }

    /// nullmailer's `mailq`: one `YYYY-MM-DD HH:MM:SS N bytes …` line per message.
    public func nullmailer(_ output: [UInt8]) -> MailQueueSummary {
        let s = MailQueueParser.space
        let entry = MailQueueParser.regex("^[0-9]{4}-[0-9]{2}-[0-9]{2}\(s)+[0-9]{2}:[0-9]{2}:[0-9]{2}\(s)+[0-9]+\(s)bytes")
        var summary = MailQueueSummary()
        for line in MailQueueParser.perlLines(output) where entry?.matches(line) ?? false { summary.messages += 1 }
        return summary
    }

    /// The first group of the first expression in `list` that matches.
    private func firstGroup(_ list: [PosixRegex?], _ line: [UInt8]) -> String? {
        for r in list {
            if let groups = r?.groups(line) { return groups.first ?? nil }
        }
        return nil
    }
}

/// What a check hands to ``PluginMain``: a state and the text Nagios shows.
///
/// Rendered as Nagios expects: the summary on the first line, perfdata after
/// a `|` on that same line (as the 2.3.3 plugins print it), then any long
/// output lines.
public struct CheckResult: Sendable, Equatable {
    public var status: Status
    /// The first line exactly as printed, e.g. `PROCS OK: 95 processes`.
    public var summary: String
    public var perfdata: [PerfDatum]
    public var longOutput: [String]
    /// What stands between the summary and the perfdata: `" | "` for most
    /// plugins, `"|"` for those that print none (check_load).
    public var separator: String

    public init(status: Status, summary: String, perfdata: [PerfDatum] = [], longOutput: [String] = [],
                separator: String = " | ") {
        self.status = status
        self.summary = summary
        self.perfdata = perfdata
        self.longOutput = longOutput
        self.separator = separator
    }

    /// The complete standard output, ending in a newline.
    public var rendered: String {
        var s = summary
        if !perfdata.isEmpty { s += separator + perfdata.perfdataText }
        s += "\n"
        for line in longOutput { s += line + "\n" }
        return s
    }
}

/// Splits plugin output the way Nagios Core does: the text before the first
/// `|` of line one is the summary; later lines are long output up to the
/// first line holding a `|`, after which everything is perfdata.
public struct PluginOutput: Sendable, Equatable {
    public var summary: String
    public var longOutput: [String]
    /// All perfdata, first-line and later-line parts joined by a space.
    public var perfdata: String

    public init(parsing text: String) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
            line.last == "\r" ? line.dropLast() : line
        }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        var perf: [Substring] = []
        let first = lines.first ?? ""
        if let bar = first.firstIndex(of: "|") {
            summary = String(first[..<bar]).trimmingTrailingSpaces()
            perf.append(first[first.index(after: bar)...])
        } else {
            summary = String(first)
        }
        var long: [String] = []
        var inPerf = false
        for line in lines.dropFirst() {
            if inPerf {
                perf.append(line)
            } else if let bar = line.firstIndex(of: "|") {
                let before = line[..<bar]
                if !before.isEmpty { long.append(String(before)) }
                perf.append(line[line.index(after: bar)...])
                inPerf = true
            } else {
                long.append(String(line))
            }
        }
        longOutput = long
        perfdata = perf.map { $0.trimmingSpaces() }.filter { !$0.isEmpty }.joined(separator: " ")
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }

    func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}

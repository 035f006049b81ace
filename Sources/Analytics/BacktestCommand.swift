import NagiosPlugin

// The `backtest` subcommand's logic: replay NAB-style CSVs through the
// production pipeline (learner + Nagios state machine) and write the rows
// where a notification would have been sent.

/// What a backtest run did.
public struct BacktestSummary: Sendable, Hashable {
    public var files: Int
    public var rows: Int
    public var notifications: Int

    public init(files: Int = 0, rows: Int = 0, notifications: Int = 0) {
        self.files = files
        self.rows = rows
        self.notifications = notifications
    }
}

extension Backtest {
    /// For each relative path listed in `filesList` (one per line; blank
    /// lines and `#` comments ignored), reads `dataDir/<path>` (CSV
    /// `timestamp,value`) and writes `outDir/<path>` with the columns
    /// `timestamp,value,anomaly_score`.
    /// With `traceDir`, also writes `traceDir/<path>` with each row's
    /// limits in force and check_baseline's verdict (columns `timestamp,
    /// value,wl,wh,cl,ch,expected,own,status,notify,why`; a limit or the
    /// expected value is empty when absent; `why` names what raised the
    /// status above `own`).
    public static func backtestCommand(dataDir: String, filesList: String, outDir: String,
                                       configuration: BacktestConfiguration = BacktestConfiguration(),
                                       traceDir: String? = nil)
        throws(BacktestError) -> BacktestSummary
    {
        let list = try TextFile.read(filesList)
        var summary = BacktestSummary()
        for line in list.split(whereSeparator: \.isNewline) {
            let path = line.trimmingSpaces()
            if path.isEmpty || path.hasPrefix("#") { continue }
            let input = dataDir + "/" + path
            let text = try TextFile.read(input)
            let rows = try BacktestCSV.parse(text, file: input)
            var traceText = "timestamp,value,wl,wh,cl,ch,expected,own,status,notify,why\n"
            var index = 0
            let scores = run(rows, configuration: configuration, trace: traceDir == nil ? nil : { t in
                func f(_ d: Double?) -> String { d.map { "\($0)" } ?? "" }
                let l = t.limits
                traceText += "\(rows[index].timestampText),\(rows[index].valueText),\(f(l?.warningLow)),"
                traceText += "\(f(l?.warningHigh)),\(f(l?.criticalLow)),\(f(l?.criticalHigh)),\(f(l?.expected)),"
                traceText += "\(t.verdict?.own.rawValue ?? 0),\(t.verdict?.status.rawValue ?? 0),\(t.notified ? 1 : 0),"
                traceText += "\(t.verdict.map(Self.reason) ?? "")\n"
                index += 1
            })
            if let traceDir {
                let target = traceDir + "/" + path
                try TextFile.makeParentDirectories(of: target)
                try TextFile.write(traceText, to: target)
            }
            var out = "timestamp,value,anomaly_score\n"
            out.reserveCapacity(text.utf8.count + rows.count * 3)
            for (r, s) in zip(rows, scores) {
                out += r.timestampText
                out += ","
                out += r.valueText
                out += s ? ",1\n" : ",0\n"
                if s { summary.notifications += 1 }
            }
            let target = outDir + "/" + path
            try TextFile.makeParentDirectories(of: target)
            try TextFile.write(out, to: target)
            summary.files += 1
            summary.rows += rows.count
        }
        return summary
    }
}

extension Backtest {
    /// What raised a verdict above the value's own state, for `--trace`:
    /// `burst`, `spike` (latched), `shift`, `hold` (CRITICAL held),
    /// `recovery`, or empty.
    static func reason(_ v: SpikeLatch.Verdict) -> String {
        if v.burst != nil { return "burst" }
        if v.latchedBy != nil { return "spike" }
        if v.shift != nil { return "shift" }
        if v.heldSince != nil { return "hold" }
        if v.recoveringFrom != nil { return "recovery" }
        return ""
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        var s = self[...]
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}

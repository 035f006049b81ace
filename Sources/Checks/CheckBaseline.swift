#if canImport(Glibc)
import Glibc
#endif
import NagiosPlugin

/// `check_baseline`: judges a value against the band its time-of-week
/// profile (written by `vigil-analytics analyze --profiles`) says is
/// normal *now*, which a static `-w`/`-c` cannot follow.
///
/// - Wrapping: `check_baseline -p PROFILE -- /path/check_x ARGS…` runs the
///   plugin, evaluates its perfdata labels that have a profile, and ends
///   with the worse of the plugin's state and the baseline's (the plugin's
///   output and perfdata are kept; a changed state is explained in front).
/// - RRD: `check_baseline -p PROFILE` without a plugin reads the latest
///   value of the profile's RRD data source itself (optionally after an
///   rrdcached `FLUSH`).
///
/// Both judge with the shared `SpikeLatch` (the evaluator the analytics
/// backtest scores): one value far beyond the critical limit keeps the
/// result CRITICAL for the next `--latch` checks, so that Nagios reaches a
/// hard state, a CRITICAL is held until a check is OK, and a hard problem
/// ends only after `--recovery` + 1 OK checks in a row. RRD mode looks
/// back over the RRD's last rows; wrapping mode remembers both in
/// `--state-file`.
public enum CheckBaseline {
    public static let info = PluginInfo(
        name: "check_baseline",
        usage: """
         check_baseline -p PROFILE [-p PROFILE…] [-b] [-s STATEFILE] [-l N] [-k K] [-R N] [-T TIME] [-t timeout] -- /path/to/plugin [args…]
         check_baseline -p PROFILE [-r RRD] [-d DS] [-D ADDRESS] [-a SECONDS] [-l N] [-k K] [-R N] [-T TIME]
        """,
        description: """
        Compares a metric with the band that is normal for this hour of the
        week, as learned by vigil-analytics. Either wraps another plugin and
        checks the perfdata it prints, or reads the latest value from the
        metric's RRD file.
        """,
        options: """
         -p, --profile=FILE|DIR
            A profile written by 'vigil-analytics analyze --profiles', or a
            directory of them (every *.profile in it). May be repeated. Each
            profile names the perfdata label it applies to.
         -b, --baseline-only
            Wrapping: the state comes from the profiles alone when at least one
            label was evaluated (the plugin's UNKNOWN is always kept). Without
            it the result is the worse of the plugin's state and the baseline's.
         -t, --timeout=INTEGER[:STATE]
            Seconds before the wrapped plugin is killed (default: 10); STATE is
            the result then (default: UNKNOWN).
         -r, --rrd=FILE
            RRD mode: the file to read (default: the one named in the profile).
         -d, --ds=NAME
            RRD mode: the data source (default: the one named in the profile).
         -D, --daemon=ADDRESS
            RRD mode: rrdcached address (unix:/path, /path or host[:port]) to
            FLUSH the file through before reading it.
         -a, --max-age=SECONDS
            RRD mode: a latest value older than this is UNKNOWN (default: three
            steps of the archive read, at least 900).
         -s, --state-file=FILE
            Wrapping: where the spike latch remembers an extreme value, a
            held CRITICAL and the recent checks (for the profile's shift and
            burst checks) between runs (one file per service; without it only
            the latest value is judged).
         -l, --latch=N
            Checks after an extreme value that stay at its state (default: \(SpikeLatch.defaultLength);
            0 turns the latch off). Use max_check_attempts - 1.
         -k, --spike-factor=K
            A value is extreme when it lies beyond the critical limit by at
            least K times the gap between the warning and critical limits
            (default: \(NumberFormat.shortest(SpikeLatch.defaultFactor))).
         -n, --no-hold
            Do not hold CRITICAL while the value stays outside the warning
            limits (by default a CRITICAL ends only with an OK check).
         -R, --recovery=N
            After a hard problem (--latch + 1 checks in a row not OK), the next
            N OK checks still report it: the problem ends at the N+1-th OK
            check in a row, so a value crossing a limit back and forth is one
            problem (default: \(SpikeLatch.defaultRecoveryChecks); 0 turns it off).
         -T, --time=UNIXTIME
            Judge as if it were this time (default: now).
        """,
        notes: """
        Examples:
         check_baseline -p /var/lib/vigil/profiles/web01/Load -- /usr/lib/nagios/plugins/check_load -w 20 -c 40
            Runs check_load with loose static limits and also holds load1, load5
            and load15 to the band learned for this hour.
         check_baseline -p /var/lib/vigil/profiles/web01/Load/load1.profile
            Reads load1's latest value from its RRD and judges it.

        In Nagios, pass the profile directory the generated template defines:
         check_baseline -p $_SERVICEVIGIL_PROFILES$ -- /usr/lib/nagios/plugins/check_load ...
        """
    )

    static let options = OptionParser([
        OptionSpec("h", "help"), OptionSpec("V", "version"),
        OptionSpec("p", "profile", .required), OptionSpec("b", "baseline-only"),
        OptionSpec("t", "timeout", .required), OptionSpec("r", "rrd", .required),
        OptionSpec("d", "ds", .required), OptionSpec("D", "daemon", .required),
        OptionSpec("a", "max-age", .required), OptionSpec("T", "time", .required),
        OptionSpec("s", "state-file", .required), OptionSpec("l", "latch", .required),
        OptionSpec("k", "spike-factor", .required), OptionSpec("n", "no-hold"),
        OptionSpec("R", "recovery", .required),
    ], stopAtFirstOperand: true)

    public struct Configuration: Sendable, Equatable {
        public var profiles: [String] = []
        public var baselineOnly = false
        public var timeoutSeconds: UInt32 = Timeout.defaultSeconds
        public var timeoutState: Status = .unknown
        public var rrdPath: String?
        public var dataSource: String?
        public var daemon: String?
        public var maxAge: Int64?
        public var time: Int64?
        /// Wrapping: the spike latch's memory between runs.
        public var stateFile: String?
        public var latchLength = SpikeLatch.defaultLength
        public var spikeFactor = SpikeLatch.defaultFactor
        public var holdCritical = SpikeLatch.defaultHoldsCritical
        public var recoveryChecks = SpikeLatch.defaultRecoveryChecks
        /// The wrapped plugin and its arguments; empty in RRD mode.
        public var command: [String] = []
    }

    public static func main(_ arguments: [String]) -> Never {
        PluginMain.run(info) { () throws(PluginError) in
            let config: Configuration
            switch try configure(arguments) {
            case .exit(let exit): return exit
            case .run(let c): config = c
            }
            // Wrapping: a missing profile only means no baseline (the metric
            // is not learned yet, or no longer); the plugin still decides.
            let wrapping = !config.command.isEmpty
            var profiles: [BaselineProfile] = []
            for p in config.profiles { profiles += try BaselineProfile.load(p, missingIsEmpty: wrapping) }
            let now = config.time ?? Int64(time(nil))
            if !wrapping {
                guard !profiles.isEmpty else { throw .unknown("No profile found in \(config.profiles.joined(separator: ", "))") }
                return try evaluateRRD(profiles, config: config, now: now)
            }
            Timeout.arm(seconds: config.timeoutSeconds, state: config.timeoutState)
            let output: Command.Output
            do {
                output = try Command(path: config.command[0], arguments: Array(config.command.dropFirst())).run()
            } catch {
                throw .unknown("Cannot run \(config.command[0]): \(error)")
            }
            Timeout.disarm()
            if !output.stderr.isEmpty { StandardStream.error.write(String(decoding: output.stderr, as: UTF8.self)) }
            return try evaluateWrapped(output, profiles: profiles, config: config, now: now)
        }
    }


    public static func configure(_ arguments: [String]) throws(PluginError) -> Invocation<Configuration> {
        let parsed: ParsedArguments
        do { parsed = try options.parse(arguments) } catch { throw PluginError(error) }
        var config = Configuration()
        for option in parsed.options {
            let value = option.value ?? ""
            switch option.key {
            case "help": return .exit(.text(info.helpText, .unknown))
            case "version": return .exit(.text(info.versionLine, .unknown))
            case "profile": config.profiles.append(value)
            case "baseline-only": config.baselineOnly = true
            case "timeout":
                let (seconds, state) = try Timeout.parse(value, defaultState: .unknown)
                config.timeoutSeconds = seconds
                config.timeoutState = state
            case "rrd": config.rrdPath = value
            case "ds": config.dataSource = value
            case "daemon": config.daemon = value
            case "max-age":
                guard let v = Int64(value), v > 0 else { throw .usage("--max-age must be a positive number of seconds - \(value)") }
                config.maxAge = v
            case "time":
                guard let v = Int64(value) else { throw .usage("--time must be a Unix time in seconds - \(value)") }
                config.time = v
            case "state-file":
                guard !value.isEmpty else { throw .usage("--state-file needs a file name") }
                config.stateFile = value
            case "latch":
                guard let v = Int(value), v >= 0, v <= 100 else { throw .usage("--latch must be a number of checks (0-100) - \(value)") }
                config.latchLength = v
            case "spike-factor":
                guard let v = NumberFormat.parseStrict(value), v.isFinite, v >= 0 else {
                    throw .usage("--spike-factor must be a non-negative number - \(value)")
                }
                config.spikeFactor = v
            case "no-hold": config.holdCritical = false
            case "recovery":
                guard let v = Int(value), v >= 0, v <= 1000 else {
                    throw .usage("--recovery must be a number of checks (0-1000) - \(value)")
                }
                config.recoveryChecks = v
            default: break
            }
        }
        if config.profiles.isEmpty { throw .usage("At least one --profile is required") }
        config.command = parsed.operands
        if let program = config.command.first, !(program.hasPrefix("/") || program.hasPrefix("./")) {
            throw .usage("Require path to command")
        }
        if !config.command.isEmpty && (config.rrdPath != nil || config.dataSource != nil || config.daemon != nil) {
            throw .usage("--rrd, --ds and --daemon are for RRD mode (no wrapped plugin)")
        }
        if config.command.isEmpty && config.stateFile != nil {
            throw .usage("--state-file is for wrapping mode (RRD mode reads the recent values from the RRD)")
        }
        return .run(config)
    }

    /// One label judged against its band.
    public struct Judgement: Sendable, Equatable {
        public var label: String
        public var value: Double
        public var uom: String
        public var band: BaselineProfile.Band
        public var hour: Int?
        /// The spike latch's verdict on this check (`verdict.status` is what
        /// is reported, `verdict.own` the value's own state against the band).
        public var verdict: SpikeLatch.Verdict
        /// The latch after this check (the extreme value in force, its length
        /// and the recovery hold); `nil` for `@` ranges, which it does not judge.
        public var latch: SpikeLatch?
        /// The profile's UTC offset, for the spike's time of day.
        public var utcOffsetSeconds = 0
        /// The profile's burst limit (`burst N K`: K), for the explanation.
        public var burstLimit: Int?

        /// What is reported.
        public var status: Status { verdict.status }

        public init(label: String, value: Double, uom: String, band: BaselineProfile.Band, hour: Int?,
                    verdict: SpikeLatch.Verdict, latch: SpikeLatch? = nil) {
            self.label = label
            self.value = value
            self.uom = uom
            self.band = band
            self.hour = hour
            self.verdict = verdict
            self.latch = latch
        }

        /// `load1 is 5.2, above ~:4.8 (critical for Tue 14:00-15:00)`; a
        /// latched result names the spike first: `load1 spiked to 45 on Mon
        /// 16:05, 2 checks ago, beyond the critical limit 4.8; now 1.2, within …`.
        public var text: String {
            let v = NumberFormat.shortest(value) + uom
            let when = hour.map { " for " + BaselineProfile.hourText($0) } ?? ""
            let ownText: String
            switch verdict.own {
            case .critical: ownText = "\(v), outside \(band.critical ?? "") (critical\(when))"
            case .warning: ownText = "\(v), outside \(band.warning ?? "") (warning\(when))"
            default:
                let ranges = [band.warning, band.critical].compactMap { $0 }.joined(separator: " / ")
                ownText = "\(v), within \(ranges.isEmpty ? "no limits" : ranges)\(when)"
            }
            if let s = verdict.latchedBy {
                let ago = s.checksAgo == 1 ? "1 check ago" : "\(s.checksAgo) checks ago"
                return "\(label) spiked to \(NumberFormat.shortest(s.value) + uom) on \(BaselineProfile.minuteText(s.time, utcOffsetSeconds: utcOffsetSeconds)), \(ago), "
                    + "beyond the \(s.status == .critical ? "critical" : "warning") limit \(NumberFormat.shortest(s.limit)); now \(ownText)"
            }
            if let h = verdict.heldSince {
                let ago = h.checksAgo == 1 ? "1 check ago" : "\(h.checksAgo) checks ago"
                return "\(label) is \(ownText); critical since \(BaselineProfile.minuteText(h.time, utcOffsetSeconds: utcOffsetSeconds)) "
                    + "(\(NumberFormat.shortest(h.value) + uom), \(ago)) and not back within \(band.warning ?? "the band") since"
            }
            if let p = verdict.recoveringFrom {
                let needed = (latch?.recoveryChecks ?? 0) + 1
                return "\(label) is \(ownText); \(p.status == .critical ? "critical" : "warning") until "
                    + "\(BaselineProfile.minuteText(p.time, utcOffsetSeconds: utcOffsetSeconds)) "
                    + "(\(NumberFormat.shortest(p.value) + uom)), ends after \(needed) OK checks in a row (\(p.checksAgo) so far)"
            }
            if let count = verdict.burst, let latch {
                return "\(label) is \(ownText); \(count) of the last \(latch.burstChecks) checks outside the warning "
                    + "limits (at most \(burstLimit ?? count - 1) normally), held for the next \(latch.length == 1 ? "check" : "\(latch.length) checks")"
            }
            if let mean = verdict.shift, let latch {
                let side = mean > 0 ? "above" : "below"
                return "\(label) is \(ownText); the last \(latch.shiftChecks) checks are \(NumberFormat.formatDouble("%.4g", abs(mean)) + uom) "
                    + "\(side) \(band.expected.map { "the expected " + NumberFormat.shortest($0) + uom } ?? "the expected value") "
                    + "on average (a shift)"
            }
            if let latch, let s = latch.spike, s.checksAgo == 0, latch.length > 0 {
                let held = latch.length == 1 ? "the next check" : "the next \(latch.length) checks"
                return "\(label) is \(ownText); extreme, held for \(held)"
            }
            return "\(label) is \(ownText)"
        }
    }

    /// Judges a value (in `uom`) against a profile at a time; `nil` if the
    /// units cannot be compared.
    public static func judge(_ profile: BaselineProfile, value: Double, uom: String, at time: Int64) -> Judgement? {
        var latch = SpikeLatch(length: 0)
        return judge(profile, value: value, uom: uom, at: time, latch: &latch)
    }

    /// Same, as the next check of a spike latch (checks in time order): the
    /// status is held at an earlier extreme value's for `latch.length` checks.
    public static func judge(_ profile: BaselineProfile, value: Double, uom: String, at time: Int64,
                             latch: inout SpikeLatch) -> Judgement? {
        guard let scaled = convert(value, from: uom, to: profile.uom) else { return nil }
        let (band, hour) = profile.band(at: time)
        // The ranges were validated when the profile was read.
        let thresholds = (try? Thresholds(warning: band.warning, critical: band.critical)) ?? Thresholds()
        func judgement(_ verdict: SpikeLatch.Verdict, _ latch: SpikeLatch?) -> Judgement {
            var j = Judgement(label: profile.label, value: scaled, uom: profile.uom, band: band, hour: hour,
                              verdict: verdict, latch: latch)
            j.utcOffsetSeconds = profile.utcOffsetSeconds
            j.burstLimit = profile.burstLimit
            return j
        }
        // `@` ranges have no "beyond": judged as plain Nagios ranges.
        guard var limits = BandLimits(thresholds) else {
            let own = thresholds.status(of: scaled)
            return judgement(SpikeLatch.Verdict(own: own, status: own), nil)
        }
        limits.spikeHigh = profile.spikeHigh
        limits.spikeLow = profile.spikeLow
        limits.expected = band.expected
        limits.shiftHigh = profile.shiftHigh
        limits.shiftLow = profile.shiftLow
        limits.burstLimit = profile.burstLimit
        latch.shiftChecks = profile.shiftChecks
        latch.burstChecks = profile.burstChecks
        let verdict = latch.judge(scaled, limits: limits, at: time)
        return judgement(verdict, latch)
    }

    /// Unit conversions between the spellings plugins use for the same
    /// quantity (time; bytes with 1024 steps, as check_disk counts).
    static func convert(_ value: Double, from: String, to: String) -> Double? {
        if from == to { return value }
        let time: [String: Double] = ["s": 1, "ms": 1e-3, "us": 1e-6]
        let bytes: [String: Double] = ["B": 1, "KB": 1024, "MB": 1_048_576, "GB": 1_073_741_824, "TB": 1_099_511_627_776]
        for family in [time, bytes] {
            if let a = family[from], let b = family[to] { return value * a / b }
        }
        return nil
    }

    /// Wrapping mode: the plugin's output with the baseline's verdict.
    public static func evaluateWrapped(_ output: Command.Output, profiles: [BaselineProfile], config: Configuration,
                                       now: Int64) throws(PluginError) -> PluginExit {
        let lines = output.stdout.lines
        let original = Status(rawValue: output.exitCode) ?? .unknown
        if lines.isEmpty {
            return .text("No data returned from command\n", original.worst(.unknown))
        }
        let parsed = PluginOutput(parsing: lines.joined(separator: "\n"))
        let items = PerfdataParser.parse(parsed.perfdata).items
        var judgements: [Judgement] = []
        var notes: [String] = []
        let saved = config.stateFile.map { BaselineLatchState.load($0) } ?? [:]
        var state = saved
        for profile in profiles {
            guard let item = items.first(where: { $0.label == profile.label }) else {
                notes.append("no perfdata '\(profile.label)'")
                continue
            }
            guard let value = item.value else {
                notes.append("'\(profile.label)' is U")
                continue
            }
            // Without a state file there is no memory: the latest value only.
            let memory = saved[profile.label]
            var latch = SpikeLatch(factor: config.spikeFactor, length: config.stateFile == nil ? 0 : config.latchLength,
                                   holdsCritical: config.stateFile != nil && config.holdCritical,
                                   spike: memory?.spike, criticalSince: memory?.criticalSince,
                                   recoveryChecks: config.stateFile == nil ? 0 : config.recoveryChecks,
                                   problem: memory?.problem, nonOKRun: memory?.nonOKRun ?? 0,
                                   recentResiduals: config.stateFile == nil ? [] : memory?.residuals ?? [],
                                   recentOutside: config.stateFile == nil ? 0 : memory?.outside ?? 0)
            guard let j = judge(profile, value: value, uom: item.uom, at: now, latch: &latch) else {
                notes.append("'\(profile.label)' is in \(item.uom.isEmpty ? "no unit" : item.uom), the profile in \(profile.uom.isEmpty ? "no unit" : profile.uom)")
                continue
            }
            let kept = BaselineLatchState.Memory(spike: latch.spike, criticalSince: latch.criticalSince,
                                                 problem: latch.problem, nonOKRun: latch.nonOKRun,
                                                 residuals: latch.recentResiduals, outside: latch.recentOutside)
            state[profile.label] = kept.isEmpty ? nil : kept
            judgements.append(j)
        }
        if let file = config.stateFile, state != saved {
            try BaselineLatchState.save(state, to: file)
        }
        let baseline = Status.worst(of: judgements.map(\.status))
        var final = original.worst(baseline)
        if config.baselineOnly && original != .unknown && !judgements.isEmpty { final = baseline }
        guard final != original else { return .text(lines.map { $0 + "\n" }.joined(), original) }
        var reasons = judgements.filter { $0.status == baseline }.map(\.text)
        if reasons.isEmpty { reasons = judgements.map(\.text) }
        reasons += notes
        var text = "BASELINE \(final.label) - \(reasons.joined(separator: ", ")); plugin said: \(lines[0])\n"
        for line in lines.dropFirst() { text += line + "\n" }
        return .text(text, final)
    }

    /// RRD mode: rows read back to replay a held CRITICAL (a CRITICAL that
    /// began earlier, with only WARNING rows since, is no longer held).
    public static let holdLookbackRows = 12

    /// RRD mode: the rows replayed before the latest one, enough for the
    /// latch, the held CRITICAL and a hard problem's recovery.
    static func lookbackRows(_ config: Configuration, profile: BaselineProfile? = nil) -> Int {
        var rows = max(config.latchLength + 1, config.holdCritical ? holdLookbackRows : 1)
        // The shift and burst windows, and a burst's latch after them.
        if let p = profile { rows = max(rows, p.shiftChecks, p.burstChecks + config.latchLength) }
        if config.recoveryChecks > 0 {
            rows = max(rows, config.recoveryChecks + config.latchLength + 2 + (config.holdCritical ? holdLookbackRows : 0))
        }
        return rows
    }

    /// RRD mode: each profile's latest value from its RRD.
    public static func evaluateRRD(_ profiles: [BaselineProfile], config: Configuration, now: Int64) throws(PluginError) -> PluginExit {
        if profiles.count > 1 && (config.rrdPath != nil || config.dataSource != nil) {
            throw .usage("--rrd and --ds need exactly one profile")
        }
        var judgements: [Judgement] = []
        var perfdata: [PerfDatum] = []
        for profile in profiles {
            guard let path = config.rrdPath ?? profile.rrdPath else {
                throw .unknown("Profile \(profile.path) names no RRD file: give --rrd or wrap a plugin")
            }
            guard let ds = config.dataSource ?? profile.dataSource else {
                throw .unknown("Profile \(profile.path) names no data source: give --ds")
            }
            if let daemon = config.daemon { try RRDCachedFlush.flush(address: daemon, path: path) }
            let step = Int64(profile.step ?? 300)
            let maxAge = config.maxAge ?? max(900, 3 * step)
            // The latest value and the rows before it that the spike latch
            // looks back over, each judged with the band of its own time.
            let recent = try RRDLatestValue.readRecent(path: path, dataSource: ds, oldest: now - maxAge,
                                                       rows: lookbackRows(config, profile: profile),
                                                       resolution: profile.step.map(Int64.init))
            guard let reading = recent.last else {
                throw .unknown("\(profile.label): no value in \(path) (\(ds)) during the last \(maxAge) seconds")
            }
            var latch = SpikeLatch(factor: config.spikeFactor, length: config.latchLength,
                                   holdsCritical: config.holdCritical, recoveryChecks: config.recoveryChecks)
            for earlier in recent.dropLast() {
                _ = judge(profile, value: earlier.value, uom: profile.uom, at: earlier.time, latch: &latch)
            }
            guard let j = judge(profile, value: reading.value, uom: profile.uom, at: now, latch: &latch) else { continue }
            judgements.append(j)
            let uom = PerfDatum.isValidUOM(profile.uom) ? profile.uom : ""
            if let d = try? PerfDatum(label: profile.label, value: NumberFormat.shortest(reading.value), uom: uom,
                                      warning: j.band.warning, critical: j.band.critical) {
                perfdata.append(d)
            }
        }
        let state = Status.worst(of: judgements.map(\.status))
        let shown = judgements.filter { $0.status == state }.map(\.text)
        return .result(CheckResult(status: state, summary: "BASELINE \(state.label) - " + shown.joined(separator: ", "),
                                   perfdata: perfdata))
    }
}

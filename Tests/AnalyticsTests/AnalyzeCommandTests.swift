import Collector
import Foundation
import Logging
import RRD
import RRDTesting
import Testing
@testable import Analytics

struct AnalyzeCommandTests {
    static let userObjects = """
    define host {
        use                   generic-host
        host_name             web01
    }
    define host {
        use                   vigil:db1,generic-host
        host_name             db1
    }
    define host {
        use                   generic-host
        host_name             app 1
    }
    define service {
        use                   vigil:web01:PING,generic-service
        host_name             web01
        service_description   PING
        check_command         check_range_vigil!$_SERVICEVIGIL_RTA_WARN$
    }
    define service {
        use                   vigil:app 1:HTTP /api,generic-service
        host_name             app 1
        service_description   HTTP /api
        check_command         check_range_vigil!$_SERVICEVIGIL_TIME_CRIT$
    }

    """

    static let logger = Logger(label: "test")

    func options(_ tree: MixedTree, _ out: TemporaryDirectory, nagios: NagiosFixture? = nil) -> AnalyzeOptions {
        var o = AnalyzeOptions(rrdDirectories: [tree.directory.file("pnp"), tree.directory.file("collector"),
                                                tree.directory.file("plain")])
        o.nagiosConfig = nagios?.generated ?? out.file("vigil.cfg")
        o.validateWith = nagios?.mainConfig
        o.nagiosBinary = NagiosFixture.binary
        o.icinga2Config = out.file("vigil.conf")
        o.profileDirectory = out.file("profiles")
        o.reportDirectory = out.file("report")
        o.now = RRDFixture.now
        o.jobs = 2
        return o
    }

    @Test func analyzesEveryKindOfTreeAndWritesEveryOutput() throws {
        let tree = try MixedTree(spike: 80)
        defer { tree.directory.remove() }
        let out = try TemporaryDirectory("vigil-out")
        defer { out.remove() }
        let nagios = try NagiosFixture(objects: Self.userObjects)
        defer { nagios.directory.remove() }
        let outcome = try AnalyzeCommand.run(options(tree, out, nagios: nagios), logger: Self.logger)
        #expect(outcome.messages == [])
        #expect(!outcome.configurationRejected)
        #expect(outcome.files == 8)
        let ids = outcome.metrics.map(\.analysis.id.description)
        #expect(ids == ["app 1/HTTP /api/size", "app 1/HTTP /api/time", "app 1/HTTP /api/used space", "app 1/PING/pl",
                        "app 1/PING/rta", "db1//rta", "db1/Disk & /var//var", "edge7/cpu-0/cpu-idle/value",
                        "edge7/uptime/value", "web01/PING/pl", "web01/PING/rta"])
        let byID = Dictionary(uniqueKeysWithValues: outcome.metrics.map { ($0.analysis.id.description, $0) })
        // The spike in the last hour is found, and it is the most anomalous metric.
        let rta = try #require(byID["web01/PING/rta"]?.analysis)
        #expect(!rta.anomalies.isEmpty)
        #expect(outcome.metrics.allSatisfy { $0.analysis.anomalyScore <= rta.anomalyScore })
        // Units and min/max came from the XML and the collector's sidecar.
        #expect(rta.uom == "ms")
        #expect(byID["app 1/HTTP /api/time"]?.analysis.uom == "s")
        #expect(byID["app 1/HTTP /api/used space"]?.analysis.uom == "%")
        #expect(byID["app 1/PING/rta"]?.analysis.uom == "ms")
        #expect(byID["web01/PING/pl"]?.analysis.uom == "%")
        // Cold start: no threshold, no profile.
        guard case .coldStart = try #require(byID["edge7/uptime/value"]).analysis.outcome else {
            Issue.record("uptime has one value and must be a cold start")
            return
        }
        #expect(byID["edge7/uptime/value"]?.profilePath == nil)

        // Nagios: replaced after `nagios4 -v` of the whole configuration.
        let cfg = try String(contentsOfFile: nagios.generated, encoding: .utf8)
        #expect(cfg.contains("name                            vigil:web01:PING\n"))
        #expect(try nagios.verify().status == 0)
        // Icinga 2: accepted by `icinga2 daemon -C`.
        let icinga = try IcingaFixture(objects: "object Host \"web01\" { check_command = \"dummy\" }\n")
        defer { icinga.directory.remove() }
        try FileManager.default.copyItem(atPath: out.file("vigil.conf"), toPath: icinga.generated)
        let checked = try icinga.check()
        #expect(checked.status == 0, "\(checked.stdout)")
        // Profiles: one per metric with thresholds, where check_baseline looks.
        let profile = ProfileStore.path(for: rta.id, in: out.file("profiles"))
        #expect(profile == out.file("profiles/web01/PING/rta.profile"))
        let text = try String(contentsOfFile: profile, encoding: .utf8)
        #expect(text.hasPrefix("vigil-profile 2\nhost web01\nservice PING\nlabel rta\nuom ms\n"))
        #expect(text.contains("\nrrd \(tree.directory.file("pnp/web01/PING.rrd"))\nds 1\nstep 300\n"))
        #expect(text.hasSuffix("end\n"))
        #expect(FileManager.default.fileExists(atPath: out.file("profiles/db1/@host/rta.profile")))
        // A collector service file: each label's profile names the file and its own data source.
        let service = tree.directory.file("collector/app%201/HTTP%20%2Fapi.rrd")
        for (label, ds) in [("time", "time"), ("used%20space", ServiceMetadata.dataSourceName(for: "used space"))] {
            let p = try String(contentsOfFile: out.file("profiles/app%201/HTTP%20%2Fapi/\(label).profile"), encoding: .utf8)
            #expect(p.contains("\nrrd \(service)\nds \(ds)\nstep 300\n"), "\(label)")
        }
        let oldLayout = try String(contentsOfFile: out.file("profiles/app%201/PING/rta.profile"), encoding: .utf8)
        #expect(oldLayout.contains("\nrrd \(tree.directory.file("collector/app%201/PING/rta.rrd"))\nds value\nstep 300\n"))
        #expect(FileManager.default.fileExists(atPath: out.file("profiles/db1/Disk%20%26%20%2Fvar/%2Fvar.profile")))
        // Report: every metric ranked, one graph each.
        let html = try String(contentsOfFile: out.file("report/index.html"), encoding: .utf8)
        #expect(html.components(separatedBy: "<svg ").count - 1 == 11)
        #expect(html.components(separatedBy: "<tr><td class=\"num\">").count
            + html.components(separatedBy: "<tr class=\"anomalous\"><td class=\"num\">").count - 2 == 11)
        let firstRow = try #require(html.range(of: "<td class=\"num\">1</td>"))
        #expect(html[firstRow.upperBound...].hasPrefix("<td>web01</td><td>PING</td><td><a href=\"#"))
    }

    /// When the user's configuration still uses a template the new output
    /// no longer has (its RRDs were deleted), `nagios4 -v` fails: the old
    /// file stays and the reason is reported. Stale profiles are removed.
    @Test func refusedConfigurationKeepsTheOldFile() throws {
        let tree = try MixedTree()
        defer { tree.directory.remove() }
        let out = try TemporaryDirectory("vigil-out")
        defer { out.remove() }
        let nagios = try NagiosFixture(objects: Self.userObjects)
        defer { nagios.directory.remove() }
        let first = try AnalyzeCommand.run(options(tree, out, nagios: nagios), logger: Self.logger)
        #expect(!first.configurationRejected)
        let before = try String(contentsOfFile: nagios.generated, encoding: .utf8)
        for f in ["PING.rrd", "PING.xml"] { try FileManager.default.removeItem(atPath: tree.directory.file("pnp/web01/" + f)) }
        let second = try AnalyzeCommand.run(options(tree, out, nagios: nagios), logger: Self.logger)
        #expect(second.configurationRejected)
        #expect(second.messages.first?.contains("\(nagios.generated) NOT replaced") == true)
        #expect(second.messages.contains { $0.contains("Template 'vigil:web01:PING'") }, "\(second.messages)")
        #expect(try String(contentsOfFile: nagios.generated, encoding: .utf8) == before)
        #expect(!FileManager.default.fileExists(atPath: out.file("profiles/web01/PING/rta.profile")))
        #expect(!FileManager.default.fileExists(atPath: out.file("profiles/web01")))
    }

    /// Two runs never write one profile directory at once (an overlapping
    /// cron run): the second says so and writes nothing. Profiles keep a
    /// spare from their second run on; a removed metric's goes with it.
    @Test func oneRunAtATimePerProfileDirectory() throws {
        let tree = try MixedTree(days: 8)
        defer { tree.directory.remove() }
        let out = try TemporaryDirectory("vigil-out")
        defer { out.remove() }
        var o = options(tree, out)
        o.icinga2Config = nil
        o.reportDirectory = nil
        _ = try AnalyzeCommand.run(o, logger: Self.logger)
        _ = try AnalyzeCommand.run(o, logger: Self.logger)
        let rta = out.file("profiles/web01/PING/rta.profile")
        #expect(FileManager.default.fileExists(atPath: AtomicReplace.sparePath(for: rta)))
        let lock = open(out.file("profiles/.vigil-analytics.lock"), O_RDWR)
        #expect(lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) == 0)
        let before = try String(contentsOfFile: o.nagiosConfig ?? "", encoding: .utf8)
        try FileManager.default.removeItem(atPath: rta)
        do {
            _ = try AnalyzeCommand.run(o, logger: Self.logger)
            Issue.record("ran while another run held the lock")
        } catch {
            #expect(error.description == "another vigil-analytics analyze is writing \(out.file("profiles")) "
                + "(it holds \(out.file("profiles/.vigil-analytics.lock"))); nothing written")
        }
        #expect(!FileManager.default.fileExists(atPath: rta))
        #expect(try String(contentsOfFile: o.nagiosConfig ?? "", encoding: .utf8) == before)
        close(lock)
        // Once the lock is released, the next run writes again; a metric
        // that is gone loses its profile and its spare.
        for f in ["PING.rrd", "PING.xml"] { try FileManager.default.removeItem(atPath: tree.directory.file("pnp/web01/" + f)) }
        let again = try AnalyzeCommand.run(o, logger: Self.logger)
        #expect(again.messages == [])
        #expect(!FileManager.default.fileExists(atPath: AtomicReplace.sparePath(for: rta)))
        #expect(!FileManager.default.fileExists(atPath: out.file("profiles/web01")))
        let kept = out.file("profiles/db1/@host/rta.profile")
        #expect(FileManager.default.fileExists(atPath: kept))
        #expect(FileManager.default.fileExists(atPath: AtomicReplace.sparePath(for: kept)))
    }

    /// Values still pending in rrdcached are invisible to librrd until the
    /// file is flushed: with `--daemon` the spike they hold is found.
    @Test func daemonFlushBeforeReading() throws {
        let daemon = try RRDCachedDaemon()
        defer { daemon.stop() }
        let path = daemon.baseDirectory + "/host1/svc/value.rrd"
        try RRDFixture.make(path, dataSources: ["value"], until: RRDFixture.now - 3600) { t, _ in
            RRDFixture.daily(t, base: 50, amplitude: 5)
        }
        let client = try RRDCachedClient(daemon.address)
        defer { client.close() }
        let pending = stride(from: RRDFixture.now - 3300, through: RRDFixture.now, by: 300).map { "\($0):500" }
        try client.update(path, values: pending)
        let out = try TemporaryDirectory("vigil-out")
        defer { out.remove() }
        var o = AnalyzeOptions(rrdDirectories: [daemon.baseDirectory])
        o.profileDirectory = out.file("profiles")
        o.now = RRDFixture.now
        let stale = try AnalyzeCommand.run(o, logger: Self.logger)
        #expect(stale.metrics.first?.analysis.anomalies == [], "without FLUSH the pending spike is not on disk yet")
        o.daemon = daemon.address
        let flushed = try AnalyzeCommand.run(o, logger: Self.logger)
        #expect(flushed.messages == [])
        #expect(flushed.metrics.first?.analysis.anomalies.isEmpty == false)
    }

    /// A wrong or unreachable input never replaces the thresholds with an
    /// empty file.
    @Test func nothingIsWrittenWithoutData() throws {
        let out = try TemporaryDirectory("vigil-out")
        defer { out.remove() }
        try "previous\n".write(toFile: out.file("vigil.cfg"), atomically: false, encoding: .utf8)
        var empty = AnalyzeOptions(rrdDirectories: [out.path])
        empty.nagiosConfig = out.file("vigil.cfg")
        #expect(throws: AnalyzeError.self) { try AnalyzeCommand.run(empty, logger: Self.logger) }
        let tree = try MixedTree(days: 1)
        defer { tree.directory.remove() }
        var unreachable = AnalyzeOptions(rrdDirectories: [tree.directory.file("plain")])
        unreachable.nagiosConfig = out.file("vigil.cfg")
        unreachable.daemon = "unix:" + out.file("no-such.sock")
        do {
            _ = try AnalyzeCommand.run(unreachable, logger: Self.logger)
            Issue.record("analysed without the daemon")
        } catch {
            #expect(error.description.hasPrefix("cannot reach rrdcached at unix:\(out.file("no-such.sock"))"))
        }
        #expect(try String(contentsOfFile: out.file("vigil.cfg"), encoding: .utf8) == "previous\n")
    }
}

/// The `readdir` walk behind the removal of stale profiles finds what
/// FileManager's enumerator finds (hidden entries too, not through links).
@Suite struct EntryWalkTests {
    @Test func sameEntriesAsFileManager() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let fm = FileManager.default
        for sub in ["a/b/c", "a/.hidden", "d", "e%20f/@host"] {
            try fm.createDirectory(atPath: dir.file(sub), withIntermediateDirectories: true)
        }
        for file in ["a/b/c/x.profile", "a/.hidden/.y.profile", "d/z.txt", "e%20f/@host/w.profile", "top.profile"] {
            #expect(fm.createFile(atPath: dir.file(file), contents: Data("1".utf8)))
        }
        try fm.createSymbolicLink(atPath: dir.file("link"), withDestinationPath: dir.file("a"))
        var walked: [String] = []
        forEachEntry(below: dir.path) { path, name in
            #expect(path.hasSuffix("/" + name))
            walked.append(String(path.dropFirst(dir.path.count + 1)))
            return true
        }
        let enumerated = try #require(fm.enumerator(atPath: dir.path)).compactMap { $0 as? String }
        #expect(walked.sorted() == enumerated.sorted())
        #expect(walked.contains("a/.hidden/.y.profile") && !walked.contains("link/b"))
    }
}

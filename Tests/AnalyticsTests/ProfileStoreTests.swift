import Foundation
import Testing
@testable import Analytics

/// The profile text built as bytes is the text built as a string.
@Suite struct ProfileStoreTests {
    /// Numbers of every spelling `ConfigNumber.render` has: the digit path,
    /// the `description` and `printf` paths (below 0.001, at and above
    /// 1e6), zeros, tiny values and infinities.
    private static func number(_ noise: inout Synthetic.Noise) -> Double {
        let specials: [Double] = [0, -0.0, 1e-16, -1e-300, 0.0005, -0.00012345678, 1e6, 999_999.5, 12_345_678.9,
                                  -2.5e15, 1e300, .infinity, -.infinity, .greatestFiniteMagnitude, 0.001, 1, 10]
        let u = noise.uniform()
        if u < 0.15 { return specials[Int(noise.uniform() * Double(specials.count)) % specials.count] }
        let magnitude = (1 + 9 * noise.uniform()) * pow(10, (noise.uniform() * 14).rounded(.down) - 7)
        return noise.uniform() < 0.4 ? -magnitude : magnitude
    }

    @Test func appendedNumbersMatchRender() {
        var noise = Synthetic.Noise(seed: 301)
        for _ in 0..<50_000 {
            let v = Self.number(&noise)
            var bytes: [UInt8] = []
            ConfigNumber.append(v, to: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == ConfigNumber.render(v), "\(v)")
        }
    }

    @Test func renderMatchesStringRendering() {
        var noise = Synthetic.Noise(seed: 302)
        func optional(_ p: Double) -> Double? { noise.uniform() < p ? nil : Self.number(&noise) }
        func band() -> ThresholdBand {
            var b = ThresholdBand(warningLow: optional(0.3), warningHigh: optional(0.3), criticalLow: optional(0.3),
                                  criticalHigh: optional(0.3))
            b.spikeHigh = optional(0.5)
            b.spikeLow = optional(0.5)
            b.expected = optional(0.4)
            b.shiftHigh = optional(0.5)
            b.shiftLow = optional(0.5)
            b.burstLimit = noise.uniform() < 0.5 ? nil : Int(noise.uniform() * 20)
            return b
        }
        let names = ["web01", "Über-host", "a\\b", "line\nbreak", "cr\rx", "", "load"]
        var rendered = 0
        for i in 0..<400 {
            let id = MetricID(host: names[i % names.count], service: names[(i / 7) % names.count],
                              label: names[(i / 3) % names.count])
            var analysis = MetricAnalysis(id: id, uom: i % 5 == 0 ? "ms" : "", direction: [.both, .high, .low][i % 3],
                                          outcome: i % 17 == 0 ? .coldStart(reason: "x") : .thresholds)
            if i % 4 != 1 { analysis.band = band() }
            if i % 3 != 0 {
                let buckets: [ThresholdBand?] = (0..<TimeOfWeekProfile.bucketsPerWeek).map { _ in
                    noise.uniform() < 0.2 ? nil : band()
                }
                analysis.profile = TimeOfWeekProfile(utcOffsetSeconds: i % 2 == 0 ? 0 : 3600, buckets: buckets)
            }
            analysis.shiftChecks = i % 6 == 0 ? 0 : 3
            analysis.burstChecks = i % 8 == 0 ? 0 : 16
            let rrd = i % 5 == 2 ? nil : RRDLocation(path: "/var/lib/vigil/\(id.host)/x.rrd", dataSource: "value",
                                                     step: 300)
            let generated = Int64(1_764_000_000 + i)
            let fast = ProfileStore.render(analysis, rrd: rrd, generated: generated)
            let slow = ProfileStore.renderText(analysis, rrd: rrd, generated: generated)
            #expect(fast == slow, "\(i)")
            if fast != nil { rendered += 1 }
        }
        #expect(rendered > 300)
    }
}

extension ProfileStore {
    /// `render` built as a string piece by piece (the straightforward
    /// version, which the tests compare it with).
    static func renderText(_ analysis: MetricAnalysis, rrd: RRDLocation?, generated: Int64) -> String? {
        guard case .thresholds = analysis.outcome else { return nil }
        let hours = analysis.profile?.buckets ?? []
        guard analysis.band != nil || hours.contains(where: { $0 != nil }) else { return nil }
        var s = ""
        s.reserveCapacity(512 + 48 * hours.count)
        s += "vigil-profile \(formatVersion)\n"
        s += "host \(escape(analysis.id.host))\n"
        s += "service \(escape(analysis.id.service))\n"
        s += "label \(escape(analysis.id.label))\n"
        s += "uom \(escape(analysis.uom))\n"
        s += "direction \(analysis.direction.rawValue)\n"
        s += "generated \(generated)\n"
        s += "utc-offset \(analysis.profile?.utcOffsetSeconds ?? 0)\n"
        if let rrd {
            s += "rrd \(escape(rrd.path))\n"
            s += "ds \(escape(rrd.dataSource))\n"
            s += "step \(rrd.step)\n"
        }
        s += "warn \(analysis.band?.warningRange ?? "-")\n"
        s += "crit \(analysis.band?.criticalRange ?? "-")\n"
        // The size of normal one-check spikes (same for every hour: the
        // bands differ only by their offset).
        let spikes = analysis.band ?? hours.compactMap { $0 }.first
        if let b = spikes, b.spikeHigh != nil || b.spikeLow != nil {
            s += "spike \(b.spikeHigh.map(ConfigNumber.render) ?? "-") \(b.spikeLow.map(ConfigNumber.render) ?? "-")\n"
        }
        // The shift limits are the same for every band that has an expected
        // value: the static band of a seasonal metric has none.
        let shifts = ([analysis.band] + hours).lazy.compactMap { $0 }.first {
            $0.shiftHigh != nil || $0.shiftLow != nil
        }
        if let b = shifts, analysis.shiftChecks > 0 {
            s += "shift \(analysis.shiftChecks) \(b.shiftHigh.map(ConfigNumber.render) ?? "-") "
            s += "\(b.shiftLow.map(ConfigNumber.render) ?? "-")\n"
        }
        if let b = spikes, analysis.burstChecks > 0, let k = b.burstLimit {
            s += "burst \(analysis.burstChecks) \(k)\n"
        }
        if let e = analysis.band?.expected { s += "expected \(ConfigNumber.render(e))\n" }
        if hours.count == TimeOfWeekProfile.bucketsPerWeek {
            // Appended piece by piece (no interpolated temporary per line).
            for (h, band) in hours.enumerated() {
                guard let band else { continue }
                s += "hour "
                s += String(h)
                s += " "
                s += band.warningRange ?? "-"
                s += " "
                s += band.criticalRange ?? "-"
                if let e = band.expected {
                    s += " "
                    s += ConfigNumber.render(e)
                }
                s += "\n"
            }
        }
        return s + "end\n"
    }
}

import Collector
import Testing

@Suite struct MetricPathTests {
    static let hostile: [[UInt8]] = [
        Array("web-01".utf8), Array("..".utf8), Array(".".utf8), Array("../etc/passwd".utf8), Array("/".utf8),
        Array("a/b".utf8), Array(".hidden".utf8), Array("Disk /var".utf8), Array("it's \"quoted\"".utf8),
        Array("Größe ☃".utf8), [0], [0xFF, 0xFE], Array("%2F".utf8), Array("@host".utf8), Array("a%".utf8),
        Array("x.rrd".utf8), Array("x.meta".utf8), Array("\n\t ".utf8), Array("A-Za_z.0-9".utf8),
    ]

    @Test(arguments: hostile)
    func encodingIsSafeAndReversible(name: [UInt8]) {
        let e = MetricPath.encode(name)
        #expect(!e.isEmpty)
        #expect(!e.contains("/"))
        #expect(e != "." && e != "..")
        #expect(!e.hasPrefix("."))
        #expect(e.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F })
        #expect(MetricPath.decode(e) == name)
    }

    @Test func encodingIsInjective() {
        let encoded = Set(Self.hostile.map(MetricPath.encode))
        #expect(encoded.count == Set(Self.hostile).count)
        #expect(!encoded.contains(MetricPath.hostDirectory))
    }

    @Test func examples() {
        #expect(MetricPath.encode(Array("Disk /var".utf8)) == "Disk%20%2Fvar")
        #expect(MetricPath.encode(Array("..".utf8)) == "%2E.")
        #expect(MetricPath.encode(Array("load1".utf8)) == "load1")
        #expect(MetricPath.encode(Array("a.b".utf8)) == "a.b")
        #expect(MetricPath.encode(Array("é".utf8)) == "%C3%A9")
    }

    @Test(arguments: ["", ".", "..", ".x", "a/b", "%2e", "%2", "%ZZ", "a b", "%41"])
    func decodeRejectsWhatEncodeNeverWrites(text: String) {
        #expect(MetricPath.decode(text) == nil)
    }

    @Test func relativePathsRoundTrip() throws {
        let m = MetricPath(host: Array("../h".utf8), service: Array("s/1".utf8), label: Array("'l'".utf8))
        let base = try m.relativeBase()
        #expect(base == "%2E.%2Fh/s%2F1/%27l%27")
        #expect(MetricPath.parse(relativePath: base + ".rrd") == m)
        let h = MetricPath(host: Array("h".utf8), service: nil, label: Array("rta".utf8))
        #expect(try h.relativeBase() == "h/@host/rta")
        #expect(MetricPath.parse(relativePath: "h/@host/rta.meta") == h)
        #expect(MetricPath.parse(relativePath: "h/x/y/z.rrd") == nil)
    }

    @Test func serviceFilePaths() throws {
        #expect(try MetricPath.relativeServiceBase(host: Array("../h".utf8), service: Array("s/1".utf8)) == "%2E.%2Fh/s%2F1")
        #expect(try MetricPath.relativeServiceBase(host: Array("h".utf8), service: nil) == "h/@host")
        // a service file lies beside the directory the same service's metric files had
        let m = MetricPath(host: Array("web 01".utf8), service: Array("Disk /var".utf8), label: Array("/var".utf8))
        #expect(try MetricPath.relativeDirectory(host: m.host, service: m.service)
                == MetricPath.relativeServiceBase(host: m.host, service: m.service) + "/")
        #expect(try m.relativeBase().hasPrefix(MetricPath.relativeServiceBase(host: m.host, service: m.service) + "/"))
        #expect(throws: MetricNameError.self) {
            try MetricPath.relativeServiceBase(host: Array("h".utf8), service: [UInt8](repeating: 0x20, count: 81))
        }
        #expect(throws: MetricNameError.self) { try MetricPath.relativeServiceBase(host: [], service: nil) }
    }

    @Test func tooLongOrEmptyNamesAreErrors() {
        let long = MetricPath(host: Array("h".utf8), service: Array("s".utf8), label: [UInt8](repeating: 0x41, count: 241))
        #expect(throws: MetricNameError.self) { try long.relativeBase() }
        let unicode = MetricPath(host: Array("h".utf8), service: Array("s".utf8), label: Array(String(repeating: "é", count: 41).utf8))
        #expect(throws: MetricNameError.self) { try unicode.relativeBase() }
        let empty = MetricPath(host: [], service: Array("s".utf8), label: Array("l".utf8))
        #expect(throws: MetricNameError.self) { try empty.relativeBase() }
        let ok = MetricPath(host: Array("h".utf8), service: Array("s".utf8), label: [UInt8](repeating: 0x41, count: 240))
        #expect((try? ok.relativeBase()) != nil)
    }
}

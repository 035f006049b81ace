@testable import Collector
import Testing

@Suite struct RecordParserTests {
    @Test func keyValueInAnyOrder() throws {
        let a = try RecordParser.parse(line: Array("DATATYPE::SERVICEPERFDATA\tTIMET::1700000040\tHOSTNAME::h\tSERVICEDESC::s\tSERVICEPERFDATA::a=1\tSERVICECHECKCOMMAND::c!1".utf8))
        let b = try RecordParser.parse(line: Array("SERVICECHECKCOMMAND::c!1\tSERVICEPERFDATA::a=1\tSERVICEDESC::s\tHOSTNAME::h\tTIMET::1700000040\tDATATYPE::SERVICEPERFDATA".utf8))
        #expect(a == b)
        #expect(a.time == 1_700_000_040)
        #expect(a.service == Array("s".utf8))
        #expect(a.checkCommand == Array("c!1".utf8))
        #expect(a.format == .keyValue)
    }

    @Test func hostRecordsAndFractionalTimes() throws {
        let r = try RecordParser.parse(line: Array("DATATYPE::HOSTPERFDATA\tTIMET::1700000040.25\tHOSTNAME::h\tHOSTPERFDATA::rta=1ms\tHOSTCHECKCOMMAND::hostalive\r".utf8))
        #expect(r.service == nil)
        #expect(r.time == 1_700_000_040.25)
        #expect(r.perfdata == Array("rta=1ms".utf8))
        #expect(r.checkCommand == Array("hostalive".utf8))
    }

    @Test func nagiosDefaultTemplates() throws {
        let s = try RecordParser.parse(line: Array("[SERVICEPERFDATA]\t1700000040\th\ts\t0.1\t0.2\tOK\twith tab\ta=1 b=2".utf8))
        #expect(s.format == .nagiosDefault)
        #expect(s.service == Array("s".utf8))
        #expect(s.perfdata == Array("a=1 b=2".utf8))
        let h = try RecordParser.parse(line: Array("[HOSTPERFDATA]\t1700000040\th\t0.1\tPING OK\trta=1ms".utf8))
        #expect(h.service == nil)
        #expect(h.perfdata == Array("rta=1ms".utf8))
    }

    @Test(arguments: [
        "junk", "DATATYPE::SERVICEPERFDATA\tHOSTNAME::h\tSERVICEDESC::s\tSERVICEPERFDATA::a=1",
        "DATATYPE::SERVICEPERFDATA\tTIMET::soon\tHOSTNAME::h\tSERVICEDESC::s\tSERVICEPERFDATA::a=1",
        "DATATYPE::SERVICEPERFDATA\tTIMET::-5\tHOSTNAME::h\tSERVICEDESC::s\tSERVICEPERFDATA::a=1",
        "DATATYPE::SERVICEPERFDATA\tTIMET::1e9\tHOSTNAME::h\tSERVICEDESC::s\tSERVICEPERFDATA::a=1",
        "DATATYPE::SERVICEPERFDATA\tTIMET::99\tHOSTNAME::h\tSERVICEDESC::s\tSERVICEPERFDATA::a=1",
        "DATATYPE::SERVICEPERFDATA\tTIMET::1700000040\tSERVICEDESC::s\tSERVICEPERFDATA::a=1",
        "DATATYPE::SERVICEPERFDATA\tTIMET::1700000040\tHOSTNAME::\tSERVICEDESC::s\tSERVICEPERFDATA::a=1",
        "DATATYPE::SERVICEPERFDATA\tTIMET::1700000040\tHOSTNAME::h\tSERVICEPERFDATA::a=1",
        "DATATYPE::SERVICEPERFDATA\tTIMET::1700000040\tHOSTNAME::h\tSERVICEDESC::s",
        "DATATYPE::SOMETHING\tTIMET::1700000040\tHOSTNAME::h\tSERVICEDESC::s\tSERVICEPERFDATA::a=1",
        "DATATYPE::SERVICEPERFDATA\tTIMET::1700000040\tTIMET::1700000041\tHOSTNAME::h\tSERVICEDESC::s\tSERVICEPERFDATA::a=1",
        "DATATYPE::SERVICEPERFDATA\tTIMET::1700000040\tHOSTNAME::h\tnot a field\tSERVICEDESC::s\tSERVICEPERFDATA::a=1",
        "[SERVICEPERFDATA]\t1700000040\th\ts\ta=1", "[HOSTPERFDATA]\tx\th\t0.1\tOK\ta=1",
    ])
    func badRecordsAreRejectedWithAReason(line: String) {
        do {
            _ = try RecordParser.parse(line: Array(line.utf8))
            Issue.record("accepted: \(line)")
        } catch {
            #expect(!error.reason.isEmpty)
        }
    }
}

/// `RecordParser.names(line:)`, the writer processes' quick look at a line,
/// must name the same host and service as the full parse wherever it names
/// any, so that exactly one process takes each record.
@Suite struct RecordNamesTests {
    static let lines: [String] = [
        "DATATYPE::SERVICEPERFDATA\tTIMET::1700000040\tHOSTNAME::h\tSERVICEDESC::s\tSERVICEPERFDATA::a=1",
        "SERVICEPERFDATA::a=1\tSERVICEDESC::Disk /var\tHOSTNAME::web 01\tTIMET::1700000040\tDATATYPE::SERVICEPERFDATA\r",
        "TIMET::1700000040\tHOSTNAME::h\tSERVICEDESC::s\tSERVICEPERFDATA::a=1", // no DATATYPE: a service record
        "TIMET::1700000040\tHOSTNAME::h\tHOSTPERFDATA::rta=1ms", // no DATATYPE, no SERVICEDESC: host
        "DATATYPE::HOSTPERFDATA\tTIMET::1700000040.25\tHOSTNAME::h\tSERVICEDESC::ignored\tHOSTPERFDATA::rta=1ms",
        "DATATYPE::SERVICEPERFDATA\tTIMET::1700000040\tHOSTNAME::h\t\tSERVICEDESC::s\tSERVICEPERFDATA::a=1\tOTHER::x",
        "[SERVICEPERFDATA]\t1700000040\th\ts\t0.1\t0.2\tOK\twith tab\ta=1 b=2",
        "[HOSTPERFDATA]\t1700000040\th\t0.1\tPING OK\trta=1ms",
        // the parse rejects these for other reasons than the names
        "DATATYPE::SERVICEPERFDATA\tTIMET::soon\tHOSTNAME::h\tSERVICEDESC::s\tSERVICEPERFDATA::a=1",
        "DATATYPE::SERVICEPERFDATA\tTIMET::1700000040\tHOSTNAME::h\tSERVICEDESC::s",
        // no names to be had quickly: the parse decides (and rejects)
        "junk", "", "DATATYPE::SERVICEPERFDATA\tTIMET::1700000040\tHOSTNAME::\tSERVICEDESC::s\tSERVICEPERFDATA::a=1",
        "DATATYPE::SERVICEPERFDATA\tTIMET::1700000040\tHOSTNAME::h\tSERVICEPERFDATA::a=1",
        "DATATYPE::SERVICEPERFDATA\tTIMET::1700000040\tHOSTNAME::h\tHOSTNAME::g\tSERVICEDESC::s\tSERVICEPERFDATA::a=1",
        "DATATYPE::CHECKRESULT\tTIMET::1700000040\tHOSTNAME::h\tSERVICEDESC::s\tSERVICEPERFDATA::a=1",
        "DATATYPE::SERVICEPERFDATA\tbroken field\tHOSTNAME::h\tSERVICEDESC::s\tSERVICEPERFDATA::a=1",
        "[SERVICEPERFDATA]\t1700000040\th\ts\t0.1", "[SERVICEPERFDATA]\t1700000040\th\t\t0.1\t0.2\tOK\ta=1",
        "[HOSTPERFDATA]\t1700000040\t\t0.1\tPING OK\trta=1ms",
    ]

    @Test(arguments: lines) func quickNamesAreTheParsedNames(line: String) {
        let bytes = Array(line.utf8)[...]
        let quick = RecordParser.names(line: bytes)
        let parsed = try? RecordParser.parse(line: bytes)
        if let quick {
            #expect(Array(quick.host) == ServiceNames.host(of: line))
            #expect(quick.service.map(Array.init) == ServiceNames.service(of: line))
            if let parsed {
                #expect(Array(quick.host) == parsed.host)
                #expect(quick.service.map(Array.init) == parsed.service)
            }
        } else {
            // only lines the parse refuses are left to it
            #expect(parsed == nil)
        }
    }

    @Test func everyLineHasOneOwner() {
        for count in 1...4 {
            for line in RecordNamesTests.lines {
                let bytes = Array(line.utf8)[...]
                let part = Ingester.part(of: bytes, count: count)
                #expect((0..<count).contains(part))
                if let parsed = try? RecordParser.parse(line: bytes) {
                    #expect(part == Shard.part(host: parsed.host, service: parsed.service, count: count))
                } else if RecordParser.names(line: bytes) == nil {
                    #expect(part == 0)
                }
            }
        }
    }
}

/// The names a line means to give, read the slow way (for the lines above).
private enum ServiceNames {
    static func fields(_ line: String) -> [String] {
        var l = line
        if l.hasSuffix("\r") { l.removeLast() }
        return l.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
    }

    static func value(_ key: String, _ line: String) -> String? {
        fields(line).first { $0.hasPrefix(key + "::") }.map { String($0.dropFirst(key.count + 2)) }
    }

    static func host(of line: String) -> [UInt8]? {
        let f = fields(line)
        if f.first?.hasPrefix("[") == true { return Array(f[2].utf8) }
        return value("HOSTNAME", line).map { Array($0.utf8) }
    }

    static func service(of line: String) -> [UInt8]? {
        let f = fields(line)
        if f.first == "[SERVICEPERFDATA]" { return Array(f[3].utf8) }
        if f.first == "[HOSTPERFDATA]" || value("DATATYPE", line) == "HOSTPERFDATA" { return nil }
        return value("SERVICEDESC", line).map { Array($0.utf8) }
    }
}

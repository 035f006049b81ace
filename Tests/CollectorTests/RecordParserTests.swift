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

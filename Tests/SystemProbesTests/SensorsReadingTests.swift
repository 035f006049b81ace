import Testing
@testable import SystemProbes

struct SensorsReadingTests {
    @Test(arguments: [
        ("normal.txt", false, false), ("alarm.txt", true, false), ("fault.txt", false, true),
        ("alarm-and-fault.txt", true, true), ("lowercase.txt", false, false),
    ])
    func findsAlarmAndFault(_ c: (String, Bool, Bool)) throws {
        let r = SensorsReading(try ProbeFixtures.bytes("sensors/" + c.0))
        #expect(r.hasAlarm == c.1)
        #expect(r.hasFault == c.2)
    }

    @Test func keepsTextWithoutTrailingNewlinesLikeCommandSubstitution() throws {
        let bytes = try ProbeFixtures.bytes("sensors/normal.txt")
        #expect(bytes.suffix(2) == [0x0A, 0x0A])
        let r = SensorsReading(bytes)
        #expect(r.shellText.hasSuffix("(crit = +105.0°C)"))
        #expect(r.shellText.hasPrefix("coretemp-isa-0000\nAdapter: ISA adapter\n"))
        #expect(SensorsReading(Array("a\n\nb\n\n\n".utf8)).shellText == "a\n\nb")
    }
}

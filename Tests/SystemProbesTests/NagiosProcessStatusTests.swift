import Testing
@testable import SystemProbes

struct NagiosStatusFileTests {
    @Test func nagios4StatusDatUsesCreated() throws {
        let t = NagiosStatusFile.latestEntryTime(try ProbeFixtures.bytes("nagios/status.dat"))
        #expect(t == 1_795_543_665)
    }

    @Test func oldStatusLogTakesTheLargestBracketedStamp() throws {
        #expect(NagiosStatusFile.latestEntryTime(try ProbeFixtures.bytes("nagios/status.log")) == 1_700_000_123)
    }

    @Test(arguments: [
        ("", UInt64(0)), ("no stamp here\n", 0), ("x created=42 y\n[99] z\n", 42),
        ("[5] a\n[7] b\ncreated=3\n[100] c\n", 3), ("[12abc]\n", 12), ("]]][34] x\n", 34),
        ("x123\n", 123), ("[ 56]\n", 56), ("[-1]\n", UInt64.max), ("created=\n", 0),
        ("[99999999999999999999999]\n", UInt64.max), ("\t]]]\n", 0),
    ])
    func readsStampsAsTheCPluginDoes(_ c: (String, UInt64)) {
        #expect(NagiosStatusFile.latestEntryTime(Array(c.0.utf8)) == c.1)
    }

    @Test func longLinesAreReadInPiecesLikeFgets() {
        // created= past the first 8190 bytes of a line starts a new piece.
        let line = String(repeating: "x", count: 8190) + "created=77\n"
        #expect(NagiosStatusFile.latestEntryTime(Array(line.utf8)) == 77)
        let pieces = NagiosStatusFile.pieces(Array(line.utf8))
        #expect(pieces.count == 2 && pieces[0].count == 8190)
    }
}

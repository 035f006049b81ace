import Testing
@testable import SystemProbes

struct MailQueueParserTests {
    let parser = MailQueueParser(commandPath: "/usr/bin/mailq")

    @Test func sendmailSingleQueueWithDeferrals() throws {
        let s = parser.sendmail(try ProbeFixtures.bytes("mailq/sendmail-deferred.txt"))
        #expect(s.messages == 4)
        #expect(s.sourceDomains == ["kpnqwest.pt": 2, "example.org": 1])
        #expect(s.destinationDomains == ["eunet.pt": 2, "example.com": 1, "foo.net": 1, "UNKNOWN": 1])
        #expect(s.sourceOrder == ["kpnqwest.pt", "example.org"])
        #expect(MailQueueSummary.busiest(s.destinationDomains, order: s.destinationOrder)! == ("eunet.pt", 2))
        #expect(s.trace.first == "/usr/bin/mailq =                 /var/spool/mqueue (4 requests)\n ")
        #expect(s.trace.last == "/usr/bin/mailq =                 Total requests: 4\n \n")
    }

    @Test func sendmailMultiQueueTakesTheTotal() throws {
        let s = parser.sendmail(try ProbeFixtures.bytes("mailq/sendmail-multi.txt"))
        #expect(s.messages == 3)
        // Only lines starting with a word character count as senders.
        #expect(s.sourceDomains == ["example.com": 2])
        #expect(s.destinationDomains == ["example.net": 1])
    }

    @Test func sendmailEmpty() throws {
        let s = parser.sendmail(try ProbeFixtures.bytes("mailq/sendmail-empty.txt"))
        #expect(s.messages == 0 && s.sourceDomains.isEmpty && s.destinationDomains.isEmpty)
    }

    @Test func postfix() throws {
        #expect(try parser.postfix(try ProbeFixtures.bytes("mailq/postfix.txt")).messages == 3)
        #expect(try parser.postfix(try ProbeFixtures.bytes("mailq/postfix-empty.txt")).messages == 0)
        #expect(throws: MailQueueFormatError()) { try parser.postfix(try ProbeFixtures.bytes("mailq/postfix-down.txt")) }
        #expect(throws: MailQueueFormatError()) { try parser.postfix([]) }
    }

    @Test func qmail() throws {
        let s = try parser.qmail(try ProbeFixtures.bytes("mailq/qmail.txt"))
        #expect(s.messages == 7 && s.unpreprocessed == 2)
        #expect(try parser.qmail(try ProbeFixtures.bytes("mailq/qmail-empty.txt")).messages == 0)
        #expect(throws: MailQueueFormatError()) { try parser.qmail(Array("messages in queue: 3\n".utf8)) }
        #expect(throws: MailQueueFormatError()) { try parser.qmail(Array("garbage\n".utf8)) }
    }

    @Test func eximCountsMessageIds() throws {
        #expect(parser.exim(try ProbeFixtures.bytes("mailq/exim.txt")).messages == 3)
        // The id needs white space on both sides; a line ending in it still
        // counts because the newline is white space too (as in Perl).
        #expect(parser.exim(Array(" 5m 1K 1xVuum-0004a2-00\n".utf8)).messages == 1)
        #expect(parser.exim(Array(" 5m 1K 1xVuum-0004a2-00".utf8)).messages == 0)
        #expect(parser.exim(Array("1xVuum-0004a2-00 <a@b>\n".utf8)).messages == 0)
    }

    @Test func nullmailerCountsDatedLines() throws {
        #expect(parser.nullmailer(try ProbeFixtures.bytes("mailq/nullmailer.txt")).messages == 2)
    }
}

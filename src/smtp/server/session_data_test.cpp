// Tests of message content in the SMTP session (session.h): DATA ends only at CRLF "." CRLF (RFC 5321
// §4.1.1.4) so none of the SMTP smuggling endings (CVE-2023-51764/5/6) can start a second transaction; the
// bare-line-ending policy; the size limit (RFC 1870); BDAT chunks (RFC 3030) with its ordering rules.
#include <gtest/gtest.h>

#include "smtp/server/session_test_support.h"

namespace danemail::smtp {
namespace {

using testing::codes;
using testing::Codes;
using testing::SessionDriver;

constexpr const char* kEnvelope = "MAIL FROM:<a@ext.example>\r\nRCPT TO:<alice@example.org>\r\n";

// The content of the message as the client sent it, without our Received header.
std::string body_of(const IncomingMessage& message) {
    size_t end = message.content.find("\r\n", message.content.find(" +0000"));
    return message.content.substr(end + 2);
}

struct Smuggling {
    const char* name;
    const char* ending;
};

constexpr Smuggling kSmugglingEndings[] = {
    {"LF.LF", "\n.\n"}, {"LF.CRLF", "\n.\r\n"},          {"CRLF.LF", "\r\n.\n"},
    {"CR.CR", "\r.\r"}, {"CRLF.CR CRLF", "\r\n.\r\r\n"},
};

constexpr const char* kSmuggledTransaction =
    "MAIL FROM:<ceo@example.org>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\nFrom: "
    "ceo@example.org\r\n\r\nforged\r\n";

TEST(SessionData, SmugglingEndingsAreRefusedUnderReject) {
    for (const auto& smuggling : kSmugglingEndings) {
        SessionDriver driver;
        driver.ready();
        std::string out = driver.feed(std::string(kEnvelope) + "DATA\r\nSubject: real\r\n\r\nreal" +
                                      smuggling.ending + kSmuggledTransaction + ".\r\nQUIT\r\n");
        // One transaction: its content holds a bare line ending, so it is refused after its real end; the
        // smuggled MAIL/RCPT/DATA never got a reply of their own.
        EXPECT_EQ(codes(out), (Codes{"250 2.1.0", "250 2.1.5", "354", "550 5.6.0", "221 2.0.0"}))
            << smuggling.name;
        EXPECT_EQ(driver.hooks.delivery_attempts(), 0u) << smuggling.name;
    }
}

TEST(SessionData, SmugglingEndingsStayInsideTheFirstMessageUnderNormalize) {
    for (const auto& smuggling : kSmugglingEndings) {
        SessionDriver driver(ServicePort::Mx, LineEndingPolicy::Normalize);
        driver.ready();
        std::string out = driver.feed(std::string(kEnvelope) + "DATA\r\nSubject: real\r\n\r\nreal" +
                                      smuggling.ending + kSmuggledTransaction + ".\r\nQUIT\r\n");
        EXPECT_EQ(codes(out), (Codes{"250 2.1.0", "250 2.1.5", "354", "250 2.0.0", "221 2.0.0"}))
            << smuggling.name;
        auto delivered = driver.hooks.delivered();
        ASSERT_EQ(delivered.size(), 1u) << smuggling.name;
        EXPECT_EQ(delivered[0].recipients, (std::vector<Mailbox>{{"alice", "example.org"}}))
            << smuggling.name;
        std::string body = body_of(delivered[0]);
        EXPECT_TRUE(body.starts_with("Subject: real\r\n\r\nreal\r\n")) << smuggling.name;
        EXPECT_NE(body.find("MAIL FROM:<ceo@example.org>\r\n"), std::string::npos) << smuggling.name;
        EXPECT_TRUE(body.ends_with("forged\r\n")) << smuggling.name;
        // Normalised: no bare CR or LF left.
        for (size_t i = 0; i < body.size(); ++i) {
            if (body[i] == '\r') {
                EXPECT_EQ(body[i + 1], '\n') << smuggling.name;
            }
            if (body[i] == '\n') {
                EXPECT_EQ(body[i - 1], '\r') << smuggling.name;
            }
        }
    }
}

TEST(SessionData, SmugglingEndingsSplitAtEveryOctet) {
    for (const auto& smuggling : kSmugglingEndings) {
        SessionDriver driver;
        driver.ready();
        std::string out = driver.feed_bytewise(std::string(kEnvelope) + "DATA\r\nreal" + smuggling.ending +
                                               kSmuggledTransaction + ".\r\nNOOP\r\n");
        EXPECT_EQ(codes(out), (Codes{"250 2.1.0", "250 2.1.5", "354", "550 5.6.0", "250 2.0.0"}))
            << smuggling.name;
        EXPECT_EQ(driver.hooks.delivery_attempts(), 0u);
    }
}

TEST(SessionData, DotStuffingAndEmptyMessage) {
    SessionDriver driver;
    driver.ready();
    driver.feed(std::string(kEnvelope) + "DATA\r\n..leading dot\r\n.\r\n");
    driver.feed(std::string(kEnvelope) + "DATA\r\n.\r\n");
    auto delivered = driver.hooks.delivered();
    ASSERT_EQ(delivered.size(), 2u);
    EXPECT_EQ(body_of(delivered[0]), ".leading dot\r\n");
    EXPECT_EQ(body_of(delivered[1]), "");
}

TEST(SessionData, MessageOverTheLimitIsReadToItsEndThenRefused) {
    auto settings = testing::test_settings(ServicePort::Mx);
    settings.limits.max_message_size = 100;
    SessionDriver driver(settings);
    driver.ready();
    std::string out =
        driver.feed(std::string(kEnvelope) + "DATA\r\n" + std::string(150, 'x') + "\r\n.\r\nNOOP\r\n");
    EXPECT_EQ(codes(out), (Codes{"250 2.1.0", "250 2.1.5", "354", "552 5.3.4", "250 2.0.0"}));
    EXPECT_EQ(driver.hooks.delivery_attempts(), 0u);
    // Just under the limit is fine.
    out = driver.feed(std::string(kEnvelope) + "DATA\r\n" + std::string(98, 'x') + "\r\n.\r\n");
    EXPECT_EQ(codes(out), (Codes{"250 2.1.0", "250 2.1.5", "354", "250 2.0.0"}));
}

TEST(SessionData, BdatChunks) {
    SessionDriver driver;
    driver.ready();
    std::string out =
        driver.feed(std::string(kEnvelope) + "BDAT 12\r\nSubject: x\r\nBDAT 8 LAST\r\n\r\nbody\r\nNOOP\r\n");
    EXPECT_EQ(codes(out), (Codes{"250 2.1.0", "250 2.1.5", "250 2.0.0", "250 2.0.0", "250 2.0.0"}));
    EXPECT_NE(out.find("250 2.0.0 12 octets received\r\n"), std::string::npos);
    auto delivered = driver.hooks.delivered();
    ASSERT_EQ(delivered.size(), 1u);
    EXPECT_EQ(body_of(delivered[0]), "Subject: x\r\n\r\nbody\r\n");
}

TEST(SessionData, BdatRepliesNameEachChunksSize) {
    SessionDriver driver;
    driver.ready();
    std::string out = driver.feed(std::string(kEnvelope) + "BDAT 3\r\nab\nBDAT 5\r\ncdefgBDAT 0\r\n");
    EXPECT_NE(
        out.find(
            "250 2.0.0 3 octets received\r\n250 2.0.0 5 octets received\r\n250 2.0.0 0 octets received\r\n"),
        std::string::npos);
}

TEST(SessionData, BdatIsRawAndChunkSplitsAnywhere) {
    SessionDriver driver;
    driver.ready();
    // Dots are not special in BDAT; the CR ends chunk one and its LF starts chunk two.
    std::string out =
        driver.feed_bytewise(std::string(kEnvelope) + "BDAT 6\r\n.\r\n..\rBDAT 4 LAST\r\n\nx\r\n");
    EXPECT_EQ(codes(out), (Codes{"250 2.1.0", "250 2.1.5", "250 2.0.0", "250 2.0.0"}));
    auto delivered = driver.hooks.delivered();
    ASSERT_EQ(delivered.size(), 1u);
    EXPECT_EQ(body_of(delivered[0]), ".\r\n..\r\nx\r\n");
}

TEST(SessionData, BdatZeroLast) {
    SessionDriver driver;
    driver.ready();
    EXPECT_EQ(codes(driver.feed(std::string(kEnvelope) + "BDAT 5\r\nabc\r\nBDAT 0 LAST\r\n")),
              (Codes{"250 2.1.0", "250 2.1.5", "250 2.0.0", "250 2.0.0"}));
    auto delivered = driver.hooks.delivered();
    ASSERT_EQ(delivered.size(), 1u);
    EXPECT_EQ(body_of(delivered[0]), "abc\r\n");
    EXPECT_EQ(codes(driver.feed(std::string(kEnvelope) + "BDAT 0 LAST\r\n")),
              (Codes{"250 2.1.0", "250 2.1.5", "250 2.0.0"}));
    EXPECT_EQ(driver.hooks.delivery_count(), 2u);
}

TEST(SessionData, DataAfterBdatIsOutOfOrder) {
    SessionDriver driver;
    driver.ready();
    EXPECT_EQ(codes(driver.feed(std::string(kEnvelope) + "BDAT 3\r\nabcDATA\r\n")),
              (Codes{"250 2.1.0", "250 2.1.5", "250 2.0.0", "503 5.5.1"}));
}

TEST(SessionData, BdatWithoutTransactionStillConsumesItsChunk) {
    SessionDriver driver;
    driver.ready();
    // The 12 octets look like a command; they must be read as the chunk, never executed.
    EXPECT_EQ(codes(driver.feed("BDAT 12 LAST\r\nQUIT\r\nQUIT\r\nNOOP\r\n")),
              (Codes{"503 5.5.1", "250 2.0.0"}));
    EXPECT_FALSE(driver.closed);
    EXPECT_EQ(
        codes(driver.feed("MAIL FROM:<a@ext.example>\r\nRCPT TO:<nobody@example.org>\r\nBDAT 6\r\nQUIT\r\n")),
        (Codes{"250 2.1.0", "550 5.1.1", "554 5.5.1"}));
    EXPECT_FALSE(driver.closed);
}

TEST(SessionData, BdatOverTheLimit) {
    auto settings = testing::test_settings(ServicePort::Mx);
    settings.limits.max_message_size = 10;
    SessionDriver driver(settings);
    driver.ready();
    std::string out =
        driver.feed(std::string(kEnvelope) + "BDAT 6\r\n123456BDAT 6\r\nQUIT\r\nBDAT 2 LAST\r\nxyNOOP\r\n");
    // The second chunk breaks the limit: read, dropped, 552; the pipelined rest of that message gets 552 too.
    EXPECT_EQ(codes(out),
              (Codes{"250 2.1.0", "250 2.1.5", "250 2.0.0", "552 5.3.4", "552 5.3.4", "250 2.0.0"}));
    EXPECT_EQ(driver.hooks.delivery_attempts(), 0u);
    EXPECT_FALSE(driver.closed);
    // The next transaction is unaffected.
    EXPECT_EQ(codes(driver.feed(std::string(kEnvelope) + "BDAT 4 LAST\r\nabcd")),
              (Codes{"250 2.1.0", "250 2.1.5", "250 2.0.0"}));
}

TEST(SessionData, BdatHugeChunkIsRefusedAtOnce) {
    SessionDriver driver;
    driver.ready();
    EXPECT_EQ(codes(driver.feed(std::string(kEnvelope) + "BDAT 9999999999999999999 LAST\r\nabc")),
              (Codes{"250 2.1.0", "250 2.1.5"}));
    // Still reading the (dropped) chunk: nothing answered yet, nothing delivered.
    EXPECT_EQ(driver.hooks.delivery_attempts(), 0u);
}

TEST(SessionData, BdatBareLineEndRejected) {
    SessionDriver driver;
    driver.ready();
    EXPECT_EQ(codes(driver.feed(std::string(kEnvelope) + "BDAT 4\r\na\nb\rBDAT 2 LAST\r\nc\r")),
              (Codes{"250 2.1.0", "250 2.1.5", "250 2.0.0", "550 5.6.0"}));
    EXPECT_EQ(driver.hooks.delivery_attempts(), 0u);
}

TEST(SessionData, BdatBareLineEndNormalized) {
    SessionDriver driver(ServicePort::Mx, LineEndingPolicy::Normalize);
    driver.ready();
    EXPECT_EQ(codes(driver.feed(std::string(kEnvelope) + "BDAT 4\r\na\nb\rBDAT 2 LAST\r\nc\r")),
              (Codes{"250 2.1.0", "250 2.1.5", "250 2.0.0", "250 2.0.0"}));
    auto delivered = driver.hooks.delivered();
    ASSERT_EQ(delivered.size(), 1u);
    EXPECT_EQ(body_of(delivered[0]), "a\r\nb\r\nc\r\n");
}

TEST(SessionData, BdatSyntax) {
    SessionDriver driver;
    driver.ready();
    EXPECT_EQ(codes(driver.feed("BDAT\r\nBDAT x\r\nBDAT 1 FIRST\r\n")),
              (Codes{"501 5.5.4", "501 5.5.4", "501 5.5.4"}));
}

}  // namespace
}  // namespace danemail::smtp

// Tests of the SMTP session's commands on port 25 (session.h): greeting and EHLO extensions (RFC 5321
// §4.1.1.1 with RFC 2920, 1870, 6152, 6531, 2034, 3207, 3030), command order (§4.1.4), MAIL and RCPT with
// their parameters, recipient checks and every relay form, pipelining, the delivered message, and limits.
#include <gtest/gtest.h>

#include "smtp/server/session_test_support.h"

namespace danemail::smtp {
namespace {

using testing::codes;
using testing::Codes;
using testing::SessionDriver;

constexpr const char* kEhloMx =
    "250-mx.example.org\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n"
    "250-ENHANCEDSTATUSCODES\r\n250-STARTTLS\r\n250 CHUNKING\r\n";

TEST(Session, Greeting) {
    SessionDriver driver;
    EXPECT_EQ(driver.greeting, "220 mx.example.org ESMTP danemail\r\n");
}

TEST(Session, EhloAdvertisesExtensionsWithoutAuthOnPort25) {
    SessionDriver driver;
    EXPECT_EQ(driver.feed("EHLO client.example\r\n"), kEhloMx);
}

TEST(Session, EhloWithoutCertificateOffersNoStarttls) {
    auto settings = testing::test_settings(ServicePort::Mx);
    settings.starttls_available = false;
    SessionDriver driver(settings);
    std::string reply = driver.feed("EHLO client.example\r\n");
    EXPECT_EQ(reply.find("STARTTLS"), std::string::npos);
    EXPECT_EQ(codes(driver.feed("STARTTLS\r\n")), Codes{"502 5.5.1"});
}

TEST(Session, HeloHasNoExtensions) {
    SessionDriver driver;
    EXPECT_EQ(driver.feed("HELO client.example\r\n"), "250 mx.example.org\r\n");
    // ESMTP parameters need EHLO (RFC 5321 §4.1.1.11).
    EXPECT_EQ(codes(driver.feed("MAIL FROM:<a@ext.example> SIZE=10\r\n")), Codes{"555 5.5.4"});
    EXPECT_EQ(codes(driver.feed("MAIL FROM:<a@ext.example>\r\n")), Codes{"250 2.1.0"});
}

TEST(Session, HeloAndEhloNeedAnArgument) {
    SessionDriver driver;
    EXPECT_EQ(codes(driver.feed("EHLO\r\nHELO\r\nEHLO \r\n")),
              (Codes{"501 5.5.4", "501 5.5.4", "501 5.5.4"}));
}

TEST(Session, VerbsIgnoreCase) {
    SessionDriver driver;
    EXPECT_EQ(
        codes(
            driver.feed("ehlo client.example\r\nmail from:<a@ext.example>\r\nrcpt to:<alice@example.org>\r\n"
                        "Data\r\nhi\r\n.\r\nnoop\r\nrset\r\nquit\r\n")),
        (Codes{"250", "250 2.1.0", "250 2.1.5", "354", "250 2.0.0", "250 2.0.0", "250 2.0.0", "221 2.0.0"}));
    EXPECT_TRUE(driver.closed);
    EXPECT_EQ(driver.hooks.delivery_count(), 1u);
}

TEST(Session, OneSpaceAfterTheColonIsTolerated) {
    SessionDriver driver;
    driver.ready();
    EXPECT_EQ(codes(driver.feed("MAIL FROM: <a@ext.example>\r\nRCPT TO: <alice@example.org>\r\n")),
              (Codes{"250 2.1.0", "250 2.1.5"}));
}

TEST(Session, OrderErrors) {
    SessionDriver driver;
    EXPECT_EQ(codes(driver.feed("MAIL FROM:<a@ext.example>\r\n")), Codes{"503 5.5.1"});  // before EHLO
    driver.feed("EHLO client.example\r\n");
    EXPECT_EQ(codes(driver.feed("RCPT TO:<alice@example.org>\r\n")), Codes{"503 5.5.1"});  // before MAIL
    EXPECT_EQ(codes(driver.feed("DATA\r\n")), Codes{"503 5.5.1"});
    EXPECT_EQ(codes(driver.feed("MAIL FROM:<a@ext.example>\r\n")), Codes{"250 2.1.0"});
    EXPECT_EQ(codes(driver.feed("DATA\r\n")), Codes{"503 5.5.1"});                       // before RCPT
    EXPECT_EQ(codes(driver.feed("MAIL FROM:<a@ext.example>\r\n")), Codes{"503 5.5.1"});  // nested
    EXPECT_EQ(driver.hooks.delivery_count(), 0u);
}

TEST(Session, SimpleCommands) {
    SessionDriver driver;
    EXPECT_EQ(
        codes(driver.feed("NOOP\r\nNOOP anything\r\nHELP\r\nVRFY alice\r\nEXPN list\r\nRSET\r\nRSET x\r\n")),
        (Codes{"250 2.0.0", "250 2.0.0", "214 2.0.0", "252 2.5.2", "502 5.5.1", "250 2.0.0", "501 5.5.4"}));
    EXPECT_EQ(codes(driver.feed("VRFY\r\nFOO bar\r\n\r\n")), (Codes{"501 5.5.4", "500 5.5.1", "500 5.5.1"}));
    EXPECT_EQ(codes(driver.feed("QUIT\r\nNOOP\r\n")), Codes{"221 2.0.0"});
    EXPECT_TRUE(driver.closed);
}

TEST(Session, VrfyRevealsNothing) {
    SessionDriver driver;
    std::string known = driver.feed("VRFY alice@example.org\r\n");
    std::string unknown = driver.feed("VRFY nobody@example.org\r\n");
    EXPECT_EQ(known, unknown);
}

TEST(Session, AfterCloseNothingIsRead) {
    SessionDriver driver;
    driver.feed("QUIT\r\n");
    size_t consumed = 99;
    EXPECT_EQ(driver.session->advance("NOOP\r\n", consumed), SessionAction::Close);
    EXPECT_EQ(consumed, 0u);
    EXPECT_EQ(driver.session->output(), "");
}

TEST(Session, PipelinedTransactionInOneSegment) {
    SessionDriver driver;
    std::string out = driver.feed(
        "EHLO client.example\r\nMAIL FROM:<sender@ext.example>\r\nRCPT TO:<alice@example.org>\r\n"
        "RCPT TO:<bob@example.org>\r\nDATA\r\nSubject: hi\r\n\r\nbody\r\n.\r\nQUIT\r\n");
    EXPECT_EQ(codes(out),
              (Codes{"250", "250 2.1.0", "250 2.1.5", "250 2.1.5", "354", "250 2.0.0", "221 2.0.0"}));
    auto delivered = driver.hooks.delivered();
    ASSERT_EQ(delivered.size(), 1u);
    const IncomingMessage& message = delivered[0];
    EXPECT_EQ(message.mail_from, (Mailbox{"sender", "ext.example"}));
    EXPECT_EQ(message.recipients, (std::vector<Mailbox>{{"alice", "example.org"}, {"bob", "example.org"}}));
    EXPECT_EQ(message.helo, "client.example");
    EXPECT_EQ(message.client_address, "192.0.2.1");
    EXPECT_FALSE(message.tls);
    EXPECT_FALSE(message.account);
    EXPECT_TRUE(
        message.content.starts_with("Received: from client.example ([192.0.2.1])\r\n\tby mx.example.org "
                                    "(danemail) with ESMTP id " +
                                    message.id + "; "));
    EXPECT_TRUE(message.content.ends_with("\r\nSubject: hi\r\n\r\nbody\r\n"));
    EXPECT_EQ(message.content.find("\tfor <"), std::string::npos);  // two recipients: no "for"
}

TEST(Session, QueueIdsAreTwelveHexDigitsAndDiffer) {
    SessionDriver driver;
    driver.ready();
    for (int i = 0; i < 2; ++i)
        driver.feed("MAIL FROM:<a@ext.example>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\nx\r\n.\r\n");
    auto delivered = driver.hooks.delivered();
    ASSERT_EQ(delivered.size(), 2u);
    for (const auto& message : delivered) {
        ASSERT_EQ(message.id.size(), 12u);
        EXPECT_EQ(message.id.find_first_not_of("0123456789abcdef"), std::string::npos);
        // One recipient: named in the Received header.
        EXPECT_NE(message.content.find("\tfor <alice@example.org>; "), std::string::npos);
    }
    EXPECT_NE(delivered[0].id, delivered[1].id);
}

TEST(Session, DeliveryReplyIsSentAsIsAndTheEnvelopeReset) {
    SessionDriver driver;
    driver.ready();
    driver.hooks.set_delivery_reply(Reply{452, "4.3.1", "Insufficient system storage"});
    std::string out =
        driver.feed("MAIL FROM:<a@ext.example>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\nx\r\n.\r\n");
    EXPECT_TRUE(out.ends_with("452 4.3.1 Insufficient system storage\r\n"));
    EXPECT_EQ(driver.hooks.delivery_attempts(), 1u);
    // RFC 5321 §4.1.1.4: the transaction is over; a new one starts with MAIL.
    EXPECT_EQ(codes(driver.feed("RCPT TO:<alice@example.org>\r\n")), Codes{"503 5.5.1"});
    driver.hooks.set_delivery_reply(std::nullopt);
    out = driver.feed("MAIL FROM:<a@ext.example>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\nx\r\n.\r\n");
    EXPECT_NE(out.find("250 2.0.0 Ok: queued as "), std::string::npos);
}

TEST(Session, DuplicateRecipientsAreDeliveredOnce) {
    SessionDriver driver;
    driver.ready();
    EXPECT_EQ(codes(driver.feed("MAIL FROM:<a@ext.example>\r\nRCPT TO:<alice@example.org>\r\n"
                                "RCPT TO:<alice@EXAMPLE.org>\r\nDATA\r\nx\r\n.\r\n")),
              (Codes{"250 2.1.0", "250 2.1.5", "250 2.1.5", "354", "250 2.0.0"}));
    auto delivered = driver.hooks.delivered();
    ASSERT_EQ(delivered.size(), 1u);
    EXPECT_EQ(delivered[0].recipients.size(), 1u);
}

TEST(Session, UnknownRecipient) {
    SessionDriver driver;
    driver.ready();
    std::string out = driver.feed("MAIL FROM:<a@ext.example>\r\nRCPT TO:<nobody@example.org>\r\nDATA\r\n");
    // RFC 2920 §3.1: after only failed recipients, DATA gets 554 so no content is sent.
    EXPECT_EQ(codes(out), (Codes{"250 2.1.0", "550 5.1.1", "554 5.5.1"}));
    EXPECT_NE(out.find("<nobody@example.org>: Recipient address rejected"), std::string::npos);
}

TEST(Session, RecipientLookupFailureIsTemporary) {
    SessionDriver driver;
    driver.ready();
    driver.hooks.set_recipient_failure(Reply{451, "4.3.0", "Temporary lookup failure"});
    EXPECT_EQ(codes(driver.feed("MAIL FROM:<a@ext.example>\r\nRCPT TO:<alice@example.org>\r\n")),
              (Codes{"250 2.1.0", "451 4.3.0"}));
}

// The relay attempts the issue lists, each on port 25 without authentication.
TEST(Session, RelayAttemptsFailOnPort25) {
    struct Attempt {
        const char* rcpt;
        const char* code;
    };
    const Attempt attempts[] = {
        {"<u@ext.example>", "554 5.7.1"},                  // a remote domain: relay denied
        {"<u%ext.example@example.org>", "550 5.1.1"},      // local part "u%ext.example": unknown
        {"<\"u@ext.example\"@example.org>", "550 5.1.1"},  // quoted local part: unknown
        {"<@example.org:u@ext.example>", "501 5.1.3"},     // source route: refused
        {"<ext.example!u@example.org>", "550 5.1.1"},      // bang path: unknown local part
        {"<u@ext.example@example.org>", "501 5.1.3"},      // two '@': syntax error
        {"<u@[192.0.2.9]>", "501 5.1.3"},                  // address literal
        {"<postmaster>", "550 5.1.1"},                     // our postmaster, but this fake has none
    };
    for (const auto& attempt : attempts) {
        SessionDriver driver;
        driver.ready();
        std::string out = driver.feed(std::string("MAIL FROM:<a@ext.example>\r\nRCPT TO:") + attempt.rcpt +
                                      "\r\nDATA\r\nrelayed\r\n.\r\n");
        auto replies = codes(out);
        ASSERT_GE(replies.size(), 2u) << attempt.rcpt;
        EXPECT_EQ(replies[1], attempt.code) << attempt.rcpt;
        EXPECT_EQ(driver.hooks.delivery_attempts(), 0u) << attempt.rcpt;
    }
}

// RFC 5321 §4.5.1: "<Postmaster>" without a domain must be accepted; the hooks say whose postmaster it is.
TEST(Session, DomainlessPostmasterIsAccepted) {
    SessionDriver driver;
    driver.hooks.add_local("postmaster");
    driver.ready();
    EXPECT_EQ(codes(driver.feed("MAIL FROM:<a@ext.example>\r\nRCPT TO:<PostMaster>\r\nDATA\r\nhi\r\n.\r\n")),
              (Codes{"250 2.1.0", "250 2.1.5", "354", "250 2.0.0"}));
    ASSERT_EQ(driver.hooks.delivered().size(), 1u);
    EXPECT_EQ(driver.hooks.delivered()[0].recipients[0], (Mailbox{"postmaster", ""}));
}

TEST(Session, MailParameters) {
    SessionDriver driver;
    driver.ready();
    EXPECT_EQ(codes(driver.feed("MAIL FROM:<a@ext.example> SIZE=1000 BODY=8BITMIME AUTH=<>\r\nRSET\r\n")),
              (Codes{"250 2.1.0", "250 2.0.0"}));
    EXPECT_EQ(codes(driver.feed("MAIL FROM:<a@ext.example> body=7bit size=5\r\nRSET\r\n")),
              (Codes{"250 2.1.0", "250 2.0.0"}));
    EXPECT_EQ(codes(driver.feed("MAIL FROM:<a@ext.example> SIZE=52428801\r\n")), Codes{"552 5.3.4"});
    EXPECT_EQ(codes(driver.feed("MAIL FROM:<a@ext.example> SIZE=abc\r\n")), Codes{"501 5.5.4"});
    EXPECT_EQ(codes(driver.feed("MAIL FROM:<a@ext.example> BODY=BINARYMIME\r\n")), Codes{"501 5.5.4"});
    EXPECT_EQ(codes(driver.feed("MAIL FROM:<a@ext.example> SMTPUTF8=yes\r\n")), Codes{"501 5.5.4"});
    EXPECT_EQ(codes(driver.feed("MAIL FROM:<a@ext.example> RET=FULL\r\n")), Codes{"555 5.5.4"});
    EXPECT_EQ(codes(driver.feed("MAIL FROM:<a@ext.example> SIZE=1 SIZE=2\r\n")), Codes{"501 5.5.4"});
    EXPECT_EQ(codes(driver.feed("MAIL FROM:a@ext.example\r\n")), Codes{"501 5.5.4"});
    EXPECT_EQ(codes(driver.feed("MAIL FROM:<a@@ext.example>\r\n")), Codes{"501 5.1.7"});
}

TEST(Session, RcptParametersAreRefused) {
    SessionDriver driver;
    driver.ready();
    EXPECT_EQ(codes(driver.feed("MAIL FROM:<a@ext.example>\r\nRCPT TO:<alice@example.org> NOTIFY=NEVER\r\n")),
              (Codes{"250 2.1.0", "555 5.5.4"}));
}

TEST(Session, EightBitAndNullSenderReachTheMessage) {
    SessionDriver driver;
    driver.ready();
    driver.feed("MAIL FROM:<> BODY=8BITMIME\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n\xc3\xa9\r\n.\r\n");
    auto delivered = driver.hooks.delivered();
    ASSERT_EQ(delivered.size(), 1u);
    EXPECT_TRUE(delivered[0].eight_bit);
    EXPECT_FALSE(delivered[0].smtputf8);
    EXPECT_EQ(delivered[0].mail_from, Mailbox{});
}

TEST(Session, Smtputf8EnablesUtf8Addresses) {
    SessionDriver driver;
    driver.hooks.add_local("j\xc3\xb6rg@example.org");
    driver.ready();
    EXPECT_EQ(codes(driver.feed("MAIL FROM:<j\xc3\xb6rg@ext.example>\r\n")), Codes{"553 5.6.7"});
    EXPECT_EQ(codes(driver.feed("MAIL FROM:<j\xc3\xb6rg@ext.example> SMTPUTF8\r\n"
                                "RCPT TO:<j\xc3\xb6rg@example.org>\r\nDATA\r\nx\r\n.\r\n")),
              (Codes{"250 2.1.0", "250 2.1.5", "354", "250 2.0.0"}));
    auto delivered = driver.hooks.delivered();
    ASSERT_EQ(delivered.size(), 1u);
    EXPECT_TRUE(delivered[0].smtputf8);
    EXPECT_NE(delivered[0].content.find(" with UTF8SMTP id "), std::string::npos);
    // Without SMTPUTF8 on MAIL, a UTF-8 recipient is refused.
    EXPECT_EQ(codes(driver.feed("MAIL FROM:<a@ext.example>\r\nRCPT TO:<j\xc3\xb6rg@example.org>\r\n")),
              (Codes{"250 2.1.0", "553 5.6.7"}));
}

TEST(Session, TooManyRecipients) {
    auto settings = testing::test_settings(ServicePort::Mx);
    settings.limits.max_recipients = 2;
    SessionDriver driver(settings);
    driver.ready();
    EXPECT_EQ(codes(driver.feed(
                  "MAIL FROM:<a@ext.example>\r\nRCPT TO:<alice@example.org>\r\n"
                  "RCPT TO:<bob@example.org>\r\nRCPT TO:<postmaster@example.org>\r\nDATA\r\nx\r\n.\r\n")),
              (Codes{"250 2.1.0", "250 2.1.5", "250 2.1.5", "452 4.5.3", "354", "250 2.0.0"}));
    EXPECT_EQ(driver.hooks.delivered().at(0).recipients.size(), 2u);
}

TEST(Session, EhloResetsTheTransaction) {
    SessionDriver driver;
    driver.ready();
    EXPECT_EQ(codes(driver.feed(
                  "MAIL FROM:<a@ext.example>\r\nRCPT TO:<alice@example.org>\r\nEHLO again\r\nDATA\r\n")),
              (Codes{"250 2.1.0", "250 2.1.5", "250", "503 5.5.1"}));
}

TEST(Session, LineTooLong) {
    SessionDriver driver;
    driver.ready();
    std::string out = driver.feed("NOOP " + std::string(600, 'x') + "\r\nNOOP\r\n");
    EXPECT_EQ(codes(out), (Codes{"500 5.5.2", "250 2.0.0"}));
    // Split across many reads, the same.
    std::string split =
        driver.feed_bytewise("MAIL FROM:<" + std::string(600, 'a') + "@ext.example>\r\nNOOP\r\n");
    EXPECT_EQ(codes(split), (Codes{"500 5.5.2", "250 2.0.0"}));
}

TEST(Session, BareLineEndsInCommandsAreRejected) {
    SessionDriver driver;
    // One refusal for the whole line up to its CRLF: the VRFY behind the bare LF is never run.
    EXPECT_EQ(codes(driver.feed("EHLO client.example\nVRFY x\r\n")), Codes{"500 5.5.2"});
    EXPECT_EQ(codes(driver.feed("NOOP\rRSET\r\n")), Codes{"500 5.5.2"});
}

TEST(Session, BareLineEndsInCommandsNormalized) {
    SessionDriver driver(ServicePort::Mx, LineEndingPolicy::Normalize);
    EXPECT_EQ(codes(driver.feed("EHLO client.example\nNOOP\rRSET\r\n")),
              (Codes{"250", "250 2.0.0", "250 2.0.0"}));
}

TEST(Session, TooManyErrorsClose) {
    SessionDriver driver;
    std::string out;
    for (int i = 0; i < 10; ++i) out += driver.feed("BOGUS\r\n");
    auto replies = codes(out);
    ASSERT_EQ(replies.size(), 11u);
    EXPECT_EQ(replies[9], "500 5.5.1");
    EXPECT_EQ(replies[10], "421 4.7.0");
    EXPECT_TRUE(driver.closed);
}

TEST(Session, TooManyCommandsClose) {
    auto settings = testing::test_settings(ServicePort::Mx);
    settings.limits.max_commands = 3;
    SessionDriver driver(settings);
    EXPECT_EQ(codes(driver.feed("EHLO a\r\nEHLO b\r\nEHLO c\r\nEHLO d\r\nEHLO e\r\n")),
              (Codes{"250", "250", "250", "421 4.7.0"}));
    EXPECT_TRUE(driver.closed);
}

TEST(Session, TooManyJunkCommandsClose) {
    auto settings = testing::test_settings(ServicePort::Mx);
    settings.limits.max_junk_commands = 2;
    SessionDriver driver(settings);
    EXPECT_EQ(codes(driver.feed("NOOP\r\nRSET\r\nHELP\r\n")), (Codes{"250 2.0.0", "250 2.0.0", "421 4.7.0"}));
    EXPECT_TRUE(driver.closed);
}

TEST(Session, JunkCountRestartsAfterADelivery) {
    auto settings = testing::test_settings(ServicePort::Mx);
    settings.limits.max_junk_commands = 2;
    SessionDriver driver(settings);
    driver.ready();
    driver.feed(
        "NOOP\r\nNOOP\r\nMAIL FROM:<a@ext.example>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\nx\r\n.\r\n");
    EXPECT_EQ(codes(driver.feed("NOOP\r\nRSET\r\n")), (Codes{"250 2.0.0", "250 2.0.0"}));
    EXPECT_FALSE(driver.closed);
}

TEST(Session, TimeoutCloses) {
    SessionDriver driver;
    driver.feed("EHLO client.example\r\nMAIL FRO");
    driver.session->timed_out();
    EXPECT_EQ(codes(driver.take_output()), Codes{"421 4.4.2"});
    size_t consumed = 1;
    EXPECT_EQ(driver.session->advance("M:<a@b.example>\r\n", consumed), SessionAction::Close);
    EXPECT_EQ(consumed, 0u);
}

TEST(Session, InputSplitAtEveryOctet) {
    SessionDriver driver;
    std::string out = driver.feed_bytewise(
        "EHLO client.example\r\nMAIL FROM:<a@ext.example>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n"
        "line\r\n..dot\r\n.\r\nQUIT\r\n");
    EXPECT_EQ(codes(out), (Codes{"250", "250 2.1.0", "250 2.1.5", "354", "250 2.0.0", "221 2.0.0"}));
    auto delivered = driver.hooks.delivered();
    ASSERT_EQ(delivered.size(), 1u);
    EXPECT_TRUE(delivered[0].content.ends_with("\r\nline\r\n.dot\r\n"));
}

TEST(Session, ActionsWaitForTheirAnswer) {
    SessionDriver driver;
    driver.ready();
    size_t consumed = 0;
    std::string input =
        "MAIL FROM:<a@ext.example>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\nx\r\n.\r\nNOOP\r\n";
    EXPECT_EQ(driver.session->advance(input, consumed), SessionAction::Deliver);
    EXPECT_EQ(input.substr(consumed), "NOOP\r\n");
    // Until delivery_finished(), nothing more is read.
    size_t again = 5;
    EXPECT_EQ(driver.session->advance("NOOP\r\n", again), SessionAction::Deliver);
    EXPECT_EQ(again, 0u);
    driver.session->delivery_finished(Reply{250, "2.0.0", "Ok"});
    EXPECT_EQ(driver.session->advance("NOOP\r\n", again), SessionAction::NeedInput);
    EXPECT_EQ(again, 6u);
    EXPECT_EQ(codes(driver.take_output()),
              (Codes{"250 2.1.0", "250 2.1.5", "354", "250 2.0.0", "250 2.0.0"}));
}

}  // namespace
}  // namespace danemail::smtp

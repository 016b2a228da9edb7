// Tests of STARTTLS and submission in the SMTP session (session.h): RFC 3207 (220, then everything before
// TLS is forgotten; pipelined commands after STARTTLS are never answered), RFC 8314 and the rule
// "no AUTH and no MAIL before TLS" (530 5.7.0), AUTH PLAIN/LOGIN (RFC 4954, RFC 4616), who may send as
// whom (553 5.7.1), relaying only after login, and port 465 with TLS from the start.
#include <gtest/gtest.h>

#include "smtp/server/session_test_support.h"

namespace danemail::smtp {
namespace {

using testing::codes;
using testing::Codes;
using testing::SessionDriver;

constexpr const char* kCarolPlain = "AGNhcm9sQGV4YW1wbGUub3JnAHNlY3JldA==";  // "\0carol@example.org\0secret"
constexpr const char* kCarolWrong = "AGNhcm9sQGV4YW1wbGUub3JnAHdyb25n";      // "\0carol@example.org\0wrong"
constexpr const char* kCarolUser = "Y2Fyb2xAZXhhbXBsZS5vcmc=";               // "carol@example.org"
constexpr const char* kSecret = "c2VjcmV0";                                  // "secret"

// Port 587 after STARTTLS and EHLO, not yet authenticated.
class SubmissionInTls : public SessionDriver {
public:
    SubmissionInTls() : SessionDriver(ServicePort::Submission) {
        feed("EHLO client.example\r\n");
        feed("STARTTLS\r\n");
        feed("EHLO client.example\r\n");
    }
};

TEST(StartTls, ReplyAndAction) {
    SessionDriver driver;
    driver.feed("EHLO client.example\r\n");
    EXPECT_EQ(driver.feed("STARTTLS\r\n"), "220 2.0.0 Ready to start TLS\r\n");
    EXPECT_EQ(driver.tls_handshakes, 1);
    EXPECT_TRUE(driver.session->tls_active());
}

TEST(StartTls, PipelinedCommandsAfterItAreNeverAnswered) {
    // The CVE-2011-0411 family: "STARTTLS\r\nRSET\r\n" in one segment.
    SessionDriver driver;
    driver.feed("EHLO client.example\r\n");
    EXPECT_EQ(driver.feed("STARTTLS\r\nRSET\r\n"), "220 2.0.0 Ready to start TLS\r\n");
    EXPECT_EQ(driver.discarded, "RSET\r\n");
    // Inside TLS, the first thing the session answers is what comes through TLS.
    EXPECT_EQ(codes(driver.feed("NOOP\r\n")), Codes{"250 2.0.0"});
}

TEST(StartTls, ActionReportsWhereTheCommandEnded) {
    SessionDriver driver;
    size_t consumed = 0;
    std::string input = "EHLO a\r\nSTARTTLS\r\nMAIL FROM:<evil@ext.example>\r\n";
    EXPECT_EQ(driver.session->advance(input, consumed), SessionAction::StartTls);
    EXPECT_EQ(input.substr(consumed), "MAIL FROM:<evil@ext.example>\r\n");
    // Until tls_started(), nothing more is read.
    size_t again = 9;
    EXPECT_EQ(driver.session->advance("NOOP\r\n", again), SessionAction::StartTls);
    EXPECT_EQ(again, 0u);
}

TEST(StartTls, SessionStateIsForgotten) {
    SessionDriver driver;
    driver.feed("EHLO client.example\r\nMAIL FROM:<a@ext.example>\r\nRCPT TO:<alice@example.org>\r\n");
    driver.feed("STARTTLS\r\n");
    // RFC 3207 §4.2: no HELO and no envelope survive; the client must EHLO again.
    EXPECT_EQ(codes(driver.feed("DATA\r\nMAIL FROM:<a@ext.example>\r\n")), (Codes{"503 5.5.1", "503 5.5.1"}));
    std::string ehlo = driver.feed("EHLO client.example\r\n");
    EXPECT_EQ(ehlo.find("STARTTLS"), std::string::npos);
    EXPECT_EQ(
        codes(driver.feed("MAIL FROM:<a@ext.example>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\nx\r\n.\r\n")),
        (Codes{"250 2.1.0", "250 2.1.5", "354", "250 2.0.0"}));
    auto delivered = driver.hooks.delivered();
    ASSERT_EQ(delivered.size(), 1u);
    ASSERT_TRUE(delivered[0].tls);
    EXPECT_EQ(delivered[0].tls->cipher, "TLS_AES_256_GCM_SHA384");
    EXPECT_NE(
        delivered[0].content.find("\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\r\n"),
        std::string::npos);
    EXPECT_NE(delivered[0].content.find(" with ESMTPS id "), std::string::npos);
}

TEST(StartTls, PartialLineBeforeStarttlsIsForgotten) {
    SessionDriver driver(ServicePort::Mx, LineEndingPolicy::Normalize);
    // A bare CR ends the STARTTLS line under Normalize; "RSET" after it is dropped with the segment.
    EXPECT_EQ(codes(driver.feed("STARTTLS\rRSET\r\n")), Codes{"220 2.0.0"});
    EXPECT_EQ(driver.discarded, "RSET\r\n");
    EXPECT_EQ(codes(driver.feed("NOOP\r\n")), Codes{"250 2.0.0"});
}

TEST(StartTls, Errors) {
    SessionDriver driver;
    EXPECT_EQ(codes(driver.feed("STARTTLS now\r\n")), Codes{"501 5.5.4"});
    driver.feed("STARTTLS\r\n");
    EXPECT_EQ(codes(driver.feed("STARTTLS\r\n")), Codes{"503 5.5.1"});
    EXPECT_EQ(driver.tls_handshakes, 1);
}

TEST(Submission, NothingBeforeStarttls) {
    SessionDriver driver(ServicePort::Submission);
    std::string ehlo = driver.feed("EHLO client.example\r\n");
    EXPECT_NE(ehlo.find("250-STARTTLS\r\n"), std::string::npos);
    EXPECT_EQ(ehlo.find("AUTH"), std::string::npos);  // AUTH only inside TLS
    std::string out =
        driver.feed(std::string("AUTH PLAIN ") + kCarolPlain + "\r\nMAIL FROM:<carol@example.org>\r\n");
    EXPECT_EQ(codes(out), (Codes{"530 5.7.0", "530 5.7.0"}));
    EXPECT_NE(out.find("Must issue a STARTTLS command first"), std::string::npos);
    EXPECT_EQ(driver.authentications, 0);
}

TEST(Submission, AuthOfferedInsideTls) {
    SessionDriver driver(ServicePort::Submission);
    driver.feed("EHLO client.example\r\n");
    driver.feed("STARTTLS\r\n");
    std::string ehlo = driver.feed("EHLO client.example\r\n");
    EXPECT_NE(ehlo.find("250 AUTH PLAIN LOGIN\r\n"), std::string::npos);
    EXPECT_EQ(ehlo.find("STARTTLS"), std::string::npos);
}

TEST(Submission, MailNeedsAuthentication) {
    SubmissionInTls driver;
    std::string out = driver.feed("MAIL FROM:<carol@example.org>\r\n");
    EXPECT_EQ(codes(out), Codes{"530 5.7.0"});
    EXPECT_NE(out.find("Authentication required"), std::string::npos);
}

TEST(Submission, AuthPlainWithInitialResponse) {
    SubmissionInTls driver;
    EXPECT_EQ(codes(driver.feed(std::string("AUTH PLAIN ") + kCarolPlain + "\r\n")), Codes{"235 2.7.0"});
    EXPECT_EQ(driver.last_auth_user, "carol@example.org");
    EXPECT_EQ(driver.last_auth_password, "secret");
    EXPECT_EQ(driver.feed("EHLO again\r\n").find("AUTH"), std::string::npos);  // no second login offered
    EXPECT_EQ(codes(driver.feed(std::string("AUTH PLAIN ") + kCarolPlain + "\r\n")), Codes{"503 5.5.1"});
    EXPECT_EQ(driver.authentications, 1);
}

TEST(Submission, AuthPlainWithContinuation) {
    SubmissionInTls driver;
    EXPECT_EQ(driver.feed("AUTH PLAIN\r\n"), "334 \r\n");
    EXPECT_EQ(codes(driver.feed(std::string(kCarolPlain) + "\r\n")), Codes{"235 2.7.0"});
}

TEST(Submission, AuthLogin) {
    SubmissionInTls driver;
    EXPECT_EQ(driver.feed("auth login\r\n"), "334 VXNlcm5hbWU6\r\n");
    EXPECT_EQ(driver.feed(std::string(kCarolUser) + "\r\n"), "334 UGFzc3dvcmQ6\r\n");
    EXPECT_EQ(codes(driver.feed(std::string(kSecret) + "\r\n")), Codes{"235 2.7.0"});
    EXPECT_EQ(driver.last_auth_user, "carol@example.org");
}

TEST(Submission, AuthLoginWithInitialResponse) {
    SubmissionInTls driver;
    EXPECT_EQ(driver.feed(std::string("AUTH LOGIN ") + kCarolUser + "\r\n"), "334 UGFzc3dvcmQ6\r\n");
    EXPECT_EQ(codes(driver.feed(std::string(kSecret) + "\r\n")), Codes{"235 2.7.0"});
}

TEST(Submission, AuthCancelAndBadInput) {
    SubmissionInTls driver;
    driver.feed("AUTH PLAIN\r\n");
    EXPECT_EQ(codes(driver.feed("*\r\n")), Codes{"501 5.7.0"});
    EXPECT_EQ(codes(driver.feed("AUTH PLAIN not-base64!\r\n")), Codes{"501 5.5.2"});
    driver.feed("AUTH LOGIN\r\n");
    EXPECT_EQ(codes(driver.feed("@@@\r\n")), Codes{"501 5.5.2"});
    EXPECT_EQ(codes(driver.feed("AUTH CRAM-MD5\r\nAUTH\r\n")), (Codes{"504 5.5.4", "501 5.5.4"}));
    EXPECT_EQ(driver.authentications, 0);
    // After all that, the session still reads commands normally.
    EXPECT_EQ(codes(driver.feed("NOOP\r\n")), Codes{"250 2.0.0"});
}

TEST(Submission, AuthFailureThenSuccess) {
    SubmissionInTls driver;
    std::string out = driver.feed(std::string("AUTH PLAIN ") + kCarolWrong + "\r\n");
    EXPECT_EQ(codes(out), Codes{"535 5.7.8"});
    EXPECT_EQ(driver.session->auth_failures(), 1u);
    EXPECT_EQ(codes(driver.feed("MAIL FROM:<carol@example.org>\r\n")), Codes{"530 5.7.0"});
    EXPECT_EQ(codes(driver.feed(std::string("AUTH PLAIN ") + kCarolPlain + "\r\n")), Codes{"235 2.7.0"});
}

TEST(Submission, TooManyAuthFailuresClose) {
    SubmissionInTls driver;
    std::string out;
    for (int i = 0; i < 3; ++i) out += driver.feed(std::string("AUTH PLAIN ") + kCarolWrong + "\r\n");
    EXPECT_EQ(codes(out), (Codes{"535 5.7.8", "535 5.7.8", "535 5.7.8", "421 4.7.0"}));
    EXPECT_TRUE(driver.closed);
}

TEST(Submission, ForeignAuthorizationIdentityFails) {
    SubmissionInTls driver;
    // "alice@example.org\0carol@example.org\0secret": carol's password, but acting as alice.
    EXPECT_EQ(codes(driver.feed("AUTH PLAIN YWxpY2VAZXhhbXBsZS5vcmcAY2Fyb2xAZXhhbXBsZS5vcmcAc2VjcmV0\r\n")),
              Codes{"535 5.7.8"});
    EXPECT_EQ(driver.authentications, 0);
}

TEST(Submission, TemporaryAuthFailure) {
    SubmissionInTls driver;
    driver.hooks.set_auth_failure(Reply{454, "4.7.0", "Temporary authentication failure"});
    EXPECT_EQ(codes(driver.feed(std::string("AUTH PLAIN ") + kCarolPlain + "\r\n")), Codes{"454 4.7.0"});
    EXPECT_EQ(driver.session->auth_failures(), 0u);
}

TEST(Submission, AuthNeedsEhlo) {
    SessionDriver driver(ServicePort::Submission);
    driver.feed("STARTTLS\r\n");
    EXPECT_EQ(codes(driver.feed(std::string("AUTH PLAIN ") + kCarolPlain + "\r\n")), Codes{"503 5.5.1"});
    driver.feed("HELO client.example\r\n");
    EXPECT_EQ(codes(driver.feed(std::string("AUTH PLAIN ") + kCarolPlain + "\r\n")), Codes{"503 5.5.1"});
}

TEST(Submission, SenderMustBeTheAccount) {
    SessionDriver driver(ServicePort::Submission);
    driver.ready();
    std::string out = driver.feed("MAIL FROM:<alice@example.org>\r\n");
    EXPECT_EQ(codes(out), Codes{"553 5.7.1"});
    EXPECT_EQ(codes(driver.feed("MAIL FROM:<>\r\n")), Codes{"553 5.7.1"});
    EXPECT_EQ(codes(driver.feed("MAIL FROM:<Carol@Example.org>\r\n")), Codes{"250 2.1.0"});
}

TEST(Submission, RemoteRecipientsAfterLogin) {
    SessionDriver driver(ServicePort::Submission);
    driver.ready();
    EXPECT_EQ(codes(driver.feed(
                  "MAIL FROM:<carol@example.org>\r\nRCPT TO:<friend@ext.example>\r\n"
                  "RCPT TO:<alice@example.org>\r\nRCPT TO:<nobody@example.org>\r\nDATA\r\nhi\r\n.\r\n")),
              (Codes{"250 2.1.0", "250 2.1.5", "250 2.1.5", "550 5.1.1", "354", "250 2.0.0"}));
    auto delivered = driver.hooks.delivered();
    ASSERT_EQ(delivered.size(), 1u);
    ASSERT_TRUE(delivered[0].account);
    EXPECT_EQ(delivered[0].account->id, 7);
    EXPECT_EQ(delivered[0].recipients.size(), 2u);
    EXPECT_NE(delivered[0].content.find(" with ESMTPSA id "), std::string::npos);
}

TEST(ImplicitTls, AuthAlwaysOfferedAndNoStarttls) {
    SessionDriver driver(ServicePort::ImplicitTlsSubmission);
    EXPECT_TRUE(driver.session->tls_active());
    std::string ehlo = driver.feed("EHLO client.example\r\n");
    EXPECT_NE(ehlo.find("250 AUTH PLAIN LOGIN\r\n"), std::string::npos);
    EXPECT_EQ(ehlo.find("STARTTLS"), std::string::npos);
    EXPECT_EQ(codes(driver.feed("STARTTLS\r\n")), Codes{"503 5.5.1"});
    EXPECT_EQ(codes(driver.feed("MAIL FROM:<carol@example.org>\r\n")), Codes{"530 5.7.0"});
    EXPECT_EQ(codes(driver.feed(std::string("AUTH PLAIN ") + kCarolPlain + "\r\n")), Codes{"235 2.7.0"});
    EXPECT_EQ(codes(driver.feed(
                  "MAIL FROM:<carol@example.org>\r\nRCPT TO:<friend@ext.example>\r\nDATA\r\nx\r\n.\r\n")),
              (Codes{"250 2.1.0", "250 2.1.5", "354", "250 2.0.0"}));
}

TEST(Mx, AuthIsNeverAccepted) {
    SessionDriver driver;
    driver.feed("EHLO client.example\r\n");
    EXPECT_EQ(codes(driver.feed(std::string("AUTH PLAIN ") + kCarolPlain + "\r\n")), Codes{"503 5.5.1"});
    driver.feed("STARTTLS\r\n");
    std::string ehlo = driver.feed("EHLO client.example\r\n");
    EXPECT_EQ(ehlo.find("AUTH"), std::string::npos);
    EXPECT_EQ(codes(driver.feed(std::string("AUTH PLAIN ") + kCarolPlain + "\r\n")), Codes{"503 5.5.1"});
    EXPECT_EQ(driver.authentications, 0);
    // And a remote recipient stays a relay attempt even inside TLS.
    EXPECT_EQ(codes(driver.feed("MAIL FROM:<carol@example.org>\r\nRCPT TO:<friend@ext.example>\r\n")),
              (Codes{"250 2.1.0", "554 5.7.1"}));
}

}  // namespace
}  // namespace danemail::smtp

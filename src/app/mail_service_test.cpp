// Tests of how [smtp] becomes the SMTP server's settings: one listener per address with its service, the
// limits, the line-ending policy, the certificate files and the timeouts; and the startup line.
#include "app/mail_service.h"

#include <gtest/gtest.h>

namespace danemail::app {
namespace {

SmtpConfig sample() {
    SmtpConfig smtp;
    smtp.enabled = true;
    smtp.hostname = "mx.example.test";
    smtp.certificate = "/etc/tls/mx.crt";
    smtp.private_key = "/etc/tls/mx.key";
    smtp.listen = {"127.0.0.1:25", "[::1]:25"};
    smtp.submission = {"127.0.0.1:587"};
    smtp.submissions = {"127.0.0.1:465"};
    smtp.threads = 3;
    smtp.max_message_size = 1234567;
    smtp.max_recipients = 42;
    smtp.max_connections = 77;
    smtp.max_connections_per_client = 7;
    smtp.normalize_line_endings = true;
    smtp.command_timeout = 600;
    smtp.data_timeout = 90;
    return smtp;
}

TEST(MailService, ServerSettingsFromTheSmtpSection) {
    auto server = smtp_server_config(sample());
    ASSERT_TRUE(server) << server.error().to_string();
    ASSERT_EQ(server->listen.size(), 4u);
    EXPECT_EQ(server->listen[0].address, "127.0.0.1");
    EXPECT_EQ(server->listen[0].port, 25);
    EXPECT_EQ(server->listen[0].service, smtp::ServicePort::Mx);
    EXPECT_EQ(server->listen[1].address, "::1");
    EXPECT_EQ(server->listen[1].service, smtp::ServicePort::Mx);
    EXPECT_EQ(server->listen[2].port, 587);
    EXPECT_EQ(server->listen[2].service, smtp::ServicePort::Submission);
    EXPECT_EQ(server->listen[3].port, 465);
    EXPECT_EQ(server->listen[3].service, smtp::ServicePort::ImplicitTlsSubmission);
    EXPECT_EQ(server->session.hostname, "mx.example.test");
    EXPECT_EQ(server->session.bare_line_endings, smtp::LineEndingPolicy::Normalize);
    EXPECT_EQ(server->session.limits.max_message_size, 1234567u);
    EXPECT_EQ(server->session.limits.max_recipients, 42u);
    EXPECT_EQ(server->certificate_chain_file, "/etc/tls/mx.crt");
    EXPECT_EQ(server->private_key_file, "/etc/tls/mx.key");
    EXPECT_EQ(server->threads, 3u);
    EXPECT_EQ(server->max_connections, 77u);
    EXPECT_EQ(server->max_connections_per_client, 7u);
    EXPECT_EQ(server->command_timeout, std::chrono::seconds(600));
    EXPECT_EQ(server->data_timeout, std::chrono::seconds(90));
}

TEST(MailService, DefaultsRejectBareLineEndings) {
    SmtpConfig smtp;
    smtp.hostname = "mx.example.test";
    smtp.listen = {"127.0.0.1:25"};
    auto server = smtp_server_config(smtp);
    ASSERT_TRUE(server);
    EXPECT_EQ(server->session.bare_line_endings, smtp::LineEndingPolicy::Reject);
    EXPECT_EQ(server->session.limits.max_message_size, 50u << 20);
    EXPECT_TRUE(server->certificate_chain_file.empty());
}

TEST(MailService, BadAddressIsAnError) {
    SmtpConfig smtp = sample();
    smtp.where = "danemail.toml:4";
    smtp.submission = {"localhost:587"};
    auto server = smtp_server_config(smtp);
    ASSERT_FALSE(server);
    EXPECT_EQ(server.error().where, "danemail.toml:4");
    EXPECT_NE(server.error().what.find("submission: 'localhost:587'"), std::string::npos);
}

TEST(MailService, StartupLineNamesEveryListener) {
    EXPECT_EQ(describe_listeners(sample()),
              "127.0.0.1:25 (mx), [::1]:25 (mx), 127.0.0.1:587 (submission), 127.0.0.1:465 (submissions)");
}

}  // namespace
}  // namespace danemail::app

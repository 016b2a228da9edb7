// Tests of the SMTP server's network side (smtp_listener.h) in-process: a real SmtpServer on 127.0.0.1
// with FakeMailHooks and a self-signed certificate, driven by a blocking client (test_smtp_client.h).
// Plain, STARTTLS and implicit-TLS delivery; the attacks — STARTTLS command injection (RFC 3207 §4.2),
// a close_notify in the middle of DATA or BDAT followed by plaintext, TLS 1.1, password guessing, many
// connections from one client; timeouts (RFC 5321 §4.5.3.2); certificate reload; stop with clients.
#include "smtp/server/smtp_listener.h"

#include <gtest/gtest.h>
#include <malloc.h>
#include <openssl/x509.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "base/encoding.h"
#include "smtp/server/fake_mail_hooks.h"
#include "smtp/server/test_smtp_client.h"
#include "tls/self_signed.h"

namespace danemail::smtp {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using testing::TestSmtpClient;
using Clock = std::chrono::steady_clock;

constexpr size_t kMx = 0;
constexpr size_t kSubmission = 1;
constexpr size_t kImplicitTls = 2;

std::string plain_credentials(const std::string& user, const std::string& password) {
    std::string text = std::string(1, '\0') + user + '\0' + password;
    return to_base64(ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

bool starts_with(const std::string& text, std::string_view prefix) {
    return text.compare(0, prefix.size(), prefix) == 0;
}

// Waits (bounded) until `condition` holds; for counters updated by the server's threads.
template <class Condition>
bool eventually(Condition condition, milliseconds limit = milliseconds{10'000}) {
    auto deadline = Clock::now() + limit;
    while (!condition()) {
        if (Clock::now() > deadline) return false;
        std::this_thread::sleep_for(milliseconds{5});
    }
    return true;
}

class SmtpListenerTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("danemail-smtp-listener-test-" + std::to_string(::getpid()));
        fs::create_directories(dir_);
        write_certificate("mx.example.org");
        hooks_.add_local("alice@example.org");
        hooks_.add_account("bob@example.org", "correct horse", 7);

        config_.listen = {{"127.0.0.1", 0, ServicePort::Mx},
                          {"127.0.0.1", 0, ServicePort::Submission},
                          {"127.0.0.1", 0, ServicePort::ImplicitTlsSubmission}};
        config_.session.hostname = "mx.example.org";
        config_.certificate_chain_file = (dir_ / "chain.pem").string();
        config_.private_key_file = (dir_ / "key.pem").string();
        config_.threads = 2;
        config_.blocking_threads = 4;
        config_.first_auth_failure_delay = milliseconds{0};
    }
    void TearDown() override {
        if (server_) server_->stop();
        fs::remove_all(dir_);
    }

    void write_certificate(const std::string& host) {
        auto credentials = tls::make_self_signed(host);
        ASSERT_TRUE(credentials) << credentials.error().to_string();
        std::ofstream(dir_ / "chain.pem") << credentials->certificate_pem;
        std::ofstream(dir_ / "key.pem") << credentials->private_key_pem;
    }

    void start() {
        auto server = SmtpServer::open(config_, hooks_);
        ASSERT_TRUE(server) << server.error().to_string();
        server_ = std::move(*server);
        server_->start();
    }

    uint16_t port(size_t index) { return server_->port(index); }

    // Greeting and EHLO; the EHLO reply is returned.
    static std::string greet(TestSmtpClient& client) {
        std::string greeting = client.read_reply();
        EXPECT_TRUE(starts_with(greeting, "220 mx.example.org")) << greeting;
        return client.command("EHLO client.example\r\n");
    }

    // A whole transaction with DATA; returns the reply to the end of data.
    static std::string send_message(TestSmtpClient& client, const std::string& from, const std::string& to) {
        EXPECT_TRUE(starts_with(client.command("MAIL FROM:<" + from + ">\r\n"), "250"));
        EXPECT_TRUE(starts_with(client.command("RCPT TO:<" + to + ">\r\n"), "250"));
        EXPECT_TRUE(starts_with(client.command("DATA\r\n"), "354"));
        return client.command("Subject: test\r\n\r\nHello.\r\n.\r\n");
    }

    fs::path dir_;
    FakeMailHooks hooks_;
    SmtpServerConfig config_;
    std::unique_ptr<SmtpServer> server_;
};

TEST_F(SmtpListenerTest, PlainDeliveryOnMx) {
    start();
    TestSmtpClient client(port(kMx));
    std::string ehlo = greet(client);
    EXPECT_NE(ehlo.find("STARTTLS"), std::string::npos) << ehlo;
    EXPECT_NE(ehlo.find("PIPELINING"), std::string::npos) << ehlo;
    EXPECT_TRUE(starts_with(send_message(client, "sender@remote.example", "alice@example.org"), "250 2.0.0"));
    EXPECT_TRUE(starts_with(client.command("QUIT\r\n"), "221"));
    EXPECT_TRUE(client.wait_closed());

    auto delivered = hooks_.delivered();
    ASSERT_EQ(delivered.size(), 1u);
    EXPECT_EQ(delivered[0].client_address, "127.0.0.1");
    EXPECT_FALSE(delivered[0].tls);
    EXPECT_NE(delivered[0].content.find("Hello.\r\n"), std::string::npos);
    EXPECT_TRUE(eventually([&] { return server_->open_connections() == 0; }));
}

TEST_F(SmtpListenerTest, PipelinedTransactionInOneWrite) {
    start();
    TestSmtpClient client(port(kMx));
    ASSERT_TRUE(starts_with(client.read_reply(), "220"));
    // RFC 2920: everything up to DATA in one write, then the message and QUIT in another; the replies
    // come in order, and input that arrived with the end of data is served after the delivery.
    client.send(
        "EHLO client.example\r\nMAIL FROM:<s@remote.example>\r\nRCPT TO:<alice@example.org>\r\n"
        "RCPT TO:<nobody@example.org>\r\nDATA\r\n");
    EXPECT_TRUE(starts_with(client.read_reply(), "250-mx.example.org"));
    EXPECT_TRUE(starts_with(client.read_reply(), "250"));
    EXPECT_TRUE(starts_with(client.read_reply(), "250"));
    EXPECT_TRUE(starts_with(client.read_reply(), "550 5.1.1"));
    EXPECT_TRUE(starts_with(client.read_reply(), "354"));
    client.send("Subject: pipelined\r\n\r\nbody\r\n.\r\nNOOP\r\nQUIT\r\n");
    EXPECT_TRUE(starts_with(client.read_reply(), "250 2.0.0"));
    EXPECT_TRUE(starts_with(client.read_reply(), "250"));
    EXPECT_TRUE(starts_with(client.read_reply(), "221"));
    EXPECT_TRUE(client.wait_closed());
    EXPECT_EQ(hooks_.delivery_count(), 1u);
}

TEST_F(SmtpListenerTest, StartTlsThenDelivery) {
    start();
    TestSmtpClient client(port(kMx));
    greet(client);
    EXPECT_TRUE(starts_with(client.command("STARTTLS\r\n"), "220"));
    ASSERT_TRUE(client.start_tls());
    EXPECT_STREQ(SSL_get_version(client.ssl()), "TLSv1.3");
    std::string ehlo = client.command("EHLO client.example\r\n");
    EXPECT_TRUE(starts_with(ehlo, "250-mx.example.org")) << ehlo;
    EXPECT_EQ(ehlo.find("STARTTLS"), std::string::npos) << ehlo;
    EXPECT_TRUE(starts_with(send_message(client, "sender@remote.example", "alice@example.org"), "250 2.0.0"));
    EXPECT_TRUE(starts_with(client.command("QUIT\r\n"), "221"));
    EXPECT_TRUE(client.wait_tls_closed());

    auto delivered = hooks_.delivered();
    ASSERT_EQ(delivered.size(), 1u);
    ASSERT_TRUE(delivered[0].tls);
    EXPECT_EQ(delivered[0].tls->version, "TLSv1.3");
    EXPECT_EQ(delivered[0].tls->cipher, "TLS_AES_256_GCM_SHA384");
    EXPECT_EQ(delivered[0].tls->bits, 256);
    std::string head = delivered[0].content.substr(0, delivered[0].content.find("\r\n\r\n"));
    EXPECT_NE(head.find("TLSv1.3"), std::string::npos) << head;
}

// RFC 3207 §4.2 (CVE-2011-0411): a command pipelined after STARTTLS in the same segment is dropped, never
// answered inside TLS.
TEST_F(SmtpListenerTest, CommandsPipelinedAfterStartTlsAreDropped) {
    start();
    TestSmtpClient client(port(kMx));
    greet(client);
    client.send("STARTTLS\r\nRSET\r\n");
    std::string ready = client.read_reply();
    EXPECT_TRUE(starts_with(ready, "220")) << ready;
    ASSERT_TRUE(client.start_tls());
    EXPECT_TRUE(client.quiet_for(milliseconds{500}));  // no 250 for the RSET, nothing at all
    std::string ehlo = client.command("EHLO client.example\r\n");
    EXPECT_TRUE(starts_with(ehlo, "250-mx.example.org")) << ehlo;
    std::string quit = client.command("QUIT\r\n");
    EXPECT_TRUE(starts_with(quit, "221")) << quit;
    EXPECT_TRUE(client.wait_tls_closed());
}

TEST_F(SmtpListenerTest, ImplicitTlsWithAuthPlain) {
    start();
    TestSmtpClient client(port(kImplicitTls));
    ASSERT_TRUE(client.start_tls());
    std::string ehlo = greet(client);
    EXPECT_NE(ehlo.find("AUTH PLAIN LOGIN"), std::string::npos) << ehlo;
    std::string auth =
        client.command("AUTH PLAIN " + plain_credentials("bob@example.org", "correct horse") + "\r\n");
    EXPECT_TRUE(starts_with(auth, "235")) << auth;
    EXPECT_TRUE(starts_with(send_message(client, "bob@example.org", "carol@remote.example"), "250 2.0.0"));
    EXPECT_TRUE(starts_with(client.command("QUIT\r\n"), "221"));

    auto delivered = hooks_.delivered();
    ASSERT_EQ(delivered.size(), 1u);
    ASSERT_TRUE(delivered[0].account);
    EXPECT_EQ(delivered[0].account->id, 7);
    ASSERT_TRUE(delivered[0].tls);
    EXPECT_EQ(delivered[0].tls->version, "TLSv1.3");
}

TEST_F(SmtpListenerTest, SubmissionWantsTlsFirst) {
    start();
    TestSmtpClient client(port(kSubmission));
    greet(client);
    std::string auth =
        client.command("AUTH PLAIN " + plain_credentials("bob@example.org", "correct horse") + "\r\n");
    EXPECT_TRUE(starts_with(auth, "530 5.7.0")) << auth;
    EXPECT_TRUE(starts_with(client.command("MAIL FROM:<bob@example.org>\r\n"), "530 5.7.0"));
    EXPECT_TRUE(starts_with(client.command("STARTTLS\r\n"), "220"));
    ASSERT_TRUE(client.start_tls());
    std::string ehlo = client.command("EHLO client.example\r\n");
    EXPECT_NE(ehlo.find("AUTH PLAIN LOGIN"), std::string::npos) << ehlo;
    auth = client.command("AUTH PLAIN " + plain_credentials("bob@example.org", "correct horse") + "\r\n");
    EXPECT_TRUE(starts_with(auth, "235")) << auth;
}

TEST_F(SmtpListenerTest, Tls11ClientIsRefused) {
    start();
    {
        TestSmtpClient client(port(kMx));
        greet(client);
        EXPECT_TRUE(starts_with(client.command("STARTTLS\r\n"), "220"));
        EXPECT_FALSE(client.start_tls(TLS1_1_VERSION));
        EXPECT_TRUE(client.wait_closed());
    }
    TestSmtpClient implicit(port(kImplicitTls));
    EXPECT_FALSE(implicit.start_tls(TLS1_1_VERSION));
    EXPECT_TRUE(implicit.wait_closed());
    EXPECT_EQ(hooks_.delivery_attempts(), 0u);
}

// A close_notify (or any end of TLS) in the middle of a message ends the connection: the plaintext that
// follows — here the end of data and a second message — is never read.
TEST_F(SmtpListenerTest, CloseNotifyInDataClosesTheConnection) {
    start();
    for (const char* start_of_content : {"DATA\r\n", "BDAT 1000\r\n"}) {
        SCOPED_TRACE(start_of_content);
        TestSmtpClient client(port(kMx));
        greet(client);
        EXPECT_TRUE(starts_with(client.command("STARTTLS\r\n"), "220"));
        ASSERT_TRUE(client.start_tls());
        client.command("EHLO client.example\r\n");
        EXPECT_TRUE(starts_with(client.command("MAIL FROM:<s@remote.example>\r\n"), "250"));
        EXPECT_TRUE(starts_with(client.command("RCPT TO:<alice@example.org>\r\n"), "250"));
        client.send(start_of_content);
        if (start_of_content[0] == 'D') {
            EXPECT_TRUE(starts_with(client.read_reply(), "354"));
        }
        client.send("Subject: half\r\n\r\nfirst part");
        client.close_tls();
        client.send_raw(
            "\r\n.\r\nMAIL FROM:<s@remote.example>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n"
            "Subject: smuggled\r\n\r\nx\r\n.\r\nQUIT\r\n");
        std::string received;
        EXPECT_TRUE(client.wait_closed(milliseconds{10'000}, &received));
        EXPECT_EQ(received.find("250"), std::string::npos) << received;
        EXPECT_EQ(received.find("354"), std::string::npos) << received;
    }
    EXPECT_EQ(hooks_.delivery_attempts(), 0u);
}

TEST_F(SmtpListenerTest, TooManyConnectionsFromOneClient) {
    config_.max_connections_per_client = 2;
    start();
    auto first = std::make_unique<TestSmtpClient>(port(kMx));
    TestSmtpClient second(port(kSubmission));
    EXPECT_TRUE(starts_with(first->read_reply(), "220"));
    EXPECT_TRUE(starts_with(second.read_reply(), "220"));
    TestSmtpClient third(port(kMx));
    std::string refused = third.read_reply();
    EXPECT_EQ(refused, "421 4.7.0 mx.example.org Too many connections\r\n");
    EXPECT_TRUE(third.wait_closed());
    TestSmtpClient implicit(port(kImplicitTls));  // 465: closed without a reply in clear
    EXPECT_FALSE(implicit.start_tls());
    EXPECT_EQ(server_->open_connections(), 2u);

    first.reset();
    ASSERT_TRUE(eventually([&] { return server_->open_connections() == 1; }));
    TestSmtpClient fourth(port(kMx));
    EXPECT_TRUE(starts_with(fourth.read_reply(), "220"));
}

TEST_F(SmtpListenerTest, TooManyConnectionsOverall) {
    config_.max_connections = 1;
    start();
    TestSmtpClient first(port(kMx));
    EXPECT_TRUE(starts_with(first.read_reply(), "220"));
    TestSmtpClient second(port(kMx));
    EXPECT_TRUE(starts_with(second.read_reply(), "421 4.7.0"));
    EXPECT_TRUE(second.wait_closed());
}

// RFC 4954 §4: each failed AUTH from one address waits twice as long as the one before, counted across
// connections. Only lower bounds are checked, so a slow machine cannot make this fail.
TEST_F(SmtpListenerTest, FailedAuthDelayGrows) {
    config_.first_auth_failure_delay = milliseconds{100};
    start();
    auto timed_failure = [](TestSmtpClient& client) {
        auto begin = Clock::now();
        std::string reply =
            client.command("AUTH PLAIN " + plain_credentials("bob@example.org", "wrong") + "\r\n");
        EXPECT_TRUE(starts_with(reply, "535 5.7.8")) << reply;
        return std::chrono::duration_cast<milliseconds>(Clock::now() - begin);
    };
    {
        TestSmtpClient client(port(kImplicitTls));
        ASSERT_TRUE(client.start_tls());
        greet(client);
        EXPECT_GE(timed_failure(client).count(), 100);
        EXPECT_GE(timed_failure(client).count(), 200);
    }
    TestSmtpClient client(port(kImplicitTls));
    ASSERT_TRUE(client.start_tls());
    greet(client);
    EXPECT_GE(timed_failure(client).count(), 400);
    // A correct password is not delayed by the earlier failures and succeeds.
    std::string auth =
        client.command("AUTH PLAIN " + plain_credentials("bob@example.org", "correct horse") + "\r\n");
    EXPECT_TRUE(starts_with(auth, "235")) << auth;
}

TEST_F(SmtpListenerTest, SilentClientTimesOut) {
    config_.command_timeout = milliseconds{300};
    start();
    TestSmtpClient client(port(kMx));
    EXPECT_TRUE(starts_with(client.read_reply(), "220"));
    std::string reply = client.read_reply();
    EXPECT_TRUE(starts_with(reply, "421 4.4.2 mx.example.org")) << reply;
    EXPECT_TRUE(client.wait_closed());

    // Inside TLS the 421 comes through TLS.
    TestSmtpClient tls_client(port(kImplicitTls));
    ASSERT_TRUE(tls_client.start_tls());
    EXPECT_TRUE(starts_with(tls_client.read_reply(), "220"));
    reply = tls_client.read_reply();
    EXPECT_TRUE(starts_with(reply, "421 4.4.2")) << reply;
    EXPECT_TRUE(tls_client.wait_tls_closed());
    EXPECT_TRUE(eventually([&] { return server_->open_connections() == 0; }));
}

TEST_F(SmtpListenerTest, SilentTlsHandshakeTimesOut) {
    config_.tls_handshake_timeout = milliseconds{300};
    start();
    TestSmtpClient client(port(kImplicitTls));
    EXPECT_TRUE(client.wait_closed());  // no ClientHello: closed
}

TEST_F(SmtpListenerTest, ReloadedCertificateServesNewConnections) {
    start();
    auto subject_of = [](TestSmtpClient& client) {
        X509* cert = SSL_get0_peer_certificate(client.ssl());
        char name[256] = {};
        X509_NAME_oneline(X509_get_subject_name(cert), name, sizeof name);
        return std::string(name);
    };
    TestSmtpClient before(port(kImplicitTls));
    ASSERT_TRUE(before.start_tls());
    EXPECT_NE(subject_of(before).find("mx.example.org"), std::string::npos);

    write_certificate("mx2.example.org");
    Status reloaded = server_->reload_certificate();
    ASSERT_TRUE(reloaded) << reloaded.error().to_string();
    TestSmtpClient after(port(kImplicitTls));
    ASSERT_TRUE(after.start_tls());
    EXPECT_NE(subject_of(after).find("mx2.example.org"), std::string::npos);
    // The connection made before still works on its own context.
    EXPECT_TRUE(starts_with(before.read_reply(), "220"));
    EXPECT_TRUE(starts_with(before.command("NOOP\r\n"), "250"));

    std::ofstream(dir_ / "key.pem") << "not a key\n";
    Status broken = server_->reload_certificate();
    ASSERT_FALSE(broken);
    EXPECT_NE(broken.error().to_string().find("key.pem"), std::string::npos) << broken.error().to_string();
    TestSmtpClient still(port(kImplicitTls));
    ASSERT_TRUE(still.start_tls());
    EXPECT_NE(subject_of(still).find("mx2.example.org"), std::string::npos);
}

TEST_F(SmtpListenerTest, OpenErrorsNameTheProblem) {
    SmtpServerConfig no_tls = config_;
    no_tls.certificate_chain_file.clear();
    no_tls.private_key_file.clear();
    auto result = SmtpServer::open(no_tls, hooks_);
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().to_string().find("implicit TLS"), std::string::npos)
        << result.error().to_string();

    SmtpServerConfig bad_address = config_;
    bad_address.listen = {{"mail.example.org", 25, ServicePort::Mx}};
    result = SmtpServer::open(bad_address, hooks_);
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().to_string().find("not a numeric IP address"), std::string::npos);

    SmtpServerConfig missing_chain = config_;
    missing_chain.certificate_chain_file = (dir_ / "missing.pem").string();
    result = SmtpServer::open(missing_chain, hooks_);
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().to_string().find("missing.pem"), std::string::npos);

    start();
    SmtpServerConfig taken = config_;
    taken.listen = {{"127.0.0.1", port(kMx), ServicePort::Mx}};
    result = SmtpServer::open(taken, hooks_);
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().to_string().find("cannot listen"), std::string::npos)
        << result.error().to_string();
}

TEST_F(SmtpListenerTest, PlainServerOffersNoStartTls) {
    config_.certificate_chain_file.clear();
    config_.private_key_file.clear();
    config_.listen.resize(2);  // no 465
    start();
    TestSmtpClient client(port(kMx));
    std::string ehlo = greet(client);
    EXPECT_EQ(ehlo.find("STARTTLS"), std::string::npos) << ehlo;
    EXPECT_TRUE(starts_with(client.command("STARTTLS\r\n"), "502"));
}

TEST_F(SmtpListenerTest, StopClosesOpenConnections) {
    start();
    TestSmtpClient plain(port(kMx));
    TestSmtpClient tls(port(kImplicitTls));
    EXPECT_TRUE(starts_with(plain.read_reply(), "220"));
    ASSERT_TRUE(tls.start_tls());
    ASSERT_TRUE(eventually([&] { return server_->open_connections() == 2; }));
    server_->stop();
    EXPECT_EQ(server_->open_connections(), 0u);
    EXPECT_TRUE(plain.wait_closed());
    EXPECT_TRUE(tls.wait_closed());
    server_->stop();  // idempotent
}

// Idle clients in a child process forked before the server starts, so that the heap the parent measures
// is the server's alone. Commands over a pipe: open N more plain or STARTTLS connections, or quit.
class IdleClientProcess {
public:
    IdleClientProcess() {
        if (::pipe(to_child_) != 0 || ::pipe(from_child_) != 0) throw std::runtime_error("pipe");
        pid_ = ::fork();
        if (pid_ < 0) throw std::runtime_error("fork");
        if (pid_ == 0) ::_exit(run_child());
        ::close(to_child_[0]);
        ::close(from_child_[1]);
    }
    ~IdleClientProcess() {
        Command quit{'q', 0, 0};
        (void)!::write(to_child_[1], &quit, sizeof quit);
        ::close(to_child_[1]);
        ::close(from_child_[0]);
        ::waitpid(pid_, nullptr, 0);
    }

    // Opens `count` connections to `port` that stay idle: after the greeting ('p'), or after STARTTLS and
    // EHLO inside TLS ('t'). False if the child failed.
    bool open(char kind, uint16_t port, size_t count) {
        Command command{kind, port, count};
        if (::write(to_child_[1], &command, sizeof command) != sizeof command) return false;
        char done = 0;
        return ::read(from_child_[0], &done, 1) == 1 && done == 'k';
    }

private:
    struct Command {
        char kind;
        uint16_t port;
        size_t count;
    };

    int run_child() {
        ::close(to_child_[1]);
        ::close(from_child_[0]);
        std::vector<std::unique_ptr<TestSmtpClient>> clients;
        Command command{};
        while (::read(to_child_[0], &command, sizeof command) == sizeof command && command.kind != 'q') {
            char result = 'k';
            try {
                for (size_t i = 0; i < command.count; ++i) {
                    auto client = std::make_unique<TestSmtpClient>(command.port);
                    if (!starts_with(client->read_reply(), "220")) result = 'f';
                    if (command.kind == 't') {
                        client->command("EHLO client.example\r\n");
                        if (!starts_with(client->command("STARTTLS\r\n"), "220") || !client->start_tls() ||
                            !starts_with(client->command("EHLO client.example\r\n"), "250"))
                            result = 'f';
                    }
                    clients.push_back(std::move(client));
                }
            } catch (const std::exception&) {
                result = 'f';
            }
            if (::write(from_child_[1], &result, 1) != 1) return 1;
        }
        return 0;
    }

    pid_t pid_ = -1;
    int to_child_[2] = {-1, -1};
    int from_child_[2] = {-1, -1};
};

size_t heap_in_use() {
    struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
}

// Memory per idle connection, as the server's heap growth: idle connections must stay cheap (the issue's
// benchmark holds 1,000). Prints the figures; fails only far above what the design gives.
TEST_F(SmtpListenerTest, IdleConnectionsAreCheap) {
    constexpr size_t kPlain = 500;
    constexpr size_t kTls = 100;
    IdleClientProcess clients;  // forked before any server thread exists
    config_.max_connections_per_client = kPlain + kTls + 10;
    start();
    // Warm up: the first connections allocate per-thread and per-context structures.
    ASSERT_TRUE(clients.open('t', port(kMx), 4));
    ASSERT_TRUE(eventually([&] { return server_->open_connections() == 4; }));

    size_t before = heap_in_use();
    ASSERT_TRUE(clients.open('p', port(kMx), kPlain));
    ASSERT_TRUE(eventually([&] { return server_->open_connections() == 4 + kPlain; }));
    size_t plain = (heap_in_use() - before) / kPlain;

    before = heap_in_use();
    ASSERT_TRUE(clients.open('t', port(kMx), kTls));
    ASSERT_TRUE(eventually([&] { return server_->open_connections() == 4 + kPlain + kTls; }));
    size_t tls = (heap_in_use() - before) / kTls;

    std::printf("server heap per idle connection: plain %zu bytes, inside TLS %zu bytes\n", plain, tls);
    EXPECT_LT(plain, 8u * 1024);
    EXPECT_LT(tls, 128u * 1024);
}

}  // namespace
}  // namespace danemail::smtp

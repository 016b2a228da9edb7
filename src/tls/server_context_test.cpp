// Tests of the TLS server policy (server_context.h): in-memory handshakes between an OpenSSL client and a
// server on make_server_context, over a BIO pair — versions below TLS 1.2, CBC and non-ECDHE suites and
// other groups refused, the server's order, no resumption, no renegotiation — and the errors for the
// operator's files: unreadable, not PEM, key not matching, chain out of order, key too weak.
#include "tls/server_context.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tls/self_signed.h"
#include "tls/test_pki.h"

namespace danemail::tls {
namespace {

namespace fs = std::filesystem;

using SslPtr = std::unique_ptr<SSL, detail::OpenSslFree<SSL, SSL_free>>;

// One client and one server SSL joined by a BIO pair; handshake() drives both until they are done.
class Handshake {
public:
    Handshake(SSL_CTX* server_ctx, SSL_CTX* client_ctx)
        : server_(SSL_new(server_ctx)), client_(SSL_new(client_ctx)) {
        BIO* server_bio = nullptr;
        BIO* client_bio = nullptr;
        BIO_new_bio_pair(&server_bio, 0, &client_bio, 0);
        SSL_set_bio(server_.get(), server_bio, server_bio);
        SSL_set_bio(client_.get(), client_bio, client_bio);
        SSL_set_accept_state(server_.get());
        SSL_set_connect_state(client_.get());
    }

    // True when both sides completed the handshake; false as soon as either fails.
    bool run() {
        bool server_done = false;
        bool client_done = false;
        for (int round = 0; round < 20 && !(server_done && client_done); ++round) {
            if (!client_done && !step(client_.get(), client_done)) return false;
            if (!server_done && !step(server_.get(), server_done)) return false;
        }
        return server_done && client_done;
    }

    // Sends `text` from the client and reads it on the server (which also lets the client process any
    // post-handshake messages, such as a TLS 1.3 NewSessionTicket, once the server answers).
    bool exchange(const std::string& text) {
        if (SSL_write(client_.get(), text.data(), static_cast<int>(text.size())) <= 0) return false;
        std::string got(text.size(), '\0');
        if (SSL_read(server_.get(), got.data(), static_cast<int>(got.size())) !=
            static_cast<int>(text.size()))
            return false;
        if (SSL_write(server_.get(), "ok", 2) != 2) return false;
        char answer[2];
        return SSL_read(client_.get(), answer, 2) == 2 && got == text;
    }

    SSL* server() { return server_.get(); }
    SSL* client() { return client_.get(); }

private:
    static bool step(SSL* ssl, bool& done) {
        int result = SSL_do_handshake(ssl);
        if (result == 1) {
            done = true;
            return true;
        }
        int error = SSL_get_error(ssl, result);
        ERR_clear_error();
        return error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE;
    }

    SslPtr server_;
    SslPtr client_;
};

using CtxPtr = std::unique_ptr<SSL_CTX, detail::OpenSslFree<SSL_CTX, SSL_CTX_free>>;

// A client context that allows everything OpenSSL can still do, so only the server's policy decides.
CtxPtr permissive_client(int max_version = TLS1_3_VERSION) {
    CtxPtr ctx(SSL_CTX_new(TLS_client_method()));
    SSL_CTX_set_security_level(ctx.get(), 0);
    SSL_CTX_set_min_proto_version(ctx.get(), 0);
    SSL_CTX_set_max_proto_version(ctx.get(), max_version);
    SSL_CTX_set_cipher_list(ctx.get(), "ALL:@SECLEVEL=0");
    return ctx;
}

class ServerContextTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("danemail-server-context-test-" + std::to_string(::getpid()));
        fs::create_directories(dir_);
        auto credentials = make_self_signed("mx.example.org");
        ASSERT_TRUE(credentials) << credentials.error().to_string();
        chain_file_ = write("chain.pem", credentials->certificate_pem);
        key_file_ = write("key.pem", credentials->private_key_pem);
        auto server = make_server_context(chain_file_, key_file_);
        ASSERT_TRUE(server) << server.error().to_string();
        server_ = std::move(*server);
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::string write(const std::string& name, const std::string& content) {
        fs::path path = dir_ / name;
        std::ofstream(path, std::ios::binary) << content;
        return path.string();
    }

    std::string load_error(const std::string& chain, const std::string& key) {
        auto result = make_server_context(chain, key);
        return result ? std::string("(loaded)") : result.error().to_string();
    }

    fs::path dir_;
    std::string chain_file_;
    std::string key_file_;
    SslCtxPtr server_;
};

TEST_F(ServerContextTest, Tls13WithX25519AndTheStrongestSuiteByDefault) {
    CtxPtr client = permissive_client();
    Handshake handshake(server_.get(), client.get());
    ASSERT_TRUE(handshake.run());
    EXPECT_STREQ(SSL_get_version(handshake.server()), "TLSv1.3");
    EXPECT_STREQ(SSL_CIPHER_get_name(SSL_get_current_cipher(handshake.server())), "TLS_AES_256_GCM_SHA384");
    EXPECT_EQ(SSL_get_negotiated_group(handshake.server()), NID_X25519);
    EXPECT_TRUE(handshake.exchange("EHLO client.example\r\n"));
}

TEST_F(ServerContextTest, VersionsBelowTls12AreRefused) {
    for (int version : {TLS1_VERSION, TLS1_1_VERSION}) {
        CtxPtr client = permissive_client(version);
        Handshake handshake(server_.get(), client.get());
        EXPECT_FALSE(handshake.run()) << "version " << version;
    }
    CtxPtr client = permissive_client(TLS1_2_VERSION);
    Handshake handshake(server_.get(), client.get());
    ASSERT_TRUE(handshake.run());
    EXPECT_STREQ(SSL_get_version(handshake.server()), "TLSv1.2");
}

TEST_F(ServerContextTest, Tls12OnlyEcdheWithAead) {
    for (const char* weak : {"ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA384", "AES128-GCM-SHA256",
                             "ECDHE-ECDSA-NULL-SHA", "DHE-RSA-AES128-GCM-SHA256"}) {
        CtxPtr client = permissive_client(TLS1_2_VERSION);
        ASSERT_EQ(SSL_CTX_set_cipher_list(client.get(), (std::string(weak) + ":@SECLEVEL=0").c_str()), 1);
        Handshake handshake(server_.get(), client.get());
        EXPECT_FALSE(handshake.run()) << weak;
    }
    CtxPtr client = permissive_client(TLS1_2_VERSION);
    ASSERT_EQ(SSL_CTX_set_cipher_list(client.get(), "ECDHE-ECDSA-CHACHA20-POLY1305"), 1);
    Handshake handshake(server_.get(), client.get());
    ASSERT_TRUE(handshake.run());
    EXPECT_STREQ(SSL_CIPHER_get_name(SSL_get_current_cipher(handshake.server())),
                 "ECDHE-ECDSA-CHACHA20-POLY1305");
}

TEST_F(ServerContextTest, ServerPreferenceDecides) {
    CtxPtr client = permissive_client(TLS1_2_VERSION);
    ASSERT_EQ(
        SSL_CTX_set_cipher_list(client.get(), "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384"),
        1);
    Handshake handshake(server_.get(), client.get());
    ASSERT_TRUE(handshake.run());
    EXPECT_STREQ(SSL_CIPHER_get_name(SSL_get_current_cipher(handshake.server())),
                 "ECDHE-ECDSA-AES256-GCM-SHA384");

    CtxPtr client13 = permissive_client();
    ASSERT_EQ(SSL_CTX_set_ciphersuites(client13.get(), "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384"), 1);
    Handshake handshake13(server_.get(), client13.get());
    ASSERT_TRUE(handshake13.run());
    EXPECT_STREQ(SSL_CIPHER_get_name(SSL_get_current_cipher(handshake13.server())), "TLS_AES_256_GCM_SHA384");
}

TEST_F(ServerContextTest, ChaChaForClientsThatPutItFirst) {
    CtxPtr client = permissive_client();
    ASSERT_EQ(SSL_CTX_set_ciphersuites(client.get(), "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384"),
              1);
    Handshake handshake(server_.get(), client.get());
    ASSERT_TRUE(handshake.run());
    EXPECT_STREQ(SSL_CIPHER_get_name(SSL_get_current_cipher(handshake.server())),
                 "TLS_CHACHA20_POLY1305_SHA256");
}

TEST_F(ServerContextTest, OnlyX25519P256P384) {
    for (const char* groups : {"X448", "ffdhe2048", "P-521"}) {
        CtxPtr client = permissive_client();
        ASSERT_EQ(SSL_CTX_set1_groups_list(client.get(), groups), 1);
        Handshake handshake(server_.get(), client.get());
        EXPECT_FALSE(handshake.run()) << groups;
    }
    CtxPtr client = permissive_client();
    ASSERT_EQ(SSL_CTX_set1_groups_list(client.get(), "X448:P-384"), 1);
    Handshake handshake(server_.get(), client.get());
    ASSERT_TRUE(handshake.run());
    EXPECT_EQ(SSL_get_negotiated_group(handshake.server()), NID_secp384r1);
}

TEST_F(ServerContextTest, NoSessionToResume) {
    for (int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
        CtxPtr client = permissive_client(version);
        Handshake handshake(server_.get(), client.get());
        ASSERT_TRUE(handshake.run());
        ASSERT_TRUE(handshake.exchange("NOOP\r\n"));
        SSL_SESSION* session = SSL_get_session(handshake.client());
        ASSERT_NE(session, nullptr);
        EXPECT_FALSE(SSL_SESSION_has_ticket(session)) << version;
        if (version == TLS1_3_VERSION) {
            EXPECT_FALSE(SSL_SESSION_is_resumable(session));
        }
    }
}

TEST_F(ServerContextTest, RenegotiationIsRefused) {
    CtxPtr client = permissive_client(TLS1_2_VERSION);
    Handshake handshake(server_.get(), client.get());
    ASSERT_TRUE(handshake.run());
    // The client starts a renegotiation (a new ClientHello inside the session); the server answers it
    // with a no_renegotiation alert, which ends the client's attempt (RFC 5746 §4.2 aside: none at all).
    ASSERT_EQ(SSL_renegotiate(handshake.client()), 1);
    int result = SSL_do_handshake(handshake.client());
    ASSERT_EQ(SSL_get_error(handshake.client(), result), SSL_ERROR_WANT_READ);
    char byte = 0;
    result = SSL_read(handshake.server(), &byte, 1);
    EXPECT_EQ(SSL_get_error(handshake.server(), result), SSL_ERROR_WANT_READ);
    result = SSL_do_handshake(handshake.client());
    EXPECT_EQ(SSL_get_error(handshake.client(), result), SSL_ERROR_SSL);
    ERR_clear_error();
    EXPECT_EQ(SSL_num_renegotiations(handshake.server()), 0);
}

TEST_F(ServerContextTest, NoCompression) {
    // OpenSSL 3 builds usually lack compression; the option keeps it off where it is built in (CRIME).
    EXPECT_NE(SSL_CTX_get_options(server_.get()) & SSL_OP_NO_COMPRESSION, 0u);
    CtxPtr client = permissive_client(TLS1_2_VERSION);
    Handshake handshake(server_.get(), client.get());
    ASSERT_TRUE(handshake.run());
    EXPECT_EQ(SSL_get_current_compression(handshake.server()), nullptr);
}

TEST_F(ServerContextTest, ChainWithIntermediateIsSent) {
    testing::TestPki pki;
    std::string chain =
        write("full.pem", testing::pem_of(pki.leaf.get()) + testing::pem_of(pki.intermediate.get()));
    std::string key = write("leaf.key", testing::private_key_pem(pki.leaf_key.get()));
    auto server = make_server_context(chain, key);
    ASSERT_TRUE(server) << server.error().to_string();
    CtxPtr client = permissive_client();
    Handshake handshake(server->get(), client.get());
    ASSERT_TRUE(handshake.run());
    STACK_OF(X509)* sent = SSL_get_peer_cert_chain(handshake.client());
    ASSERT_NE(sent, nullptr);
    EXPECT_EQ(sk_X509_num(sent), 2);
}

TEST_F(ServerContextTest, UnreadableFiles) {
    std::string missing = (dir_ / "missing.pem").string();
    EXPECT_NE(load_error(missing, key_file_).find(missing + ": cannot read the certificate chain"),
              std::string::npos)
        << load_error(missing, key_file_);
    EXPECT_NE(load_error(chain_file_, missing).find(missing + ": cannot read the private key"),
              std::string::npos)
        << load_error(chain_file_, missing);
    std::string empty = write("empty.pem", "");
    EXPECT_NE(load_error(empty, key_file_).find("empty file"), std::string::npos);
}

TEST_F(ServerContextTest, NotPem) {
    testing::TestPki pki;
    auto der = testing::der_of(pki.leaf.get());
    std::string der_file = write("leaf.der", std::string(der.begin(), der.end()));
    EXPECT_NE(load_error(der_file, key_file_).find(der_file + ": not PEM"), std::string::npos)
        << load_error(der_file, key_file_);
    std::string text = write("notes.txt", "hello\n");
    EXPECT_NE(load_error(chain_file_, text).find(text + ": not PEM"), std::string::npos)
        << load_error(chain_file_, text);
    // A PEM file with the wrong content: a key where the chain belongs, and the other way round.
    EXPECT_NE(load_error(key_file_, key_file_).find("no CERTIFICATE block"), std::string::npos)
        << load_error(key_file_, key_file_);
    EXPECT_NE(load_error(chain_file_, chain_file_).find(chain_file_ + ": no private key block"),
              std::string::npos)
        << load_error(chain_file_, chain_file_);
}

TEST_F(ServerContextTest, KeyMustMatchTheFirstCertificate) {
    testing::TestPki pki;
    std::string other_key = write("other.key", testing::private_key_pem(pki.leaf_key.get()));
    EXPECT_NE(load_error(chain_file_, other_key).find(other_key + ": the private key does not match"),
              std::string::npos)
        << load_error(chain_file_, other_key);

    std::string reversed =
        write("reversed.pem", testing::pem_of(pki.intermediate.get()) + testing::pem_of(pki.leaf.get()));
    std::string leaf_key = write("leaf.key", testing::private_key_pem(pki.leaf_key.get()));
    EXPECT_NE(load_error(reversed, leaf_key).find("belongs to certificate 2, not the first"),
              std::string::npos)
        << load_error(reversed, leaf_key);
}

TEST_F(ServerContextTest, ChainMustBeInOrder) {
    testing::TestPki pki;
    std::string unordered =
        write("unordered.pem", testing::pem_of(pki.leaf.get()) + testing::pem_of(pki.root.get()) +
                                   testing::pem_of(pki.intermediate.get()));
    std::string leaf_key = write("leaf.key", testing::private_key_pem(pki.leaf_key.get()));
    EXPECT_NE(load_error(unordered, leaf_key).find("did not issue certificate 1"), std::string::npos)
        << load_error(unordered, leaf_key);
}

TEST_F(ServerContextTest, WeakKeyAndEncryptedKeyAreRefused) {
    EvpPkeyPtr weak = testing::make_rsa_key(1024);
    X509Ptr cert = testing::make_certificate({"weak.example"}, weak.get(), nullptr, weak.get());
    std::string chain = write("weak.pem", testing::pem_of(cert.get()));
    std::string key = write("weak.key", testing::private_key_pem(weak.get()));
    EXPECT_NE(load_error(chain, key).find("certificate refused"), std::string::npos)
        << load_error(chain, key);

    testing::TestPki pki;
    std::string leaf = write("leaf.pem", testing::pem_of(pki.leaf.get()));
    std::string encrypted = write("enc.key", testing::private_key_pem(pki.leaf_key.get(), "secret"));
    EXPECT_NE(load_error(leaf, encrypted).find("encrypted"), std::string::npos)
        << load_error(leaf, encrypted);
}

}  // namespace
}  // namespace danemail::tls

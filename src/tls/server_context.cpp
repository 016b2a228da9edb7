// The TLS server policy of server_context.h on an OpenSSL SSL_CTX (RFC 9325, which updates RFC 7525 /
// BCP 195): TLS 1.2 and 1.3 only, ECDHE with AEAD ciphers, server preference, no compression, no
// renegotiation, no session resumption; and the operator's PEM chain and key, checked against each other.
// Untrusted input: the two files (size-limited and parsed by certificate_loader.h).
#include "tls/server_context.h"

#include <openssl/ssl.h>

#include "base/file_io.h"
#include "tls/certificate_loader.h"
#include "tls/openssl_handles.h"

namespace danemail::tls {

void SslCtxDeleter::operator()(SSL_CTX* ctx) const {
    SSL_CTX_free(ctx);
}

namespace {

// TLS 1.2 (RFC 9325 §4.2): ephemeral ECDH only, so every session is forward-secret, and AEAD only (no
// CBC: Lucky13 and friends). ECDSA and RSA certificates both work; the list is in the server's order.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256";
// TLS 1.3 (RFC 8446 §9.1): the three AEAD suites, all of them forward-secret by construction.
constexpr const char* kTls13Suites =
    "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256";
// Key exchange groups, X25519 first (RFC 7748, RFC 8422); no finite-field DH.
constexpr const char* kGroups = "X25519:P-256:P-384";
// OpenSSL security level 2: at least 112-bit security, so RSA and DH below 2048 bits and SHA-1
// signatures are refused — in particular a too-weak server key is reported when it is loaded.
constexpr int kSecurityLevel = 2;

// The policy part of the context; no credentials yet.
Status apply_policy(SSL_CTX* ctx) {
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
        SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1)
        return make_error(detail::with_openssl_error("TLS context: cannot restrict to TLS 1.2 and 1.3"));
    SSL_CTX_set_security_level(ctx, kSecurityLevel);
    SSL_CTX_set_options(ctx,
                        SSL_OP_CIPHER_SERVER_PREFERENCE |  // RFC 9325 §4.2: our order, not the client's
                            SSL_OP_PRIORITIZE_CHACHA |     // ...unless the client puts ChaCha20 first
                                                           // (no AES hardware): then it gets ChaCha20
                            SSL_OP_NO_COMPRESSION |        // CRIME (RFC 9325 §3.3)
                            SSL_OP_NO_RENEGOTIATION |      // RFC 9325 §3.5: no renegotiation at all
                            SSL_OP_NO_TICKET);             // see below
    // No session resumption. TLS 1.2 tickets are sealed with a key that lives as long as this context,
    // so whoever steals it can decrypt every recorded session that used a ticket (RFC 9325 §3.4, §7.4)
    // — forward secrecy would depend on rotating that key. SMTP peers send many messages per connection
    // and gain little from resumption, so none is offered: no TLS 1.2 tickets or session cache, and no
    // TLS 1.3 NewSessionTicket (which also saves a round of writes after every handshake).
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    if (SSL_CTX_set_num_tickets(ctx, 0) != 1)
        return make_error(detail::with_openssl_error("TLS context: cannot turn off session tickets"));
    // An idle connection gives its record buffers back (many idle SMTP connections stay cheap).
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1)
        return make_error(detail::with_openssl_error("TLS context: TLS 1.2 cipher list refused"));
    if (SSL_CTX_set_ciphersuites(ctx, kTls13Suites) != 1)
        return make_error(detail::with_openssl_error("TLS context: TLS 1.3 cipher suites refused"));
    if (SSL_CTX_set1_groups_list(ctx, kGroups) != 1)
        return make_error(detail::with_openssl_error("TLS context: key exchange groups refused"));
    return {};
}

// The whole file, which must be PEM (RFC 7468); `what` names the expected content for messages.
Result<std::string> read_pem_file(const std::string& path, const char* what) {
    auto content = read_file(path);
    if (!content)
        return make_error(path, "cannot read the " + std::string(what) + ": " + content.error().what);
    if (content->empty()) return make_error(path, std::string("empty file, expected the ") + what);
    if (detect_credential_format(*content) != CredentialFormat::kPem)
        return make_error(path, std::string("not PEM (no \"-----BEGIN\" line), expected the ") + what);
    return content;
}

// The chain must be in the order a server sends it (RFC 8446 §4.4.2): each certificate issued by the next.
Status check_chain_order(const CertificateChain& chain, const std::string& path) {
    for (size_t i = 0; i + 1 < chain.size(); ++i) {
        if (!chain[i + 1].is_issuer_of(chain[i]))
            return make_error(path, "certificate " + std::to_string(i + 2) + " (" + chain[i + 1].subject() +
                                        ") did not issue certificate " + std::to_string(i + 1) + " (" +
                                        chain[i].subject() + "): the file must hold the server's " +
                                        "certificate first, then each issuer in turn");
    }
    return {};
}

Status load_credentials(SSL_CTX* ctx, const std::string& chain_file, const std::string& key_file) {
    auto chain_text = read_pem_file(chain_file, "certificate chain");
    if (!chain_text) return chain_text.error();
    auto chain = parse_certificates(*chain_text, chain_file);
    if (!chain) return chain.error();
    auto key_text = read_pem_file(key_file, "private key");
    if (!key_text) return key_text.error();
    auto key = parse_private_key(*key_text, key_file);
    if (!key) return key.error();

    if (X509_check_private_key(chain->front().x509(), key->evp_pkey()) != 1) {
        detail::take_openssl_error();
        for (size_t i = 1; i < chain->size(); ++i) {
            if (X509_check_private_key((*chain)[i].x509(), key->evp_pkey()) == 1) {
                detail::take_openssl_error();
                return make_error(chain_file, "the private key in " + key_file + " belongs to certificate " +
                                                  std::to_string(i + 1) + ", not the first: put the " +
                                                  "server's own certificate first");
            }
            detail::take_openssl_error();
        }
        return make_error(key_file, "the private key does not match the certificate (" +
                                        chain->front().subject() + ") in " + chain_file);
    }
    if (Status order = check_chain_order(*chain, chain_file); !order) return order;

    if (SSL_CTX_use_certificate(ctx, chain->front().x509()) != 1)
        return make_error(chain_file, detail::with_openssl_error("certificate refused"));
    for (size_t i = 1; i < chain->size(); ++i) {
        if (SSL_CTX_add1_chain_cert(ctx, (*chain)[i].x509()) != 1)
            return make_error(
                chain_file, detail::with_openssl_error("certificate " + std::to_string(i + 1) + " refused"));
    }
    if (SSL_CTX_use_PrivateKey(ctx, key->evp_pkey()) != 1)
        return make_error(key_file, detail::with_openssl_error("private key refused"));
    if (SSL_CTX_check_private_key(ctx) != 1)
        return make_error(key_file,
                          detail::with_openssl_error("the private key does not match the certificate"));
    return {};
}

}  // namespace

Result<SslCtxPtr> make_server_context(const std::string& certificate_chain_file,
                                      const std::string& private_key_file) {
    SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
    if (!ctx) return make_error(detail::with_openssl_error("TLS context: out of memory"));
    if (Status policy = apply_policy(ctx.get()); !policy) return policy.error();
    if (Status loaded = load_credentials(ctx.get(), certificate_chain_file, private_key_file); !loaded)
        return loaded.error();
    return ctx;
}

}  // namespace danemail::tls

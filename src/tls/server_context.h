// The TLS server configuration shared by SMTP (25/587/465) and later IMAP, POP3 and HTTPS: TLS 1.2 and
// 1.3 only, forward-secret AEAD cipher suites (ECDHE with AES-GCM or ChaCha20-Poly1305), the server's
// preference order, X25519/P-256/P-384 key exchange, no compression, no renegotiation (RFC 7525 / BCP 195
// as updated by RFC 9325). Loads the certificate chain and private key from PEM files the operator names;
// errors name the file and what is wrong (unreadable, not PEM, key does not match the certificate).
#pragma once

#include <memory>
#include <string>

#include "base/result.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace danemail::tls {

struct SslCtxDeleter {
    void operator()(SSL_CTX* ctx) const;
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxDeleter>;

// A new server SSL_CTX with the policy above and the chain (leaf first, then intermediates) and key loaded.
Result<SslCtxPtr> make_server_context(const std::string& certificate_chain_file,
                                      const std::string& private_key_file);

}  // namespace danemail::tls

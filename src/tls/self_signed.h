// Self-signed certificates for servers that are authenticated by DANE-EE(3) TLSA records alone (RFC 7672
// §3.1.1, RFC 7671 §5.1): a fresh ECDSA P-256 key and an X.509 v3 certificate (RFC 5280) naming the host in
// its subject CN and subjectAltName. Used by the lab for its mail hosts. No untrusted input.
#pragma once

#include <string>

#include "base/result.h"

namespace danemail::tls {

struct SelfSignedCredentials {
    std::string certificate_pem;  // "-----BEGIN CERTIFICATE-----" (RFC 7468)
    std::string private_key_pem;  // unencrypted PKCS#8, "-----BEGIN PRIVATE KEY-----"
};

// A new P-256 key and a certificate for `host` signed with it, valid from an hour ago (clock skew) for
// `days` days; an end-entity certificate (basicConstraints CA:FALSE) for TLS servers (serverAuth).
Result<SelfSignedCredentials> make_self_signed(const std::string& host, int days = 365);

}  // namespace danemail::tls

// X.509 certificates and public/private keys as owned values: RAII over OpenSSL's X509 and EVP_PKEY, with
// the DER encodings DANE selects from (RFC 6698 §2.1.2: the full certificate, or its SubjectPublicKeyInfo,
// RFC 5280 §4.1). Untrusted input: DER bytes from files or TLS peers, parsed with trailing bytes rejected.
// OpenSSL types are only forward-declared here, so users of this header do not include OpenSSL.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "base/encoding.h"
#include "base/result.h"

struct x509_st;      // OpenSSL's X509
struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace danemail::tls {

// Deleters for OpenSSL handles (defined in certificate.cpp so that OpenSSL stays out of this header).
struct X509Free {
    void operator()(x509_st* cert) const noexcept;
};
struct EvpPkeyFree {
    void operator()(evp_pkey_st* key) const noexcept;
};
using X509Ptr = std::unique_ptr<x509_st, X509Free>;
using EvpPkeyPtr = std::unique_ptr<evp_pkey_st, EvpPkeyFree>;

// A parsed X.509 certificate together with the exact DER it was read from and its SubjectPublicKeyInfo.
// Move-only; copy() takes another reference to the same immutable certificate.
class Certificate {
public:
    // Exactly one certificate; trailing bytes are an error. The DER kept is `der` itself, byte for byte,
    // so that a selector-0 digest covers what the peer sent (RFC 6698 §2.1.2).
    static Result<Certificate> from_der(ByteView der);
    // Takes a new reference to `cert` (the caller keeps its own), e.g. one from SSL_get0_peer_certificate.
    static Result<Certificate> from_x509(x509_st* cert);

    Certificate copy() const;

    const Bytes& der() const { return der_; }
    const Bytes& spki_der() const { return spki_der_; }  // SubjectPublicKeyInfo, RFC 5280 §4.1.2.7

    std::string subject() const;  // one line, RFC 2253 order, for messages
    std::string issuer() const;
    // True when basicConstraints marks a CA (RFC 5280 §4.2.1.9), as a DANE-TA(2) certificate should be.
    bool is_ca() const;
    // True when this certificate's subject and key identifiers fit `subject`'s issuer (RFC 5280 §4.1.2.4,
    // §4.2.1.1); the signature is not checked, so this answers "is the chain in order?", not "is it valid?".
    bool is_issuer_of(const Certificate& subject) const;

    x509_st* x509() const { return cert_.get(); }  // borrowed; valid while this Certificate lives

private:
    Certificate(X509Ptr cert, Bytes der, Bytes spki_der)
        : cert_(std::move(cert)), der_(std::move(der)), spki_der_(std::move(spki_der)) {}

    X509Ptr cert_;
    Bytes der_;
    Bytes spki_der_;
};

// Certificates in the order a TLS server sends them (RFC 8446 §4.4.2): the leaf (end entity) first, each
// following one the issuer of the one before; the last may be a self-signed root.
using CertificateChain = std::vector<Certificate>;

// A public key, held as its SubjectPublicKeyInfo (RFC 5280 §4.1.2.7).
class PublicKey {
public:
    static Result<PublicKey> from_spki_der(ByteView der);
    // The public half of `key` (public or private; not taken over), re-encoded as a SubjectPublicKeyInfo.
    static Result<PublicKey> from_evp_pkey(evp_pkey_st* key);

    const Bytes& spki_der() const { return spki_der_; }
    std::string algorithm() const;                        // "RSA", "EC", "ED25519", ...
    evp_pkey_st* evp_pkey() const { return key_.get(); }  // borrowed

private:
    PublicKey(EvpPkeyPtr key, Bytes spki_der) : key_(std::move(key)), spki_der_(std::move(spki_der)) {}

    EvpPkeyPtr key_;
    Bytes spki_der_;
};

// A private key (which OpenSSL keeps together with its public half). Move-only.
class PrivateKey {
public:
    // Takes ownership of `key`, which must hold a private key.
    explicit PrivateKey(EvpPkeyPtr key) : key_(std::move(key)) {}

    Result<PublicKey> public_key() const;
    evp_pkey_st* evp_pkey() const { return key_.get(); }  // borrowed

private:
    EvpPkeyPtr key_;
};

}  // namespace danemail::tls

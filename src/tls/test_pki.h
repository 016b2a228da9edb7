// Test support for src/tls (included by *_test.cpp only): makes keys, CA and leaf certificates in memory
// with OpenSSL, and writes them as PEM or DER, so tests build the chains they need (RFC 5280 §4.1).
// No untrusted input; not part of the danemail_tls library.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <stdexcept>
#include <string>

#include "base/encoding.h"
#include "tls/certificate.h"
#include "tls/openssl_handles.h"

namespace danemail::tls::testing {

inline void require(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string("test PKI: ") + what + ": " + detail::take_openssl_error());
}

inline EvpPkeyPtr make_ec_key() {
    EvpPkeyPtr key(EVP_EC_gen("P-256"));
    require(key != nullptr, "EC key generation");
    return key;
}

inline EvpPkeyPtr make_rsa_key(unsigned bits = 2048) {
    EvpPkeyPtr key(EVP_RSA_gen(bits));
    require(key != nullptr, "RSA key generation");
    return key;
}

struct CertificateSpec {
    std::string common_name;
    bool is_ca = false;
    long valid_from_offset = -3600;          // seconds relative to now
    long valid_until_offset = 365L * 86400;  // seconds relative to now
};

// A certificate for `subject_key`, signed by `issuer_key` under `issuer` (nullptr: self-signed).
inline X509Ptr make_certificate(const CertificateSpec& spec, EVP_PKEY* subject_key, X509* issuer,
                                EVP_PKEY* issuer_key) {
    X509Ptr cert(X509_new());
    require(cert != nullptr, "X509_new");
    static long serial = 1000;
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), ++serial);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), spec.valid_from_offset);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), spec.valid_until_offset);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1, -1, 0);
    require(X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name) == 1,
            "issuer name");
    require(X509_set_pubkey(cert.get(), subject_key) == 1, "public key");

    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
    auto add = [&](int nid, const char* value) {
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
        require(ext != nullptr && X509_add_ext(cert.get(), ext, -1) == 1, "extension");
        X509_EXTENSION_free(ext);
    };
    add(NID_basic_constraints, spec.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    add(NID_key_usage, spec.is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
    add(NID_subject_key_identifier, "hash");
    if (issuer) add(NID_authority_key_identifier, "keyid:always");
    require(X509_sign(cert.get(), issuer_key, EVP_sha256()) > 0, "signing");
    return cert;
}

inline std::string pem_of(X509* cert) {
    detail::BioPtr bio(BIO_new(BIO_s_mem()));
    require(PEM_write_bio_X509(bio.get(), cert) == 1, "PEM certificate");
    char* data = nullptr;
    long length = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(length));
}

inline Bytes der_of(X509* cert) {
    int length = i2d_X509(cert, nullptr);
    require(length > 0, "DER certificate");
    Bytes der(static_cast<size_t>(length));
    unsigned char* out = der.data();
    i2d_X509(cert, &out);
    return der;
}

// PKCS#8 "PRIVATE KEY", or encrypted "ENCRYPTED PRIVATE KEY" with `passphrase`.
inline std::string private_key_pem(EVP_PKEY* key, const char* passphrase = nullptr) {
    detail::BioPtr bio(BIO_new(BIO_s_mem()));
    const EVP_CIPHER* cipher = passphrase ? EVP_aes_256_cbc() : nullptr;
    int length = passphrase ? static_cast<int>(std::char_traits<char>::length(passphrase)) : 0;
    require(PEM_write_bio_PKCS8PrivateKey(bio.get(), key, cipher, passphrase, length, nullptr, nullptr) == 1,
            "PEM private key");
    char* data = nullptr;
    long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(size));
}

inline std::string public_key_pem(EVP_PKEY* key) {
    detail::BioPtr bio(BIO_new(BIO_s_mem()));
    require(PEM_write_bio_PUBKEY(bio.get(), key) == 1, "PEM public key");
    char* data = nullptr;
    long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(size));
}

// SubjectPublicKeyInfo DER of `key` straight from OpenSSL (i2d_PUBKEY), not through the code under test.
inline Bytes spki_of(EVP_PKEY* key) {
    int length = i2d_PUBKEY(key, nullptr);
    require(length > 0, "SPKI");
    Bytes der(static_cast<size_t>(length));
    unsigned char* out = der.data();
    i2d_PUBKEY(key, &out);
    return der;
}

// SHA2-256 of `data`, computed here rather than through the code under test.
inline std::string sha256_hex(ByteView data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    require(EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) == 1, "SHA-256");
    return to_hex(ByteView(digest, length));
}

// A CA → intermediate → leaf chain with its keys; `chain()` is in server order (leaf first).
struct TestPki {
    EvpPkeyPtr root_key = make_ec_key();
    EvpPkeyPtr intermediate_key = make_ec_key();
    EvpPkeyPtr leaf_key = make_ec_key();
    X509Ptr root;
    X509Ptr intermediate;
    X509Ptr leaf;

    explicit TestPki(long intermediate_valid_until = 365L * 86400) {
        root = make_certificate({"Test Root", true}, root_key.get(), nullptr, root_key.get());
        intermediate = make_certificate({"Test Intermediate", true, -3600, intermediate_valid_until},
                                        intermediate_key.get(), root.get(), root_key.get());
        leaf = make_certificate({"mail.example.com", false}, leaf_key.get(), intermediate.get(),
                                intermediate_key.get());
    }

    std::string chain_pem() const {
        return pem_of(leaf.get()) + pem_of(intermediate.get()) + pem_of(root.get());
    }
};

}  // namespace danemail::tls::testing

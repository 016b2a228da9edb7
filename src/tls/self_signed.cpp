// Generates a P-256 key and a self-signed server certificate for one host name with OpenSSL (RFC 5280
// §4.1 fields, §4.2.1.6 subjectAltName, §4.2.1.9 basicConstraints, §4.2.1.12 extKeyUsage).
#include "tls/self_signed.h"

#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "tls/certificate.h"
#include "tls/openssl_handles.h"

namespace danemail::tls {
namespace {

constexpr long kBackdateSeconds = 3600;  // notBefore an hour back, against clock skew between hosts
constexpr int kSerialBytes = 16;         // random serial numbers (CA/B Forum asks for 64 bits or more)

Result<std::string> pem_from(detail::BioPtr& bio, const char* what) {
    char* data = nullptr;
    long length = BIO_get_mem_data(bio.get(), &data);
    if (length <= 0 || data == nullptr) return make_error(detail::with_openssl_error(std::string(what)));
    return std::string(data, static_cast<size_t>(length));
}

Status add_extension(X509* cert, X509V3_CTX& ctx, int nid, const std::string& value) {
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (extension == nullptr) return make_error(detail::with_openssl_error("certificate extension " + value));
    const bool added = X509_add_ext(cert, extension, -1) == 1;
    X509_EXTENSION_free(extension);
    if (!added) return make_error(detail::with_openssl_error("adding certificate extension " + value));
    return {};
}

}  // namespace

Result<SelfSignedCredentials> make_self_signed(const std::string& host, int days) {
    if (host.empty() || host.size() > 253)
        return make_error("self-signed certificate: bad host name '" + host + "'");
    if (days <= 0) return make_error("self-signed certificate: validity must be at least one day");

    EvpPkeyPtr key(EVP_EC_gen("P-256"));
    if (!key) return make_error(detail::with_openssl_error("P-256 key generation"));
    X509Ptr cert(X509_new());
    if (!cert) return make_error(detail::with_openssl_error("X509_new"));

    unsigned char serial_bytes[kSerialBytes];
    if (RAND_bytes(serial_bytes, sizeof serial_bytes) != 1)
        return make_error(detail::with_openssl_error("random serial number"));
    serial_bytes[0] &= 0x7f;  // a positive INTEGER
    BIGNUM* serial = BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr);
    const bool serial_set =
        serial != nullptr && BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert.get()));
    BN_free(serial);
    if (!serial_set) return make_error(detail::with_openssl_error("certificate serial number"));

    X509_set_version(cert.get(), X509_VERSION_3);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kBackdateSeconds);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(days) * 86400);
    X509_NAME* name = X509_get_subject_name(cert.get());
    if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(host.c_str()), -1, -1, 0) != 1 ||
        X509_set_issuer_name(cert.get(), name) != 1 || X509_set_pubkey(cert.get(), key.get()) != 1)
        return make_error(detail::with_openssl_error("certificate names for " + host));

    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    for (const auto& [nid, value] : {std::pair<int, std::string>{NID_basic_constraints, "critical,CA:FALSE"},
                                     {NID_key_usage, "critical,digitalSignature"},
                                     {NID_ext_key_usage, "serverAuth"},
                                     {NID_subject_key_identifier, "hash"},
                                     {NID_subject_alt_name, "DNS:" + host}})
        if (auto added = add_extension(cert.get(), ctx, nid, value); !added) return added.error();
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0)
        return make_error(detail::with_openssl_error("signing the certificate for " + host));

    detail::BioPtr cert_bio(BIO_new(BIO_s_mem()));
    detail::BioPtr key_bio(BIO_new(BIO_s_mem()));
    if (!cert_bio || !key_bio || PEM_write_bio_X509(cert_bio.get(), cert.get()) != 1 ||
        PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return make_error(detail::with_openssl_error("PEM encoding for " + host));
    auto cert_pem = pem_from(cert_bio, "PEM certificate");
    if (!cert_pem) return cert_pem.error();
    auto key_pem = pem_from(key_bio, "PEM private key");
    if (!key_pem) return key_pem.error();
    return SelfSignedCredentials{std::move(*cert_pem), std::move(*key_pem)};
}

}  // namespace danemail::tls

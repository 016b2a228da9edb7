// X.509 certificates and keys as owned values (see certificate.h). Untrusted input: DER certificates and
// SubjectPublicKeyInfo structures (RFC 5280 §4.1), each of which must be consumed exactly, with no
// trailing bytes; sizes are checked before they reach OpenSSL's `long` lengths.
#include "tls/certificate.h"

#include <openssl/x509v3.h>

#include <climits>

#include "tls/openssl_handles.h"

namespace danemail::tls {

using detail::with_openssl_error;

void X509Free::operator()(x509_st* cert) const noexcept {
    X509_free(cert);
}
void EvpPkeyFree::operator()(evp_pkey_st* key) const noexcept {
    EVP_PKEY_free(key);
}

namespace {

// DER of the SubjectPublicKeyInfo inside `cert`.
Result<Bytes> encode_spki(X509* cert) {
    X509_PUBKEY* spki = X509_get_X509_PUBKEY(cert);
    int length = spki ? i2d_X509_PUBKEY(spki, nullptr) : -1;
    if (length <= 0) return make_error(with_openssl_error("cannot encode the certificate's public key"));
    Bytes der(static_cast<size_t>(length));
    unsigned char* out = der.data();
    if (i2d_X509_PUBKEY(spki, &out) != length) {
        return make_error(with_openssl_error("cannot encode the certificate's public key"));
    }
    return der;
}

std::string name_text(const X509_NAME* name) {
    detail::BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || !name) return {};
    if (X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) {
        detail::take_openssl_error();
        return {};
    }
    char* data = nullptr;
    long length = BIO_get_mem_data(bio.get(), &data);
    return length > 0 ? std::string(data, static_cast<size_t>(length)) : std::string();
}

bool fits_long(size_t size) {
    return size <= static_cast<size_t>(LONG_MAX);
}

}  // namespace

Result<Certificate> Certificate::from_der(ByteView der) {
    if (der.empty() || !fits_long(der.size())) return make_error("not a DER certificate: bad length");
    const unsigned char* in = der.data();
    X509Ptr cert(d2i_X509(nullptr, &in, static_cast<long>(der.size())));
    if (!cert) return make_error(with_openssl_error("not a DER X.509 certificate"));
    if (in != der.data() + der.size()) {
        return make_error("not a DER X.509 certificate: " + std::to_string(der.data() + der.size() - in) +
                          " bytes follow it");
    }
    auto spki = encode_spki(cert.get());
    if (!spki) return spki.error();
    return Certificate(std::move(cert), Bytes(der.begin(), der.end()), std::move(*spki));
}

Result<Certificate> Certificate::from_x509(x509_st* cert) {
    if (!cert) return make_error("no certificate");
    int length = i2d_X509(cert, nullptr);
    if (length <= 0) return make_error(with_openssl_error("cannot encode the certificate"));
    Bytes der(static_cast<size_t>(length));
    unsigned char* out = der.data();
    if (i2d_X509(cert, &out) != length)
        return make_error(with_openssl_error("cannot encode the certificate"));
    auto spki = encode_spki(cert);
    if (!spki) return spki.error();
    X509_up_ref(cert);
    return Certificate(X509Ptr(cert), std::move(der), std::move(*spki));
}

Certificate Certificate::copy() const {
    X509_up_ref(cert_.get());
    return Certificate(X509Ptr(cert_.get()), der_, spki_der_);
}

std::string Certificate::subject() const {
    return name_text(X509_get_subject_name(cert_.get()));
}
std::string Certificate::issuer() const {
    return name_text(X509_get_issuer_name(cert_.get()));
}

// X509_check_ca() also counts X.509 v1 self-signed certificates, which old roots still are.
bool Certificate::is_ca() const {
    return X509_check_ca(cert_.get()) != 0;
}

bool Certificate::is_issuer_of(const Certificate& subject) const {
    return X509_check_issued(cert_.get(), subject.cert_.get()) == X509_V_OK;
}

Result<PublicKey> PublicKey::from_spki_der(ByteView der) {
    if (der.empty() || !fits_long(der.size())) return make_error("not a DER public key: bad length");
    const unsigned char* in = der.data();
    EvpPkeyPtr key(d2i_PUBKEY(nullptr, &in, static_cast<long>(der.size())));
    if (!key) return make_error(with_openssl_error("not a DER SubjectPublicKeyInfo"));
    if (in != der.data() + der.size()) return make_error("not a DER SubjectPublicKeyInfo: trailing bytes");
    return PublicKey(std::move(key), Bytes(der.begin(), der.end()));
}

std::string PublicKey::algorithm() const {
    const char* name = EVP_PKEY_get0_type_name(key_.get());
    return name ? name : "unknown";
}

Result<PublicKey> PublicKey::from_evp_pkey(evp_pkey_st* key) {
    // i2d_PUBKEY writes only the public half of a private key, as a SubjectPublicKeyInfo.
    int length = key ? i2d_PUBKEY(key, nullptr) : -1;
    if (length <= 0) return make_error(with_openssl_error("cannot encode the public half of the key"));
    Bytes der(static_cast<size_t>(length));
    unsigned char* out = der.data();
    if (i2d_PUBKEY(key, &out) != length) {
        return make_error(with_openssl_error("cannot encode the public half of the key"));
    }
    return from_spki_der(der);
}

Result<PublicKey> PrivateKey::public_key() const {
    return PublicKey::from_evp_pkey(key_.get());
}

}  // namespace danemail::tls

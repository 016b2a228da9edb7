// Internal to src/tls: RAII owners for the OpenSSL handles the .cpp files use, and the OpenSSL error queue
// turned into message text. Includes OpenSSL headers, so only src/tls/*.cpp include it, never a public
// header. No untrusted input of its own; no RFCs.
#pragma once

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <memory>
#include <string>

namespace danemail::tls::detail {

template <class T, void (*Free)(T*)>
struct OpenSslFree {
    void operator()(T* p) const noexcept { Free(p); }
};

using BioPtr = std::unique_ptr<BIO, OpenSslFree<BIO, BIO_free_all>>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, OpenSslFree<EVP_MD_CTX, EVP_MD_CTX_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, OpenSslFree<X509_STORE, X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OpenSslFree<X509_STORE_CTX, X509_STORE_CTX_free>>;

// STACK_OF(X509) that owns neither the stack's certificates nor anything else but the stack itself.
struct X509StackFree {
    void operator()(STACK_OF(X509) * stack) const noexcept { sk_X509_free(stack); }
};
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackFree>;

// The oldest error on this thread's OpenSSL error queue as text (empty if none), and the queue emptied, so
// that one failure never shows up in the message of a later one.
inline std::string take_openssl_error() {
    unsigned long code = ERR_get_error();
    std::string text;
    if (code != 0) {
        char buffer[256];
        ERR_error_string_n(code, buffer, sizeof buffer);
        text = buffer;
    }
    ERR_clear_error();
    return text;
}

// "what" followed by ": <OpenSSL reason>" when OpenSSL gave one.
inline std::string with_openssl_error(std::string what) {
    std::string reason = take_openssl_error();
    return reason.empty() ? what : what + " (" + reason + ")";
}

}  // namespace danemail::tls::detail

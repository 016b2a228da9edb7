// Loading certificates, chains and keys from PEM (RFC 7468) or DER files; see certificate_loader.h.
// Untrusted input: the file. It is read with a size limit, PEM blocks are decoded by OpenSSL and each DER
// structure must be consumed exactly. Buffers that may hold private key material are wiped after use.
#include "tls/certificate_loader.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <vector>

#include "tls/openssl_handles.h"

namespace danemail::tls {

using detail::with_openssl_error;

namespace {

// A byte buffer that is wiped when it goes away, for anything that may hold a private key.
class WipedBuffer {
public:
    WipedBuffer() = default;
    explicit WipedBuffer(std::string text) : text_(std::move(text)) {}
    WipedBuffer(WipedBuffer&& other) noexcept : text_(std::move(other.text_)) {}
    WipedBuffer& operator=(WipedBuffer&&) = delete;
    ~WipedBuffer() { OPENSSL_cleanse(text_.data(), text_.size()); }

    std::string& text() { return text_; }
    std::string_view view() const { return text_; }

private:
    std::string text_;
};

// Reads at most kMaxCredentialFileSize bytes; a longer file is an error. The buffer is reserved up front so
// that growing it never leaves an unwiped copy of a key behind.
Result<WipedBuffer> read_credential_file(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return make_error(path, std::string("cannot open: ") + std::strerror(errno));
    WipedBuffer buffer;
    std::string& content = buffer.text();
    content.resize(kMaxCredentialFileSize + 1);
    size_t used = 0;
    while (used < content.size()) {
        ssize_t n = ::read(fd, content.data() + used, content.size() - used);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int saved = errno;
            ::close(fd);
            return make_error(path, std::string("read failed: ") + std::strerror(saved));
        }
        if (n == 0) break;
        used += static_cast<size_t>(n);
    }
    ::close(fd);
    if (used > kMaxCredentialFileSize) {
        return make_error(path, "larger than " + std::to_string(kMaxCredentialFileSize) +
                                    " bytes: not a certificate or key file");
    }
    OPENSSL_cleanse(content.data() + used, content.size() - used);
    content.resize(used);  // shrinking keeps the same storage
    return buffer;
}

// One PEM block (RFC 7468 §2): its label, whether RFC 1421 headers mark it encrypted, and its DER.
struct PemBlock {
    std::string label;
    bool encrypted = false;
    Bytes der;

    PemBlock() = default;
    PemBlock(PemBlock&&) noexcept = default;
    PemBlock& operator=(PemBlock&&) noexcept = default;
    ~PemBlock() { OPENSSL_cleanse(der.data(), der.size()); }
};

Result<std::vector<PemBlock>> read_pem_blocks(std::string_view content, const std::string& where) {
    // The size limit keeps the length within BIO_new_mem_buf's int.
    detail::BioPtr bio(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())));
    if (!bio) return make_error(where, with_openssl_error("out of memory"));
    std::vector<PemBlock> blocks;
    for (;;) {
        char* name = nullptr;
        char* header = nullptr;
        unsigned char* data = nullptr;
        long length = 0;
        ERR_clear_error();
        if (PEM_read_bio(bio.get(), &name, &header, &data, &length) != 1) {
            unsigned long error = ERR_peek_last_error();
            if (ERR_GET_LIB(error) == ERR_LIB_PEM && ERR_GET_REASON(error) == PEM_R_NO_START_LINE) {
                ERR_clear_error();  // no further "-----BEGIN" line: the end of the file
                break;
            }
            return make_error(where, with_openssl_error("PEM block " + std::to_string(blocks.size() + 1) +
                                                        " is malformed"));
        }
        PemBlock block;
        block.label = name;
        block.encrypted = header && std::strstr(header, "ENCRYPTED") != nullptr;
        block.der.assign(data, data + length);
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_clear_free(data, static_cast<size_t>(length));
        blocks.push_back(std::move(block));
    }
    return blocks;
}

bool is_certificate_label(std::string_view label) {
    return label == "CERTIFICATE" || label == "X509 CERTIFICATE";  // RFC 7468 §5.1; the second is legacy
}
bool is_private_key_label(std::string_view label) {
    return label == "PRIVATE KEY" || label == "RSA PRIVATE KEY" || label == "EC PRIVATE KEY" ||
           label == "DSA PRIVATE KEY";  // RFC 7468 §10, and OpenSSL's traditional forms
}
bool is_public_key_label(std::string_view label) {
    return label == "PUBLIC KEY" || label == "RSA PUBLIC KEY";  // RFC 7468 §13, and PKCS#1
}

std::string label_list(const std::vector<PemBlock>& blocks) {
    std::string list;
    for (const auto& block : blocks) list += (list.empty() ? "" : ", ") + block.label;
    return list.empty() ? "no PEM blocks" : "only " + list;
}

int refuse_passphrase(char*, size_t, size_t*, const OSSL_PARAM[], void*) {
    return 0;
}

struct DecoderCtxFree {
    void operator()(OSSL_DECODER_CTX* ctx) const noexcept { OSSL_DECODER_CTX_free(ctx); }
};

// A key of the kind `selection` names (EVP_PKEY_KEYPAIR or EVP_PKEY_PUBLIC_KEY) from DER in any structure
// OpenSSL knows (SubjectPublicKeyInfo, PKCS#8, PKCS#1, SEC1). The whole input must be one key.
Result<EvpPkeyPtr> decode_key_der(ByteView der, int selection) {
    EVP_PKEY* key = nullptr;
    std::unique_ptr<OSSL_DECODER_CTX, DecoderCtxFree> ctx(
        OSSL_DECODER_CTX_new_for_pkey(&key, "DER", nullptr, nullptr, selection, nullptr, nullptr));
    if (!ctx) return make_error(with_openssl_error("cannot set up a key decoder"));
    // Never ask on a terminal: an encrypted key is an error (OpenSSL only prompts when told how to).
    OSSL_DECODER_CTX_set_passphrase_cb(ctx.get(), refuse_passphrase, nullptr);
    const unsigned char* in = der.data();
    size_t left = der.size();
    int ok = OSSL_DECODER_from_data(ctx.get(), &in, &left);
    EvpPkeyPtr owned(key);
    if (ok != 1 || !owned) return make_error(with_openssl_error("not a key"));
    if (left != 0) return make_error("not a key: " + std::to_string(left) + " bytes follow it");
    return owned;
}

bool looks_like_der_certificate(ByteView der) {
    const unsigned char* in = der.data();
    X509Ptr cert(d2i_X509(nullptr, &in, static_cast<long>(der.size())));
    detail::take_openssl_error();
    return cert != nullptr;
}

Result<CertificateChain> parse_der_certificates(ByteView der, const std::string& where) {
    CertificateChain chain;
    size_t offset = 0;
    while (offset < der.size()) {
        if (chain.size() == kMaxChainLength) {
            return make_error(where, "more than " + std::to_string(kMaxChainLength) + " certificates");
        }
        // d2i_X509 finds where this certificate ends; from_der then keeps exactly those bytes.
        ByteView rest = der.subspan(offset);
        const unsigned char* in = rest.data();
        X509Ptr probe(d2i_X509(nullptr, &in, static_cast<long>(rest.size())));
        if (!probe) {
            std::string reason = detail::take_openssl_error();
            if (chain.empty() &&
                (decode_key_der(rest, EVP_PKEY_KEYPAIR) || decode_key_der(rest, EVP_PKEY_PUBLIC_KEY))) {
                return make_error(where, "holds a key, not a certificate");
            }
            std::string what = chain.empty()
                                   ? "not a PEM or DER certificate"
                                   : "the bytes after certificate " + std::to_string(chain.size()) +
                                         " (from byte " + std::to_string(offset) + ") are not a certificate";
            return make_error(where, reason.empty() ? what : what + " (" + reason + ")");
        }
        auto cert = Certificate::from_der(rest.first(static_cast<size_t>(in - rest.data())));
        if (!cert) return make_error(where, cert.error().what);
        offset += cert->der().size();
        chain.push_back(std::move(*cert));
    }
    return chain;
}

// Public key of `key` (which may be a private key) as a SubjectPublicKeyInfo.
Result<PublicKey> public_half(const EvpPkeyPtr& key, const std::string& where) {
    auto public_key = PublicKey::from_evp_pkey(key.get());
    if (!public_key) return make_error(where, public_key.error().what);
    return public_key;
}

}  // namespace

CredentialFormat detect_credential_format(std::string_view content) {
    return content.find("-----BEGIN ") != std::string_view::npos ? CredentialFormat::kPem
                                                                 : CredentialFormat::kDer;
}

Result<CertificateChain> parse_certificates(std::string_view content, const std::string& where) {
    if (content.empty()) return make_error(where, "empty file");
    if (content.size() > kMaxCredentialFileSize) return make_error(where, "too large for a certificate file");
    if (detect_credential_format(content) == CredentialFormat::kDer) {
        return parse_der_certificates(as_bytes(content), where);
    }
    auto blocks = read_pem_blocks(content, where);
    if (!blocks) return blocks.error();
    CertificateChain chain;
    for (const auto& block : *blocks) {
        if (!is_certificate_label(block.label)) continue;
        if (chain.size() == kMaxChainLength) {
            return make_error(where, "more than " + std::to_string(kMaxChainLength) + " certificates");
        }
        auto cert = Certificate::from_der(block.der);
        if (!cert) {
            return make_error(where,
                              "certificate " + std::to_string(chain.size() + 1) + ": " + cert.error().what);
        }
        chain.push_back(std::move(*cert));
    }
    if (chain.empty()) return make_error(where, "no CERTIFICATE block (" + label_list(*blocks) + ")");
    return chain;
}

Result<CertificateChain> load_certificate_chain(const std::string& path) {
    auto content = read_credential_file(path);
    if (!content) return content.error();
    return parse_certificates(content->view(), path);
}

Result<Certificate> load_certificate(const std::string& path) {
    auto chain = load_certificate_chain(path);
    if (!chain) return chain.error();
    return std::move(chain->front());
}

Result<PublicKey> parse_public_key(std::string_view content, const std::string& where) {
    if (content.empty()) return make_error(where, "empty file");
    if (content.size() > kMaxCredentialFileSize) return make_error(where, "too large for a key file");
    if (detect_credential_format(content) == CredentialFormat::kDer) {
        ByteView der = as_bytes(content);
        if (auto key = decode_key_der(der, EVP_PKEY_KEYPAIR)) return public_half(*key, where);
        if (auto key = decode_key_der(der, EVP_PKEY_PUBLIC_KEY)) return public_half(*key, where);
        if (looks_like_der_certificate(der)) return make_error(where, "holds a certificate, not a key");
        return make_error(where, "not a PEM or DER key (or an encrypted one)");
    }
    auto blocks = read_pem_blocks(content, where);
    if (!blocks) return blocks.error();
    bool has_certificate = false;
    for (const auto& block : *blocks) {
        has_certificate = has_certificate || is_certificate_label(block.label);
        bool is_private = is_private_key_label(block.label);
        if (block.label == "ENCRYPTED PRIVATE KEY" || (is_private && block.encrypted)) {
            return make_error(where,
                              "the private key is encrypted; give the decrypted key or the public key");
        }
        if (!is_private && !is_public_key_label(block.label)) continue;
        auto key = decode_key_der(block.der, is_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY);
        if (!key) return make_error(where, block.label + " block: " + key.error().what);
        return public_half(*key, where);
    }
    if (has_certificate) return make_error(where, "holds a certificate, not a key");
    return make_error(where, "no key block (" + label_list(*blocks) + ")");
}

Result<PublicKey> load_public_key(const std::string& path) {
    auto content = read_credential_file(path);
    if (!content) return content.error();
    return parse_public_key(content->view(), path);
}

Result<PrivateKey> parse_private_key(std::string_view content, const std::string& where) {
    if (content.empty()) return make_error(where, "empty file");
    if (content.size() > kMaxCredentialFileSize) return make_error(where, "too large for a key file");
    if (detect_credential_format(content) == CredentialFormat::kDer) {
        auto key = decode_key_der(as_bytes(content), EVP_PKEY_KEYPAIR);
        if (!key) return make_error(where, "not a PEM or DER private key (or an encrypted one)");
        return PrivateKey(std::move(*key));
    }
    auto blocks = read_pem_blocks(content, where);
    if (!blocks) return blocks.error();
    for (const auto& block : *blocks) {
        bool is_private = is_private_key_label(block.label);
        if (block.label == "ENCRYPTED PRIVATE KEY" || (is_private && block.encrypted)) {
            return make_error(where, "the private key is encrypted; decrypt it first");
        }
        if (!is_private) continue;
        auto key = decode_key_der(block.der, EVP_PKEY_KEYPAIR);
        if (!key) return make_error(where, block.label + " block: " + key.error().what);
        return PrivateKey(std::move(*key));
    }
    return make_error(where, "no private key block (" + label_list(*blocks) + ")");
}

Result<PrivateKey> load_private_key(const std::string& path) {
    auto content = read_credential_file(path);
    if (!content) return content.error();
    return parse_private_key(content->view(), path);
}

}  // namespace danemail::tls

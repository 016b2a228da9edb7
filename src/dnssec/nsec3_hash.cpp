// NSEC3 hash (RFC 5155 §5): IH(salt, x, 0) = H(x || salt); IH(salt, x, k) = H(IH(salt, x, k-1) || salt).
#include "dnssec/nsec3_hash.h"

#include <openssl/evp.h>

namespace danemail::dnssec {
namespace {

// Fetched once: OpenSSL 3's one-shot SHA1() looks the algorithm up again on every call.
const EVP_MD* sha1() {
    static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA1", nullptr);
    return md;
}

}  // namespace

Bytes nsec3_hash(const dns::Name& name, ByteView salt, uint16_t iterations) {
    constexpr size_t kDigestLength = 20;
    const dns::Name lower = name.lowercased();
    const std::string& wire = lower.wire();
    Bytes buffer(wire.begin(), wire.end());
    buffer.insert(buffer.end(), salt.begin(), salt.end());
    Bytes digest(kDigestLength);
    EVP_Digest(buffer.data(), buffer.size(), digest.data(), nullptr, sha1(), nullptr);
    Bytes round(kDigestLength);
    round.insert(round.end(), salt.begin(), salt.end());
    for (uint16_t i = 0; i < iterations; ++i) {
        std::copy(digest.begin(), digest.end(), round.begin());
        EVP_Digest(round.data(), round.size(), digest.data(), nullptr, sha1(), nullptr);
    }
    return digest;
}

}  // namespace danemail::dnssec

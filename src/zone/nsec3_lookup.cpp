// NSEC3 hashing without allocation (RFC 5155 §5) and base32hex owner labels (RFC 4648 §7, RFC 5155 §3.3).
// OpenSSL 3's EVP digests allocate a context on every initialisation; the one-shot SHA-1 functions work on a
// stack context, which is what a per-query hash needs. They are deprecated in OpenSSL 3 but still provided.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "zone/nsec3_lookup.h"

#include <openssl/sha.h>

namespace danemail::zone {

Nsec3Hash nsec3_hash_lower(ByteView lower_wire, ByteView salt, uint16_t iterations) {
    static_assert(SHA_DIGEST_LENGTH == kNsec3HashLength);
    Nsec3Hash digest;
    SHA_CTX ctx;
    SHA1_Init(&ctx);
    SHA1_Update(&ctx, lower_wire.data(), lower_wire.size());
    SHA1_Update(&ctx, salt.data(), salt.size());
    SHA1_Final(digest.data(), &ctx);
    for (uint16_t i = 0; i < iterations; ++i) {
        SHA1_Init(&ctx);
        SHA1_Update(&ctx, digest.data(), digest.size());
        SHA1_Update(&ctx, salt.data(), salt.size());
        SHA1_Final(digest.data(), &ctx);
    }
    return digest;
}

std::array<uint8_t, 1 + kNsec3LabelLength> nsec3_owner_label(const Nsec3Hash& hash) {
    static constexpr char kAlphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUV";
    std::array<uint8_t, 1 + kNsec3LabelLength> label;
    label[0] = kNsec3LabelLength;
    size_t out = 1;
    uint32_t acc = 0;
    int bits = 0;
    for (uint8_t b : hash) {  // 160 bits: exactly 32 groups of 5, no padding
        acc = acc << 8 | b;
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            label[out++] = static_cast<uint8_t>(kAlphabet[acc >> bits & 31]);
        }
    }
    return label;
}

}  // namespace danemail::zone

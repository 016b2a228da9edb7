// NSEC3 hash (RFC 5155 §5): IH(salt, x, 0) = H(x || salt); IH(salt, x, k) = H(IH(salt, x, k-1) || salt).
#include "dnssec/nsec3_hash.h"

#include <openssl/sha.h>

namespace danemail::dnssec {

Bytes nsec3_hash(const dns::Name& name, ByteView salt, uint16_t iterations) {
    const dns::Name lower = name.lowercased();
    const std::string& wire = lower.wire();
    Bytes buffer(wire.begin(), wire.end());
    buffer.insert(buffer.end(), salt.begin(), salt.end());
    Bytes digest(SHA_DIGEST_LENGTH);
    SHA1(buffer.data(), buffer.size(), digest.data());
    Bytes round(SHA_DIGEST_LENGTH);
    round.insert(round.end(), salt.begin(), salt.end());
    for (uint16_t i = 0; i < iterations; ++i) {
        std::copy(digest.begin(), digest.end(), round.begin());
        SHA1(round.data(), round.size(), digest.data());
    }
    return digest;
}

}  // namespace danemail::dnssec

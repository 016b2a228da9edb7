// Query names prepared for lookups: validation of untrusted wire names (RFC 1035 §3.1: labels of at most 63
// bytes, at most 255 bytes in all, no compression), lower-casing (RFC 4343) and suffix hashes.
#include "zone/lookup_name.h"

#include <cstring>

namespace danemail::zone {
namespace {

constexpr uint64_t kFnvBasis = 1469598103934665603ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;

uint64_t mix(uint64_t hash, const uint8_t* bytes, size_t count) {
    for (size_t i = 0; i < count; ++i) hash = (hash ^ bytes[i]) * kFnvPrime;
    return hash;
}

}  // namespace

uint64_t suffix_chain_hash(ByteView lower_wire) {
    std::array<uint8_t, dns::Name::kMaxLabels + 1> starts;
    size_t labels = 0;
    for (size_t pos = 0; pos < lower_wire.size() && lower_wire[pos] != 0; pos += 1 + lower_wire[pos])
        starts[labels++] = static_cast<uint8_t>(pos);
    uint64_t hash = kFnvBasis * kFnvPrime;  // the root label's zero byte
    for (size_t i = labels; i-- > 0;) hash = mix(hash, &lower_wire[starts[i]], 1 + lower_wire[starts[i]]);
    return hash;
}

bool LookupName::assign(ByteView wire) {
    length_ = 0;
    labels_ = 0;
    if (wire.empty() || wire.size() > kMaxWireLength) return false;
    std::memcpy(original_.data(), wire.data(), wire.size());
    length_ = static_cast<uint16_t>(wire.size());
    return finish();
}

bool LookupName::assign_concat(ByteView labels, ByteView suffix_wire) {
    length_ = 0;
    labels_ = 0;
    size_t total = labels.size() + suffix_wire.size();
    if (suffix_wire.empty() || total > kMaxWireLength) return false;
    if (!labels.empty()) std::memcpy(original_.data(), labels.data(), labels.size());
    std::memcpy(original_.data() + labels.size(), suffix_wire.data(), suffix_wire.size());
    length_ = static_cast<uint16_t>(total);
    return finish();
}

bool LookupName::finish() {
    size_t pos = 0;
    size_t count = 0;
    while (true) {
        if (pos >= length_) break;
        uint8_t len = original_[pos];
        if (len == 0) {
            if (pos + 1 != length_) break;  // bytes after the root label
            labels_ = static_cast<uint8_t>(count);
            offsets_[count] = static_cast<uint8_t>(pos);
            uint64_t hash = kFnvBasis * kFnvPrime;
            hashes_[0] = hash;
            for (size_t i = count; i-- > 0;) {
                hash = mix(hash, &lower_[offsets_[i]], 1 + lower_[offsets_[i]]);
                hashes_[count - i] = hash;
            }
            lower_[pos] = 0;
            return true;
        }
        if (len > dns::Name::kMaxLabelLength || pos + 1 + len >= length_) break;
        offsets_[count++] = static_cast<uint8_t>(pos);
        lower_[pos] = len;
        for (size_t i = pos + 1; i <= pos + len; ++i) lower_[i] = dns::dns_tolower(original_[i]);
        pos += 1 + len;
    }
    length_ = 0;
    labels_ = 0;
    return false;
}

}  // namespace danemail::zone

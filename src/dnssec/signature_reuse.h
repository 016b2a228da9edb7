// Signatures worth keeping when a zone is signed again (inline signing, issue 3): the RRSIGs of the previous
// signed version, indexed by a digest of the RRset they cover — owner, type, class, TTL and the canonical
// RDATA set (RFC 4034 §6.2, §6.3). An RRset that has not changed keeps its signature by a key that still
// signs, as long as more than the refresh interval of it remains; everything else is signed anew. This is
// what makes a reload re-sign only what changed, and spreads re-signing over time (expiries are jittered).
// The previous version is our own output (or our state file, read back as untrusted input by the parser).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <unordered_map>
#include <vector>

#include "base/encoding.h"
#include "base/time.h"
#include "dns/record.h"

namespace danemail::dnssec {

// 128 bits of SHA-256 over the RRset's canonical form: collisions are out of reach for any zone size.
using RRsetDigest = std::array<uint8_t, 16>;

// `sorted_canonical` comes from canonical_rdatas() (signed_data.h).
RRsetDigest rrset_digest(const dns::Name& owner, dns::RRType type, dns::RRClass rclass, uint32_t ttl,
                         std::span<const Bytes> sorted_canonical);

class SignatureReuse {
public:
    SignatureReuse() = default;

    // Indexes the RRSIGs of `signed_zone` whose expiry is more than `refresh` seconds after `now` and
    // whose inception is not in the future. Records of one RRset need not be adjacent.
    static SignatureReuse from_zone(std::span<const dns::Record> signed_zone, UnixTime now, uint32_t refresh);

    // The RRSIG RDATA made by key (`algorithm`, `key_tag`) over the RRset with `digest`, or nullptr.
    const Bytes* find(const RRsetDigest& digest, uint8_t algorithm, uint16_t key_tag) const;

    size_t size() const { return signatures_; }

private:
    struct Kept {
        uint8_t algorithm;
        uint16_t key_tag;
        Bytes rdata;
    };
    struct DigestHash {
        size_t operator()(const RRsetDigest& d) const {
            size_t h;
            static_assert(sizeof(h) <= sizeof(RRsetDigest));
            std::memcpy(&h, d.data(), sizeof(h));
            return h;
        }
    };
    std::unordered_map<RRsetDigest, std::vector<Kept>, DigestHash> by_rrset_;
    size_t signatures_ = 0;
};

}  // namespace danemail::dnssec

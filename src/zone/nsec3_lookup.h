// NSEC3 hashing for the query path (RFC 5155 §5): the same hash as dnssec::nsec3_hash, written into a
// caller's array with no heap allocation, and the base32hex owner label of a hash (RFC 5155 §3.3). Input is a
// lower-cased wire name taken from a query (already validated by LookupName).
#pragma once

#include <array>
#include <cstdint>

#include "base/encoding.h"

namespace danemail::zone {

inline constexpr size_t kNsec3HashLength = 20;   // SHA-1, the only NSEC3 hash algorithm (RFC 5155 §11)
inline constexpr size_t kNsec3LabelLength = 32;  // base32hex of 20 bytes, no padding
using Nsec3Hash = std::array<uint8_t, kNsec3HashLength>;

// IH(salt, name, iterations) over `lower_wire`.
Nsec3Hash nsec3_hash_lower(ByteView lower_wire, ByteView salt, uint16_t iterations);

// The owner label of an NSEC3 record for `hash` in wire form: a length byte (32) and upper-case base32hex.
std::array<uint8_t, 1 + kNsec3LabelLength> nsec3_owner_label(const Nsec3Hash& hash);

}  // namespace danemail::zone

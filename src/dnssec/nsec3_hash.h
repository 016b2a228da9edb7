// NSEC3 owner-name hashing (RFC 5155 §5): iterated SHA-1 over the canonical wire form with salt.
#pragma once

#include <cstdint>

#include "base/encoding.h"
#include "dns/name.h"

namespace danemail::dnssec {

// 20-byte SHA-1 hash of `name` (lower-cased first) with `iterations` extra iterations.
Bytes nsec3_hash(const dns::Name& name, ByteView salt, uint16_t iterations);

}  // namespace danemail::dnssec

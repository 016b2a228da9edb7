// Network byte order (big-endian, RFC 1035 §2.3.2) for the 16- and 32-bit fields of DNS wire data: append to
// a buffer, or read at a position the caller has already bounds-checked.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/encoding.h"

namespace danemail {

inline void put16(Bytes& out, uint16_t value) {
    out.push_back(static_cast<uint8_t>(value >> 8));
    out.push_back(static_cast<uint8_t>(value));
}

inline void put32(Bytes& out, uint32_t value) {
    put16(out, static_cast<uint16_t>(value >> 16));
    put16(out, static_cast<uint16_t>(value));
}

inline uint16_t get16(ByteView data, size_t pos) {
    return static_cast<uint16_t>(data[pos] << 8 | data[pos + 1]);
}

inline uint32_t get32(ByteView data, size_t pos) {
    return static_cast<uint32_t>(get16(data, pos)) << 16 | get16(data, pos + 2);
}

}  // namespace danemail

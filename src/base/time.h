// Time as DNSSEC writes it: RRSIG inception/expiration in presentation form YYYYMMDDHHMMSS (RFC 4034 §3.2),
// and 32-bit serial-number arithmetic for comparing those wire values (RFC 1982).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace danemail {

// Seconds since the epoch, 64-bit.
using UnixTime = int64_t;

UnixTime now_unix();

// "20261123120000" → seconds since the epoch (UTC). nullopt unless exactly 14 digits of a valid date.
std::optional<UnixTime> parse_dnssec_time(std::string_view text);
std::string format_dnssec_time(UnixTime t);

// The 32-bit wire value of an RRSIG time field and back: the wire value nearest to `reference` (RFC 4034
// §3.1.5).
inline uint32_t to_wire_time(UnixTime t) {
    return static_cast<uint32_t>(t);
}
UnixTime from_wire_time(uint32_t wire, UnixTime reference);

// RFC 1982 comparison of 32-bit serials: true when a precedes b.
inline bool serial_less(uint32_t a, uint32_t b) {
    return a != b && static_cast<int32_t>(b - a) > 0;
}

}  // namespace danemail

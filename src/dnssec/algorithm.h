// DNSSEC algorithm numbers (RFC 8624 §3.1) and what danemail does with each: signs with 8, 13, 14, 15;
// verifies those and 5, 7, 10, 16; refuses to sign with 5 and 7 (SHA-1, "MUST NOT" for signing).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace danemail::dnssec {

namespace algorithm {
inline constexpr uint8_t RSASHA1 = 5, RSASHA1_NSEC3_SHA1 = 7, RSASHA256 = 8, RSASHA512 = 10,
                         ECDSAP256SHA256 = 13, ECDSAP384SHA384 = 14, ED25519 = 15, ED448 = 16;
}

bool can_sign(uint8_t algorithm);
bool can_verify(uint8_t algorithm);

// Command-line names: "ecdsap256" (also the IANA mnemonic "ECDSAP256SHA256"), "ecdsap384", "rsasha256",
// "ed25519", or a number. Case-insensitive.
std::optional<uint8_t> algorithm_from_name(std::string_view name);

}  // namespace danemail::dnssec

// Text encodings of binary data used in zone files and key files: hex (RFC 4648 §8), base64 (§4) and
// base32hex without padding (§7, as NSEC3 uses it, RFC 5155 §3.3). Decoders read untrusted text.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace danemail {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

std::string to_hex(ByteView data, bool upper = false);
// Accepts upper and lower case; whitespace is not allowed. nullopt on an odd length or a non-hex digit.
std::optional<Bytes> from_hex(std::string_view text);

std::string to_base64(ByteView data);
// Accepts standard base64 with '=' padding; ASCII whitespace is skipped. nullopt on any other error.
std::optional<Bytes> from_base64(std::string_view text);

// Extended hex alphabet, no padding, upper case on output; decoding accepts either case.
std::string to_base32hex(ByteView data);
std::optional<Bytes> from_base32hex(std::string_view text);

inline ByteView as_bytes(std::string_view s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace danemail

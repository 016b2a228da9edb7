// Value forms of danemail.toml that `danemail init` writes and `danemail serve` reads back: listen addresses
// ("192.0.2.1:25", "[2001:db8::1]:25"), host names (RFC 1123 §2.1 letters, digits, hyphens) and byte sizes
// ("50M"). Operator input: every parser says what it expected.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"

namespace danemail::app {

struct AddressAndPort {
    std::string address;  // numeric, without brackets: "127.0.0.1", "::1"
    uint16_t port = 0;
};

// "IPv4:port" or "[IPv6]:port" with a numeric address and a port from 1 to 65535.
Result<AddressAndPort> parse_listen_address(const std::string& text);
// The inverse: "[::1]:25" for IPv6, "127.0.0.1:25" for IPv4.
std::string format_listen_address(const std::string& address, uint16_t port);

bool is_ipv4_address(const std::string& text);
bool is_ipv6_address(const std::string& text);

// A host name in DNS terms (RFC 1123 §2.1, RFC 1035 §2.3.1): at least two dot-separated labels of letters,
// digits and hyphens, no label starting or ending with a hyphen, labels up to 63 and names up to 253
// octets; internationalised names as A-labels ("xn--..."). A trailing dot is allowed. Returns the name
// lower-cased without the trailing dot.
Result<std::string> parse_host_name(const std::string& text);

// A size in bytes: "52428800", "50M", "10k", "1G" (binary multiples: k = 1024).
Result<uint64_t> parse_byte_size(const std::string& text);

}  // namespace danemail::app

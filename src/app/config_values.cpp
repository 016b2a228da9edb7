// Parsers for the value forms of danemail.toml (see config_values.h). Operator input.
#include "app/config_values.h"

#include <arpa/inet.h>

#include <charconv>

namespace danemail::app {
namespace {

constexpr size_t kMaxHostNameLength = 253;  // RFC 1035 §2.3.4: 255 octets on the wire
constexpr size_t kMaxLabelLength = 63;

bool is_letter_or_digit(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

bool is_ipv4_address(const std::string& text) {
    in_addr v4{};
    return inet_pton(AF_INET, text.c_str(), &v4) == 1;
}

bool is_ipv6_address(const std::string& text) {
    in6_addr v6{};
    return inet_pton(AF_INET6, text.c_str(), &v6) == 1;
}

Result<AddressAndPort> parse_listen_address(const std::string& text) {
    auto fail = [&text] {
        return make_error("'" + text + "': expected \"IPv4:port\" or \"[IPv6]:port\" with a numeric address");
    };
    AddressAndPort parsed;
    std::string port_text;
    if (!text.empty() && text.front() == '[') {
        const size_t close = text.find(']');
        if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') return fail();
        parsed.address = text.substr(1, close - 1);
        port_text = text.substr(close + 2);
        if (!is_ipv6_address(parsed.address)) return fail();
    } else {
        const size_t colon = text.rfind(':');
        if (colon == std::string::npos || text.find(':') != colon) return fail();
        parsed.address = text.substr(0, colon);
        port_text = text.substr(colon + 1);
        if (!is_ipv4_address(parsed.address)) return fail();
    }
    unsigned port = 0;
    const char* end = port_text.data() + port_text.size();
    auto [stop, error] = std::from_chars(port_text.data(), end, port);
    if (port_text.empty() || error != std::errc{} || stop != end || port < 1 || port > 65535)
        return make_error("'" + text + "': the port must be a number from 1 to 65535");
    parsed.port = static_cast<uint16_t>(port);
    return parsed;
}

std::string format_listen_address(const std::string& address, uint16_t port) {
    const bool v6 = address.find(':') != std::string::npos;
    return (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

Result<std::string> parse_host_name(const std::string& text) {
    std::string name = text;
    if (!name.empty() && name.back() == '.') name.pop_back();
    auto fail = [&text](const std::string& why) {
        return make_error("'" + text + "' is not a host name: " + why);
    };
    if (name.empty()) return fail("it is empty");
    if (name.size() > kMaxHostNameLength) return fail("longer than 253 characters");
    size_t labels = 0;
    size_t start = 0;
    while (start <= name.size()) {
        size_t dot = name.find('.', start);
        if (dot == std::string::npos) dot = name.size();
        const std::string_view label(name.data() + start, dot - start);
        if (label.empty()) return fail("an empty label");
        if (label.size() > kMaxLabelLength) return fail("a label longer than 63 characters");
        for (char c : label)
            if (!is_letter_or_digit(c) && c != '-')
                return fail("only letters, digits, '-' and '.' (internationalised names as xn--)");
        if (label.front() == '-' || label.back() == '-') return fail("a label starts or ends with '-'");
        ++labels;
        start = dot + 1;
    }
    if (labels < 2) return fail("a fully qualified name such as mx.example.org is needed");
    for (char& c : name) c = lower(c);
    return name;
}

Result<uint64_t> parse_byte_size(const std::string& text) {
    auto fail = [&text] {
        return make_error("'" + text + "': expected a size in bytes such as 52428800, \"50M\" or \"10k\"");
    };
    if (text.empty()) return fail();
    uint64_t multiplier = 1;
    std::string digits = text;
    switch (lower(text.back())) {
        case 'k':
            multiplier = uint64_t{1} << 10;
            break;
        case 'm':
            multiplier = uint64_t{1} << 20;
            break;
        case 'g':
            multiplier = uint64_t{1} << 30;
            break;
        default:
            break;
    }
    if (multiplier != 1) digits.pop_back();
    uint64_t number = 0;
    const char* end = digits.data() + digits.size();
    auto [stop, error] = std::from_chars(digits.data(), end, number);
    if (digits.empty() || error != std::errc{} || stop != end) return fail();
    if (number > UINT64_MAX / multiplier) return fail();
    return number * multiplier;
}

}  // namespace danemail::app

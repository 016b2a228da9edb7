// Checks of operator-typed domains and addresses (RFC 5321 §4.1.2 dot-atom, RFC 1035 §2.3.1 host names)
// and the plain split of SMTP recipients for lookups. Untrusted input: the text of both.
#include "store/address_syntax.h"

#include <fmt/format.h>

namespace danemail::store::detail {
namespace {

// An octet for an error message: printable ASCII quoted, anything else by its value — never half a UTF-8
// character, which would make the message itself invalid text.
std::string describe_octet(char c) {
    auto octet = static_cast<unsigned char>(c);
    if (octet >= 0x21 && octet < 0x7f) return std::string("'") + c + "'";
    if (octet >= 0x80)
        return fmt::format("the non-ASCII octet 0x{:02X} (internationalized addresses are not supported)",
                           octet);
    return fmt::format("the control octet 0x{:02X}", octet);
}

bool is_letter_or_digit(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// RFC 5322 §3.2.3 atext.
bool is_atext(char c) {
    static constexpr std::string_view kSpecials = "!#$%&'*+-/=?^_`{|}~";
    return is_letter_or_digit(c) || kSpecials.find(c) != std::string_view::npos;
}

Status check_local_part(std::string_view local) {
    if (local.empty()) return make_error("the local part (before '@') is empty");
    if (local.size() > kMaxLocalPartLength) {
        return make_error("the local part is longer than " + std::to_string(kMaxLocalPartLength) +
                          " characters");
    }
    if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
        return make_error("the local part '" + std::string(local) +
                          "' has a dot at its start or end or two dots in a row");
    }
    for (char c : local) {
        if (c != '.' && !is_atext(c)) {
            return make_error("the local part contains " + describe_octet(c) +
                              "; use letters, digits, dots and !#$%&'*+-/=?^_`{|}~");
        }
    }
    return {};
}

}  // namespace

std::string ascii_lower(std::string_view text) {
    std::string lower(text);
    for (char& c : lower) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return lower;
}

Result<std::string> parse_domain(std::string_view text) {
    std::string domain = ascii_lower(text);
    if (!domain.empty() && domain.back() == '.') domain.pop_back();
    auto bad = [&](const std::string& why) {
        return make_error("'" + std::string(text) + "' is not a domain name: " + why +
                          " (letters, digits and '-' in dot-separated labels; IDNs as xn--)");
    };
    if (domain.empty()) return bad("it is empty");
    if (domain.size() > kMaxDomainLength) return bad("longer than " + std::to_string(kMaxDomainLength));
    size_t start = 0;
    while (start <= domain.size()) {
        size_t dot = domain.find('.', start);
        if (dot == std::string::npos) dot = domain.size();
        std::string_view label(domain.data() + start, dot - start);
        if (label.empty()) return bad("an empty label");
        if (label.size() > kMaxLabelLength)
            return bad("a label longer than " + std::to_string(kMaxLabelLength));
        if (label.front() == '-' || label.back() == '-') return bad("a label starts or ends with '-'");
        for (char c : label) {
            if (!is_letter_or_digit(c) && c != '-') return bad("it contains " + describe_octet(c));
        }
        start = dot + 1;
    }
    return domain;
}

Result<AddressParts> parse_operator_address(std::string_view text) {
    size_t at = text.find('@');
    if (at == std::string_view::npos || text.find('@', at + 1) != std::string_view::npos) {
        return make_error("'" + std::string(text) + "' is not an address: expected local@domain, e.g. " +
                          "alice@example.org");
    }
    std::string_view local = text.substr(0, at);
    if (auto ok = check_local_part(local); !ok) {
        return make_error("'" + std::string(text) + "' is not an address: " + ok.error().what);
    }
    auto domain = parse_domain(text.substr(at + 1));
    if (!domain) return domain.error();
    return AddressParts{std::string(local), *domain};
}

Result<AddressParts> split_address(std::string_view text) {
    size_t at = text.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == text.size()) {
        return make_error("'" + std::string(text) + "' is not an address: expected local@domain");
    }
    std::string domain = ascii_lower(text.substr(at + 1));
    if (domain.back() == '.') domain.pop_back();
    if (domain.empty())
        return make_error("'" + std::string(text) + "' is not an address: the domain is empty");
    return AddressParts{std::string(text.substr(0, at)), domain};
}

}  // namespace danemail::store::detail

// Internal to src/store: the address forms the store accepts. Operator input (`danemail domain|user|alias`)
// must be a plain dot-atom mailbox (RFC 5321 §4.1.2) at a host name (RFC 1035 §2.3.1, A-labels for IDNs);
// lookups of SMTP recipients split at the last '@' and never interpret '%', '!' or quotes, so relay tricks
// ("u%ext@local", "\"u@ext\"@local") find no account.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace danemail::store::detail {

// RFC 5321 §4.5.3.1.1 and §4.5.3.1.2.
constexpr size_t kMaxLocalPartLength = 64;
constexpr size_t kMaxDomainLength = 253;  // the text form without the trailing dot
constexpr size_t kMaxLabelLength = 63;

struct AddressParts {
    std::string local_part;  // case kept
    std::string domain;      // lower-cased

    std::string address() const { return local_part + "@" + domain; }
};

// A domain as the operator typed it ("Example.ORG", a trailing dot allowed): lower-cased and checked.
Result<std::string> parse_domain(std::string_view text);

// "local@domain" from the operator: dot-atom local part, host-name domain. The error says what was
// expected.
Result<AddressParts> parse_operator_address(std::string_view text);

// An address from the SMTP side, already parsed by smtp::parse_path: split at the last '@', the domain
// lower-cased, nothing else interpreted. An error only for a missing '@' or an empty part.
Result<AddressParts> split_address(std::string_view text);

// ASCII lower-casing (domains; local parts compare through SQLite's NOCASE, which is ASCII-only as well).
std::string ascii_lower(std::string_view text);

}  // namespace danemail::store::detail

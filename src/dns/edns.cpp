// EDNS(0) options (RFC 6891 §6.1.2) and Extended DNS Errors (RFC 8914). parse_edns_options reads untrusted
// OPT RDATA from the network; COOKIE lengths follow RFC 7873 §4.
#include "dns/edns.h"

#include <iterator>

namespace danemail::dns {
namespace {

constexpr std::string_view kEdePurposes[] = {
    "Other Error",
    "Unsupported DNSKEY Algorithm",
    "Unsupported DS Digest Type",
    "Stale Answer",
    "Forged Answer",
    "DNSSEC Indeterminate",
    "DNSSEC Bogus",
    "Signature Expired",
    "Signature Not Yet Valid",
    "DNSKEY Missing",
    "RRSIGs Missing",
    "No Zone Key Bit Set",
    "NSEC Missing",
    "Cached Error",
    "Not Ready",
    "Blocked",
    "Censored",
    "Filtered",
    "Prohibited",
    "Stale NXDOMAIN Answer",
    "Not Authoritative",
    "Not Supported",
    "No Reachable Authority",
    "Network Error",
    "Invalid Data",
};

// A COOKIE option is a client cookie of 8 bytes, optionally followed by a server cookie of 8 to 32 bytes.
bool cookie_length_valid(size_t length) {
    return length == 8 || (length >= 16 && length <= 40);
}

}  // namespace

std::string_view ede_code_to_text(uint16_t info_code) {
    if (info_code < std::size(kEdePurposes)) return kEdePurposes[info_code];
    return "Unknown";
}

const EdnsOption* Edns::find_option(uint16_t code) const {
    for (const auto& option : options)
        if (option.code == code) return &option;
    return nullptr;
}

void Edns::add_option(uint16_t code, ByteView data) {
    options.push_back({code, Bytes(data.begin(), data.end())});
}

void Edns::add_extended_error(EdeCode code, std::string_view extra_text) {
    auto info_code = static_cast<uint16_t>(code);
    Bytes data;
    data.reserve(2 + extra_text.size());
    data.push_back(static_cast<uint8_t>(info_code >> 8));
    data.push_back(static_cast<uint8_t>(info_code));
    data.insert(data.end(), extra_text.begin(), extra_text.end());
    options.push_back({edns_option::kExtendedError, std::move(data)});
}

std::vector<ExtendedError> Edns::extended_errors() const {
    std::vector<ExtendedError> errors;
    for (const auto& option : options) {
        if (option.code != edns_option::kExtendedError || option.data.size() < 2) continue;
        ExtendedError error;
        error.info_code = static_cast<uint16_t>(option.data[0] << 8 | option.data[1]);
        error.extra_text.assign(option.data.begin() + 2, option.data.end());
        // RFC 8914 §2: the text SHOULD NOT be NUL-terminated; tolerate one that is.
        while (!error.extra_text.empty() && error.extra_text.back() == '\0') error.extra_text.pop_back();
        errors.push_back(std::move(error));
    }
    return errors;
}

size_t Edns::wire_size() const {
    size_t size = 1 + 10;  // root owner; TYPE, CLASS, TTL, RDLENGTH
    for (const auto& option : options) size += 4 + option.data.size();
    return size;
}

Result<std::vector<EdnsOption>> parse_edns_options(ByteView rdata) {
    std::vector<EdnsOption> options;
    size_t pos = 0;
    while (pos < rdata.size()) {
        if (rdata.size() - pos < 4) return make_error("truncated EDNS option header");
        auto code = static_cast<uint16_t>(rdata[pos] << 8 | rdata[pos + 1]);
        size_t length = static_cast<size_t>(rdata[pos + 2] << 8 | rdata[pos + 3]);
        pos += 4;
        if (length > rdata.size() - pos)
            return make_error("EDNS option " + std::to_string(code) + " runs past the end of the OPT RDATA");
        if (code == edns_option::kCookie && !cookie_length_valid(length))  // RFC 7873 §5.2.2: FORMERR
            return make_error("COOKIE option of " + std::to_string(length) +
                              " bytes (expected 8 or 16 to 40)");
        options.push_back({code, Bytes(rdata.begin() + pos, rdata.begin() + pos + length)});
        pos += length;
    }
    return options;
}

}  // namespace danemail::dns

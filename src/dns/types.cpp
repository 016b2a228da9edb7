// Mnemonic tables for RR types and classes (RFC 3597 §5 for the generic forms).
#include "dns/types.h"

#include <array>
#include <charconv>
#include <utility>

namespace danemail::dns {
namespace {

struct TypeName {
    RRType type;
    std::string_view name;
};

constexpr TypeName kTypeNames[] = {
    {type::A, "A"},
    {type::NS, "NS"},
    {type::MD, "MD"},
    {type::MF, "MF"},
    {type::CNAME, "CNAME"},
    {type::SOA, "SOA"},
    {type::MB, "MB"},
    {type::MG, "MG"},
    {type::MR, "MR"},
    {type::NULL_, "NULL"},
    {type::WKS, "WKS"},
    {type::PTR, "PTR"},
    {type::HINFO, "HINFO"},
    {type::MINFO, "MINFO"},
    {type::MX, "MX"},
    {type::TXT, "TXT"},
    {type::RP, "RP"},
    {type::AFSDB, "AFSDB"},
    {type::X25, "X25"},
    {type::ISDN, "ISDN"},
    {type::RT, "RT"},
    {type::NSAP, "NSAP"},
    {type::NSAP_PTR, "NSAP-PTR"},
    {type::SIG, "SIG"},
    {type::KEY, "KEY"},
    {type::PX, "PX"},
    {type::GPOS, "GPOS"},
    {type::AAAA, "AAAA"},
    {type::LOC, "LOC"},
    {type::NXT, "NXT"},
    {type::SRV, "SRV"},
    {type::NAPTR, "NAPTR"},
    {type::KX, "KX"},
    {type::CERT, "CERT"},
    {type::A6, "A6"},
    {type::DNAME, "DNAME"},
    {type::OPT, "OPT"},
    {type::APL, "APL"},
    {type::DS, "DS"},
    {type::SSHFP, "SSHFP"},
    {type::IPSECKEY, "IPSECKEY"},
    {type::RRSIG, "RRSIG"},
    {type::NSEC, "NSEC"},
    {type::DNSKEY, "DNSKEY"},
    {type::DHCID, "DHCID"},
    {type::NSEC3, "NSEC3"},
    {type::NSEC3PARAM, "NSEC3PARAM"},
    {type::TLSA, "TLSA"},
    {type::SMIMEA, "SMIMEA"},
    {type::HIP, "HIP"},
    {type::CDS, "CDS"},
    {type::CDNSKEY, "CDNSKEY"},
    {type::OPENPGPKEY, "OPENPGPKEY"},
    {type::CSYNC, "CSYNC"},
    {type::ZONEMD, "ZONEMD"},
    {type::SVCB, "SVCB"},
    {type::HTTPS, "HTTPS"},
    {type::SPF, "SPF"},
    {type::EUI48, "EUI48"},
    {type::EUI64, "EUI64"},
    {type::TKEY, "TKEY"},
    {type::TSIG, "TSIG"},
    {type::IXFR, "IXFR"},
    {type::AXFR, "AXFR"},
    {type::ANY, "ANY"},
    {type::URI, "URI"},
    {type::CAA, "CAA"},
};

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 32);
        if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 32);
        if (x != y) return false;
    }
    return true;
}

// Parses the digits after a generic prefix such as "TYPE" or "CLASS" as a 16-bit number.
std::optional<uint16_t> generic_number(std::string_view text, std::string_view prefix) {
    if (text.size() <= prefix.size() || !iequals(text.substr(0, prefix.size()), prefix)) return std::nullopt;
    std::string_view digits = text.substr(prefix.size());
    unsigned value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || end != digits.data() + digits.size() || value > 65535) return std::nullopt;
    return static_cast<uint16_t>(value);
}

}  // namespace

std::optional<RRType> type_from_text(std::string_view text) {
    for (const auto& entry : kTypeNames)
        if (iequals(entry.name, text)) return entry.type;
    if (auto n = generic_number(text, "TYPE")) return RRType(*n);
    return std::nullopt;
}

std::string type_to_text(RRType t) {
    for (const auto& entry : kTypeNames)
        if (entry.type == t) return std::string(entry.name);
    return "TYPE" + std::to_string(t.value);
}

std::optional<RRClass> class_from_text(std::string_view text) {
    if (iequals(text, "IN")) return rrclass::IN;
    if (iequals(text, "CH")) return rrclass::CH;
    if (iequals(text, "HS")) return rrclass::HS;
    if (iequals(text, "NONE")) return rrclass::NONE;
    if (iequals(text, "ANY")) return rrclass::ANY;
    if (auto n = generic_number(text, "CLASS")) return RRClass(*n);
    return std::nullopt;
}

std::string class_to_text(RRClass c) {
    switch (c.value) {
        case 1:
            return "IN";
        case 3:
            return "CH";
        case 4:
            return "HS";
        case 254:
            return "NONE";
        case 255:
            return "ANY";
        default:
            return "CLASS" + std::to_string(c.value);
    }
}

bool is_meta_type(RRType t) {
    return t == type::OPT || (t.value >= 128 && t.value <= 255) || t.value == 0;
}

}  // namespace danemail::dns

// RR types and classes: numeric codes (IANA DNS parameters) and their mnemonics, including the generic
// TYPEnnn / CLASSnnn forms of RFC 3597 §5.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace danemail::dns {

struct RRType {
    uint16_t value = 0;
    constexpr RRType() = default;
    constexpr explicit RRType(uint16_t v) : value(v) {}
    friend constexpr bool operator==(RRType, RRType) = default;
    friend constexpr auto operator<=>(RRType a, RRType b) { return a.value <=> b.value; }
};

namespace type {
inline constexpr RRType A{1}, NS{2}, MD{3}, MF{4}, CNAME{5}, SOA{6}, MB{7}, MG{8}, MR{9}, NULL_{10}, WKS{11},
    PTR{12}, HINFO{13}, MINFO{14}, MX{15}, TXT{16}, RP{17}, AFSDB{18}, X25{19}, ISDN{20}, RT{21}, NSAP{22},
    NSAP_PTR{23}, SIG{24}, KEY{25}, PX{26}, GPOS{27}, AAAA{28}, LOC{29}, NXT{30}, SRV{33}, NAPTR{35}, KX{36},
    CERT{37}, A6{38}, DNAME{39}, OPT{41}, APL{42}, DS{43}, SSHFP{44}, IPSECKEY{45}, RRSIG{46}, NSEC{47},
    DNSKEY{48}, DHCID{49}, NSEC3{50}, NSEC3PARAM{51}, TLSA{52}, SMIMEA{53}, HIP{55}, CDS{59}, CDNSKEY{60},
    OPENPGPKEY{61}, CSYNC{62}, ZONEMD{63}, SVCB{64}, HTTPS{65}, SPF{99}, EUI48{108}, EUI64{109}, TKEY{249},
    TSIG{250}, IXFR{251}, AXFR{252}, ANY{255}, URI{256}, CAA{257};
}  // namespace type

struct RRClass {
    uint16_t value = 1;
    constexpr RRClass() = default;
    constexpr explicit RRClass(uint16_t v) : value(v) {}
    friend constexpr bool operator==(RRClass, RRClass) = default;
};

namespace rrclass {
inline constexpr RRClass IN{1}, CH{3}, HS{4}, NONE{254}, ANY{255};
}

// "A", "a", "TYPE1" → 1. nullopt for anything else.
std::optional<RRType> type_from_text(std::string_view text);
// Mnemonic if known, else "TYPEnnn".
std::string type_to_text(RRType type);
// True if `text` names a known mnemonic or TYPEnnn (used by the zone parser to find the type field).
inline bool looks_like_type(std::string_view text) {
    return type_from_text(text).has_value();
}

std::optional<RRClass> class_from_text(std::string_view text);
std::string class_to_text(RRClass rclass);

// Meta and question-only types (RFC 6895 §3.1): never stored in a zone.
bool is_meta_type(RRType type);

}  // namespace danemail::dns

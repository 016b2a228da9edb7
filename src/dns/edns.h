// EDNS(0) (RFC 6891): the fields of the OPT pseudo-RR and its options, Extended DNS Errors (RFC 8914), and
// the option codes danemail knows by name. Options arrive from the network: parse_edns_options checks every
// length. The OPT record's extended-RCODE bits are not kept here: they are merged into Header::rcode
// (message.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/encoding.h"
#include "base/result.h"

namespace danemail::dns {

// EDNS option codes (IANA "DNS EDNS0 Option Codes").
namespace edns_option {
inline constexpr uint16_t kNsid = 3;            // RFC 5001
inline constexpr uint16_t kClientSubnet = 8;    // RFC 7871
inline constexpr uint16_t kCookie = 10;         // RFC 7873
inline constexpr uint16_t kTcpKeepalive = 11;   // RFC 7828
inline constexpr uint16_t kPadding = 12;        // RFC 7830
inline constexpr uint16_t kExtendedError = 15;  // RFC 8914
}  // namespace edns_option

// INFO-CODEs of Extended DNS Errors (RFC 8914 §4).
enum class EdeCode : uint16_t {
    Other = 0,
    UnsupportedDnskeyAlgorithm = 1,
    UnsupportedDsDigestType = 2,
    StaleAnswer = 3,
    ForgedAnswer = 4,
    DnssecIndeterminate = 5,
    DnssecBogus = 6,
    SignatureExpired = 7,
    SignatureNotYetValid = 8,
    DnskeyMissing = 9,
    RrsigsMissing = 10,
    NoZoneKeyBitSet = 11,
    NsecMissing = 12,
    CachedError = 13,
    NotReady = 14,
    Blocked = 15,
    Censored = 16,
    Filtered = 17,
    Prohibited = 18,
    StaleNxdomainAnswer = 19,
    NotAuthoritative = 20,
    NotSupported = 21,
    NoReachableAuthority = 22,
    NetworkError = 23,
    InvalidData = 24,
};

// The RFC 8914 §4 purpose text ("Not Authoritative"), or "Unknown" for an unassigned code.
std::string_view ede_code_to_text(uint16_t info_code);

struct EdnsOption {
    uint16_t code = 0;
    Bytes data;
};

// One Extended DNS Error (RFC 8914 §2).
struct ExtendedError {
    uint16_t info_code = 0;  // an EdeCode, or any other value a peer sent
    std::string extra_text;  // UTF-8 for humans, may be empty
};

struct Edns {
    // The size DNS Flag Day 2020 recommends: fits an IPv6 packet without fragmentation.
    static constexpr uint16_t kDefaultUdpPayloadSize = 1232;

    uint16_t udp_payload_size = kDefaultUdpPayloadSize;  // OPT CLASS (RFC 6891 §6.1.2)
    uint8_t version = 0;                                 // a responder answers BADVERS above 0 (§6.1.3)
    bool dnssec_ok = false;                              // the DO bit (RFC 3225)
    std::vector<EdnsOption> options;                     // in wire order; COOKIE, NSID and others stay raw

    // The first option with `code`, or nullptr.
    const EdnsOption* find_option(uint16_t code) const;
    void add_option(uint16_t code, ByteView data);

    void add_extended_error(EdeCode code, std::string_view extra_text = {});
    // The well-formed EDE options in order (an option shorter than its 2-byte INFO-CODE is skipped).
    std::vector<ExtendedError> extended_errors() const;

    // Bytes of the OPT RR on the wire: root owner, fixed fields and every option (RFC 6891 §6.1.2).
    size_t wire_size() const;
};

// Splits OPT RDATA into options (RFC 6891 §6.1.2). Errors on a truncated option header, an option running
// past the RDATA, or a COOKIE whose length RFC 7873 §4 does not allow (8, or 16 to 40) — all FORMERR
// (§5.2.2).
Result<std::vector<EdnsOption>> parse_edns_options(ByteView rdata);

}  // namespace danemail::dns

// Which DNSSEC algorithms danemail signs and verifies (RFC 8624 §3.1), and the names the command line
// accepts for them. Names come from the user: untrusted, matched exactly (case-insensitively) or rejected.
#include "dnssec/algorithm.h"

#include <algorithm>
#include <string>

#include "dns/rdata.h"

namespace danemail::dnssec {

bool can_sign(uint8_t alg) {
    // RFC 8624 §3.1: 8, 13 MUST; 14, 15 MAY/RECOMMENDED. 5 and 7 "NOT RECOMMENDED"/MUST NOT for signing.
    return alg == algorithm::RSASHA256 || alg == algorithm::ECDSAP256SHA256 ||
           alg == algorithm::ECDSAP384SHA384 || alg == algorithm::ED25519;
}

bool can_verify(uint8_t alg) {
    return alg == algorithm::RSASHA1 || alg == algorithm::RSASHA1_NSEC3_SHA1 || alg == algorithm::RSASHA256 ||
           alg == algorithm::RSASHA512 || alg == algorithm::ECDSAP256SHA256 ||
           alg == algorithm::ECDSAP384SHA384 || alg == algorithm::ED25519 || alg == algorithm::ED448;
}

std::optional<uint8_t> algorithm_from_name(std::string_view name) {
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return dns::dns_tolower(c); });
    if (lower == "ecdsap256") return algorithm::ECDSAP256SHA256;
    if (lower == "ecdsap384") return algorithm::ECDSAP384SHA384;
    // The IANA mnemonics ("RSASHA256", "ED25519", ...) and plain numbers.
    return dns::algorithm_from_text(name);
}

}  // namespace danemail::dnssec

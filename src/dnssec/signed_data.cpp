// Construction of the signed data of an RRset (RFC 4034 §3.1.8.1, §6).
#include "dnssec/signed_data.h"

#include <algorithm>

#include "dns/rdata.h"

namespace danemail::dnssec {

std::vector<Bytes> canonical_rdatas(dns::RRType type, std::span<const Bytes> rdatas) {
    std::vector<Bytes> out;
    out.reserve(rdatas.size());
    for (const auto& r : rdatas) out.push_back(dns::canonical_rdata(type, r));
    // RFC 4034 §6.3: RDATA compared as left-justified unsigned octet sequences, shorter first on a tie.
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

uint8_t rrsig_label_count(const dns::Name& owner) {
    size_t labels = owner.label_count();
    if (owner.is_wildcard()) --labels;
    return static_cast<uint8_t>(labels);
}

Bytes rrset_signed_data(const dns::RrsigRdata& rrsig, const dns::Name& owner, dns::RRClass rclass,
                        std::span<const Bytes> sorted_canonical) {
    dns::Name signed_owner = owner.lowercased();
    if (rrsig.labels < signed_owner.label_count()) {
        // RFC 4035 §5.3.2: the RRset was synthesised from a wildcard.
        auto wildcard = signed_owner.suffix(rrsig.labels).prepend("*");
        if (wildcard) signed_owner = std::move(*wildcard);
    }
    Bytes data = rrsig.encode_without_signature();
    const std::string& owner_wire = signed_owner.wire();
    size_t per_rr_fixed = owner_wire.size() + 10;
    size_t total = data.size();
    for (const auto& r : sorted_canonical) total += per_rr_fixed + r.size();
    data.reserve(total);
    uint8_t fixed[10] = {
        static_cast<uint8_t>(rrsig.type_covered.value >> 8),
        static_cast<uint8_t>(rrsig.type_covered.value),
        static_cast<uint8_t>(rclass.value >> 8),
        static_cast<uint8_t>(rclass.value),
        static_cast<uint8_t>(rrsig.original_ttl >> 24),
        static_cast<uint8_t>(rrsig.original_ttl >> 16),
        static_cast<uint8_t>(rrsig.original_ttl >> 8),
        static_cast<uint8_t>(rrsig.original_ttl),
        0,
        0,
    };
    for (const auto& r : sorted_canonical) {
        data.insert(data.end(), owner_wire.begin(), owner_wire.end());
        fixed[8] = static_cast<uint8_t>(r.size() >> 8);
        fixed[9] = static_cast<uint8_t>(r.size());
        data.insert(data.end(), fixed, fixed + 10);
        data.insert(data.end(), r.begin(), r.end());
    }
    return data;
}

}  // namespace danemail::dnssec

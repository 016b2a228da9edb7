// The data an RRSIG signs (RFC 4034 §3.1.8.1, §6.2, §6.3; RFC 4035 §5.3.2 for wildcards):
// RRSIG RDATA without the signature, then each RR of the RRset in canonical form and canonical order.
#pragma once

#include <span>
#include <vector>

#include "base/encoding.h"
#include "dns/dnssec_rdata.h"
#include "dns/name.h"
#include "dns/types.h"

namespace danemail::dnssec {

// Canonical RDATA of an RRset (names lower-cased where RFC 4034 §6.2 says), sorted, duplicates removed.
std::vector<Bytes> canonical_rdatas(dns::RRType type, std::span<const Bytes> rdatas);

// The signed data for `rrsig` over an RRset at `owner`. `sorted_canonical` comes from canonical_rdatas().
// When rrsig.labels is less than the owner's label count the owner is the wildcard "*.<last labels>".
Bytes rrset_signed_data(const dns::RrsigRdata& rrsig, const dns::Name& owner, dns::RRClass rclass,
                        std::span<const Bytes> sorted_canonical);

// Label count for the RRSIG Labels field: the owner's labels, not counting a leading "*" (RFC 4034 §3.1.3).
uint8_t rrsig_label_count(const dns::Name& owner);

}  // namespace danemail::dnssec

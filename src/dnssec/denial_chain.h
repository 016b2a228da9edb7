// Authenticated denial of existence: the NSEC chain (RFC 4034 §4, RFC 4035 §2.3) and the NSEC3 chain
// (RFC 5155 §7.1, with opt-out and empty non-terminals; RFC 9276 parameters) a zone must carry. The signer
// builds the chain from these functions and the verifier compares a zone's chain against them.
#pragma once

#include <cstdint>
#include <vector>

#include "base/encoding.h"
#include "dns/record.h"
#include "dnssec/zone_index.h"

namespace danemail::dnssec {

struct Nsec3Parameters {
    uint16_t iterations = 0;  // RFC 9276 §3.1: 0
    Bytes salt;               // RFC 9276 §3.1: empty
    bool opt_out = false;
};

// Types the NSEC/NSEC3 bitmap of `node` must list, not counting NSEC/NSEC3 and RRSIG themselves.
std::vector<dns::RRType> node_types(const ZoneIndex& zone, const ZoneNode& node);

// True if `node` has at least one RRset that is signed: authoritative data, or DS at a delegation.
bool node_has_signed_data(const ZoneIndex& zone, const ZoneNode& node);

// One NSEC record per authoritative name and delegation point, in canonical order, next name wrapping to
// the apex; TTL `ttl`. `node_of[i]` receives the node index of record i.
std::vector<dns::Record> build_nsec_chain(const ZoneIndex& zone, uint32_t ttl,
                                          std::vector<uint32_t>* node_of);

// One NSEC3 per name that needs one (authoritative names, delegations unless opted out, empty
// non-terminals unless only derived from opted-out delegations), sorted by hash. Error on a hash collision.
// `hashed_names`, when given, receives the unhashed name of each record.
Result<std::vector<dns::Record>> build_nsec3_chain(const ZoneIndex& zone, const Nsec3Parameters& params,
                                                   uint32_t ttl,
                                                   std::vector<dns::Name>* hashed_names = nullptr);

// The NSEC3 owner name for `name`: base32hex(hash).apex
dns::Name nsec3_owner(const dns::Name& name, const dns::Name& apex, const Nsec3Parameters& params);

// RFC 9077: the TTL of NSEC/NSEC3 records is the smaller of the SOA's TTL and its MINIMUM field.
uint32_t denial_ttl(const ZoneIndex& zone);

}  // namespace danemail::dnssec

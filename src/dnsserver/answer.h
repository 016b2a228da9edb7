// The authoritative answer engine: one query in wire form in, one response in wire form out, for a set of
// served zones — no sockets, no threads, no heap allocation beyond the caller's response buffer. Implements
// RFC 1034 §4.3.2 (lookup, CNAME, referrals), RFC 4035 §3.1 (DNSSEC data when DO is set), RFC 5155 §7.2
// (NSEC3 proofs), RFC 4592 (wildcards), RFC 6672 (DNAME), RFC 8482 (minimal ANY), RFC 6891 (EDNS, BADVERS),
// RFC 2308 §5 (negative TTL), RFC 2181 §9 and RFC 9471 (truncation). The query is untrusted network input.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/encoding.h"
#include "dns/edns.h"
#include "dns/message.h"
#include "zone/zone_set.h"

namespace danemail::dnsserver {

enum class Transport : uint8_t { Udp, Tcp };

struct AnswerOptions {
    Transport transport = Transport::Udp;
    // The largest UDP response this server sends and advertises in its OPT record (RFC 6891 §6.2.5); a
    // client's smaller size wins, and a query without EDNS gets 512 bytes (RFC 1035 §4.2.1).
    uint16_t max_udp_payload = dns::Edns::kDefaultUdpPayloadSize;
    // The caller has verified the query's TSIG and will sign the response; otherwise a TSIG-signed query
    // is answered NOTAUTH/BADKEY (RFC 8945 §5.2.2).
    bool tsig_verified_by_caller = false;
};

enum class AnswerKind : uint8_t {
    Dropped,   // nothing to send: shorter than a header, or not a query (QR=1)
    Positive,  // data in the answer section, including CNAME and DNAME chains
    NoData,
    NxDomain,
    Referral,
    YxDomain,  // a DNAME substitution would exceed 255 bytes (RFC 6672 §2.2)
    Refused,   // no served zone holds the name, or a class other than IN
    Transfer,  // AXFR/IXFR: refused here; the TCP transfer code answers these
    FormErr,
    NotImp,
    BadVers,
    NotAuth,  // TSIG with a key this engine does not know
};

struct AnswerResult {
    AnswerKind kind = AnswerKind::Dropped;
    dns::Rcode rcode = dns::Rcode::NoError;
    bool truncated = false;
    bool authoritative = false;

    bool respond() const { return kind != AnswerKind::Dropped; }
};

// Answers `query` into `response` (cleared first; its capacity is kept for the next query). When the result
// says Dropped, `response` is empty and nothing should be sent.
AnswerResult answer_query(ByteView query, const zone::ZoneSet& zones, Bytes& response,
                          const AnswerOptions& options = {});

}  // namespace danemail::dnsserver

// Asks the parent zone's authoritative servers for a zone's DS RRset, so a KSK rollover (RFC 7583 §3.3.2)
// sees when the parent has taken up the CDS/CDNSKEY signal (RFC 7344, RFC 8078). One query per server in
// turn over UDP (RD=0, EDNS with DO=1 and a 1232-byte payload, RFC 6891), again over TCP when the answer is
// truncated (RFC 7766 §5). The answers are untrusted network input and are checked (ID, QR, opcode,
// question, RCODE, AA, owner and class of every DS) but NOT DNSSEC-validated, like BIND's parental-agents:
// validation through the resolver comes later. Blocking sockets with poll(): run it off the serving threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "dns/dnssec_rdata.h"
#include "dns/message.h"
#include "dns/name.h"
#include "dnsserver/server.h"

namespace danemail::dnsserver {

inline constexpr uint16_t kParentQueryPayload = 1232;  // EDNS payload we offer (DNS flag day 2020)

struct ParentDs {
    std::vector<dns::DsRdata> ds;  // empty: the parent answered NODATA (no DS for the zone)
    uint32_t ttl = 0;              // the DS RRset's TTL; for NODATA the negative TTL (RFC 2308 §5), or 0
    std::string server;            // the server that answered, "127.0.0.1:53"
};

// The checks on one answer, without the sockets, for query_parent_ds and tests/fuzz/peer_answer_fuzz.cpp.
// An answer to our query `id` for `zone`: same ID, QR set, opcode QUERY, the one question `zone` DS IN. One
// that is not is ignored rather than an error (RFC 5452 §9.1).
bool answers_parent_ds_query(const dns::Message& response, uint16_t id, const dns::Name& zone);
// The DS RRset of an answer that matched: NOERROR, AA set, and nothing but DS records of `zone` and class IN
// (and their RRSIGs, not validated) in the answer section; NODATA gives an empty set with the negative TTL.
// `server` is left empty. Errors say what was wrong.
Result<ParentDs> read_parent_ds_answer(const dns::Message& response, const dns::Name& zone);

// Tries each of `servers` in order, each within `timeout`, and returns the DS RRset of `zone` from the
// first that answers NOERROR with AA set. Fails, naming every server and what was wrong with it, when none
// does.
Result<ParentDs> query_parent_ds(const dns::Name& zone, std::span<const Endpoint> servers,
                                 std::chrono::milliseconds timeout);

}  // namespace danemail::dnsserver

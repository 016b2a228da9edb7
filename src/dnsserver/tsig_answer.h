// Answers to TSIG-signed queries other than zone transfers (RFC 8945 §5.2, §5.3): secondaries such as NSD and
// Knot sign their SOA refresh queries with the key configured for the primary. The query's TSIG is checked
// against the server's keys; a good one gets the engine's answer signed, a bad one the §5.2 error response
// (NOTAUTH with BADKEY, BADSIG or BADTIME), an unreadable one FORMERR. The query is untrusted network input.
// This is the slow path: the listeners call it only when answer_query reported NotAuth (a TSIG is present),
// so unsigned queries never reach it and stay allocation-free.
#pragma once

#include <span>
#include <string>

#include "base/encoding.h"
#include "base/time.h"
#include "dnsserver/answer.h"
#include "dnsserver/tsig_key.h"
#include "zone/zone_set.h"

namespace danemail::dnsserver {

struct SignedAnswer {
    AnswerResult result;
    std::string refusal;  // why the TSIG failed, for the log; empty when it verified
};

// Answers a TSIG-signed `query` into `response` (cleared first). With a verified TSIG the response is the
// engine's answer, signed with the same key (RFC 8945 §5.3); over UDP, when the signature would push it past
// the client's size limit, a signed TC=1 response with the question alone goes instead (RFC 8945 §5.3 signs
// truncated responses; the client retries over TCP). An empty `response` means: send nothing.
SignedAnswer answer_signed_query(ByteView query, const zone::ZoneSet& zones, std::span<const TsigKey> keys,
                                 Bytes& response, const AnswerOptions& options, UnixTime now);

// The largest response a client accepts for `query` over `transport` (RFC 1035 §4.2.1, RFC 6891 §6.2.5):
// 65535 over TCP; over UDP min(client's EDNS size, ours), never below 512. 512 for unreadable queries.
size_t response_size_limit(ByteView query, const AnswerOptions& options);

}  // namespace danemail::dnsserver

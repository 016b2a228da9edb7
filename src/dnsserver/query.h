// Reads a DNS query from untrusted network bytes for the answer path, without heap allocation: the header,
// the single question (an uncompressed name, RFC 1035 §4.1.2), the OPT record (RFC 6891 §6.1) and a TSIG
// record (RFC 8945 §5.1); any other records are checked for well-formedness and skipped. Every length and
// count is checked against the data: the result says to answer, to answer FORMERR, or to drop the packet.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/encoding.h"
#include "dns/message.h"
#include "dns/types.h"

namespace danemail::dnsserver {

enum class QueryStatus : uint8_t {
    Ok,
    Drop,     // shorter than a header, or a response (QR=1): never answered, so no reflection loops
    FormErr,  // malformed: answer FORMERR (RFC 1035 §4.1.1)
};

// Where a TSIG record's fields lie in the query, to echo them in an unsigned error (RFC 8945 §5.2.2).
struct TsigFields {
    size_t key_name = 0;   // offset of the owner name (may be compressed)
    size_t algorithm = 0;  // offset of the algorithm name inside the RDATA (uncompressed)
    size_t algorithm_length = 0;
    size_t time_signed = 0;  // offset of the 6-byte time and the 2-byte fudge that follows it
    uint16_t original_id = 0;
};

struct ParsedQuery {
    uint16_t id = 0;
    dns::Opcode opcode = dns::Opcode::Query;
    bool rd = false;
    bool cd = false;

    bool has_question = false;  // exactly one question that parsed
    size_t question_end = 0;    // the question is bytes [12, question_end) of the query
    size_t qname_length = 0;    // its name is bytes [12, 12 + qname_length)
    dns::RRType qtype;
    dns::RRClass qclass;

    bool has_edns = false;
    uint16_t udp_payload_size = 0;  // as sent; values below 512 mean 512 (RFC 6891 §6.2.5)
    uint8_t edns_version = 0;
    bool dnssec_ok = false;  // the DO bit (RFC 3225)

    bool has_tsig = false;
    TsigFields tsig;
};

QueryStatus parse_query(ByteView wire, ParsedQuery& query);

}  // namespace danemail::dnsserver

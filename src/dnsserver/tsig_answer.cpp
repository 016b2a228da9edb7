// TSIG-signed ordinary queries (RFC 8945 §5.2 checks in verify_tsig_request, §5.3 signed responses, §5.2.x
// error responses) and the response size limit a signature has to fit in (RFC 1035 §4.2.1, RFC 6891
// §6.2.5). The query is untrusted: anything that does not parse gets FORMERR with its ID echoed.
#include "dnsserver/tsig_answer.h"

#include <algorithm>
#include <optional>

#include "dns/edns.h"
#include "dns/message.h"
#include "dnsserver/query.h"
#include "dnsserver/tsig.h"

namespace danemail::dnsserver {
namespace {

// A FORMERR response with the query's header fields and nothing else (RFC 8945 §5.2: a TSIG that cannot be
// interpreted makes the message corrupt). Empty when not even a header arrived.
AnswerResult formerr(ByteView query, Bytes& response) {
    response.clear();
    auto request = dns::parse_header(query);
    if (!request || request->qr) return {};
    dns::Header header;
    header.id = request->id;
    header.qr = true;
    header.opcode = request->opcode;
    header.rd = request->rd;
    header.cd = request->cd;
    header.rcode = dns::Rcode::FormErr;
    dns::MessageBuilder builder(response, header);
    if (!builder.finish()) {
        response.clear();
        return {};
    }
    return {AnswerKind::FormErr, dns::Rcode::FormErr, false, false};
}

// Replaces `response` by the same header with TC set and only the question and OPT (RFC 2181 §9), so the
// signature fits; the client retries over TCP.
bool truncate_to_question(ByteView query, const AnswerResult& result, const AnswerOptions& options,
                          Bytes& response) {
    auto request = dns::parse_message(query);
    if (!request) return false;
    dns::Header header;
    header.id = request->header.id;
    header.qr = true;
    header.opcode = request->header.opcode;
    header.aa = result.authoritative;
    header.tc = true;
    header.rd = request->header.rd;
    header.cd = request->header.cd;
    header.rcode = result.rcode;
    dns::MessageBuilder builder(response, header);
    for (const dns::Question& question : request->questions)
        if (!builder.add_question(question)) return false;
    dns::Edns edns;
    if (request->edns) {
        edns.udp_payload_size = std::max<uint16_t>(options.max_udp_payload, dns::kMaxUdpSizeWithoutEdns);
        edns.dnssec_ok = request->edns->dnssec_ok;  // RFC 3225 §3
        if (!builder.set_edns(edns)) return false;
    }
    builder.set_truncated();
    return static_cast<bool>(builder.finish());
}

}  // namespace

size_t response_size_limit(ByteView query, const AnswerOptions& options) {
    if (options.transport == Transport::Tcp) return dns::kMaxMessageSize;
    ParsedQuery parsed;
    if (parse_query(query, parsed) != QueryStatus::Ok || !parsed.has_edns) return dns::kMaxUdpSizeWithoutEdns;
    size_t client = std::max<size_t>(parsed.udp_payload_size, dns::kMaxUdpSizeWithoutEdns);
    size_t server = std::max<size_t>(options.max_udp_payload, dns::kMaxUdpSizeWithoutEdns);
    return std::min(client, server);
}

SignedAnswer answer_signed_query(ByteView query, const zone::ZoneSet& zones, std::span<const TsigKey> keys,
                                 Bytes& response, const AnswerOptions& options, UnixTime now) {
    SignedAnswer answer;
    response.clear();
    auto check = verify_tsig_request(query, keys, now);
    if (!check) {
        answer.refusal = "unreadable TSIG: " + check.error().to_string();
        answer.result = formerr(query, response);
        return answer;
    }
    if (!check->present) {  // no TSIG after all: the engine answers as it would any query
        answer.result = answer_query(query, zones, response, options);
        return answer;
    }
    if (!check->ok()) {  // RFC 8945 §5.2.1–§5.2.4: NOTAUTH with the TSIG error
        answer.refusal = check->detail;
        auto request = dns::parse_message(query);
        auto error = request ? tsig_error_response(*request, *check, now) : Result<Bytes>(request.error());
        if (!error) {
            answer.result = formerr(query, response);
            return answer;
        }
        response = std::move(*error);
        answer.result = {AnswerKind::NotAuth, dns::Rcode::NotAuth, false, false};
        return answer;
    }

    AnswerOptions verified = options;
    verified.tsig_verified_by_caller = true;
    answer.result = answer_query(query, zones, response, verified);
    if (!answer.result.respond() || response.empty()) return answer;
    TsigSigner signer = response_signer(*check);
    if (response.size() + signer.record_size() > response_size_limit(query, options)) {
        if (!truncate_to_question(query, answer.result, options, response)) {
            response.clear();
            return {};
        }
        answer.result.truncated = true;
    }
    if (!signer.sign(response, now)) {
        response.clear();
        return {};
    }
    return answer;
}

}  // namespace danemail::dnsserver

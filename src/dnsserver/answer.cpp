// Entry point of the answer engine: parses the untrusted query, answers what is not a plain query with an
// error (FORMERR RFC 1035 §4.1.1, NOTIMP, BADVERS RFC 6891 §6.1.3, NOTAUTH/BADKEY RFC 8945 §5.2.2, REFUSED),
// picks the zone (longest apex; DS at a child apex from the parent, RFC 4035 §3.1.4.1), sizes the response
// (RFC 6891 §6.2.3–§6.2.5, RFC 1035 §4.2.1) and runs the Responder.
#include "dnsserver/answer.h"

#include <algorithm>

#include "dnsserver/query.h"
#include "dnsserver/responder.h"

namespace danemail::dnsserver {
namespace {

constexpr uint16_t kTsigErrorBadKey = 17;  // RFC 8945 §5.2.2
constexpr size_t kTsigFixedSize = 10;      // TYPE, CLASS, TTL, RDLENGTH

size_t response_limit(const ParsedQuery& query, const AnswerOptions& options) {
    if (options.transport == Transport::Tcp) return dns::kMaxMessageSize;
    if (!query.has_edns) return dns::kMaxUdpSizeWithoutEdns;
    // RFC 6891 §6.2.5: a size below 512 is treated as 512.
    size_t client = std::max<size_t>(query.udp_payload_size, dns::kMaxUdpSizeWithoutEdns);
    size_t server = std::max<size_t>(options.max_udp_payload, dns::kMaxUdpSizeWithoutEdns);
    return std::min(client, server);
}

ResponseHeader header_for(const ParsedQuery& query) {
    ResponseHeader header;
    header.id = query.id;
    header.opcode = query.opcode;
    header.rd = query.rd;
    header.cd = query.cd;  // RFC 4035 §3.1.6: copied from the query
    return header;
}

// An unsigned TSIG record saying BADKEY (RFC 8945 §5.2.2, §4.2), echoing the query's key, algorithm, time and
// fudge. False when the key name does not read back (it was checked by parse_query, so that is a bug guard).
bool tsig_badkey_record(ByteView query, const TsigFields& tsig, uint16_t id, Bytes& scratch) {
    size_t pos = tsig.key_name;
    auto key = dns::Name::read(query, pos);  // allocation is fine here: not the hot path
    if (!key) return false;
    scratch.assign(key->wire().begin(), key->wire().end());
    const size_t rdlength =
        tsig.algorithm_length + 8 + 2 + 2 + 2 + 2;  // time+fudge, MAC size, ID, error, other
    const uint8_t fixed[kTsigFixedSize] = {0,
                                           static_cast<uint8_t>(dns::type::TSIG.value),
                                           0,
                                           static_cast<uint8_t>(dns::rrclass::ANY.value),
                                           0,
                                           0,
                                           0,
                                           0,
                                           static_cast<uint8_t>(rdlength >> 8),
                                           static_cast<uint8_t>(rdlength)};
    scratch.insert(scratch.end(), fixed, fixed + kTsigFixedSize);
    scratch.insert(scratch.end(), query.begin() + tsig.algorithm,
                   query.begin() + tsig.algorithm + tsig.algorithm_length);
    scratch.insert(scratch.end(), query.begin() + tsig.time_signed, query.begin() + tsig.time_signed + 8);
    const uint8_t tail[8] = {0,
                             0,  // MAC size 0: unsigned
                             static_cast<uint8_t>(id >> 8),
                             static_cast<uint8_t>(id),
                             static_cast<uint8_t>(kTsigErrorBadKey >> 8),
                             static_cast<uint8_t>(kTsigErrorBadKey),
                             0,
                             0};
    scratch.insert(scratch.end(), tail, tail + 8);
    return true;
}

class QueryAnswerer {
public:
    QueryAnswerer(ByteView query, const zone::ZoneSet& zones, Bytes& response, const AnswerOptions& options)
        : query_(query), zones_(zones), response_(response), options_(options) {}

    AnswerResult run() {
        const QueryStatus status = parse_query(query_, parsed_);
        if (status == QueryStatus::Drop) {
            response_.clear();
            return {};
        }
        ResponseWriter out(response_, response_limit(parsed_, options_));
        if (parsed_.has_question)
            out.put_question(query_.subspan(dns::kHeaderSize, parsed_.question_end - dns::kHeaderSize));
        if (parsed_.has_edns) out.reserve_opt();

        if (status == QueryStatus::FormErr) return error(out, AnswerKind::FormErr, dns::Rcode::FormErr);
        if (parsed_.opcode != dns::Opcode::Query) return error(out, AnswerKind::NotImp, dns::Rcode::NotImp);
        if (parsed_.has_edns && parsed_.edns_version > 0)  // RFC 6891 §6.1.3
            return error(out, AnswerKind::BadVers, dns::Rcode::BadVers);
        if (parsed_.has_tsig && !options_.tsig_verified_by_caller) return tsig_badkey(out);
        const dns::RRType qtype = parsed_.qtype;
        if (qtype == dns::type::AXFR || qtype == dns::type::IXFR)
            return error(out, AnswerKind::Transfer, dns::Rcode::Refused);
        if (qtype == dns::type::OPT) return error(out, AnswerKind::FormErr, dns::Rcode::FormErr);
        if (dns::is_meta_type(qtype) && qtype != dns::type::ANY)
            return error(out, AnswerKind::NotImp, dns::Rcode::NotImp);  // MAILA, MAILB, TKEY, TSIG, ...
        if (parsed_.qclass != dns::rrclass::IN) return error(out, AnswerKind::Refused, dns::Rcode::Refused);

        if (!qname_.assign(query_.subspan(dns::kHeaderSize, parsed_.qname_length)))
            return error(out, AnswerKind::FormErr, dns::Rcode::FormErr);
        const zone::ServedZone* zone = zones_.find(qname_);
        if (zone && qtype == dns::type::DS && qname_.label_count() == zone->apex_labels()) {
            // RFC 4035 §3.1.4.1: the DS RRset lives in the parent zone; answer from it when we serve it.
            if (const zone::ServedZone* parent = zones_.find(qname_, zone->apex_labels() - 1)) zone = parent;
        }
        if (!zone) return error(out, AnswerKind::Refused, dns::Rcode::Refused);

        const bool dnssec_ok = parsed_.has_edns && parsed_.dnssec_ok;
        Responder responder(*zone, out, qname_, qtype, dnssec_ok);
        responder.run();
        ResponseHeader header = header_for(parsed_);
        header.aa = responder.authoritative();
        header.tc = responder.truncated();
        header.rcode = responder.rcode();
        finish(out, header);
        return {responder.kind(), header.rcode, header.tc, header.aa};
    }

private:
    AnswerResult error(ResponseWriter& out, AnswerKind kind, dns::Rcode rcode) {
        ResponseHeader header = header_for(parsed_);
        header.rcode = rcode;
        finish(out, header);
        return {kind, rcode, false, false};
    }

    AnswerResult tsig_badkey(ResponseWriter& out) {
        AnswerResult result = error(out, AnswerKind::NotAuth, dns::Rcode::NotAuth);
        Bytes record;
        if (tsig_badkey_record(query_, parsed_.tsig, parsed_.tsig.original_id, record) &&
            response_.size() + record.size() <= dns::kMaxMessageSize)
            out.append_final_record(record);
        return result;
    }

    void finish(ResponseWriter& out, const ResponseHeader& header) {
        if (!parsed_.has_edns) return out.finish(header, nullptr);
        // RFC 3225 §3: the DO bit is copied into the response.
        const ResponseOpt opt{std::max<uint16_t>(options_.max_udp_payload, dns::kMaxUdpSizeWithoutEdns),
                              parsed_.dnssec_ok};
        out.finish(header, &opt);
    }

    ByteView query_;
    const zone::ZoneSet& zones_;
    Bytes& response_;
    const AnswerOptions& options_;
    ParsedQuery parsed_;
    zone::LookupName qname_;
};

}  // namespace

AnswerResult answer_query(ByteView query, const zone::ZoneSet& zones, Bytes& response,
                          const AnswerOptions& options) {
    QueryAnswerer answerer(query, zones, response, options);
    return answerer.run();
}

}  // namespace danemail::dnsserver

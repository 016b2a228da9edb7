// Access control for outgoing zone transfers and the transfer itself (RFC 5936 §2.2, §4.2, §5; RFC 1995
// §2–§4; RFC 8945 §5.2, §5.3.1). The order of checks follows RFC 8945 §5.2: the TSIG first (a bad one is
// answered with its error), then the address and key, then the zone. The query is untrusted: it is parsed in
// full (dns::parse_message checks every length) and anything that does not parse gets FORMERR.
#include "dnsserver/transfer_access.h"

#include <arpa/inet.h>
#include <fmt/core.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "dnsserver/query.h"
#include "dnsserver/tsig.h"
#include "dnsserver/tsig_answer.h"

namespace danemail::dnsserver {
namespace {

std::string_view kind_text(dns::RRType type) {
    return type == dns::type::IXFR ? "IXFR" : "AXFR";
}

// One response without records: the question, an OPT when the query had one, signed when `signer` is set.
Bytes simple_response(const dns::Message& request, dns::Rcode rcode, bool truncated, TsigSigner* signer,
                      UnixTime now, uint16_t max_udp_payload) {
    dns::Header header;
    header.id = request.header.id;
    header.qr = true;
    header.opcode = request.header.opcode;
    header.tc = truncated;
    header.rd = request.header.rd;
    header.cd = request.header.cd;
    header.rcode = rcode;
    Bytes out;
    dns::MessageBuilder builder(out, header);
    for (const dns::Question& question : request.questions) (void)builder.add_question(question);
    dns::Edns edns;
    if (request.edns) {
        edns.udp_payload_size = std::max<uint16_t>(max_udp_payload, dns::kMaxUdpSizeWithoutEdns);
        edns.dnssec_ok = request.edns->dnssec_ok;
        (void)builder.set_edns(edns);
    }
    if (truncated) builder.set_truncated();
    if (!builder.finish()) return {};
    if (signer && !signer->sign(out, now)) return {};
    return out;
}

// FORMERR with the query's ID and nothing else, for queries that do not parse.
Bytes formerr(ByteView query) {
    auto request = dns::parse_header(query);
    if (!request || request->qr) return {};
    dns::Header header;
    header.id = request->id;
    header.qr = true;
    header.opcode = request->opcode;
    header.rcode = dns::Rcode::FormErr;
    Bytes out;
    dns::MessageBuilder builder(out, header);
    if (!builder.finish()) return {};
    return out;
}

const Journal& empty_journal() {
    static const Journal journal;
    return journal;
}

class TransferStream final : public OutgoingTransfer {
public:
    TransferStream(std::shared_ptr<const TransferZones> snapshot,
                   std::shared_ptr<const std::vector<dns::Record>> records, dns::Message query,
                   TransferPlan plan, TsigSigner signer, uint16_t max_udp_payload, std::string description)
        : snapshot_(std::move(snapshot)),
          records_(std::move(records)),
          query_(std::move(query)),
          plan_(std::move(plan)),
          signer_(std::move(signer)),
          description_(std::move(description)),
          writer_(query_, plan_, options(max_udp_payload)) {}
    TransferStream(const TransferStream&) = delete;
    TransferStream& operator=(const TransferStream&) = delete;

    bool done() const override { return writer_.done(); }
    // Each message is signed when it is made, with the time then (RFC 8945 §5.3.1), so a long transfer
    // does not run out of its fudge.
    Status next(Bytes& out) override {
        if (auto made = writer_.next(out); !made) return made;
        return signer_.sign(out, now_unix());
    }
    std::string summary() const override {
        return fmt::format("{}, {} message(s)", description_, writer_.messages_written());
    }

private:
    TransferOptions options(uint16_t max_udp_payload) {
        TransferOptions options;
        options.max_message_size = dns::kMaxMessageSize - signer_.record_size();  // room for the TSIG
        if (query_.edns) {  // RFC 6891 §7: an OPT in the responses when the query had one
            edns_.udp_payload_size = std::max<uint16_t>(max_udp_payload, dns::kMaxUdpSizeWithoutEdns);
            edns_.dnssec_ok = query_.edns->dnssec_ok;
            options.edns = &edns_;
        }
        return options;
    }

    std::shared_ptr<const TransferZones> snapshot_;            // keeps the journal the plan points into
    std::shared_ptr<const std::vector<dns::Record>> records_;  // and the records
    dns::Message query_;
    TransferPlan plan_;
    TsigSigner signer_;
    dns::Edns edns_;
    std::string description_;
    TransferWriter writer_;  // last: it refers to the members above
};

}  // namespace

bool is_transfer_query(ByteView query) {
    ParsedQuery parsed;
    if (parse_query(query, parsed) == QueryStatus::Drop || !parsed.has_question) return false;
    return parsed.qtype == dns::type::AXFR || parsed.qtype == dns::type::IXFR;
}

std::string peer_address_text(const sockaddr* address, socklen_t length) {
    char text[INET6_ADDRSTRLEN] = {};
    if (address->sa_family == AF_INET && length >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
        sockaddr_in v4;
        std::memcpy(&v4, address, sizeof v4);
        if (!inet_ntop(AF_INET, &v4.sin_addr, text, sizeof text)) return {};
        return text;
    }
    if (address->sa_family == AF_INET6 && length >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
        sockaddr_in6 v6;
        std::memcpy(&v6, address, sizeof v6);
        if (IN6_IS_ADDR_V4MAPPED(&v6.sin6_addr)) {
            in_addr v4;
            std::memcpy(&v4, v6.sin6_addr.s6_addr + 12, sizeof v4);
            if (!inet_ntop(AF_INET, &v4, text, sizeof text)) return {};
            return text;
        }
        if (!inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text)) return {};
        return text;
    }
    return {};
}

TransferReply answer_transfer(ByteView query, std::string_view peer_address,
                              std::shared_ptr<const TransferZones> transfers, Transport transport,
                              UnixTime now, uint16_t max_udp_payload) {
    TransferReply reply;
    std::string zone_text = "?";
    std::string_view kind = "transfer";
    auto refuse_with = [&](Bytes response, std::string why) {
        reply.response = std::move(response);
        reply.refusal = std::move(why);
        fmt::print(stderr, "danemail: transfer refused: peer {}, zone {}, {}{}: {}\n", peer_address,
                   zone_text, kind, transport == Transport::Udp ? " over UDP" : "", reply.refusal);
        return std::move(reply);
    };

    auto request = dns::parse_message(query);
    if (!request) return refuse_with(formerr(query), "malformed query: " + request.error().to_string());
    if (request->questions.size() != 1) return refuse_with(formerr(query), "not exactly one question");
    const dns::Question& question = request->questions.front();
    zone_text = question.name.to_text();
    kind = kind_text(question.type);

    // RFC 8945 §5.2: the TSIG is checked before anything else is looked at.
    std::span<const TsigKey> keys;
    if (transfers) keys = transfers->keys;
    auto check = verify_tsig_request(query, keys, now);
    if (!check) return refuse_with(formerr(query), "unreadable TSIG: " + check.error().to_string());
    if (check->present && !check->ok()) {
        auto error = tsig_error_response(*request, *check, now);
        return refuse_with(
            error ? std::move(*error) : formerr(query),
            "TSIG " + tsig_error_to_text(static_cast<uint16_t>(check->error)) + ": " + check->detail);
    }
    std::optional<TsigSigner> signer;
    if (check->ok()) signer.emplace(response_signer(*check));
    auto refuse = [&](dns::Rcode rcode, std::string why) {
        return refuse_with(
            simple_response(*request, rcode, false, signer ? &*signer : nullptr, now, max_udp_payload),
            std::move(why));
    };

    // RFC 5936 §5: the primary decides who may transfer; here an address AND its key (RFC 8945).
    if (!check->present) return refuse(dns::Rcode::Refused, "not TSIG-signed");
    if (!transfers) return refuse(dns::Rcode::Refused, "no secondaries configured");
    bool address_listed = false;
    bool key_matches = false;
    for (const TransferPeer& peer : transfers->peers) {
        if (peer.address != peer_address) continue;
        address_listed = true;
        key_matches = key_matches || peer.key == check->key_name;
    }
    if (!address_listed) return refuse(dns::Rcode::Refused, "address not listed as a secondary");
    if (!key_matches)
        return refuse(dns::Rcode::Refused, "key " + check->key_name.to_text() +
                                               " is not the key of the secondary at this address");
    if (question.rclass != dns::rrclass::IN) return refuse(dns::Rcode::Refused, "class is not IN");
    const TransferZones::Zone* zone = transfers->find(question.name);
    if (zone == nullptr || (!zone->records && !zone->served))
        return refuse(dns::Rcode::NotAuth, "zone not served here");
    std::shared_ptr<const std::vector<dns::Record>> records = zone->records;
    if (!records) records = std::make_shared<const std::vector<dns::Record>>(zone->served->to_records());

    std::optional<uint32_t> client_serial;
    Result<TransferPlan> plan = make_error("no plan");
    if (question.type == dns::type::IXFR) {
        auto serial = ixfr_query_serial(*request);  // RFC 1995 §3: the client's SOA in the authority section
        if (!serial) return refuse(dns::Rcode::FormErr, serial.error().to_string());
        client_serial = *serial;
        plan = ixfr_plan(*serial, zone->journal ? *zone->journal : empty_journal(), *records);
    } else {
        plan = axfr_plan(*records);
    }
    if (!plan) return refuse(dns::Rcode::ServFail, "cannot plan the transfer: " + plan.error().to_string());
    auto soa = find_soa(*records);
    uint32_t serial = soa ? soa_serial(**soa) : 0;

    std::string form(kind);
    if (question.type == dns::type::IXFR) {
        if (plan->kind == TransferKind::Axfr) form = "IXFR answered in AXFR form";
        if (plan->kind == TransferKind::UpToDate) form = "IXFR up to date";
    }
    std::string description =
        fmt::format("transfer to {}: {} {} serial {}", peer_address, zone_text, form, serial);
    if (client_serial) description += fmt::format(" (client {})", *client_serial);
    description += ", key " + check->key_name.to_text();

    if (transport == Transport::Udp) {
        // RFC 1995 §2: over UDP only what fits one datagram; otherwise TC=1 and the client retries over TCP.
        if (plan->kind == TransferKind::UpToDate) {
            AnswerOptions udp;
            udp.transport = Transport::Udp;
            udp.max_udp_payload = max_udp_payload;
            TransferOptions options;
            options.max_message_size = response_size_limit(query, udp);
            dns::Edns edns;
            if (request->edns) {
                edns.udp_payload_size = std::max<uint16_t>(max_udp_payload, dns::kMaxUdpSizeWithoutEdns);
                edns.dnssec_ok = request->edns->dnssec_ok;
                options.edns = &edns;
            }
            options.signer = &*signer;
            options.now = now;
            auto messages = write_transfer(*request, *plan, options);
            if (messages && messages->size() == 1) {
                reply.response = std::move(messages->front());
                fmt::print(stderr, "danemail: {} over UDP, 1 message(s)\n", description);
                return reply;
            }
        }
        reply.response = simple_response(*request, dns::Rcode::NoError, true, &*signer, now, max_udp_payload);
        fmt::print(stderr, "danemail: {} over UDP: TC=1, the client retries over TCP\n", description);
        return reply;
    }
    reply.stream = std::make_unique<TransferStream>(std::move(transfers), std::move(records),
                                                    std::move(*request), std::move(*plan), std::move(*signer),
                                                    max_udp_payload, std::move(description));
    return reply;
}

}  // namespace danemail::dnsserver

// AXFR (RFC 5936 §2.2) and IXFR (RFC 1995 §2–§4) responses: planning the record sequence from a zone and its
// journal, then packing it into messages with MessageBuilder (RFC 1035 §4.1.4 compression) and signing each
// with TSIG (RFC 8945 §5.3.1). Records are packed against an uncompressed upper bound, so the builder never
// truncates and TC is never set on a transfer.
#include "dnsserver/transfer.h"

#include <algorithm>

#include "dns/rdata.h"

namespace danemail::dnsserver {
namespace {

// Room a record takes at most: uncompressed owner, TYPE, CLASS, TTL, RDLENGTH, RDATA.
constexpr size_t kRecordFixedSize = 10;
size_t upper_bound(const dns::Record& record) {
    return record.owner.wire_length() + kRecordFixedSize + record.rdata.size();
}

void add_diff(TransferPlan& plan, const ZoneDiff& diff) {
    plan.records.push_back(&diff.old_soa);
    for (const auto& record : diff.removed) plan.records.push_back(&record);
    plan.records.push_back(&diff.new_soa);
    for (const auto& record : diff.added) plan.records.push_back(&record);
}

}  // namespace

Result<TransferPlan> axfr_plan(std::span<const dns::Record> zone) {
    auto soa = find_soa(zone);
    if (!soa) return soa.error();
    TransferPlan plan;
    plan.kind = TransferKind::Axfr;
    plan.records.reserve(zone.size() + 1);
    plan.records.push_back(*soa);
    for (const auto& record : zone)
        if (&record != *soa) plan.records.push_back(&record);
    plan.records.push_back(*soa);
    return plan;
}

Result<TransferPlan> ixfr_plan(uint32_t client_serial, const Journal& journal,
                               std::span<const dns::Record> zone, const IxfrOptions& options) {
    auto soa = find_soa(zone);
    if (!soa) return soa.error();
    uint32_t serial = soa_serial(**soa);
    if (!serial_less(client_serial, serial)) {  // RFC 1995 §2: same or newer version
        TransferPlan plan;
        plan.kind = TransferKind::UpToDate;
        plan.records.push_back(*soa);
        return plan;
    }
    auto diffs = journal.diffs_since(client_serial);
    if (!diffs || journal.newest_serial() != serial) return axfr_plan(zone);

    TransferPlan plan;
    plan.kind = TransferKind::Ixfr;
    if (options.condense && diffs->size() > 1) {
        auto condensed = condense_diffs(*diffs);
        if (!condensed) return condensed.error();
        plan.owned.push_back(std::move(*condensed));
        diffs = std::span<const ZoneDiff>(plan.owned);
    }
    size_t count = 2;
    for (const auto& diff : *diffs) count += diff.record_count();
    if (options.axfr_when_smaller && count > zone.size() + 1) return axfr_plan(zone);
    plan.records.reserve(count);
    plan.records.push_back(*soa);
    for (const auto& diff : *diffs) add_diff(plan, diff);
    plan.records.push_back(*soa);
    return plan;
}

Result<uint32_t> ixfr_query_serial(const dns::Message& query) {
    if (query.questions.size() != 1 || query.questions[0].type != dns::type::IXFR)
        return make_error("not an IXFR query");
    for (const auto& record : query.authority) {
        if (record.type != dns::type::SOA) continue;
        if (!(record.owner == query.questions[0].name))
            return make_error("IXFR query: the authority SOA is for " + record.owner.to_text() +
                              ", not the zone");
        if (auto valid = dns::validate_rdata(record.type, record.rdata); !valid)
            return make_error("IXFR query: authority SOA: " + valid.error().what);
        return soa_serial(record);
    }
    return make_error("IXFR query without an SOA in its authority section (RFC 1995 §3)");
}

// ---- Writing messages ----

TransferWriter::TransferWriter(const dns::Message& query, const TransferPlan& plan,
                               const TransferOptions& options)
    : plan_(plan), options_(options) {
    header_.id = query.header.id;
    header_.qr = true;
    header_.aa = true;
    header_.opcode = dns::Opcode::Query;
    header_.rd = query.header.rd;
    header_.cd = query.header.cd;
    header_.rcode = dns::Rcode::NoError;
    if (!query.questions.empty()) question_ = query.questions.front();
}

Status TransferWriter::next(Bytes& out) {
    if (done()) return make_error("transfer: every message has been written");
    dns::MessageBuilder builder(out, header_, options_.max_message_size);
    size_t max_size = std::min(options_.max_message_size, dns::kMaxMessageSize);
    size_t reserved = options_.signer ? options_.signer->record_size() : 0;
    if (first_ && question_ && !builder.add_question(*question_))
        return make_error("transfer: the question does not fit a message");
    if (options_.edns) {
        if (!builder.set_edns(*options_.edns))
            return make_error("transfer: the OPT record does not fit a message");
        reserved += options_.edns->wire_size();
    }
    size_t limit = max_size > reserved ? max_size - reserved : 0;
    size_t in_message = 0;
    while (next_record_ < plan_.records.size()) {
        const dns::Record& record = *plan_.records[next_record_];
        if (in_message > 0 && builder.size() + upper_bound(record) > limit) break;
        if (builder.size() + upper_bound(record) > limit || !builder.add_record(dns::Section::Answer, record))
            return make_error("transfer: record " + record.owner.to_text() + " " +
                              dns::type_to_text(record.type) + " (" + std::to_string(upper_bound(record)) +
                              " bytes) does not fit a message of " + std::to_string(max_size) + " bytes");
        ++next_record_;
        ++in_message;
    }
    if (auto s = builder.finish(); !s) return s;
    if (options_.signer) {
        if (auto s = options_.signer->sign(out, options_.now); !s) return s;
    }
    first_ = false;
    ++messages_;
    return {};
}

Result<std::vector<Bytes>> write_transfer(const dns::Message& query, const TransferPlan& plan,
                                          const TransferOptions& options) {
    TransferWriter writer(query, plan, options);
    std::vector<Bytes> messages;
    while (!writer.done()) {
        Bytes message;
        if (auto s = writer.next(message); !s) return s.error();
        messages.push_back(std::move(message));
    }
    return messages;
}

Result<std::vector<Bytes>> axfr_response(const dns::Message& query, std::span<const dns::Record> zone,
                                         const TransferOptions& options) {
    auto plan = axfr_plan(zone);
    if (!plan) return plan.error();
    return write_transfer(query, *plan, options);
}

Result<std::vector<Bytes>> ixfr_response(const dns::Message& query, const Journal& journal,
                                         std::span<const dns::Record> zone, const TransferOptions& options,
                                         const IxfrOptions& ixfr) {
    auto serial = ixfr_query_serial(query);
    if (!serial) return serial.error();
    auto plan = ixfr_plan(*serial, journal, zone, ixfr);
    if (!plan) return plan.error();
    return write_transfer(query, *plan, options);
}

}  // namespace danemail::dnsserver

// Client side of AXFR (RFC 5936 §2.2: SOA first and last, header rules of §2.2.1) and IXFR (RFC 1995 §4:
// difference sequences, a single SOA for a current client). A state machine over the answer records of
// untrusted response messages; the SOA serials must chain and close where RFC 1995 says they do.
#include "dnsserver/transfer_reader.h"

#include "base/time.h"
#include "dns/rdata.h"

namespace danemail::dnsserver {

TransferReader::TransferReader(dns::Name zone, std::optional<uint32_t> client_serial, size_t max_records)
    : zone_(std::move(zone)), client_serial_(client_serial), max_records_(max_records) {}

Error TransferReader::error(std::string what) const {
    return make_error("transfer of " + zone_.to_text() + ", message " + std::to_string(messages_) +
                          ", record " + std::to_string(records_),
                      std::move(what));
}

Status TransferReader::add_message(ByteView wire) {
    auto message = dns::parse_message(wire);
    if (!message) {
        ++messages_;
        return make_error("transfer of " + zone_.to_text() + ", message " + std::to_string(messages_),
                          message.error().to_string());
    }
    return add_message(*message);
}

Status TransferReader::add_message(const dns::Message& message) {
    ++messages_;
    auto fail = [&](std::string what) -> Status {
        return make_error("transfer of " + zone_.to_text() + ", message " + std::to_string(messages_),
                          std::move(what));
    };
    const dns::Header& h = message.header;
    if (state_ == State::Done) return fail("message after the transfer was complete");
    if (!h.qr) return fail("not a response (QR is 0)");
    if (h.opcode != dns::Opcode::Query)
        return fail("opcode " + dns::opcode_to_text(h.opcode) + ", expected QUERY");
    if (h.rcode != dns::Rcode::NoError) return fail("the server answered " + dns::rcode_to_text(h.rcode));
    if (h.tc) return fail("TC set: a transfer is never truncated (RFC 5936 §2.2.1)");
    if (message.questions.size() > 1) return fail("more than one question");
    if (messages_ == 1 && message.questions.empty())
        return fail("the first message has no question (RFC 5936 §2.2.1)");
    if (!message.questions.empty()) {
        const dns::Question& q = message.questions.front();
        bool transfer_type = q.type == dns::type::AXFR || q.type == dns::type::IXFR;
        if (!(q.name == zone_) || !transfer_type)
            return fail("question " + q.name.to_text() + " " + dns::type_to_text(q.type) +
                        " is not a transfer of " + zone_.to_text());
    }
    if (message.answer.empty()) return fail("no answer records");
    for (const auto& record : message.answer)
        if (auto s = add_record(record); !s) return s;
    // RFC 1995 §2: a first message holding only an SOA no newer than ours says we are current.
    if (client_serial_ && state_ == State::AfterFirstSoa && messages_ == 1 && records_ == 1 &&
        !serial_less(*client_serial_, soa_serial(result_.soa))) {
        result_.kind = TransferKind::UpToDate;
        state_ = State::Done;
    }
    return {};
}

Status TransferReader::add_record(const dns::Record& record) {
    ++records_;
    if (records_ > max_records_) return error("more than " + std::to_string(max_records_) + " records");
    if (state_ == State::Done) return error("record after the final SOA: " + dns::record_to_text(record));
    if (!record.owner.is_subdomain_of(zone_))
        return error("record outside the zone: " + dns::record_to_text(record));
    bool is_soa = record.type == dns::type::SOA;
    if (is_soa) {
        if (!(record.owner == zone_)) return error("SOA record below the apex: " + record.owner.to_text());
        if (auto valid = dns::validate_rdata(record.type, record.rdata); !valid)
            return error("malformed SOA: " + valid.error().what);
    }
    if (state_ != State::Start && record.rclass != rclass_)
        return error("record of class " + dns::class_to_text(record.rclass) + " in a zone of class " +
                     dns::class_to_text(rclass_));
    uint32_t final_serial = soa_serial(result_.soa);

    switch (state_) {
        case State::Start:
            if (!is_soa) return error("the transfer does not start with the zone's SOA");
            rclass_ = record.rclass;
            result_.soa = record;
            state_ = State::AfterFirstSoa;
            return {};

        case State::AfterFirstSoa:
            if (is_soa && soa_serial(record) == final_serial) {  // a zone holding only its SOA
                result_.kind = TransferKind::Axfr;
                result_.zone.push_back(result_.soa);
                state_ = State::Done;
                return {};
            }
            if (is_soa) {  // RFC 1995 §4: the first difference sequence starts at the client's serial
                if (!client_serial_)
                    return error("second SOA with serial " + std::to_string(soa_serial(record)) +
                                 " in an AXFR (the opening SOA has " + std::to_string(final_serial) + ")");
                if (soa_serial(record) != *client_serial_)
                    return error("IXFR starts at serial " + std::to_string(soa_serial(record)) +
                                 ", we asked from " + std::to_string(*client_serial_));
                result_.kind = TransferKind::Ixfr;
                current_ = ZoneDiff{record, {}, {}, {}};
                state_ = State::Deleting;
                return {};
            }
            result_.kind = TransferKind::Axfr;
            result_.zone.push_back(result_.soa);
            result_.zone.push_back(record);
            state_ = State::Axfr;
            return {};

        case State::Axfr:
            if (!is_soa) {
                result_.zone.push_back(record);
                return {};
            }
            if (soa_serial(record) != final_serial || record.rdata != result_.soa.rdata)
                return error("closing SOA (serial " + std::to_string(soa_serial(record)) +
                             ") differs from the opening SOA (serial " + std::to_string(final_serial) + ")");
            state_ = State::Done;
            return {};

        case State::Deleting:
            if (!is_soa) {
                current_.removed.push_back(record);
                return {};
            }
            if (!serial_less(current_.old_serial(), soa_serial(record)))
                return error("difference sequence from serial " + std::to_string(current_.old_serial()) +
                             " to " + std::to_string(soa_serial(record)) + " does not increase it");
            if (serial_less(final_serial, soa_serial(record)))
                return error("difference sequence ends at serial " + std::to_string(soa_serial(record)) +
                             ", past the transfer's " + std::to_string(final_serial));
            current_.new_soa = record;
            state_ = State::Adding;
            return {};

        case State::Adding:
            if (!is_soa) {
                current_.added.push_back(record);
                return {};
            }
            if (soa_serial(record) != current_.new_serial())
                return error("SOA serial " + std::to_string(soa_serial(record)) + " after the additions to " +
                             std::to_string(current_.new_serial()) + ": expected " +
                             std::to_string(current_.new_serial()) + " (the next sequence or the final SOA)");
            result_.diffs.push_back(std::move(current_));
            if (soa_serial(record) == final_serial) {  // the final SOA (RFC 1995 §4)
                if (record.rdata != result_.soa.rdata)
                    return error("the final SOA differs from the opening SOA");
                state_ = State::Done;
                return {};
            }
            current_ = ZoneDiff{record, {}, {}, {}};
            state_ = State::Deleting;
            return {};

        case State::Done:
            break;
    }
    return error("record after the final SOA");
}

Result<TransferResult> TransferReader::finish() {
    if (state_ != State::Done) {
        std::string expecting;
        switch (state_) {
            case State::Start:
                expecting = "no record arrived";
                break;
            case State::AfterFirstSoa:
                expecting = "only the opening SOA arrived";
                break;
            case State::Axfr:
                expecting = "the closing SOA is missing";
                break;
            case State::Deleting:
            case State::Adding:
                expecting = "it ended inside a difference sequence";
                break;
            case State::Done:
                break;
        }
        return make_error("transfer of " + zone_.to_text(), "incomplete after " + std::to_string(messages_) +
                                                                " messages and " + std::to_string(records_) +
                                                                " records: " + expecting);
    }
    return std::move(result_);
}

}  // namespace danemail::dnsserver

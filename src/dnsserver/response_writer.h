// Writes a response into the caller's buffer on the query path (the only memory it touches; its capacity is
// reused): the header, the question copied from the query so its case is kept, pre-rendered RRsets from a
// ServedZone whose owner names are compression pointers into the question (RFC 1035 §4.1.4), the OPT record
// (RFC 6891 §6.1.2) and truncation (RFC 2181 §9: an RRset goes in whole or not at all).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "base/encoding.h"
#include "dns/message.h"
#include "zone/served_zone.h"

namespace danemail::dnsserver {

// An owner name in the response: `labels` (wire labels without the root label) followed by a pointer to a
// name already in the message.
struct OwnerRef {
    ByteView labels;
    uint16_t pointer = 0;

    size_t size() const { return labels.size() + 2; }
};

struct ResponseHeader {
    uint16_t id = 0;
    dns::Opcode opcode = dns::Opcode::Query;
    bool aa = false;
    bool tc = false;
    bool rd = false;
    bool cd = false;
    dns::Rcode rcode = dns::Rcode::NoError;  // 12 bits; the upper 8 go into the OPT record
};

struct ResponseOpt {
    uint16_t udp_payload_size = 0;
    bool dnssec_ok = false;
};

class ResponseWriter {
public:
    static constexpr size_t kOptSize = 11;  // an OPT RR without options

    // Clears `out` (keeping its capacity) and writes a zeroed header. `limit` is clamped to 512..65535.
    ResponseWriter(Bytes& out, size_t limit);
    ResponseWriter(const ResponseWriter&) = delete;
    ResponseWriter& operator=(const ResponseWriter&) = delete;

    // Copies the question (name, type, class) as the query sent it.
    void put_question(ByteView question);
    // Keeps room for an OPT record at the end.
    void reserve_opt() { limit_ -= kOptSize; }

    // The RRs of `block` with `owner`, in-zone RDATA names pointing at `apex_pointer`. All or nothing:
    // false, with nothing written, when they do not fit.
    bool put_block(dns::Section section, const zone::ServedZone& zone, const zone::WireBlock& block,
                   OwnerRef owner, uint16_t apex_pointer);
    // An RRset and, when `with_signatures`, its RRSIGs: both or neither.
    bool put_rrset(dns::Section section, const zone::ServedZone& zone, const zone::ServedRRset& rrset,
                   OwnerRef owner, uint16_t apex_pointer, bool with_signatures);
    // One record assembled by the caller (owner already encoded): used for synthesized CNAMEs.
    bool put_record(dns::Section section, ByteView record);

    // Drops every record written after the question: the minimal truncated response (RFC 2181 §9).
    void drop_records();

    // Writes the OPT record (when `opt`) and the header. The buffer then holds the whole message.
    void finish(const ResponseHeader& header, const ResponseOpt* opt);
    // After finish(): appends a record to the additional section (an unsigned TSIG, RFC 8945 §5.1: last).
    void append_final_record(ByteView record);

    size_t size() const { return out_.size(); }
    size_t room() const { return limit_ > out_.size() ? limit_ - out_.size() : 0; }
    const uint8_t* data() const { return out_.data(); }

private:
    void append(const uint8_t* bytes, size_t count) { out_.insert(out_.end(), bytes, bytes + count); }
    void put16(uint16_t value) {
        const uint8_t bytes[2] = {static_cast<uint8_t>(value >> 8), static_cast<uint8_t>(value)};
        append(bytes, 2);
    }

    Bytes& out_;
    size_t limit_;
    size_t question_end_ = dns::kHeaderSize;
    std::array<uint16_t, 3> counts_{};
};

}  // namespace danemail::dnsserver

// Query parsing on the hot path (RFC 1035 §4.1, RFC 6891 §6.1 OPT, RFC 7873 §5.2.2 COOKIE lengths, RFC 8945
// §5.1 TSIG placement). Input is untrusted: every read is bounds-checked, compression pointers in skipped
// names must point backwards, and nothing is allocated.
#include "dnsserver/query.h"
#include "base/byte_order.h"

namespace danemail::dnsserver {
namespace {

constexpr uint16_t kFlagQr = 0x8000;
constexpr uint16_t kFlagRd = 0x0100;
constexpr uint16_t kFlagCd = 0x0010;
constexpr size_t kRecordFixedSize = 10;  // TYPE, CLASS, TTL, RDLENGTH
constexpr size_t kOptionHeaderSize = 4;
constexpr size_t kTsigTimeAndFudge = 8;
constexpr size_t kCookieClientLength = 8;
constexpr size_t kCookieMinLength = 16, kCookieMaxLength = 40;

// Moves `pos` past a possibly compressed name without expanding it. False when the name runs past the end,
// uses a reserved label type, points forwards, or is longer than 255 bytes.
bool skip_name(ByteView wire, size_t& pos) {
    size_t length = 0;
    while (true) {
        if (pos >= wire.size()) return false;
        uint8_t label = wire[pos];
        if ((label & 0xC0) == 0xC0) {
            if (pos + 1 >= wire.size()) return false;
            size_t target = static_cast<size_t>(label & 0x3F) << 8 | wire[pos + 1];
            if (target >= pos) return false;
            pos += 2;
            return true;
        }
        if (label > dns::Name::kMaxLabelLength) return false;
        length += 1 + label;
        if (length > dns::Name::kMaxWireLength || pos + 1 + label > wire.size()) return false;
        pos += 1 + label;
        if (label == 0) return true;
    }
}

// RFC 6891 §6.1.2 option list; a COOKIE of a length RFC 7873 §4 does not allow is FORMERR (§5.2.2).
bool options_valid(ByteView rdata) {
    size_t pos = 0;
    while (pos < rdata.size()) {
        if (rdata.size() - pos < kOptionHeaderSize) return false;
        uint16_t code = get16(rdata, pos);
        size_t length = get16(rdata, pos + 2);
        pos += kOptionHeaderSize;
        if (length > rdata.size() - pos) return false;
        if (code == dns::edns_option::kCookie && length != kCookieClientLength &&
            (length < kCookieMinLength || length > kCookieMaxLength))
            return false;
        pos += length;
    }
    return true;
}

// Moves `pos` past an uncompressed name that ends before `end`.
bool skip_uncompressed_name(ByteView wire, size_t& pos, size_t end) {
    size_t start = pos;
    while (true) {
        if (pos >= end) return false;
        uint8_t label = wire[pos];
        if (label > dns::Name::kMaxLabelLength) return false;
        pos += 1 + label;
        if (pos - start > dns::Name::kMaxWireLength) return false;
        if (label == 0) return pos <= end;
    }
}

bool read_tsig(ByteView wire, size_t owner, size_t rdata, size_t rdlength, TsigFields& tsig) {
    size_t pos = rdata;
    size_t end = rdata + rdlength;
    if (!skip_uncompressed_name(wire, pos, end)) return false;  // the algorithm name (RFC 8945 §4.2)
    tsig.key_name = owner;
    tsig.algorithm = rdata;
    tsig.algorithm_length = pos - rdata;
    if (end - pos < kTsigTimeAndFudge + 2) return false;
    tsig.time_signed = pos;
    pos += kTsigTimeAndFudge;
    size_t mac_size = get16(wire, pos);
    pos += 2;
    if (end - pos < mac_size + 6) return false;  // MAC, original ID, error, other length
    pos += mac_size;
    tsig.original_id = get16(wire, pos);
    size_t other_length = get16(wire, pos + 4);
    return end - pos - 6 == other_length;
}

}  // namespace

QueryStatus parse_query(ByteView wire, ParsedQuery& query) {
    query = ParsedQuery{};
    if (wire.size() < dns::kHeaderSize) return QueryStatus::Drop;
    const uint16_t flags = get16(wire, 2);
    if (flags & kFlagQr) return QueryStatus::Drop;
    query.id = get16(wire, 0);
    query.opcode = static_cast<dns::Opcode>(flags >> 11 & 0xF);
    query.rd = flags & kFlagRd;
    query.cd = flags & kFlagCd;
    if (wire.size() > dns::kMaxMessageSize) return QueryStatus::FormErr;
    const size_t qdcount = get16(wire, 4);
    const size_t records = static_cast<size_t>(get16(wire, 6)) + get16(wire, 8) + get16(wire, 10);
    const size_t first_additional = static_cast<size_t>(get16(wire, 6)) + get16(wire, 8);
    if (qdcount != 1) return QueryStatus::FormErr;

    size_t pos = dns::kHeaderSize;
    while (true) {  // the question's name: uncompressed, so its bytes can be copied into the response
        if (pos >= wire.size()) return QueryStatus::FormErr;
        uint8_t label = wire[pos];
        if (label > dns::Name::kMaxLabelLength) return QueryStatus::FormErr;
        pos += 1 + label;
        if (pos - dns::kHeaderSize > dns::Name::kMaxWireLength) return QueryStatus::FormErr;
        if (label == 0) break;
    }
    if (wire.size() < pos + 4) return QueryStatus::FormErr;
    query.qname_length = pos - dns::kHeaderSize;
    query.qtype = dns::RRType(get16(wire, pos));
    query.qclass = dns::RRClass(get16(wire, pos + 2));
    pos += 4;
    query.question_end = pos;
    query.has_question = true;

    for (size_t i = 0; i < records; ++i) {
        const size_t owner = pos;
        if (!skip_name(wire, pos) || wire.size() - pos < kRecordFixedSize) return QueryStatus::FormErr;
        const dns::RRType type(get16(wire, pos));
        const uint16_t rclass = get16(wire, pos + 2);
        const uint32_t ttl = static_cast<uint32_t>(get16(wire, pos + 4)) << 16 | get16(wire, pos + 6);
        const size_t rdlength = get16(wire, pos + 8);
        pos += kRecordFixedSize;
        if (rdlength > wire.size() - pos) return QueryStatus::FormErr;
        const bool additional = i >= first_additional;
        if (type == dns::type::OPT) {
            // RFC 6891 §6.1.1: one OPT, in the additional section, owned by the root.
            if (!additional || query.has_edns || pos - owner != kRecordFixedSize + 1)
                return QueryStatus::FormErr;
            if (!options_valid(wire.subspan(pos, rdlength))) return QueryStatus::FormErr;
            query.has_edns = true;
            query.udp_payload_size = rclass;
            query.edns_version = static_cast<uint8_t>(ttl >> 16);
            query.dnssec_ok = ttl & 0x8000;
        } else if (type == dns::type::TSIG) {
            if (!additional || i + 1 != records) return QueryStatus::FormErr;  // RFC 8945 §5.1: last
            if (!read_tsig(wire, owner, pos, rdlength, query.tsig)) return QueryStatus::FormErr;
            query.has_tsig = true;
        }
        pos += rdlength;
    }
    if (pos != wire.size()) return QueryStatus::FormErr;
    return QueryStatus::Ok;
}

}  // namespace danemail::dnsserver

// Response assembly from pre-rendered wire blocks (RFC 1035 §4.1.3, §4.1.4), with the EDNS OPT record
// (RFC 6891 §6.1.2, §6.1.3 extended RCODE) and all-or-nothing RRsets for truncation (RFC 2181 §9).
#include "dnsserver/response_writer.h"

#include <algorithm>

namespace danemail::dnsserver {
namespace {

constexpr uint8_t kPointerTag = 0xC0;
constexpr size_t kRrFixedSize = 10;  // TYPE, CLASS, TTL, RDLENGTH after the owner
constexpr uint32_t kDoBit = 0x8000;

void set16(uint8_t* at, uint16_t value) {
    at[0] = static_cast<uint8_t>(value >> 8);
    at[1] = static_cast<uint8_t>(value);
}

}  // namespace

ResponseWriter::ResponseWriter(Bytes& out, size_t limit)
    : out_(out), limit_(std::clamp(limit, dns::kMaxUdpSizeWithoutEdns, dns::kMaxMessageSize)) {
    out_.clear();
    if (out_.capacity() < limit_) out_.reserve(limit_);  // once per buffer: later responses reuse it
    out_.resize(dns::kHeaderSize);
    std::fill(out_.begin(), out_.end(), 0);
}

void ResponseWriter::put_question(ByteView question) {
    append(question.data(), question.size());
    question_end_ = out_.size();
}

namespace {

constexpr size_t kMaxPointerTarget = 0x3FFF;
constexpr size_t kPointerSize = 2;

// Bytes the owners of `rr_count` RRs take when the first is written at `at` as `owner` and the others point
// back to it (RFC 1035 §4.1.4), as they do whenever the owner has labels of its own and a pointer can reach
// it.
size_t owners_size(const OwnerRef& owner, size_t rr_count, size_t at) {
    if (rr_count == 0) return 0;
    if (owner.labels.empty() || at > kMaxPointerTarget) return rr_count * owner.size();
    return owner.size() + (rr_count - 1) * kPointerSize;
}

// The owner for the RRs after one written at `at`: a pointer to it when that is shorter and reachable.
OwnerRef repeated_owner(const OwnerRef& owner, size_t at) {
    if (owner.labels.empty() || at > kMaxPointerTarget) return owner;
    return OwnerRef{ByteView(), static_cast<uint16_t>(at)};
}

}  // namespace

bool ResponseWriter::put_block(dns::Section section, const zone::ServedZone& zone,
                               const zone::WireBlock& block, OwnerRef owner, uint16_t apex_pointer) {
    if (out_.size() + block.length + owners_size(owner, block.rr_count, out_.size()) > limit_) return false;
    const ByteView bytes = zone.block_bytes(block);
    const auto fixups = zone.fixups(block);
    const uint8_t apex[2] = {static_cast<uint8_t>(kPointerTag | apex_pointer >> 8),
                             static_cast<uint8_t>(apex_pointer)};
    size_t pos = 0;
    size_t fixup = 0;
    for (uint16_t i = 0; i < block.rr_count; ++i) {
        const size_t owner_at = out_.size();
        const uint8_t owner_pointer[2] = {static_cast<uint8_t>(kPointerTag | owner.pointer >> 8),
                                          static_cast<uint8_t>(owner.pointer)};
        append(owner.labels.data(), owner.labels.size());
        append(owner_pointer, 2);
        owner = repeated_owner(owner, owner_at);
        const size_t rr_size = kRrFixedSize + (static_cast<size_t>(bytes[pos + 8]) << 8 | bytes[pos + 9]);
        const size_t rr_start = out_.size();
        append(bytes.data() + pos, rr_size);
        for (; fixup < fixups.size() && fixups[fixup] < pos + rr_size; ++fixup) {
            uint8_t* at = out_.data() + rr_start + (fixups[fixup] - pos);
            at[0] = apex[0];
            at[1] = apex[1];
        }
        pos += rr_size;
    }
    counts_[static_cast<size_t>(section)] += block.rr_count;
    return true;
}

bool ResponseWriter::put_rrset(dns::Section section, const zone::ServedZone& zone,
                               const zone::ServedRRset& rrset, OwnerRef owner, uint16_t apex_pointer,
                               bool with_signatures) {
    const bool signatures = with_signatures && !rrset.signatures.empty();
    // The RRSIGs' owner points back to the RRset's, as the RRset's second RR does.
    const size_t rr_count = rrset.data.rr_count + (signatures ? rrset.signatures.rr_count : 0);
    size_t needed = rrset.data.length + owners_size(owner, rr_count, out_.size());
    if (signatures) needed += rrset.signatures.length;
    if (out_.size() + needed > limit_) return false;
    const size_t owner_at = out_.size();
    (void)put_block(section, zone, rrset.data, owner, apex_pointer);
    if (signatures) {
        const OwnerRef rest = rrset.data.rr_count > 0 ? repeated_owner(owner, owner_at) : owner;
        (void)put_block(section, zone, rrset.signatures, rest, apex_pointer);
    }
    return true;
}

bool ResponseWriter::put_record(dns::Section section, ByteView record) {
    if (out_.size() + record.size() > limit_) return false;
    append(record.data(), record.size());
    ++counts_[static_cast<size_t>(section)];
    return true;
}

void ResponseWriter::drop_records() {
    out_.resize(question_end_);
    counts_ = {};
}

void ResponseWriter::finish(const ResponseHeader& header, const ResponseOpt* opt) {
    const auto rcode = static_cast<uint16_t>(header.rcode);
    if (opt) {
        const uint8_t record[kOptSize] = {
            0,  // the root
            0,
            static_cast<uint8_t>(dns::type::OPT.value),
            static_cast<uint8_t>(opt->udp_payload_size >> 8),
            static_cast<uint8_t>(opt->udp_payload_size),
            static_cast<uint8_t>(rcode >> 4),
            0,  // extended RCODE, version 0
            static_cast<uint8_t>((opt->dnssec_ok ? kDoBit : 0) >> 8),
            0,
            0,
            0,  // no options
        };
        append(record, kOptSize);
        ++counts_[static_cast<size_t>(dns::Section::Additional)];
    }
    uint16_t flags = static_cast<uint16_t>(0x8000 | (static_cast<unsigned>(header.opcode) & 0xF) << 11);
    if (header.aa) flags |= 0x0400;
    if (header.tc) flags |= 0x0200;
    if (header.rd) flags |= 0x0100;
    if (header.cd) flags |= 0x0010;
    flags |= rcode & 0xF;
    uint8_t* h = out_.data();
    set16(h, header.id);
    set16(h + 2, flags);
    set16(h + 4, question_end_ > dns::kHeaderSize ? 1 : 0);
    set16(h + 6, counts_[0]);
    set16(h + 8, counts_[1]);
    set16(h + 10, counts_[2]);
}

void ResponseWriter::append_final_record(ByteView record) {
    append(record.data(), record.size());
    ++counts_[static_cast<size_t>(dns::Section::Additional)];
    set16(out_.data() + 10, counts_[2]);
}

}  // namespace danemail::dnsserver

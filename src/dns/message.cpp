// DNS message parsing and building (RFC 1035 §4.1, §4.1.4 compression; RFC 6891 OPT; RFC 8945 §5.1 TSIG
// placement; RFC 2181 §9 and RFC 6891 §7 truncation; RFC 3597 §4 which embedded names may be compressed).
// parse_message reads untrusted network bytes: every length and count is checked against the data.
#include "dns/message.h"
#include "base/byte_order.h"

#include <utility>

#include <algorithm>
#include <cstring>

#include "dns/rdata.h"
#include "dns/rdata_wire.h"

namespace danemail::dns {
namespace {

constexpr const char* kSectionNames[] = {"answer", "authority", "additional"};
constexpr uint16_t kPointerTag = 0xC000;
constexpr size_t kMaxPointerOffset = 0x3FFF;  // 14 bits (RFC 1035 §4.1.4)
constexpr uint32_t kFnvBasis = 2166136261u;
constexpr uint32_t kFnvPrime = 16777619u;

Error error_at(size_t offset, std::string what) {
    return make_error("message offset " + std::to_string(offset), std::move(what));
}

// Section and index of a record for error messages: "answer record 3".
std::string record_label(size_t section, size_t index) {
    return std::string(kSectionNames[section]) + " record " + std::to_string(index + 1);
}

Header decode_header(ByteView wire) {
    uint16_t flags = get16(wire, 2);
    Header h;
    h.id = get16(wire, 0);
    h.qr = flags & 0x8000;
    h.opcode = static_cast<Opcode>(flags >> 11 & 0xF);
    h.aa = flags & 0x0400;
    h.tc = flags & 0x0200;
    h.rd = flags & 0x0100;
    h.ra = flags & 0x0080;
    h.z = flags & 0x0040;
    h.ad = flags & 0x0020;
    h.cd = flags & 0x0010;
    h.rcode = static_cast<Rcode>(flags & 0xF);
    return h;
}

uint16_t encode_flags(const Header& h, bool truncated) {
    uint16_t flags = static_cast<uint16_t>((static_cast<unsigned>(h.opcode) & 0xF) << 11);
    if (h.qr) flags |= 0x8000;
    if (h.aa) flags |= 0x0400;
    if (h.tc || truncated) flags |= 0x0200;
    if (h.rd) flags |= 0x0100;
    if (h.ra) flags |= 0x0080;
    if (h.z) flags |= 0x0040;
    if (h.ad) flags |= 0x0020;
    if (h.cd) flags |= 0x0010;
    return static_cast<uint16_t>(flags | (static_cast<uint16_t>(h.rcode) & 0xF));
}

Result<Record> read_record(ByteView wire, size_t& pos) {
    size_t start = pos;
    auto owner = Name::read(wire, pos);
    if (!owner) return error_at(start, "owner name: " + owner.error().what);
    if (wire.size() - pos < 10) return error_at(pos, "record header runs past the end of the message");
    Record record{
        std::move(*owner), RRType(get16(wire, pos)), RRClass(get16(wire, pos + 2)), get32(wire, pos + 4), {}};
    size_t rdlength = get16(wire, pos + 8);
    pos += 10;
    if (rdlength > wire.size() - pos) return error_at(pos, "RDATA runs past the end of the message");
    bool update_style_empty =
        rdlength == 0 && (record.rclass == rrclass::ANY || record.rclass == rrclass::NONE);
    if (!update_style_empty) {  // RFC 2136 §2.5: class ANY/NONE records may carry no RDATA at all
        auto rdata = read_rdata(record.type, wire, pos, rdlength);
        if (!rdata) return error_at(pos, type_to_text(record.type) + " RDATA: " + rdata.error().what);
        record.rdata = std::move(*rdata);
    }
    pos += rdlength;
    return record;
}

// Lifts the OPT pseudo-RR into an Edns and merges its extended RCODE bits into the header (RFC 6891 §6.1).
Status take_opt_record(const Record& record, size_t offset, Message& message) {
    if (message.edns) return error_at(offset, "second OPT record (RFC 6891 §6.1.1)");
    if (!record.owner.is_root())
        return error_at(offset, "OPT record not owned by the root (RFC 6891 §6.1.2)");
    auto options = parse_edns_options(record.rdata);
    if (!options) return error_at(offset, options.error().what);
    Edns edns;
    edns.udp_payload_size = record.rclass.value;
    edns.version = static_cast<uint8_t>(record.ttl >> 16);
    edns.dnssec_ok = record.ttl & 0x8000;
    edns.options = std::move(*options);
    auto extended = static_cast<uint16_t>(record.ttl >> 24);
    message.header.rcode =
        static_cast<Rcode>(extended << 4 | (static_cast<uint16_t>(message.header.rcode) & 0xF));
    message.edns = std::move(edns);
    return {};
}

void append_header_text(std::string& out, const Message& m) {
    const Header& h = m.header;
    out += ";; ->>HEADER<<- opcode: " + opcode_to_text(h.opcode) + ", status: " + rcode_to_text(h.rcode) +
           ", id: " + std::to_string(h.id) + "\n;; flags:";
    const std::pair<bool, const char*> flags[] = {{h.qr, "qr"}, {h.aa, "aa"}, {h.tc, "tc"}, {h.rd, "rd"},
                                                  {h.ra, "ra"}, {h.z, "z"},   {h.ad, "ad"}, {h.cd, "cd"}};
    for (const auto& [set, name] : flags)
        if (set) out += std::string(" ") + name;
    out += "; QUERY: " + std::to_string(m.questions.size()) + ", ANSWER: " + std::to_string(m.answer.size()) +
           ", AUTHORITY: " + std::to_string(m.authority.size()) +
           ", ADDITIONAL: " + std::to_string(m.additional.size() + (m.edns ? 1 : 0)) + "\n";
}

void append_edns_text(std::string& out, const Edns& edns) {
    out += "\n;; OPT PSEUDOSECTION:\n; EDNS: version: " + std::to_string(edns.version) +
           ", flags:" + (edns.dnssec_ok ? " do" : "") + "; udp: " + std::to_string(edns.udp_payload_size) +
           "\n";
    for (const auto& option : edns.options) {
        if (option.code == edns_option::kExtendedError && option.data.size() >= 2) continue;  // printed below
        out += "; OPTION " + std::to_string(option.code) + ": " + to_hex(option.data) + "\n";
    }
    for (const auto& error : edns.extended_errors())
        out += "; EDE: " + std::to_string(error.info_code) + " (" +
               std::string(ede_code_to_text(error.info_code)) + "): " + quote_text(error.extra_text) + "\n";
}

}  // namespace

std::string opcode_to_text(Opcode opcode) {
    switch (opcode) {
        case Opcode::Query:
            return "QUERY";
        case Opcode::IQuery:
            return "IQUERY";
        case Opcode::Status:
            return "STATUS";
        case Opcode::Notify:
            return "NOTIFY";
        case Opcode::Update:
            return "UPDATE";
        case Opcode::Dso:
            return "DSO";
    }
    return "OPCODE" + std::to_string(static_cast<unsigned>(opcode));
}

std::string rcode_to_text(Rcode rcode) {
    static constexpr const char* kNames[] = {
        "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",  "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
        "NXRRSET", "NOTAUTH", "NOTZONE",  "DSOTYPENI", nullptr,   nullptr,   nullptr,    nullptr,
        "BADVERS", "BADKEY",  "BADTIME",  "BADMODE",   "BADNAME", "BADALG",  "BADTRUNC", "BADCOOKIE"};
    auto value = static_cast<uint16_t>(rcode);
    if (value < std::size(kNames) && kNames[value]) return kNames[value];
    return "RCODE" + std::to_string(value);
}

std::vector<Record>& Message::section(Section which) {
    return const_cast<std::vector<Record>&>(std::as_const(*this).section(which));
}

const std::vector<Record>& Message::section(Section which) const {
    switch (which) {
        case Section::Answer:
            return answer;
        case Section::Authority:
            return authority;
        case Section::Additional:
            break;
    }
    return additional;
}

const Record* Message::tsig() const {
    return !additional.empty() && additional.back().type == type::TSIG ? &additional.back() : nullptr;
}

Result<Header> parse_header(ByteView wire) {
    if (wire.size() < kHeaderSize) return make_error("message shorter than its 12-byte header");
    return decode_header(wire);
}

Result<Message> parse_message(ByteView wire) {
    if (wire.size() < kHeaderSize) return make_error("message shorter than its 12-byte header");
    if (wire.size() > kMaxMessageSize) return make_error("message longer than 65535 bytes");
    Message message;
    message.header = decode_header(wire);
    size_t question_count = get16(wire, 4);
    const size_t record_counts[3] = {get16(wire, 6), get16(wire, 8), get16(wire, 10)};

    // A question takes at least 5 bytes and a record at least 11: reject impossible counts before allocating.
    size_t minimum = question_count * 5 + (record_counts[0] + record_counts[1] + record_counts[2]) * 11;
    if (minimum > wire.size() - kHeaderSize)
        return error_at(4, "section counts promise more records than the message holds");

    size_t pos = kHeaderSize;
    message.questions.reserve(question_count);
    for (size_t i = 0; i < question_count; ++i) {
        size_t start = pos;
        auto name = Name::read(wire, pos);
        if (!name) return error_at(start, "question " + std::to_string(i + 1) + ": " + name.error().what);
        if (wire.size() - pos < 4) return error_at(pos, "question runs past the end of the message");
        message.questions.push_back(
            {std::move(*name), RRType(get16(wire, pos)), RRClass(get16(wire, pos + 2))});
        pos += 4;
    }

    for (size_t section = 0; section < 3; ++section) {
        auto& records = message.section(static_cast<Section>(section));
        records.reserve(record_counts[section]);
        for (size_t i = 0; i < record_counts[section]; ++i) {
            size_t start = pos;
            auto record = read_record(wire, pos);
            if (!record) {
                Error e = record.error();
                e.what = record_label(section, i) + ": " + e.what;
                return e;
            }
            if (record->type == type::OPT) {
                if (section != static_cast<size_t>(Section::Additional))
                    return error_at(start,
                                    "OPT record in the " + std::string(kSectionNames[section]) + " section");
                if (auto s = take_opt_record(*record, start, message); !s) return s.error();
                continue;
            }
            bool last =
                section == static_cast<size_t>(Section::Additional) && i + 1 == record_counts[section];
            if (record->type == type::TSIG && !last)
                return error_at(start, "TSIG record is not the last record of the message (RFC 8945 §5.1)");
            records.push_back(std::move(*record));
        }
    }
    if (pos != wire.size())
        return error_at(pos, std::to_string(wire.size() - pos) + " trailing bytes after the last record");
    return message;
}

Result<Bytes> message_to_wire(const Message& message, size_t max_size) {
    Bytes out;
    MessageBuilder builder(out, message.header, max_size);
    if (message.edns) (void)builder.set_edns(*message.edns);  // if even the OPT does not fit, TC says enough
    for (const auto& question : message.questions)
        if (!builder.add_question(question)) break;
    for (Section section : {Section::Answer, Section::Authority, Section::Additional}) {
        for (const auto& record : message.section(section))
            if (!builder.add_record(section, record) && builder.truncated()) break;
    }
    if (auto s = builder.finish(); !s) return s.error();
    return out;
}

std::string message_to_text(const Message& message) {
    std::string out;
    append_header_text(out, message);
    if (message.edns) append_edns_text(out, *message.edns);
    out += "\n;; QUESTION SECTION:\n";
    for (const auto& q : message.questions)
        out += ";" + q.name.to_text() + "\t" + class_to_text(q.rclass) + "\t" + type_to_text(q.type) + "\n";
    const char* titles[] = {"ANSWER", "AUTHORITY", "ADDITIONAL"};
    for (size_t section = 0; section < 3; ++section) {
        const auto& records = message.section(static_cast<Section>(section));
        if (records.empty()) continue;
        out += std::string("\n;; ") + titles[section] + " SECTION:\n";
        for (const auto& record : records) out += record_to_text(record) + "\n";
    }
    return out;
}

// ---- MessageBuilder ----

MessageBuilder::MessageBuilder(Bytes& out, const Header& header, size_t max_size)
    : out_(out),
      header_(header),
      max_size_(std::clamp(max_size, kHeaderSize, kMaxMessageSize)),
      limit_(max_size_) {
    out_.clear();
    out_.reserve(max_size_);
    out_.resize(kHeaderSize);  // filled in by finish()
}

void MessageBuilder::fail(const char* what) {
    if (!misuse_) misuse_ = what;
}

void MessageBuilder::put16(uint16_t value) {
    out_.push_back(static_cast<uint8_t>(value >> 8));
    out_.push_back(static_cast<uint8_t>(value));
}

void MessageBuilder::put32(uint32_t value) {
    put16(static_cast<uint16_t>(value >> 16));
    put16(static_cast<uint16_t>(value));
}

void MessageBuilder::rollback(const Mark& m) {
    out_.resize(m.size);
    target_count_ = m.targets;
    section_counts_ = m.counts;
}

void MessageBuilder::set_truncated() {
    truncated_ = true;
    closed_ = true;
}

bool MessageBuilder::add_question(const Question& question) {
    if (current_section_ >= 0) {
        fail("question added after records");
        return false;
    }
    if (closed_) return false;
    if (question_count_ == UINT16_MAX) {
        fail("more than 65535 questions");
        return false;
    }
    Mark m = mark();
    write_name(question.name.wire(), true);
    put16(question.type.value);
    put16(question.rclass.value);
    if (out_.size() > limit_) {
        rollback(m);
        set_truncated();
        return false;
    }
    ++question_count_;
    return true;
}

bool MessageBuilder::set_edns(const Edns& edns) {
    if (edns_ || tsig_written_) {
        fail(edns_ ? "set_edns called twice" : "set_edns called after a TSIG record");
        return false;
    }
    size_t size = edns.wire_size();
    if (out_.size() + size > limit_) return false;
    edns_ = &edns;
    limit_ -= size;
    return true;
}

bool MessageBuilder::enter_section(Section section) {
    int index = static_cast<int>(section);
    if (index < current_section_) {
        fail("records added out of section order");
        return false;
    }
    current_section_ = index;
    return true;
}

bool MessageBuilder::add_record(Section section, const Record& record) {
    if (tsig_written_) fail("record added after the TSIG record");
    if (closed_ || !enter_section(section)) return false;
    if (record.type == type::OPT) {
        fail("OPT passed as a record: use set_edns");
        return false;
    }
    if (record.rdata.size() > UINT16_MAX) {
        fail("RDATA longer than 65535 bytes");
        return false;
    }
    bool is_tsig = record.type == type::TSIG;
    if (is_tsig) {
        if (section != Section::Additional) {
            fail("TSIG record outside the additional section");
            return false;
        }
        if (edns_ && opt_ttl_offset_ == 0) write_opt();  // the OPT goes before the TSIG (RFC 8945 §5.1)
    }
    Mark m = mark();
    if (!write_record(record)) {
        rollback(m);
        if (section != Section::Additional) set_truncated();  // RFC 2181 §9: not for additional data
        return false;
    }
    ++section_counts_[static_cast<size_t>(section)];
    if (is_tsig) tsig_written_ = closed_ = true;
    return true;
}

bool MessageBuilder::add_rrset(Section section, std::span<const Record> records) {
    Mark m = mark();
    for (const auto& record : records) {
        if (record.type == type::TSIG) {
            fail("TSIG record passed in an RRset: use add_record");
            return false;
        }
        if (!add_record(section, record)) {  // TC, where due, is already set
            rollback(m);
            return false;
        }
    }
    return true;
}

bool MessageBuilder::write_record(const Record& record) {
    write_name(record.owner.wire(), true);
    put16(record.type.value);
    put16(record.rclass.value);
    put32(record.ttl);
    size_t rdlength_at = out_.size();
    put16(0);
    write_rdata(record);
    size_t rdlength = out_.size() - rdlength_at - 2;
    out_[rdlength_at] = static_cast<uint8_t>(rdlength >> 8);
    out_[rdlength_at + 1] = static_cast<uint8_t>(rdlength);
    return out_.size() <= limit_;
}

// Copies RDATA, compressing the names RFC 3597 §4 allows: those of the RFC 1035 types, marked
// CompressibleName in their schema. Walks the schema itself instead of calling embedded_names() so that no
// vector is allocated; every compressible name sits behind fixed-size fields or other names, so the walk
// stops at the first variable-length field. RDATA that does not match its schema is copied as it is.
void MessageBuilder::write_rdata(const Record& record) {
    ByteView rdata = record.rdata;
    const RdataSchema* schema = schema_for(record.type);
    bool compressible = schema && std::find(schema->fields.begin(), schema->fields.end(),
                                            Field::CompressibleName) != schema->fields.end();
    size_t copied = 0;
    if (compressible) {
        size_t pos = 0;
        for (Field field : schema->fields) {
            if (field == Field::U16 || field == Field::U32 || field == Field::Period) {
                pos += field == Field::U16 ? 2 : 4;
                if (pos > rdata.size()) break;
                continue;
            }
            if (field != Field::Name && field != Field::CompressibleName) break;
            auto length = uncompressed_name_length(rdata, pos);
            if (!length) break;
            if (field == Field::CompressibleName) {
                out_.insert(out_.end(), rdata.begin() + copied, rdata.begin() + pos);
                write_name(std::string_view(reinterpret_cast<const char*>(rdata.data()) + pos, *length),
                           true);
                copied = pos + *length;
            }
            pos += *length;
        }
    }
    out_.insert(out_.end(), rdata.begin() + copied, rdata.end());
}

size_t MessageBuilder::find_target(const uint8_t* suffix, size_t length, uint32_t hash) const {
    for (size_t i = 0; i < target_count_; ++i) {
        const CompressionTarget& target = targets_[i];
        if (target.hash != hash || target.wire_length != length) continue;
        // Compare label by label, following the pointers this builder wrote (always backwards).
        const uint8_t* wanted = suffix;
        size_t at = target.offset;
        while (true) {
            uint8_t label = out_[at];
            while ((label & 0xC0) == 0xC0) {
                at = static_cast<size_t>(label & 0x3F) << 8 | out_[at + 1];
                label = out_[at];
            }
            if (label != wanted[0]) break;
            if (label == 0) return i;
            if (std::memcmp(&out_[at + 1], wanted + 1, label) != 0) break;
            at += 1 + label;
            wanted += 1 + label;
        }
    }
    return target_count_;
}

// Writes a valid uncompressed name. With `compress`, the longest suffix already in the message becomes a
// pointer (matched byte for byte, so case is kept) and the new labels become targets for later names.
void MessageBuilder::write_name(std::string_view wire, bool compress) {
    const auto* bytes = reinterpret_cast<const uint8_t*>(wire.data());
    std::array<uint8_t, Name::kMaxLabels + 1> starts;
    size_t labels = 0;
    for (size_t pos = 0; bytes[pos] != 0; pos += 1 + bytes[pos]) starts[labels++] = static_cast<uint8_t>(pos);
    if (!compress) {
        out_.insert(out_.end(), bytes, bytes + wire.size());
        return;
    }
    // Hash every suffix from the root leftwards, so that equal suffixes hash equally wherever they occur.
    std::array<uint32_t, Name::kMaxLabels + 1> hashes;
    uint32_t hash = kFnvBasis * kFnvPrime;  // the root label's zero byte
    hashes[labels] = hash;
    for (size_t i = labels; i-- > 0;) {
        for (size_t k = starts[i]; k <= starts[i] + bytes[starts[i]]; ++k)
            hash = (hash ^ bytes[k]) * kFnvPrime;
        hashes[i] = hash;
    }
    size_t matched = labels;
    size_t pointer = 0;
    for (size_t i = 0; i < labels; ++i) {
        size_t found = find_target(bytes + starts[i], wire.size() - starts[i], hashes[i]);
        if (found < target_count_) {
            matched = i;
            pointer = targets_[found].offset;
            break;
        }
    }
    for (size_t i = 0; i < matched; ++i) {
        size_t offset = out_.size();
        if (offset <= kMaxPointerOffset && target_count_ < kCompressionSlots)
            targets_[target_count_++] = {hashes[i], static_cast<uint16_t>(offset),
                                         static_cast<uint8_t>(wire.size() - starts[i])};
        out_.insert(out_.end(), bytes + starts[i], bytes + starts[i] + 1 + bytes[starts[i]]);
    }
    if (matched < labels) {
        put16(static_cast<uint16_t>(kPointerTag | pointer));
    } else {
        out_.push_back(0);
    }
}

void MessageBuilder::write_opt() {
    out_.push_back(0);  // owner: the root
    put16(type::OPT.value);
    put16(edns_->udp_payload_size);
    opt_ttl_offset_ = out_.size();
    put32(0);  // extended RCODE, version and DO: filled in by finish()
    put16(static_cast<uint16_t>(edns_->wire_size() - 11));
    for (const auto& option : edns_->options) {
        put16(option.code);
        put16(static_cast<uint16_t>(option.data.size()));
        out_.insert(out_.end(), option.data.begin(), option.data.end());
    }
    ++section_counts_[static_cast<size_t>(Section::Additional)];
    current_section_ = static_cast<int>(Section::Additional);
    limit_ = max_size_;  // the reservation is used up
}

Status MessageBuilder::finish() {
    if (misuse_) return make_error(std::string("MessageBuilder: ") + misuse_);
    auto rcode = static_cast<uint16_t>(header_.rcode);
    if (rcode > 0xFFF) return make_error("MessageBuilder: RCODE above 4095");
    if (rcode > 0xF && !edns_)
        return make_error("MessageBuilder: RCODE " + std::to_string(rcode) + " needs EDNS");
    if (edns_) {
        if (opt_ttl_offset_ == 0) write_opt();
        uint32_t ttl = static_cast<uint32_t>(rcode >> 4) << 24 | static_cast<uint32_t>(edns_->version) << 16 |
                       (edns_->dnssec_ok ? 0x8000u : 0u);
        for (size_t i = 0; i < 4; ++i) out_[opt_ttl_offset_ + i] = static_cast<uint8_t>(ttl >> (24 - 8 * i));
    }
    const uint16_t words[6] = {header_.id,         encode_flags(header_, truncated_),
                               question_count_,    section_counts_[0],
                               section_counts_[1], section_counts_[2]};
    for (size_t i = 0; i < 6; ++i) {
        out_[2 * i] = static_cast<uint8_t>(words[i] >> 8);
        out_[2 * i + 1] = static_cast<uint8_t>(words[i]);
    }
    return {};
}

}  // namespace danemail::dns

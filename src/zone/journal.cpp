// Zone diffs and the IXFR journal (RFC 1995 §4 difference sequences, §5 purging; RFC 1982 serial order).
// Records are matched as RRs are in DNS: owner case-insensitive, RDATA in canonical form (RFC 4034 §6.2).
// Journal::decode reads a file back as untrusted bytes: lengths, counts, names and RDATA are all checked.
#include "zone/journal.h"
#include "base/byte_order.h"

#include <unordered_map>

#include "base/file_io.h"
#include "base/time.h"
#include "dns/rdata.h"

namespace danemail::zone {
namespace {

constexpr std::string_view kJournalMagic = "DMJRNL01";
constexpr size_t kSoaSerialOffsetFromEnd = 20;        // SERIAL, REFRESH, RETRY, EXPIRE, MINIMUM: 5 × 4 bytes
constexpr size_t kMinRecordSize = 1 + 2 + 2 + 4 + 2;  // root owner, type, class, TTL, RDLENGTH
constexpr uint8_t kCompressionMask = 0xC0;

// Identity of an RR without its TTL: lower-cased owner, type, class, canonical RDATA.
std::string rr_key(const dns::Record& record) {
    std::string key = record.owner.lowercased().wire();
    key.push_back(static_cast<char>(record.type.value >> 8));
    key.push_back(static_cast<char>(record.type.value));
    key.push_back(static_cast<char>(record.rclass.value >> 8));
    key.push_back(static_cast<char>(record.rclass.value));
    Bytes rdata = dns::canonical_rdata(record.type, record.rdata);
    key.append(rdata.begin(), rdata.end());
    return key;
}

std::string rr_key_with_ttl(const dns::Record& record) {
    std::string key = rr_key(record);
    for (int shift = 24; shift >= 0; shift -= 8) key.push_back(static_cast<char>(record.ttl >> shift));
    return key;
}

std::string serials(const ZoneDiff& diff) {
    return std::to_string(diff.old_serial()) + "→" + std::to_string(diff.new_serial());
}

void encode_record(Bytes& out, const dns::Record& record) {
    out.insert(out.end(), record.owner.wire_bytes().begin(), record.owner.wire_bytes().end());
    put16(out, record.type.value);
    put16(out, record.rclass.value);
    put32(out, record.ttl);
    put16(out, static_cast<uint16_t>(record.rdata.size()));
    out.insert(out.end(), record.rdata.begin(), record.rdata.end());
}

// Reads the journal file format with bounds checks on every field.
class Reader {
public:
    Reader(ByteView data, size_t start, std::string_view source)
        : data_(data), source_(source), pos_(start) {}

    size_t pos() const { return pos_; }
    size_t remaining() const { return data_.size() - pos_; }
    Error error(std::string what) const {
        return make_error(source_ + " offset " + std::to_string(pos_), what);
    }

    Result<uint32_t> u32() {
        if (remaining() < 4) return error("truncated: a 4-byte field runs past the end");
        uint32_t v = static_cast<uint32_t>(data_[pos_]) << 24 | static_cast<uint32_t>(data_[pos_ + 1]) << 16 |
                     static_cast<uint32_t>(data_[pos_ + 2]) << 8 | data_[pos_ + 3];
        pos_ += 4;
        return v;
    }

    Result<dns::Record> record() {
        size_t start = pos_;
        while (true) {
            if (pos_ >= data_.size()) return error("truncated owner name");
            uint8_t label = data_[pos_];
            if ((label & kCompressionMask) != 0) return error("bad label length in owner name");
            pos_ += 1 + label;
            if (label == 0) break;
        }
        if (pos_ > data_.size()) return error("truncated owner name");
        auto owner = dns::Name::from_wire(data_.subspan(start, pos_ - start));
        if (!owner) return error("owner name: " + owner.error().what);
        if (remaining() < kMinRecordSize - 1) return error("truncated record header");
        auto get16 = [&](size_t at) { return static_cast<uint16_t>(data_[at] << 8 | data_[at + 1]); };
        dns::Record record{std::move(*owner), dns::RRType(get16(pos_)), dns::RRClass(get16(pos_ + 2)), 0, {}};
        record.ttl = static_cast<uint32_t>(get16(pos_ + 4)) << 16 | get16(pos_ + 6);
        size_t rdlength = get16(pos_ + 8);
        pos_ += 10;
        if (remaining() < rdlength) return error("truncated RDATA");
        record.rdata.assign(data_.begin() + pos_, data_.begin() + pos_ + rdlength);
        if (auto s = dns::validate_rdata(record.type, record.rdata); !s)
            return error(dns::type_to_text(record.type) + " RDATA: " + s.error().what);
        pos_ += rdlength;
        return record;
    }

    Result<std::vector<dns::Record>> records() {
        auto count = u32();
        if (!count) return count.error();
        if (*count > remaining() / kMinRecordSize) return error("record count larger than the data");
        std::vector<dns::Record> out;
        out.reserve(*count);
        for (uint32_t i = 0; i < *count; ++i) {
            auto r = record();
            if (!r) return r.error();
            if (r->type == dns::type::SOA) return error("SOA record inside a diff's record list");
            out.push_back(std::move(*r));
        }
        return out;
    }

    Result<dns::Record> soa() {
        auto r = record();
        if (!r) return r.error();
        if (r->type != dns::type::SOA)
            return error("expected an SOA record, found " + dns::type_to_text(r->type));
        return r;
    }

private:
    ByteView data_;
    std::string source_;
    size_t pos_;
};

}  // namespace

uint32_t soa_serial(const dns::Record& soa) {
    if (soa.rdata.size() < kSoaSerialOffsetFromEnd + 2) return 0;
    size_t at = soa.rdata.size() - kSoaSerialOffsetFromEnd;
    return static_cast<uint32_t>(soa.rdata[at]) << 24 | static_cast<uint32_t>(soa.rdata[at + 1]) << 16 |
           static_cast<uint32_t>(soa.rdata[at + 2]) << 8 | soa.rdata[at + 3];
}

uint32_t ZoneDiff::old_serial() const {
    return soa_serial(old_soa);
}
uint32_t ZoneDiff::new_serial() const {
    return soa_serial(new_soa);
}

Result<const dns::Record*> find_soa(std::span<const dns::Record> zone) {
    const dns::Record* found = nullptr;
    for (const auto& record : zone) {
        if (record.type != dns::type::SOA) continue;
        if (found)
            return make_error("zone has two SOA records (" + found->owner.to_text() + " and " +
                              record.owner.to_text() + ")");
        found = &record;
    }
    if (!found) return make_error("zone has no SOA record");
    return found;
}

bool same_rr(const dns::Record& a, const dns::Record& b) {
    return a.type == b.type && a.rclass == b.rclass && a.owner == b.owner &&
           dns::canonical_rdata(a.type, a.rdata) == dns::canonical_rdata(b.type, b.rdata);
}

Result<ZoneDiff> diff_zones(std::span<const dns::Record> old_zone, std::span<const dns::Record> new_zone) {
    auto old_soa = find_soa(old_zone);
    if (!old_soa) return make_error("old zone: " + old_soa.error().what);
    auto new_soa = find_soa(new_zone);
    if (!new_soa) return make_error("new zone: " + new_soa.error().what);
    ZoneDiff diff{**old_soa, {}, **new_soa, {}};
    if (!serial_less(diff.old_serial(), diff.new_serial()))
        return make_error("the SOA serial went from " + std::to_string(diff.old_serial()) + " to " +
                          std::to_string(diff.new_serial()) + ": it must increase (RFC 1982)");
    // Multiset difference in both directions, keeping each zone's record order.
    std::unordered_map<std::string, size_t> in_new;
    for (const auto& record : new_zone)
        if (record.type != dns::type::SOA) ++in_new[rr_key_with_ttl(record)];
    std::unordered_map<std::string, size_t> in_old;
    for (const auto& record : old_zone) {
        if (record.type == dns::type::SOA) continue;
        std::string key = rr_key_with_ttl(record);
        auto it = in_new.find(key);
        if (it != in_new.end() && it->second > 0) {
            --it->second;
            ++in_old[key];
        } else {
            diff.removed.push_back(record);
        }
    }
    for (const auto& record : new_zone) {
        if (record.type == dns::type::SOA) continue;
        auto it = in_old.find(rr_key_with_ttl(record));
        if (it != in_old.end() && it->second > 0) {
            --it->second;
        } else {
            diff.added.push_back(record);
        }
    }
    return diff;
}

Status apply_diff(std::vector<dns::Record>& zone, const ZoneDiff& diff) {
    auto soa = find_soa(zone);
    if (!soa) return soa.error();
    if (soa_serial(**soa) != diff.old_serial())
        return make_error("diff " + serials(diff) + " does not start at the zone's serial " +
                          std::to_string(soa_serial(**soa)));
    std::unordered_map<std::string, std::vector<size_t>> index;
    for (size_t i = 0; i < zone.size(); ++i)
        if (zone[i].type != dns::type::SOA) index[rr_key(zone[i])].push_back(i);
    std::vector<bool> gone(zone.size(), false);
    for (const auto& record : diff.removed) {
        auto it = index.find(rr_key(record));
        if (it == index.end() || it->second.empty())
            return make_error("diff " + serials(diff) +
                              " removes a record the zone does not have: " + dns::record_to_text(record));
        gone[it->second.back()] = true;
        it->second.pop_back();
    }
    for (const auto& record : diff.added) {
        auto it = index.find(rr_key(record));
        if (it != index.end() && !it->second.empty())
            return make_error("diff " + serials(diff) +
                              " adds a record the zone already has: " + dns::record_to_text(record));
        index[rr_key(record)].push_back(zone.size());  // a second identical addition is caught too
    }
    std::vector<dns::Record> result;
    result.reserve(zone.size() - diff.removed.size() + diff.added.size());
    for (size_t i = 0; i < zone.size(); ++i) {
        if (gone[i]) continue;
        result.push_back(zone[i].type == dns::type::SOA ? diff.new_soa : std::move(zone[i]));
    }
    result.insert(result.end(), diff.added.begin(), diff.added.end());
    zone = std::move(result);
    return {};
}

Result<ZoneDiff> condense_diffs(std::span<const ZoneDiff> diffs) {
    if (diffs.empty()) return make_error("no diffs to condense");
    struct Change {
        const dns::Record* record;
        int delta;  // -1 removed, +1 added, 0 cancelled
    };
    std::vector<Change> changes;
    std::unordered_map<std::string, size_t> position;  // key with TTL → index into changes
    for (size_t i = 0; i < diffs.size(); ++i) {
        if (i > 0 && diffs[i].old_serial() != diffs[i - 1].new_serial())
            return make_error("diffs " + serials(diffs[i - 1]) + " and " + serials(diffs[i]) +
                              " do not follow on");
        auto note = [&](const dns::Record& record, int delta) {
            auto [it, inserted] = position.try_emplace(rr_key_with_ttl(record), changes.size());
            if (inserted) {
                changes.push_back({&record, delta});
            } else {
                changes[it->second].delta += delta;
                changes[it->second].record = &record;
            }
        };
        for (const auto& record : diffs[i].removed) note(record, -1);
        for (const auto& record : diffs[i].added) note(record, +1);
    }
    ZoneDiff out{diffs.front().old_soa, {}, diffs.back().new_soa, {}};
    for (const auto& change : changes) {
        if (change.delta < 0) out.removed.push_back(*change.record);
        if (change.delta > 0) out.added.push_back(*change.record);
    }
    return out;
}

// ---- Journal ----

Status Journal::append(ZoneDiff diff) {
    if (diff.old_soa.type != dns::type::SOA || diff.new_soa.type != dns::type::SOA)
        return make_error("journal: a diff must be framed by two SOA records");
    if (!serial_less(diff.old_serial(), diff.new_serial()))
        return make_error("journal: diff " + serials(diff) + " does not increase the serial");
    if (auto newest = newest_serial(); newest && *newest != diff.old_serial())
        return make_error("journal: diff " + serials(diff) + " does not follow the newest serial " +
                          std::to_string(*newest));
    record_count_ += diff.record_count();
    diffs_.push_back(std::move(diff));
    return {};
}

std::optional<std::span<const ZoneDiff>> Journal::diffs_since(uint32_t serial) const {
    for (size_t i = 0; i < diffs_.size(); ++i)
        if (diffs_[i].old_serial() == serial) return std::span<const ZoneDiff>(diffs_).subspan(i);
    return std::nullopt;
}

void Journal::trim(size_t max_records) {
    size_t drop = 0;
    while (drop + 1 < diffs_.size() && record_count_ > max_records)
        record_count_ -= diffs_[drop++].record_count();
    diffs_.erase(diffs_.begin(), diffs_.begin() + static_cast<ptrdiff_t>(drop));
}

std::optional<uint32_t> Journal::oldest_serial() const {
    if (diffs_.empty()) return std::nullopt;
    return diffs_.front().old_serial();
}

std::optional<uint32_t> Journal::newest_serial() const {
    if (diffs_.empty()) return std::nullopt;
    return diffs_.back().new_serial();
}

Bytes Journal::encode() const {
    Bytes out(kJournalMagic.begin(), kJournalMagic.end());
    for (const auto& diff : diffs_) {
        Bytes body;
        encode_record(body, diff.old_soa);
        put32(body, static_cast<uint32_t>(diff.removed.size()));
        for (const auto& record : diff.removed) encode_record(body, record);
        encode_record(body, diff.new_soa);
        put32(body, static_cast<uint32_t>(diff.added.size()));
        for (const auto& record : diff.added) encode_record(body, record);
        put32(out, static_cast<uint32_t>(body.size()));
        out.insert(out.end(), body.begin(), body.end());
    }
    return out;
}

Result<Journal> Journal::decode(ByteView data, std::string_view source) {
    if (data.size() < kJournalMagic.size() ||
        !std::equal(kJournalMagic.begin(), kJournalMagic.end(), data.begin()))
        return make_error(std::string(source),
                          "not a danemail journal (no " + std::string(kJournalMagic) + " header)");
    Reader reader(data, kJournalMagic.size(), source);
    Journal journal;
    while (reader.remaining() > 0) {
        auto length = reader.u32();
        if (!length) return length.error();
        if (*length > reader.remaining())
            return reader.error("diff of " + std::to_string(*length) + " bytes runs past the end");
        size_t end = reader.pos() + *length;
        ZoneDiff diff;
        auto old_soa = reader.soa();
        if (!old_soa) return old_soa.error();
        auto removed = reader.records();
        if (!removed) return removed.error();
        auto new_soa = reader.soa();
        if (!new_soa) return new_soa.error();
        auto added = reader.records();
        if (!added) return added.error();
        if (reader.pos() != end) return reader.error("diff length does not match its records");
        diff = ZoneDiff{std::move(*old_soa), std::move(*removed), std::move(*new_soa), std::move(*added)};
        if (auto s = journal.append(std::move(diff)); !s) return reader.error(s.error().what);
    }
    return journal;
}

Status Journal::save(const std::string& path) const {
    Bytes data = encode();
    return write_file_atomic(path, std::string_view(reinterpret_cast<const char*>(data.data()), data.size()),
                             0600);
}

Result<Journal> Journal::load(const std::string& path) {
    auto content = read_file(path);
    if (!content) return content.error();
    return decode(as_bytes(*content), path);
}

}  // namespace danemail::zone

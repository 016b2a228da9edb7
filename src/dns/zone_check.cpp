// Semantic checks of a parsed zone (RFC 1034 §4.2.1, RFC 1035 §5.2, RFC 2181 §5.2 and §10.1, RFC 4035 §2.5,
// RFC 6672 §2.3–§2.4): one SOA at the apex, NS at the apex, no data outside the zone, CNAME alone, no data
// below a DNAME. Works on untrusted zone content of any size: grouping is by hash and sort, not per-name
// maps.
//
// Decisions, following BIND: records that repeat an RR exactly (same owner, type and canonical RDATA,
// RFC 4034 §6.2) are merged silently, keeping the first; an RRset whose TTLs differ takes the TTL of its
// first record, with a warning (RFC 2181 §5.2). Identical duplicate SOA or CNAME lines therefore merge; a
// second, different one is an error.
#include <algorithm>
#include <unordered_map>

#include "dns/rdata.h"
#include "dns/zone_file.h"

namespace danemail::dns {
namespace {

constexpr uint32_t kMaxTtl = 0x7FFFFFFF;  // RFC 2181 §8
constexpr size_t kMaxReported = 1000;     // findings of each kind (errors, warnings) turned into text
constexpr uint32_t kNone = UINT32_MAX;

enum class Kind {
    kOutOfZone,
    kTtlRange,
    kTtlMismatch,  // warning
    kSecondCname,
    kSecondDname,
    kCnameAndOther,
    kCnameAtApex,
    kSoaNotAtApex,
    kSecondSoa,
    kBelowDname,
    kNoSoa,
    kNoApexNs,
};

// A problem found, kept compact until it is reported; `record` and `other` index zone.records.
struct Finding {
    Kind kind;
    uint32_t record = kNone;
    uint32_t other = kNone;
    uint32_t value = 0;
};

class ZoneChecker {
public:
    ZoneChecker(ParsedZone& zone, const Name& origin) : zone_(zone), origin_(origin) {}
    void run();

private:
    void check_name(std::vector<uint32_t>& group);
    void check_rrset(const uint32_t* begin, const uint32_t* end);
    void check_dnames();
    void report();
    void remove_duplicates();
    std::string render(const Finding& f) const;
    std::string owner(uint32_t record) const { return zone_.records[record].owner.to_text(); }

    ParsedZone& zone_;
    const Name& origin_;
    std::vector<Finding> findings_;
    std::vector<bool> duplicate_;
    std::vector<uint32_t> soas_;                  // SOA records in file order
    std::vector<uint32_t> name_representatives_;  // one record of each distinct owner name
    std::unordered_map<Name, uint32_t, NameHash> dnames_;
    bool apex_ns_ = false;
};

void ZoneChecker::run() {
    const auto& records = zone_.records;
    const uint32_t count = static_cast<uint32_t>(records.size());
    duplicate_.assign(count, false);

    // Zone files keep a name's records together, so group in two steps that touch memory in order: runs
    // of consecutive records with one owner, then runs whose owners are equal although apart in the file
    // (found by sorting run hashes and comparing names only where hashes are equal).
    std::vector<uint32_t> run_start;
    bool out_of_zone = false;  // the current run's owner
    for (uint32_t i = 0; i < count; ++i) {
        if (i == 0 || !(records[i].owner == records[i - 1].owner)) {
            run_start.push_back(i);
            out_of_zone = !records[i].owner.is_subdomain_of(origin_);
        }
        if (out_of_zone) findings_.push_back({Kind::kOutOfZone, i});
        if (records[i].ttl > kMaxTtl) findings_.push_back({Kind::kTtlRange, i});
    }
    const uint32_t runs = static_cast<uint32_t>(run_start.size());
    run_start.push_back(count);

    std::vector<std::pair<size_t, uint32_t>> keys(runs);
    for (uint32_t r = 0; r < runs; ++r) keys[r] = {records[run_start[r]].owner.hash(), r};
    std::sort(keys.begin(), keys.end());
    std::vector<uint32_t> next_run(runs, kNone);  // the next run of the same owner name
    std::vector<bool> continuation(runs, false);  // not the first run of its owner name
    std::vector<uint32_t> rest;
    for (size_t a = 0; a < keys.size();) {
        size_t b = a + 1;
        while (b < keys.size() && keys[b].first == keys[a].first) ++b;
        if (b - a > 1) {  // the same name seen again, or (rarely) a hash collision
            rest.clear();
            for (size_t k = a; k < b; ++k) rest.push_back(keys[k].second);
            while (!rest.empty()) {
                uint32_t tail = rest.front();
                const Name& name = records[run_start[tail]].owner;
                size_t kept = 0;
                for (size_t k = 1; k < rest.size(); ++k) {
                    uint32_t r = rest[k];
                    if (records[run_start[r]].owner == name) {
                        next_run[tail] = r;
                        continuation[r] = true;
                        tail = r;
                    } else {
                        rest[kept++] = r;
                    }
                }
                rest.resize(kept);
            }
        }
        a = b;
    }
    std::vector<uint32_t> group;
    for (uint32_t r = 0; r < runs; ++r) {
        if (continuation[r]) continue;
        group.clear();
        for (uint32_t x = r; x != kNone; x = next_run[x])
            for (uint32_t i = run_start[x]; i < run_start[x + 1]; ++i) group.push_back(i);
        check_name(group);
    }
    check_dnames();

    std::sort(soas_.begin(), soas_.end());
    if (soas_.empty()) findings_.push_back({Kind::kNoSoa});
    for (size_t k = 0; k < soas_.size(); ++k) {
        if (!(records[soas_[k]].owner == origin_)) findings_.push_back({Kind::kSoaNotAtApex, soas_[k]});
        if (k > 0) findings_.push_back({Kind::kSecondSoa, soas_[k], soas_[0]});
    }
    if (!apex_ns_) findings_.push_back({Kind::kNoApexNs, soas_.empty() ? kNone : soas_[0]});

    report();
    remove_duplicates();
}

// All records of one owner name, in file order.
void ZoneChecker::check_name(std::vector<uint32_t>& group) {
    const auto& records = zone_.records;
    name_representatives_.push_back(group.front());
    std::stable_sort(group.begin(), group.end(),
                     [&](uint32_t x, uint32_t y) { return records[x].type < records[y].type; });
    for (size_t a = 0; a < group.size();) {
        size_t b = a;
        while (b < group.size() && records[group[b]].type == records[group[a]].type) ++b;
        check_rrset(group.data() + a, group.data() + b);
        a = b;
    }

    uint32_t cname = kNone, other = kNone;
    bool at_apex = records[group.front()].owner == origin_;
    for (uint32_t r : group) {
        if (duplicate_[r]) continue;
        RRType t = records[r].type;
        if (t == type::CNAME) {
            if (cname == kNone)
                cname = r;
            else
                findings_.push_back({Kind::kSecondCname, r, cname});
        } else if (t == type::DNAME) {
            auto [it, inserted] = dnames_.try_emplace(records[r].owner, r);
            if (!inserted) findings_.push_back({Kind::kSecondDname, r, it->second});
        } else if (t == type::SOA) {
            soas_.push_back(r);
        } else if (t == type::NS && at_apex) {
            apex_ns_ = true;
        }
        // RFC 2181 §10.1 as amended by RFC 4035 §2.5: only DNSSEC records may share a name with a CNAME.
        if (t != type::CNAME && t != type::RRSIG && t != type::NSEC && t != type::NSEC3 &&
            (other == kNone || r < other))
            other = r;
    }
    if (cname != kNone && at_apex)
        findings_.push_back({Kind::kCnameAtApex, cname});
    else if (cname != kNone && other != kNone)
        findings_.push_back({Kind::kCnameAndOther, cname, other});
}

// One RRset, in file order: even out TTLs to the first record's and mark exact repeats as duplicates.
void ZoneChecker::check_rrset(const uint32_t* begin, const uint32_t* end) {
    auto& records = zone_.records;
    // RFC 4034 §3: an RRSIG takes the TTL of the RRset it covers, so the signatures at one owner form one
    // RRset per covered type as far as TTLs go (the first two RDATA bytes name the type).
    auto covered = [&](uint32_t r) -> uint32_t {
        const Bytes& rdata = records[r].rdata;
        if (records[r].type != type::RRSIG || rdata.size() < 2) return 0x10000;
        return static_cast<uint32_t>(rdata[0]) << 8 | rdata[1];
    };
    for (const uint32_t* r = begin + 1; r < end; ++r) {
        const uint32_t* first = begin;
        while (first < r && covered(*first) != covered(*r)) ++first;
        if (first == r) continue;
        if (records[*r].ttl != records[*first].ttl) {
            findings_.push_back({Kind::kTtlMismatch, *r, *first, records[*r].ttl});
            records[*r].ttl = records[*first].ttl;
        }
    }
    if (end - begin < 2) return;
    std::vector<std::pair<Bytes, uint32_t>> canonical;
    canonical.reserve(static_cast<size_t>(end - begin));
    for (const uint32_t* r = begin; r < end; ++r)
        canonical.emplace_back(canonical_rdata(records[*r].type, records[*r].rdata), *r);
    std::sort(canonical.begin(), canonical.end());  // equal RDATA together, earliest record first
    for (size_t k = 1; k < canonical.size(); ++k)
        if (canonical[k].first == canonical[k - 1].first) duplicate_[canonical[k].second] = true;
}

// RFC 6672 §2.3: a DNAME owner has no descendants in the zone.
void ZoneChecker::check_dnames() {
    if (dnames_.empty()) return;
    const size_t apex_labels = origin_.label_count();
    for (uint32_t r : name_representatives_) {
        const Name& name = zone_.records[r].owner;
        if (!name.is_subdomain_of(origin_)) continue;
        Name ancestor = name;
        while (ancestor.label_count() > apex_labels) {
            ancestor = ancestor.parent();
            if (auto it = dnames_.find(ancestor); it != dnames_.end()) {
                findings_.push_back({Kind::kBelowDname, r, it->second});
                break;
            }
        }
    }
}

std::string ZoneChecker::render(const Finding& f) const {
    const auto& records = zone_.records;
    switch (f.kind) {
        case Kind::kOutOfZone:
            return "owner '" + owner(f.record) + "' is outside the zone '" + origin_.to_text() + "'";
        case Kind::kTtlRange:
            return "TTL " + std::to_string(records[f.record].ttl) +
                   " is above the maximum of 2147483647 seconds (RFC 2181 §8)";
        case Kind::kTtlMismatch:
            return "TTL " + std::to_string(f.value) + " differs from the TTL " +
                   std::to_string(records[f.other].ttl) + " of the " + type_to_text(records[f.record].type) +
                   " RRset at " + zone_.where(f.other) + "; using " + std::to_string(records[f.other].ttl) +
                   " (RFC 2181 §5.2)";
        case Kind::kSecondCname:
            return "second CNAME at '" + owner(f.record) + "'; the first is at " + zone_.where(f.other) +
                   " and a name has at most one CNAME (RFC 1034 §3.6.2)";
        case Kind::kSecondDname:
            return "second DNAME at '" + owner(f.record) + "'; the first is at " + zone_.where(f.other) +
                   " and a name has at most one DNAME (RFC 6672 §2.4)";
        case Kind::kCnameAndOther:
            return "CNAME at '" + owner(f.record) + "' beside other data (" +
                   type_to_text(records[f.other].type) + " at " + zone_.where(f.other) +
                   "); only RRSIG and NSEC may share a name with a CNAME (RFC 2181 §10.1, RFC 4035 §2.5)";
        case Kind::kCnameAtApex:
            return "CNAME at the zone apex '" + owner(f.record) +
                   "' is not allowed: the apex holds the SOA and NS records (RFC 2181 §10.1)";
        case Kind::kSoaNotAtApex:
            return "SOA record at '" + owner(f.record) + "' is not at the zone apex '" + origin_.to_text() +
                   "'";
        case Kind::kSecondSoa:
            return "second SOA record; the first is at " + zone_.where(f.other) +
                   " and a zone has exactly one (RFC 1035 §5.2)";
        case Kind::kBelowDname:
            return "'" + owner(f.record) + "' is below the DNAME at '" + owner(f.other) + "' (" +
                   zone_.where(f.other) + "); a DNAME owner has no descendants (RFC 6672 §2.3)";
        case Kind::kNoSoa:
            return "no SOA record; expected one at the zone apex '" + origin_.to_text() + "' (RFC 1035 §5.2)";
        case Kind::kNoApexNs:
            return "no NS records at the zone apex '" + origin_.to_text() +
                   "'; expected at least one (RFC 1034 §4.2.1)";
    }
    return "?";
}

// Findings become Errors and warnings in file order (zone-wide ones first), at most kMaxReported of each.
void ZoneChecker::report() {
    std::stable_sort(findings_.begin(), findings_.end(), [](const Finding& x, const Finding& y) {
        auto order = [](const Finding& f) { return f.record == kNone ? -1 : static_cast<int64_t>(f.record); };
        return order(x) < order(y);
    });
    size_t errors = 0, warnings = 0;
    std::string main_file = zone_.files.empty() ? std::string() : zone_.files.front();
    for (const Finding& f : findings_) {
        bool warning = f.kind == Kind::kTtlMismatch;
        size_t& count = warning ? warnings : errors;
        if (++count > kMaxReported) continue;
        std::string where = f.record == kNone ? main_file : zone_.where(f.record);
        (warning ? zone_.warnings : zone_.errors).push_back(make_error(std::move(where), render(f)));
    }
    if (errors > kMaxReported)
        zone_.errors.push_back(
            make_error(main_file, std::to_string(errors - kMaxReported) + " more errors not shown"));
    if (warnings > kMaxReported)
        zone_.warnings.push_back(
            make_error(main_file, std::to_string(warnings - kMaxReported) + " more warnings not shown"));
}

void ZoneChecker::remove_duplicates() {
    auto& records = zone_.records;
    auto& locations = zone_.locations;
    const bool with_locations = locations.size() == records.size();
    size_t kept = 0;
    for (size_t i = 0; i < records.size(); ++i) {
        if (duplicate_[i]) continue;
        if (kept != i) {
            records[kept] = std::move(records[i]);
            if (with_locations) locations[kept] = locations[i];
        }
        ++kept;
    }
    records.erase(records.begin() + static_cast<std::ptrdiff_t>(kept), records.end());
    if (with_locations) locations.resize(kept);
}

}  // namespace

void check_zone(ParsedZone& zone, const Name& origin) {
    ZoneChecker(zone, origin).run();
}

}  // namespace danemail::dns

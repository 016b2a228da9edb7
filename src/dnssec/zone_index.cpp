// Sorting and classifying a zone's records (RFC 4034 §6.1 order; RFC 4035 §2.2 zone cuts and glue).
#include "dnssec/zone_index.h"

#include <algorithm>
#include <numeric>

#include "dns/rdata.h"

namespace danemail::dnssec {

std::string canonical_sort_key(const dns::Name& name) {
    const std::string& wire = name.wire();
    size_t offsets[dns::Name::kMaxLabels + 1];
    size_t count = 0;
    for (size_t pos = 0; wire[pos] != 0; pos += 1 + static_cast<uint8_t>(wire[pos])) offsets[count++] = pos;
    std::string key;
    key.reserve(wire.size() + 2);
    while (count > 0) {
        size_t pos = offsets[--count];
        size_t len = static_cast<uint8_t>(wire[pos]);
        for (size_t i = pos + 1; i <= pos + len; ++i) {
            uint8_t c = dns::dns_tolower(static_cast<uint8_t>(wire[i]));
            if (c <= 1) {
                key.push_back('\x01');
                key.push_back(static_cast<char>(c + 1));
            } else {
                key.push_back(static_cast<char>(c));
            }
        }
        key.push_back('\0');
    }
    return key;
}

ZoneIndex::ZoneIndex(std::vector<dns::Record> records, const dns::Name& apex) : apex_(apex) {
    // Sort by (owner key, type, canonical RDATA); keys are computed once per record.
    struct SortEntry {
        std::string key;
        uint32_t index;
    };
    std::vector<SortEntry> entries;
    entries.reserve(records.size());
    for (uint32_t i = 0; i < records.size(); ++i) {
        // Consecutive records usually share their owner: reuse the previous key.
        if (i > 0 && records[i].owner.identical(records[i - 1].owner))
            entries.push_back({entries.back().key, i});
        else
            entries.push_back({canonical_sort_key(records[i].owner), i});
    }
    std::stable_sort(entries.begin(), entries.end(), [&](const SortEntry& a, const SortEntry& b) {
        if (int c = a.key.compare(b.key)) return c < 0;
        const auto& ra = records[a.index];
        const auto& rb = records[b.index];
        if (ra.type != rb.type) return ra.type < rb.type;
        return ra.rdata < rb.rdata;
    });

    records_.reserve(records.size());
    const std::string* previous_key = nullptr;
    for (const auto& e : entries) {
        dns::Record& r = records[e.index];
        bool same_owner = previous_key && *previous_key == e.key;
        if (same_owner) {
            const dns::Record& last = records_.back();
            bool same_rrset = last.type == r.type;
            if (same_rrset &&
                dns::canonical_rdata(r.type, last.rdata) == dns::canonical_rdata(r.type, r.rdata))
                continue;                      // duplicate record (RFC 2181 §5)
            if (same_rrset) r.ttl = last.ttl;  // one TTL per RRset (RFC 2181 §5.2)
            r.owner = last.owner;              // one spelling of the owner per node
        }
        if (!same_owner || rrsets_.back().type != r.type) {
            if (!same_owner) nodes_.push_back({static_cast<uint32_t>(rrsets_.size()), 0});
            rrsets_.push_back({r.type, static_cast<uint32_t>(records_.size()), 0});
            ++nodes_.back().rrset_count;
        }
        ++rrsets_.back().count;
        records_.push_back(std::move(r));
        previous_key = &e.key;
    }

    // Classify nodes. Canonical order puts every name's descendants right after it, so one "current cut"
    // is enough to find what lies below a delegation or a DNAME.
    const dns::Name* cut = nullptr;
    for (auto& node : nodes_) {
        const dns::Name& name = owner(node);
        if (!name.is_subdomain_of(apex_)) {
            node.is_occluded = true;
            continue;
        }
        if (cut && name.is_subdomain_of(*cut) && !(name == *cut)) {
            node.is_occluded = true;
            continue;
        }
        cut = nullptr;
        node.is_apex = name == apex_;
        node.has_ds = find(node, dns::type::DS) != nullptr;
        if (!node.is_apex && find(node, dns::type::NS)) {
            node.is_delegation = true;
            cut = &name;
        } else if (find(node, dns::type::DNAME)) {
            cut = &name;
        }
    }
}

const RRsetRange* ZoneIndex::find(const ZoneNode& node, dns::RRType type) const {
    for (const auto& rrset : rrsets_of(node))
        if (rrset.type == type) return &rrset;
    return nullptr;
}

const ZoneNode* ZoneIndex::apex_node() const {
    for (const auto& node : nodes_) {
        if (node.is_apex) return &node;
    }
    return nullptr;
}

}  // namespace danemail::dnssec

// Lookups in a served zone snapshot on the query path: exact names through the hash table, the NSEC record
// covering a name by binary search over canonical sort keys (RFC 4034 §6.1, RFC 4035 §3.1.3), and the NSEC3
// record matching or covering a hash (RFC 5155 §7.2). Nothing here allocates.
#include "zone/served_zone.h"

#include <algorithm>
#include <cstring>

namespace danemail::zone {

uint32_t ServedZone::find(const LookupName& name, size_t labels) const {
    if (table_.empty() || labels > name.label_count()) return kNoIndex;
    const uint64_t hash = name.suffix_hash(labels);
    const auto high = static_cast<uint32_t>(hash >> 32);
    const size_t mask = table_.size() - 1;
    const ByteView wanted = name.lower_suffix(labels);
    for (size_t i = static_cast<size_t>(hash) & mask;; i = (i + 1) & mask) {
        const Slot& slot = table_[i];
        if (slot.node == kNoIndex) return kNoIndex;
        if (slot.hash_high == high && name_equals(nodes_[slot.node], wanted)) return slot.node;
    }
}

bool ServedZone::name_equals(const ServedNode& node, ByteView lower_wire) const {
    if (node.name_length != lower_wire.size()) return false;
    const uint8_t* stored = &names_[node.name_offset];
    for (size_t i = 0; i < lower_wire.size(); ++i)
        if (dns::dns_tolower(stored[i]) != lower_wire[i]) return false;
    return true;
}

const ServedRRset* ServedZone::find_rrset(const ServedNode& node, dns::RRType type) const {
    for (const ServedRRset& rrset : rrsets_of(node))
        if (rrset.type == type) return &rrset;
    return nullptr;
}

uint32_t ServedZone::nsec_covering(std::span<const uint8_t> key) const {
    if (nsec_nodes_.empty()) return kNoIndex;
    auto key_less = [&](uint32_t rank) {  // chain member `rank` sorts strictly before `key`
        const uint8_t* member = &nsec_keys_[nsec_key_offsets_[rank]];
        size_t length = nsec_key_offsets_[rank + 1] - nsec_key_offsets_[rank];
        int c = std::memcmp(member, key.data(), std::min(length, key.size()));
        return c < 0 || (c == 0 && length < key.size());
    };
    // Binary search for the first member not before `key`; the one before it covers `key`. A key before
    // every member (impossible below the apex) wraps to the last member, whose NSEC points to the apex.
    size_t low = 0, high = nsec_nodes_.size();
    while (low < high) {
        size_t mid = (low + high) / 2;
        if (key_less(static_cast<uint32_t>(mid)))
            low = mid + 1;
        else
            high = mid;
    }
    return nsec_nodes_[low == 0 ? nsec_nodes_.size() - 1 : low - 1];
}

Nsec3Hash ServedZone::nsec3_hash(ByteView lower_wire) const {
    return nsec3_hash_lower(lower_wire, nsec3_params_.salt, nsec3_params_.iterations);
}

uint32_t ServedZone::nsec3_matching(const Nsec3Hash& hash) const {
    auto it = std::lower_bound(nsec3_.begin(), nsec3_.end(), hash,
                               [](const Nsec3Entry& e, const Nsec3Hash& h) { return e.hash < h; });
    if (it == nsec3_.end() || it->hash != hash) return kNoIndex;
    return static_cast<uint32_t>(it - nsec3_.begin());
}

uint32_t ServedZone::nsec3_covering(const Nsec3Hash& hash) const {
    if (nsec3_.empty()) return kNoIndex;
    // The last entry whose hash sorts before `hash`; before the first entry the last one covers, its next
    // hash wrapping around to the first (RFC 5155 §3.1.7).
    auto it = std::lower_bound(nsec3_.begin(), nsec3_.end(), hash,
                               [](const Nsec3Entry& e, const Nsec3Hash& h) { return e.hash < h; });
    if (it == nsec3_.begin()) return static_cast<uint32_t>(nsec3_.size() - 1);
    return static_cast<uint32_t>(it - nsec3_.begin() - 1);
}

size_t ServedZone::memory_bytes() const {
    return sizeof(*this) + nodes_.capacity() * sizeof(ServedNode) + rrsets_.capacity() * sizeof(ServedRRset) +
           names_.capacity() + wire_.capacity() + fixups_.capacity() * sizeof(uint32_t) +
           additional_.capacity() * sizeof(AdditionalTarget) + table_.capacity() * sizeof(Slot) +
           nsec_nodes_.capacity() * sizeof(uint32_t) + nsec_key_offsets_.capacity() * sizeof(uint32_t) +
           nsec_keys_.capacity() + nsec3_.capacity() * sizeof(Nsec3Entry);
}

namespace {

// Appends the RRs of one block to `out` with owner `owner`, each placeholder pointer (a fixup) replaced by
// the apex's wire name.
void append_block_records(const ServedZone& zone, const WireBlock& block, const dns::Name& owner,
                          std::vector<dns::Record>& out) {
    const ByteView bytes = zone.block_bytes(block);
    const auto fixups = zone.fixups(block);
    const ByteView apex = zone.apex().wire_bytes();
    size_t pos = 0, fixup = 0;
    for (uint16_t i = 0; i < block.rr_count && pos + 10 <= bytes.size(); ++i) {
        dns::Record record{owner,
                           dns::RRType(static_cast<uint16_t>(bytes[pos] << 8 | bytes[pos + 1])),
                           dns::RRClass(static_cast<uint16_t>(bytes[pos + 2] << 8 | bytes[pos + 3])),
                           static_cast<uint32_t>(bytes[pos + 4]) << 24 |
                               static_cast<uint32_t>(bytes[pos + 5]) << 16 |
                               static_cast<uint32_t>(bytes[pos + 6]) << 8 | bytes[pos + 7],
                           {}};
        const size_t rdata_start = pos + 10;
        const size_t rdata_end = rdata_start + (static_cast<size_t>(bytes[pos + 8]) << 8 | bytes[pos + 9]);
        size_t copied = rdata_start;
        for (; fixup < fixups.size() && fixups[fixup] < rdata_end; ++fixup) {
            record.rdata.insert(record.rdata.end(), bytes.begin() + copied, bytes.begin() + fixups[fixup]);
            record.rdata.insert(record.rdata.end(), apex.begin(), apex.end());
            copied = fixups[fixup] + 2;
        }
        record.rdata.insert(record.rdata.end(), bytes.begin() + copied, bytes.begin() + rdata_end);
        out.push_back(std::move(record));
        pos = rdata_end;
    }
}

}  // namespace

std::vector<dns::Record> ServedZone::to_records() const {
    std::vector<dns::Record> out;
    size_t count = 0;
    for (const ServedRRset& rrset : rrsets_) count += rrset.data.rr_count + rrset.signatures.rr_count;
    out.reserve(count);
    for (const ServedNode& node : nodes_) {
        if (node.rrset_count == 0) continue;
        auto owner = dns::Name::from_wire(node_name(node));
        if (!owner) continue;  // cannot happen: build() stored it from a Name
        for (const ServedRRset& rrset : rrsets_of(node)) {
            append_block_records(*this, rrset.data, *owner, out);
            append_block_records(*this, rrset.signatures, *owner, out);
        }
    }
    for (const Nsec3Entry& entry : nsec3_) {
        const auto label = nsec3_owner_label(entry.hash);
        auto owner = dns::Name::from_wire(as_bytes(std::string(label.begin(), label.end()) + apex_.wire()));
        if (!owner) continue;
        const ServedRRset& rrset = rrsets_[entry.rrset];
        append_block_records(*this, rrset.data, *owner, out);
        append_block_records(*this, rrset.signatures, *owner, out);
    }
    return out;
}

size_t canonical_key(const LookupName& name, size_t labels, bool wildcard_child, uint8_t* out) {
    // Labels from the root outwards, lower-cased, 0x00/0x01 escaped, each closed by 0x00: the same bytes as
    // dnssec::canonical_sort_key, whose memcmp order is the canonical order of RFC 4034 §6.1.
    ByteView lower = name.lower();
    size_t length = 0;
    for (size_t k = 1; k <= labels; ++k) {
        size_t at = name.suffix_offset(k);
        size_t label_length = lower[at];
        for (size_t i = at + 1; i <= at + label_length; ++i) {
            uint8_t c = lower[i];
            if (c <= 1) {
                out[length++] = 1;
                out[length++] = static_cast<uint8_t>(c + 1);
            } else {
                out[length++] = c;
            }
        }
        out[length++] = 0;
    }
    if (wildcard_child) {
        out[length++] = '*';
        out[length++] = 0;
    }
    return length;
}

}  // namespace danemail::zone

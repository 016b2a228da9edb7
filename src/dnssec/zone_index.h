// A zone's records sorted into canonical order (RFC 4034 §6.1 names, then type, then RDATA) and grouped
// into nodes and RRsets, with each node classified: apex, delegation point, or occluded (glue and other
// data below a zone cut or a DNAME, RFC 4035 §2.2 and RFC 6672 §2.3). Shared by the signer and verifier.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "dns/name.h"
#include "dns/record.h"

namespace danemail::dnssec {

// A byte string whose memcmp order is the canonical order of names: labels from the root outwards,
// each lower-cased with bytes 0x00/0x01 escaped and a 0x00 terminator (order-preserving, prefix-free).
std::string canonical_sort_key(const dns::Name& name);

struct RRsetRange {
    dns::RRType type;
    uint32_t first = 0;  // index into ZoneIndex::records
    uint32_t count = 0;
};

struct ZoneNode {
    uint32_t first_rrset = 0;  // index into ZoneIndex::rrsets
    uint32_t rrset_count = 0;
    bool is_apex = false;
    bool is_delegation = false;  // NS below the apex: a zone cut
    bool is_occluded = false;    // below a zone cut or a DNAME: glue or junk, never signed
    bool has_ds = false;

    // Signed and covered by the NSEC/NSEC3 chain (RFC 4035 §2.2, §2.3).
    bool is_authoritative() const { return !is_occluded; }
};

class ZoneIndex {
public:
    // Sorts and groups `records` (taken over). Identical records are merged; an RRset takes the TTL of its
    // first record. Records outside `apex` are kept but marked occluded.
    ZoneIndex(std::vector<dns::Record> records, const dns::Name& apex);

    const dns::Name& apex() const { return apex_; }
    std::span<const dns::Record> records() const { return records_; }
    std::vector<dns::Record>& mutable_records() { return records_; }
    std::span<const RRsetRange> rrsets() const { return rrsets_; }
    std::span<const ZoneNode> nodes() const { return nodes_; }

    const dns::Name& owner(const ZoneNode& node) const {
        return records_[rrsets_[node.first_rrset].first].owner;
    }
    std::span<const RRsetRange> rrsets_of(const ZoneNode& node) const {
        return std::span<const RRsetRange>(rrsets_).subspan(node.first_rrset, node.rrset_count);
    }
    std::span<const dns::Record> records_of(const RRsetRange& rrset) const {
        return std::span<const dns::Record>(records_).subspan(rrset.first, rrset.count);
    }
    // The RRset of `type` at `node`, or nullptr.
    const RRsetRange* find(const ZoneNode& node, dns::RRType type) const;
    // The apex node, or nullptr if the zone has no data at its apex.
    const ZoneNode* apex_node() const;

private:
    dns::Name apex_;
    std::vector<dns::Record> records_;
    std::vector<RRsetRange> rrsets_;
    std::vector<ZoneNode> nodes_;
};

}  // namespace danemail::dnssec

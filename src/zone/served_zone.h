// An immutable snapshot of one signed zone laid out for answering queries (RFC 1034 §4.3.2, RFC 4035 §3.1,
// RFC 5155 §7.2): every RRset pre-rendered in wire form with its RRSIGs grouped by covered type, names in an
// open-addressing hash table, empty non-terminals, zone cuts (delegations, DNAME: RFC 6672), the NSEC chain
// in canonical order (RFC 4034 §6.1) and the NSEC3 chain as a sorted array of hashes. The records it is built
// from (a signed zone) are trusted; query names looked up in it are not (they arrive as LookupName).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/encoding.h"
#include "base/result.h"
#include "dns/name.h"
#include "dns/record.h"
#include "zone/lookup_name.h"
#include "zone/nsec3_lookup.h"

namespace danemail::zone {

inline constexpr uint32_t kNoIndex = UINT32_MAX;
// RFC 5155 §10.3 allows at most 2500 iterations (4096-bit keys); every negative answer hashes up to two
// names with this many iterations, so more is refused (RFC 9276 §3.1 recommends 0).
inline constexpr uint16_t kMaxNsec3Iterations = 2500;

// Records of one RRset in wire form, each without its owner name: TYPE, CLASS, TTL, RDLENGTH, RDATA
// (RFC 1035 §4.1.3). Names inside RDATA that may be compressed (RFC 3597 §4) and lie in the zone end in a
// two-byte pointer to the apex whose target is patched per response: `fixups` lists where those pointers sit,
// relative to the first byte of the block.
struct WireBlock {
    uint32_t offset = 0;  // into ServedZone::wire()
    uint32_t length = 0;
    uint32_t first_fixup = 0;  // into ServedZone::fixups()
    uint16_t fixup_count = 0;
    uint16_t rr_count = 0;

    bool empty() const { return rr_count == 0; }
};

struct ServedRRset {
    dns::RRType type;
    uint16_t additional_count = 0;
    uint32_t first_additional = 0;  // into ServedZone::additional(): address records for NS/MX/SRV targets
    WireBlock data;
    WireBlock signatures;  // the RRSIGs covering this RRset; empty when unsigned (glue, delegation NS)
};

// An entry of ServedZone::additional(): a node whose A/AAAA RRsets go to the additional section.
// `required` marks in-domain glue of a delegation, whose absence sets TC (RFC 9471 §3).
struct AdditionalTarget {
    uint32_t node = 0;
    bool required = false;
};

struct ServedNode {
    enum Flags : uint16_t {
        kApex = 1 << 0,
        kDelegation = 1 << 1,  // NS below the apex: a zone cut (RFC 1034 §4.2.1)
        kDname = 1 << 2,       // DNAME here: names below are redirected (RFC 6672 §2.3)
        kOccluded = 1 << 3,    // below a delegation or DNAME: glue or junk, never answered as data
        kEmpty = 1 << 4,       // an empty non-terminal (RFC 4592 §2.2.2): exists, holds no RRsets
        kCname = 1 << 5,
    };

    uint32_t name_offset = 0;  // into ServedZone::names(): the owner in wire form, case as in the zone
    uint8_t name_length = 0;
    uint8_t label_count = 0;
    uint16_t flags = 0;
    uint32_t first_rrset = 0;  // into ServedZone::rrsets(), sorted by type
    uint32_t rrset_count = 0;
    uint32_t cut = kNoIndex;       // when occluded: the delegation or DNAME node above
    uint32_t nsec3 = kNoIndex;     // the NSEC3 chain entry whose hash is this name's, if any
    uint32_t wildcard = kNoIndex;  // the node "*.<this name>", if it exists (RFC 4592 §2.1.1)

    bool has(Flags flag) const { return (flags & flag) != 0; }
};

struct Nsec3Entry {
    Nsec3Hash hash;
    uint32_t rrset = 0;  // into ServedZone::rrsets(): the NSEC3 record and its RRSIGs
};

struct Nsec3Params {
    uint16_t iterations = 0;
    Bytes salt;
};

class ServedZone {
public:
    enum class Denial : uint8_t { None, Nsec, Nsec3 };

    // Builds the snapshot from a zone's records, as dnssec::sign_zone returns them or as read from a signed
    // zone file. Errors: no SOA at the apex, records outside the zone or not of class IN, an NSEC3 chain with
    // a hash algorithm other than SHA-1 or too many iterations, an RR whose rendering exceeds 65535 bytes.
    static Result<std::shared_ptr<const ServedZone>> build(std::vector<dns::Record> records,
                                                           const dns::Name& apex);

    ServedZone(const ServedZone&) = delete;
    ServedZone& operator=(const ServedZone&) = delete;

    const dns::Name& apex() const { return apex_; }
    const dns::Name& apex_lower() const { return apex_lower_; }
    uint64_t apex_hash() const { return apex_hash_; }
    size_t apex_labels() const { return apex_labels_; }
    uint32_t apex_node() const { return apex_node_; }
    Denial denial() const { return denial_; }
    const Nsec3Params& nsec3_params() const { return nsec3_params_; }
    uint32_t serial() const { return serial_; }

    // The node named by the rightmost `labels` labels of `name` (at least apex_labels()), or kNoIndex.
    // NSEC3 owner names are not nodes (RFC 5155 §7.2.9): a query for one is answered as for a name that
    // does not exist.
    uint32_t find(const LookupName& name, size_t labels) const;

    const ServedNode& node(uint32_t index) const { return nodes_[index]; }
    size_t node_count() const { return nodes_.size(); }
    std::span<const ServedRRset> rrsets_of(const ServedNode& node) const {
        return std::span<const ServedRRset>(rrsets_).subspan(node.first_rrset, node.rrset_count);
    }
    const ServedRRset* find_rrset(const ServedNode& node, dns::RRType type) const;
    const ServedRRset& rrset(uint32_t index) const { return rrsets_[index]; }
    ByteView node_name(const ServedNode& node) const { return {&names_[node.name_offset], node.name_length}; }
    // The labels of the node's name above the apex (wire form, no root label); empty for the apex.
    ByteView node_prefix(const ServedNode& node) const {
        return {&names_[node.name_offset], node.name_length - apex_.wire_length()};
    }

    // The apex SOA with TTL min(SOA TTL, MINIMUM) for negative answers (RFC 2308 §5), RRSIGs likewise.
    const ServedRRset& negative_soa() const { return negative_soa_; }

    // NSEC (RFC 4035 §3.1.3): the node whose NSEC record covers the name with canonical sort key `key`
    // (dnssec::canonical_sort_key form): the last chain member that sorts strictly before it.
    uint32_t nsec_covering(std::span<const uint8_t> key) const;

    // NSEC3 (RFC 5155 §7.2): the hash of a lower-cased name under this zone's parameters, the entry whose
    // hash equals it (kNoIndex if none), and the entry whose span covers it (RFC 5155 §1.3 "covers").
    Nsec3Hash nsec3_hash(ByteView lower_wire) const;
    uint32_t nsec3_matching(const Nsec3Hash& hash) const;
    uint32_t nsec3_covering(const Nsec3Hash& hash) const;
    const Nsec3Entry& nsec3_entry(uint32_t index) const { return nsec3_[index]; }
    size_t nsec3_count() const { return nsec3_.size(); }

    std::span<const AdditionalTarget> additional(const ServedRRset& rrset) const {
        return std::span<const AdditionalTarget>(additional_)
            .subspan(rrset.first_additional, rrset.additional_count);
    }
    ByteView wire() const { return wire_; }
    ByteView block_bytes(const WireBlock& block) const {
        return ByteView(wire_).subspan(block.offset, block.length);
    }
    std::span<const uint32_t> fixups(const WireBlock& block) const {
        return std::span<const uint32_t>(fixups_).subspan(block.first_fixup, block.fixup_count);
    }

    // Approximate heap bytes held, for statistics.
    size_t memory_bytes() const;

    // The records this snapshot serves, read back from its wire blocks (owners from the nodes and the NSEC3
    // hashes, in-zone RDATA names expanded against the apex), in canonical name order with the NSEC3 chain
    // last. For zone transfers and version diffs, so that a server need not keep the std::vector<dns::Record>
    // it was built from beside it (that vector takes more memory than the snapshot). Not returned: what
    // build() leaves out (NSEC3 records of a chain NSEC3PARAM does not announce, RRSIGs at occluded names
    // or covering no RRset). RRSIGs carry the TTL of the RRset they cover (RFC 4034 §3), identical records
    // appear once.
    std::vector<dns::Record> to_records() const;

private:
    friend class ServedZoneBuilder;
    struct ConstructionKey {};  // lets build() use make_shared while nobody else constructs a ServedZone

public:
    explicit ServedZone(ConstructionKey) {}

private:
    struct Slot {
        uint32_t hash_high = 0;  // upper half of the suffix hash, to skip most wrong candidates
        uint32_t node = kNoIndex;
    };

    bool name_equals(const ServedNode& node, ByteView lower_wire) const;

    dns::Name apex_, apex_lower_;
    uint64_t apex_hash_ = 0;
    size_t apex_labels_ = 0;
    uint32_t apex_node_ = 0;
    uint32_t serial_ = 0;
    Denial denial_ = Denial::None;
    Nsec3Params nsec3_params_;

    std::vector<ServedNode> nodes_;  // canonical order (RFC 4034 §6.1)
    std::vector<ServedRRset> rrsets_;
    std::vector<uint8_t> names_;
    std::vector<uint8_t> wire_;
    std::vector<uint32_t> fixups_;
    std::vector<AdditionalTarget> additional_;
    std::vector<Slot> table_;  // power-of-two size, linear probing
    ServedRRset negative_soa_;

    std::vector<uint32_t> nsec_nodes_;        // nodes with an NSEC record, canonical order
    std::vector<uint32_t> nsec_key_offsets_;  // into nsec_keys_, one more than nsec_nodes_
    std::vector<uint8_t> nsec_keys_;          // canonical sort keys of nsec_nodes_
    std::vector<Nsec3Entry> nsec3_;           // sorted by hash
};

// The canonical sort key (as dnssec::canonical_sort_key) of the rightmost `labels` labels of `name`,
// optionally with a leading "*" label, written into `out`; returns its length. `out` must hold
// kMaxCanonicalKeyLength bytes.
inline constexpr size_t kMaxCanonicalKeyLength = 2 * dns::Name::kMaxWireLength + 4;
size_t canonical_key(const LookupName& name, size_t labels, bool wildcard_child, uint8_t* out);

}  // namespace danemail::zone

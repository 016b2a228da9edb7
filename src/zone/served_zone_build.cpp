// Builds a ServedZone from a signed zone's records: classifies names (apex, delegations, DNAME cuts, occluded
// glue: RFC 4035 §2.2, RFC 6672 §2.3), adds empty non-terminals (RFC 4592 §2.2.2), renders every RRset and
// its RRSIGs in wire form with in-zone RDATA names compressed against the apex (RFC 1035 §4.1.4, RFC 3597
// §4), and indexes the NSEC chain (RFC 4034 §4) or the NSEC3 chain (RFC 5155 §7.1). Runs at load time, not
// per query.
#include <algorithm>
#include <deque>
#include <optional>

#include "dns/dnssec_rdata.h"
#include "dns/rdata.h"
#include "dnssec/zone_index.h"
#include "zone/served_zone.h"

namespace danemail::zone {

namespace {

constexpr uint8_t kNsec3Sha1 = 1;       // RFC 5155 §11
constexpr size_t kMinTableSize = 16;    // slots in the smallest hash table
constexpr size_t kTableLoadFactor = 2;  // at least this many slots per node: short probe sequences
constexpr uint8_t kPointerPlaceholder = 0xC0;

bool is_nsec3_only(const dnssec::ZoneIndex& index, const dnssec::ZoneNode& node) {
    bool has_nsec3 = false;
    for (const auto& rrset : index.rrsets_of(node)) {
        if (rrset.type == dns::type::NSEC3)
            has_nsec3 = true;
        else if (rrset.type != dns::type::RRSIG)
            return false;
    }
    return has_nsec3;
}

dns::RRType covered_type(const dns::Record& rrsig) {
    if (rrsig.rdata.size() < 2) return dns::RRType(0);
    return dns::RRType(static_cast<uint16_t>(rrsig.rdata[0] << 8 | rrsig.rdata[1]));
}

// Where the target name starts in the RDATA of the types whose targets get additional section processing
// (RFC 1034 §3.6.2 NS and MX, RFC 2782 SRV); nullopt for other types.
std::optional<size_t> target_offset(dns::RRType type) {
    if (type == dns::type::NS) return 0;
    if (type == dns::type::MX) return 2;
    if (type == dns::type::SRV) return 6;
    return std::nullopt;
}

// An NSEC3 owner label (RFC 5155 §3.3: base32hex, RFC 4648 §7, of a SHA-1 hash; either case) decoded into
// `hash` without allocating; false for anything else.
bool decode_nsec3_label(std::string_view label, Nsec3Hash& hash) {
    if (label.size() != kNsec3LabelLength) return false;
    uint64_t acc = 0;
    int bits = 0;
    size_t out = 0;
    for (char c : label) {
        unsigned value;
        if (c >= '0' && c <= '9')
            value = static_cast<unsigned>(c - '0');
        else if (c >= 'A' && c <= 'V')
            value = static_cast<unsigned>(c - 'A' + 10);
        else if (c >= 'a' && c <= 'v')
            value = static_cast<unsigned>(c - 'a' + 10);
        else
            return false;
        acc = acc << 5 | value;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            hash[out++] = static_cast<uint8_t>(acc >> bits);
        }
    }
    return out == kNsec3HashLength;  // 32 characters are exactly 160 bits
}

}  // namespace

class ServedZoneBuilder {
public:
    ServedZoneBuilder(ServedZone& zone, const dnssec::ZoneIndex& index) : z_(zone), index_(index) {}

    Status run() {
        if (auto s = choose_denial(); !s) return s;
        std::vector<NameEntry> names = collect_names();
        if (auto s = build_nodes(names); !s) return s;
        build_table();
        link_wildcards();
        if (auto s = build_nsec3_chain(); !s) return s;
        build_nsec_index();
        build_additional();
        return build_negative_soa();
    }

private:
    struct NameEntry {
        const dns::Name* name;           // the index's owner name, or one of empty_names_
        const dnssec::ZoneNode* source;  // nullptr for an empty non-terminal
    };

    Status choose_denial() {
        const dnssec::ZoneNode* apex = index_.apex_node();
        const dnssec::RRsetRange* soa = apex ? index_.find(*apex, dns::type::SOA) : nullptr;
        if (!soa) return make_error(z_.apex_.to_text(), "zone has no SOA record at its apex");
        auto fields = dns::SoaRdata::decode(index_.records_of(*soa)[0].rdata);
        if (!fields) return make_error(z_.apex_.to_text(), "bad SOA RDATA: " + fields.error().what);
        z_.serial_ = fields->serial;

        if (const auto* param = index_.find(*apex, dns::type::NSEC3PARAM)) {
            auto decoded = dns::Nsec3ParamRdata::decode(index_.records_of(*param)[0].rdata);
            if (!decoded) return make_error(z_.apex_.to_text(), "bad NSEC3PARAM: " + decoded.error().what);
            if (decoded->hash_algorithm != kNsec3Sha1)
                return make_error(
                    z_.apex_.to_text(),
                    "NSEC3 hash algorithm " + std::to_string(decoded->hash_algorithm) + " is unknown");
            if (decoded->iterations > kMaxNsec3Iterations)
                return make_error(z_.apex_.to_text(), "NSEC3 with " + std::to_string(decoded->iterations) +
                                                          " iterations (at most " +
                                                          std::to_string(kMaxNsec3Iterations) + " served)");
            z_.denial_ = ServedZone::Denial::Nsec3;
            z_.nsec3_params_ = {decoded->iterations, decoded->salt};
            return {};
        }
        for (const auto& rrset : index_.rrsets())
            if (rrset.type == dns::type::NSEC) {
                z_.denial_ = ServedZone::Denial::Nsec;
                break;
            }
        return {};
    }

    // Every owner name except NSEC3 owners (not part of the zone's names, RFC 5155 §7.2.9), and every empty
    // non-terminal between them and the apex, in canonical order. The index is in canonical order already,
    // where a name's ancestors precede it and its descendants follow it as one run: the existing ancestors
    // of the previous name form a stack, and whatever lies between the top of that stack and the next name
    // is an empty non-terminal that sorts right before that name. One pass, no sorting, no hash set.
    std::vector<NameEntry> collect_names() {
        std::vector<NameEntry> entries;
        entries.reserve(index_.nodes().size());
        std::vector<ByteView> chain;  // wire names of the existing ancestors of the current name
        for (const auto& node : index_.nodes()) {
            if (is_nsec3_only(index_, node)) continue;
            const dns::Name& owner = index_.owner(node);
            const ByteView wire = owner.wire_bytes();
            while (!chain.empty() && !is_at_or_below(wire, chain.back())) chain.pop_back();
            const size_t labels = owner.label_count();
            size_t existing = chain.empty() ? z_.apex_labels_ : count_labels(chain.back());
            for (size_t k = std::max(existing, z_.apex_labels_) + 1; k < labels; ++k) {
                empty_names_.push_back(owner.suffix(k));
                entries.push_back({&empty_names_.back(), nullptr});
                chain.push_back(empty_names_.back().wire_bytes());
            }
            entries.push_back({&owner, &node});
            chain.push_back(wire);
        }
        return entries;
    }

    // Whether the wire name `name` equals `ancestor` or lies below it (case-insensitive), without
    // allocating.
    static bool is_at_or_below(ByteView name, ByteView ancestor) {
        if (ancestor.size() > name.size()) return false;
        const size_t start = name.size() - ancestor.size();
        size_t pos = 0;
        while (pos < start) pos += 1 + name[pos];
        if (pos != start) return false;
        for (size_t i = 0; i < ancestor.size(); ++i)
            if (dns::dns_tolower(name[start + i]) != dns::dns_tolower(ancestor[i])) return false;
        return true;
    }

    static size_t count_labels(ByteView wire) {
        size_t count = 0;
        for (size_t pos = 0; pos < wire.size() && wire[pos] != 0; pos += 1 + wire[pos]) ++count;
        return count;
    }

    Status build_nodes(const std::vector<NameEntry>& names) {
        z_.nodes_.reserve(names.size());
        z_.rrsets_.reserve(index_.rrsets().size());
        // Every record is rendered once (its fixed fields and RDATA, names perhaps compressed), the apex SOA
        // and its RRSIGs once more for negative answers: reserved at once, so the largest array of the zone
        // is not copied as it grows nor left with unused room.
        size_t wire_size = 0;
        for (const dns::Record& record : index_.records()) wire_size += 10 + record.rdata.size();
        z_.wire_.reserve(wire_size + 4096);
        rrset_sources_.clear();
        uint32_t cut = kNoIndex;
        for (uint32_t i = 0; i < names.size(); ++i) {
            const NameEntry& entry = names[i];
            ServedNode node;
            node.name_offset = static_cast<uint32_t>(z_.names_.size());
            node.name_length = static_cast<uint8_t>(entry.name->wire_length());
            node.label_count = static_cast<uint8_t>(entry.name->label_count());
            const std::string& wire = entry.name->wire();
            z_.names_.insert(z_.names_.end(), wire.begin(), wire.end());
            // Canonical order puts a name's descendants right after it: one current cut is enough
            // (the same sweep as dnssec::ZoneIndex, here over the empty non-terminals too).
            const ServedNode* cut_node = cut == kNoIndex ? nullptr : &z_.nodes_[cut];
            if (cut_node && node.label_count > cut_node->label_count &&
                is_at_or_below(entry.name->wire_bytes(), names[cut].name->wire_bytes())) {
                node.flags |= ServedNode::kOccluded;
                node.cut = cut;
            } else {
                cut = kNoIndex;
            }
            if (!entry.source) node.flags |= ServedNode::kEmpty;
            if (entry.source && !node.has(ServedNode::kOccluded)) {
                if (entry.source->is_apex) {
                    node.flags |= ServedNode::kApex;
                    z_.apex_node_ = i;
                }
                if (!entry.source->is_apex && index_.find(*entry.source, dns::type::NS)) {
                    node.flags |= ServedNode::kDelegation;
                    cut = i;
                } else if (index_.find(*entry.source, dns::type::DNAME)) {
                    node.flags |= ServedNode::kDname;
                    cut = i;
                }
            }
            node.first_rrset = static_cast<uint32_t>(z_.rrsets_.size());
            if (entry.source)
                if (auto s = add_node_rrsets(*entry.source, node); !s) return s;
            node.rrset_count = static_cast<uint32_t>(z_.rrsets_.size()) - node.first_rrset;
            z_.nodes_.push_back(node);
        }
        return {};
    }

    Status add_node_rrsets(const dnssec::ZoneNode& source, ServedNode& node) {
        const dnssec::RRsetRange* signatures = index_.find(source, dns::type::RRSIG);
        bool signable = !node.has(ServedNode::kOccluded);
        for (const auto& range : index_.rrsets_of(source)) {
            if (range.type == dns::type::RRSIG || range.type == dns::type::NSEC3) continue;
            ServedRRset rrset;
            rrset.type = range.type;
            auto records = index_.records_of(range);
            auto data = render(pointers(records), records[0].ttl);
            if (!data) return data.error();
            rrset.data = *data;
            // RFC 4035 §2.2: at a delegation only DS and NSEC are signed; glue never is.
            bool delegation_data = node.has(ServedNode::kDelegation) && range.type != dns::type::DS &&
                                   range.type != dns::type::NSEC;
            if (signatures && signable && !delegation_data) {
                auto sigs = render(covering(*signatures, range.type), records[0].ttl);
                if (!sigs) return sigs.error();
                rrset.signatures = *sigs;
            }
            if (range.type == dns::type::CNAME) node.flags |= ServedNode::kCname;
            z_.rrsets_.push_back(rrset);
            rrset_sources_.push_back(&range);
        }
        return {};
    }

    std::vector<const dns::Record*> pointers(std::span<const dns::Record> records) {
        std::vector<const dns::Record*> out;
        for (const auto& r : records) out.push_back(&r);
        return out;
    }

    std::vector<const dns::Record*> covering(const dnssec::RRsetRange& signatures, dns::RRType type) {
        std::vector<const dns::Record*> out;
        for (const auto& r : index_.records_of(signatures))
            if (covered_type(r) == type) out.push_back(&r);
        return out;
    }

    // RRs without owners; the TTL of all of them is `ttl` (an RRSIG gets its RRset's, RFC 4035 §2.2).
    Result<WireBlock> render(const std::vector<const dns::Record*>& records, uint32_t ttl) {
        WireBlock block;
        block.offset = static_cast<uint32_t>(z_.wire_.size());
        block.first_fixup = static_cast<uint32_t>(z_.fixups_.size());
        if (records.size() > UINT16_MAX) return make_error("more than 65535 records in one RRset");
        for (const dns::Record* r : records) {
            put16(r->type.value);
            put16(r->rclass.value);
            put16(static_cast<uint16_t>(ttl >> 16));
            put16(static_cast<uint16_t>(ttl));
            size_t rdlength_at = z_.wire_.size();
            put16(0);
            ByteView rdata = r->rdata;
            size_t copied = 0;
            for (const auto& embedded : dns::embedded_names(r->type, rdata)) {
                if (!embedded.compressible) continue;
                z_.wire_.insert(z_.wire_.end(), rdata.begin() + copied, rdata.begin() + embedded.offset);
                write_rdata_name(rdata.subspan(embedded.offset, embedded.length), block);
                copied = embedded.offset + embedded.length;
            }
            z_.wire_.insert(z_.wire_.end(), rdata.begin() + copied, rdata.end());
            size_t rdlength = z_.wire_.size() - rdlength_at - 2;
            if (rdlength > UINT16_MAX)
                return make_error(r->owner.to_text(),
                                  dns::type_to_text(r->type) + " RDATA longer than 65535 bytes");
            z_.wire_[rdlength_at] = static_cast<uint8_t>(rdlength >> 8);
            z_.wire_[rdlength_at + 1] = static_cast<uint8_t>(rdlength);
        }
        block.length = static_cast<uint32_t>(z_.wire_.size() - block.offset);
        block.fixup_count = static_cast<uint16_t>(z_.fixups_.size() - block.first_fixup);
        block.rr_count = static_cast<uint16_t>(records.size());
        return block;
    }

    // A name under the apex becomes its labels above the apex and a pointer whose target (the apex's place in
    // the response) is filled in per response; any other name stays uncompressed.
    void write_rdata_name(ByteView wire, const WireBlock& block) {
        auto name = dns::Name::from_wire(wire);
        if (!name || !name->is_subdomain_of(z_.apex_)) {
            z_.wire_.insert(z_.wire_.end(), wire.begin(), wire.end());
            return;
        }
        size_t prefix = wire.size() - z_.apex_.wire_length();
        z_.wire_.insert(z_.wire_.end(), wire.begin(), wire.begin() + prefix);
        z_.fixups_.push_back(static_cast<uint32_t>(z_.wire_.size() - block.offset));
        z_.wire_.push_back(kPointerPlaceholder);
        z_.wire_.push_back(0);
    }

    void put16(uint16_t value) {
        z_.wire_.push_back(static_cast<uint8_t>(value >> 8));
        z_.wire_.push_back(static_cast<uint8_t>(value));
    }

    void build_table() {
        size_t size = kMinTableSize;
        while (size < z_.nodes_.size() * kTableLoadFactor) size *= 2;
        z_.table_.assign(size, {});
        for (uint32_t i = 0; i < z_.nodes_.size(); ++i) {
            uint8_t lower[dns::Name::kMaxWireLength];
            uint64_t hash = suffix_chain_hash(lower_name(z_.nodes_[i], lower));
            size_t slot = static_cast<size_t>(hash) & (size - 1);
            while (z_.table_[slot].node != kNoIndex) slot = (slot + 1) & (size - 1);
            z_.table_[slot] = {static_cast<uint32_t>(hash >> 32), i};
        }
    }

    // The node's name lower-cased into `out` (length bytes are below 64: unchanged).
    ByteView lower_name(const ServedNode& node, uint8_t (&out)[dns::Name::kMaxWireLength]) const {
        const uint8_t* name = &z_.names_[node.name_offset];
        for (size_t i = 0; i < node.name_length; ++i) out[i] = dns::dns_tolower(name[i]);
        return {out, node.name_length};
    }

    uint32_t find(const dns::Name& name) const {
        LookupName lookup;
        lookup.assign(name);
        return z_.find(lookup, lookup.label_count());
    }

    void link_wildcards() {
        for (uint32_t i = 0; i < z_.nodes_.size(); ++i) {
            ByteView wire = z_.node_name(z_.nodes_[i]);
            if (wire.size() < 3 || wire[0] != 1 || wire[1] != '*') continue;
            auto parent = dns::Name::from_wire(wire.subspan(2));
            if (!parent) continue;
            uint32_t p = find(*parent);
            if (p != kNoIndex) z_.nodes_[p].wildcard = i;
        }
    }

    Status build_nsec3_chain() {
        if (z_.denial_ != ServedZone::Denial::Nsec3) return {};
        const Nsec3Params& params = z_.nsec3_params_;
        for (const auto& node : index_.nodes()) {
            if (!is_nsec3_only(index_, node)) continue;
            const dns::Name& owner = index_.owner(node);
            if (owner.label_count() != z_.apex_labels_ + 1 || !owner.is_subdomain_of(z_.apex_)) continue;
            Nsec3Hash hash;
            if (!decode_nsec3_label(owner.first_label(), hash)) continue;
            const dnssec::RRsetRange* range = index_.find(node, dns::type::NSEC3);
            for (const auto& record : index_.records_of(*range)) {
                auto rdata = dns::Nsec3Rdata::decode(record.rdata);
                // Only the chain NSEC3PARAM announces (another may be under construction, RFC 5155 §10.4).
                if (!rdata || rdata->hash_algorithm != kNsec3Sha1 || rdata->iterations != params.iterations ||
                    rdata->salt != params.salt)
                    continue;
                ServedRRset rrset;
                rrset.type = dns::type::NSEC3;
                auto data = render({&record}, record.ttl);
                if (!data) return data.error();
                rrset.data = *data;
                if (const auto* signatures = index_.find(node, dns::type::RRSIG)) {
                    auto sigs = render(covering(*signatures, dns::type::NSEC3), record.ttl);
                    if (!sigs) return sigs.error();
                    rrset.signatures = *sigs;
                }
                Nsec3Entry entry;
                entry.hash = hash;
                entry.rrset = static_cast<uint32_t>(z_.rrsets_.size());
                z_.rrsets_.push_back(rrset);
                z_.nsec3_.push_back(entry);
                break;
            }
        }
        std::sort(z_.nsec3_.begin(), z_.nsec3_.end(),
                  [](const Nsec3Entry& a, const Nsec3Entry& b) { return a.hash < b.hash; });
        for (auto& node : z_.nodes_) {
            if (node.has(ServedNode::kOccluded)) continue;
            uint8_t lower[dns::Name::kMaxWireLength];
            node.nsec3 =
                z_.nsec3_matching(nsec3_hash_lower(lower_name(node, lower), params.salt, params.iterations));
        }
        return {};
    }

    void build_nsec_index() {
        if (z_.denial_ != ServedZone::Denial::Nsec) return;
        for (uint32_t i = 0; i < z_.nodes_.size(); ++i) {
            const ServedNode& node = z_.nodes_[i];
            if (node.has(ServedNode::kOccluded) || !z_.find_rrset(node, dns::type::NSEC)) continue;
            auto name = dns::Name::from_wire(z_.node_name(node));
            if (!name) continue;
            std::string key = dnssec::canonical_sort_key(*name);
            z_.nsec_nodes_.push_back(i);
            z_.nsec_key_offsets_.push_back(static_cast<uint32_t>(z_.nsec_keys_.size()));
            z_.nsec_keys_.insert(z_.nsec_keys_.end(), key.begin(), key.end());
        }
        z_.nsec_key_offsets_.push_back(static_cast<uint32_t>(z_.nsec_keys_.size()));
    }

    // Address records for the targets of NS, MX and SRV RRsets held in this zone (RFC 1034 §3.6.2,
    // RFC 2782). Glue below a delegation's own name is in-domain glue and required (RFC 9471 §3); glue below
    // another delegation (sibling glue) and authoritative addresses are added only when they fit.
    void build_additional() {
        for (uint32_t n = 0; n < z_.nodes_.size(); ++n) {
            const ServedNode& owner = z_.nodes_[n];
            if (owner.has(ServedNode::kOccluded)) continue;
            std::optional<Result<dns::Name>> owner_name;  // made only for the few nodes that need it
            for (uint32_t r = owner.first_rrset; r < owner.first_rrset + owner.rrset_count; ++r) {
                ServedRRset& rrset = z_.rrsets_[r];
                auto offset = target_offset(rrset.type);
                if (!offset) continue;
                if (!owner_name) owner_name = dns::Name::from_wire(z_.node_name(owner));
                if (!*owner_name) continue;
                rrset.first_additional = static_cast<uint32_t>(z_.additional_.size());
                for (const auto& record : index_.records_of(*rrset_sources_[r])) {
                    if (record.rdata.size() <= *offset) continue;
                    auto target = dns::Name::from_wire(ByteView(record.rdata).subspan(*offset));
                    if (!target || !target->is_subdomain_of(z_.apex_)) continue;
                    uint32_t t = find(*target);
                    if (t == kNoIndex || !has_addresses(t)) continue;
                    const ServedNode& target_node = z_.nodes_[t];
                    if (target_node.has(ServedNode::kOccluded) &&
                        !z_.nodes_[target_node.cut].has(ServedNode::kDelegation))
                        continue;  // below a DNAME: not data of this zone
                    bool required = owner.has(ServedNode::kDelegation) && rrset.type == dns::type::NS &&
                                    target->is_subdomain_of(**owner_name);
                    auto begin = z_.additional_.begin() + rrset.first_additional;
                    if (std::any_of(begin, z_.additional_.end(),
                                    [&](const AdditionalTarget& a) { return a.node == t; }))
                        continue;
                    z_.additional_.push_back({t, required});
                }
                rrset.additional_count =
                    static_cast<uint16_t>(z_.additional_.size() - rrset.first_additional);
            }
        }
    }

    bool has_addresses(uint32_t node) const {
        return z_.find_rrset(z_.nodes_[node], dns::type::A) ||
               z_.find_rrset(z_.nodes_[node], dns::type::AAAA);
    }

    // RFC 2308 §5 and RFC 9077: a negative answer's SOA carries min(SOA TTL, MINIMUM), its RRSIG too.
    Status build_negative_soa() {
        const dnssec::ZoneNode* apex = index_.apex_node();
        const dnssec::RRsetRange* range = index_.find(*apex, dns::type::SOA);
        auto records = index_.records_of(*range);
        auto fields = dns::SoaRdata::decode(records[0].rdata);
        uint32_t ttl = std::min(records[0].ttl, fields ? fields->minimum : records[0].ttl);
        auto data = render(pointers(records.first(1)), ttl);
        if (!data) return data.error();
        z_.negative_soa_.type = dns::type::SOA;
        z_.negative_soa_.data = *data;
        if (const auto* signatures = index_.find(*apex, dns::type::RRSIG)) {
            auto sigs = render(covering(*signatures, dns::type::SOA), ttl);
            if (!sigs) return sigs.error();
            z_.negative_soa_.signatures = *sigs;
        }
        return {};
    }

    ServedZone& z_;
    const dnssec::ZoneIndex& index_;
    std::deque<dns::Name> empty_names_;  // the empty non-terminals' names (a deque: entries point into it)
    std::vector<const dnssec::RRsetRange*> rrset_sources_;  // parallel to z_.rrsets_ while nodes are built
};

Result<std::shared_ptr<const ServedZone>> ServedZone::build(std::vector<dns::Record> records,
                                                            const dns::Name& apex) {
    for (const auto& r : records) {
        if (!r.owner.is_subdomain_of(apex))
            return make_error(r.owner.to_text(), "record outside the zone " + apex.to_text());
        if (r.rclass != dns::rrclass::IN)
            return make_error(r.owner.to_text(), "class " + dns::class_to_text(r.rclass) + " is not served");
        if (dns::is_meta_type(r.type))
            return make_error(r.owner.to_text(), "meta type " + dns::type_to_text(r.type) + " in zone data");
    }
    dnssec::ZoneIndex index(std::move(records), apex);
    auto zone = std::make_shared<ServedZone>(ConstructionKey{});
    zone->apex_ = apex;
    zone->apex_lower_ = apex.lowercased();
    zone->apex_hash_ = suffix_chain_hash(zone->apex_lower_.wire_bytes());
    zone->apex_labels_ = apex.label_count();
    ServedZoneBuilder builder(*zone, index);
    if (auto s = builder.run(); !s) return s.error();
    return std::shared_ptr<const ServedZone>(std::move(zone));
}

}  // namespace danemail::zone

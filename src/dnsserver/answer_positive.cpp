// Resolving a query name inside one zone (RFC 1034 §4.3.2): exact matches, CNAME chains followed inside the
// zone, DNAME substitution (RFC 6672 §3), referrals with glue (RFC 4035 §3.1.4, RFC 9471), wildcard synthesis
// (RFC 4592 §3.3), minimal ANY (RFC 8482 §4.1), additional section processing (RFC 1034 §3.6.2), and writing
// the collected sections with all-or-nothing truncation (RFC 2181 §9).
#include <cstring>

#include "dnsserver/responder.h"

namespace danemail::dnsserver {

using zone::kNoIndex;
using zone::ServedNode;
using zone::ServedRRset;

namespace {

constexpr size_t kRrFixedSize = 10;  // TYPE, CLASS, TTL, RDLENGTH
constexpr uint16_t kMaxPointerTarget = 0x3FFF;
constexpr uint8_t kPointerTag = 0xC0;

bool is_denial_type(dns::RRType type) {
    return type == dns::type::NSEC || type == dns::type::NSEC3;
}

}  // namespace

Responder::Responder(const zone::ServedZone& zone, ResponseWriter& out, const zone::LookupName& qname,
                     dns::RRType qtype, bool dnssec_ok)
    : zone_(zone),
      out_(out),
      qtype_(qtype),
      dnssec_ok_(dnssec_ok),
      name_(&qname),
      name_pointer_(static_cast<uint16_t>(dns::kHeaderSize)),
      apex_pointer_(
          static_cast<uint16_t>(dns::kHeaderSize + qname.wire_length() - zone.apex().wire_length())) {}

void Responder::run() {
    uint32_t visited[kMaxChainLength + 1];
    size_t visited_count = 0;
    for (size_t step = 0; step <= kMaxChainLength; ++step) {
        const Location location = locate(*name_);
        switch (location.kind) {
            case Location::Kind::Referral:
                // A chain that leads into delegated space ends here; the resolver follows it from there.
                if (step == 0) referral(location.node);
                return write_pending();
            case Location::Kind::Dname:
                if (!synthesize_dname(location)) return write_pending();
                continue;
            case Location::Kind::NxDomain:
                nxdomain(location);
                return write_pending();
            case Location::Kind::Exact:
            case Location::Kind::Wildcard:
                break;
        }
        const ServedNode& node = zone_.node(location.node);
        const ServedRRset* cname =
            node.has(ServedNode::kCname) ? zone_.find_rrset(node, dns::type::CNAME) : nullptr;
        const bool chase = cname && qtype_ != dns::type::ANY && qtype_ != dns::type::RRSIG &&
                           !zone_.find_rrset(node, qtype_);
        if (!chase) {
            answer_at(location);
            return write_pending();
        }
        for (size_t i = 0; i < visited_count; ++i)
            if (visited[i] == location.node) return write_pending();  // a CNAME loop: stop
        visited[visited_count++] = location.node;
        const size_t written_at = out_.size();
        if (!put_answer(*cname)) return;
        if (location.kind == Location::Kind::Wildcard) wildcard_answer_proof(location);
        if (!follow_cname(*cname, written_at)) return write_pending();
    }
    write_pending();  // the chain is longer than we follow: the resolver continues it
}

Responder::Location Responder::locate(const zone::LookupName& name) const {
    const size_t labels = name.label_count();
    const size_t apex_labels = zone_.apex_labels();
    uint32_t index = zone_.find(name, labels);
    if (index != kNoIndex) {
        const ServedNode& node = zone_.node(index);
        if (node.has(ServedNode::kOccluded)) return at_cut(node.cut);
        // DS at a delegation belongs to the parent side (RFC 4035 §3.1.4.1): answered as data.
        if (node.has(ServedNode::kDelegation) && qtype_ != dns::type::DS)
            return {Location::Kind::Referral, index, kNoIndex, 0};
        return {Location::Kind::Exact, index, kNoIndex, 0};
    }
    // The closest encloser: the longest existing ancestor (the apex always exists).
    size_t encloser_labels = apex_labels;
    for (size_t k = labels; k-- > apex_labels + 1;) {
        index = zone_.find(name, k);
        if (index != kNoIndex) {
            encloser_labels = k;
            break;
        }
    }
    if (index == kNoIndex) index = zone_.apex_node();
    const ServedNode& encloser = zone_.node(index);
    if (encloser.has(ServedNode::kOccluded)) return at_cut(encloser.cut);
    if (encloser.has(ServedNode::kDelegation)) return {Location::Kind::Referral, index, kNoIndex, 0};
    if (encloser.has(ServedNode::kDname)) return {Location::Kind::Dname, index, kNoIndex, 0};
    if (encloser.wildcard != kNoIndex) {
        // RFC 4592 §3.3.1: the source of synthesis is "*.<closest encloser>". A wildcard owning NS is a
        // delegation like any other (RFC 4592 §4.2).
        if (zone_.node(encloser.wildcard).has(ServedNode::kDelegation))
            return {Location::Kind::Referral, encloser.wildcard, kNoIndex, 0};
        return {Location::Kind::Wildcard, encloser.wildcard, index, encloser_labels};
    }
    return {Location::Kind::NxDomain, kNoIndex, index, encloser_labels};
}

Responder::Location Responder::at_cut(uint32_t cut) const {
    if (zone_.node(cut).has(ServedNode::kDelegation)) return {Location::Kind::Referral, cut, kNoIndex, 0};
    return {Location::Kind::Dname, cut, kNoIndex, 0};
}

void Responder::answer_at(const Location& location) {
    const ServedNode& node = zone_.node(location.node);
    bool answered = false;
    if (qtype_ == dns::type::ANY) {
        // RFC 8482 §4.1: one RRset is enough; prefer data over the NSEC record.
        const ServedRRset* chosen = nullptr;
        for (const ServedRRset& rrset : zone_.rrsets_of(node))
            if (!chosen || (is_denial_type(chosen->type) && !is_denial_type(rrset.type))) chosen = &rrset;
        if (chosen) {
            if (!put_answer(*chosen)) return;
            answered = true;
        }
    } else if (qtype_ == dns::type::RRSIG) {
        // Asked for by type, signatures are the data (RFC 4035 §3.1.5 does not restrict this to DO).
        for (const ServedRRset& rrset : zone_.rrsets_of(node)) {
            if (rrset.signatures.empty()) continue;
            if (!out_.put_block(dns::Section::Answer, zone_, rrset.signatures, {{}, name_pointer_},
                                apex_pointer_))
                return truncate();
            answered = true;
        }
    } else if (const ServedRRset* rrset = zone_.find_rrset(node, qtype_)) {
        if (!put_answer(*rrset)) return;
        add_additional(*rrset, false);
        answered = true;
    }
    if (!answered) return nodata(location);
    if (location.kind == Location::Kind::Wildcard) wildcard_answer_proof(location);
}

bool Responder::put_answer(const ServedRRset& rrset) {
    if (out_.put_rrset(dns::Section::Answer, zone_, rrset, {{}, name_pointer_}, apex_pointer_, dnssec_ok_))
        return true;
    truncate();
    return false;
}

// Continues with the CNAME's target when it lies in this zone. The target was written as its labels above the
// apex and a pointer to the apex, so later owners can point at it.
bool Responder::follow_cname(const ServedRRset& cname, size_t written_at) {
    ByteView block = zone_.block_bytes(cname.data);
    if (block.size() < kRrFixedSize) return false;
    const size_t rdata = kRrFixedSize;
    size_t pos = rdata;
    while (pos < block.size() && block[pos] != 0 && (block[pos] & kPointerTag) != kPointerTag)
        pos += 1 + block[pos];
    if (pos >= block.size() || block[pos] == 0) return false;  // written uncompressed: outside the zone
    zone::LookupName& next = chain_names_[chain_slot_];
    chain_slot_ ^= 1;
    if (!next.assign_concat(block.subspan(rdata, pos - rdata), zone_.apex().wire_bytes())) return false;
    const size_t target_at = written_at + 2 + kRrFixedSize;  // owner pointer, fixed fields
    if (target_at > kMaxPointerTarget) return false;  // only in huge TCP answers: let the resolver continue
    name_ = &next;
    name_pointer_ = pos == rdata ? apex_pointer_ : static_cast<uint16_t>(target_at);
    return true;
}

// RFC 6672 §3.2: the DNAME record, a CNAME synthesized from it (TTL of the DNAME, unsigned), and the query
// restarted at the new name when it lies in this zone.
bool Responder::synthesize_dname(const Location& location) {
    const ServedNode& cut = zone_.node(location.node);
    const ServedRRset* dname = zone_.find_rrset(cut, dns::type::DNAME);
    if (!dname || dname->data.rr_count != 1) return false;
    const OwnerRef owner = node_owner(location.node);
    const size_t dname_at = out_.size();
    if (!out_.put_rrset(dns::Section::Answer, zone_, *dname, owner, apex_pointer_, dnssec_ok_)) {
        truncate();
        return false;
    }
    const ByteView block = zone_.block_bytes(dname->data);
    const ByteView target =
        block.subspan(kRrFixedSize);  // DNAME targets are never compressed (RFC 6672 §2.5)
    const size_t target_at = dname_at + owner.size() + kRrFixedSize;
    const ByteView prefix = name_->original().first(name_->wire_length() - cut.name_length);
    if (prefix.size() + target.size() > dns::Name::kMaxWireLength) {
        kind_ = AnswerKind::YxDomain;  // RFC 6672 §2.2
        rcode_ = dns::Rcode::YxDomain;
        return false;
    }
    // The synthesized CNAME: owner points at the current name, RDATA is the prefix and a pointer to the
    // target.
    uint8_t record[2 + kRrFixedSize + dns::Name::kMaxWireLength];
    size_t length = 0;
    record[length++] = static_cast<uint8_t>(kPointerTag | name_pointer_ >> 8);
    record[length++] = static_cast<uint8_t>(name_pointer_);
    const uint8_t fixed[8] = {
        0,       static_cast<uint8_t>(dns::type::CNAME.value), 0, 1, block[4], block[5], block[6],
        block[7]};  // class IN, the DNAME's TTL
    std::memcpy(record + length, fixed, sizeof fixed);
    length += sizeof fixed;
    const bool compress = target_at <= kMaxPointerTarget;
    const size_t rdlength = prefix.size() + (compress ? 2 : target.size());
    record[length++] = static_cast<uint8_t>(rdlength >> 8);
    record[length++] = static_cast<uint8_t>(rdlength);
    const size_t cname_target_at = out_.size() + length;
    std::memcpy(record + length, prefix.data(), prefix.size());
    length += prefix.size();
    if (compress) {
        record[length++] = static_cast<uint8_t>(kPointerTag | target_at >> 8);
        record[length++] = static_cast<uint8_t>(target_at);
    } else {
        std::memcpy(record + length, target.data(), target.size());
        length += target.size();
    }
    if (!out_.put_record(dns::Section::Answer, ByteView(record, length))) {
        truncate();
        return false;
    }
    zone::LookupName& next = chain_names_[chain_slot_];
    chain_slot_ ^= 1;
    if (!next.assign_concat(prefix, target) || !in_zone(next)) return false;
    name_ = &next;
    name_pointer_ = static_cast<uint16_t>(cname_target_at);
    return true;
}

bool Responder::in_zone(const zone::LookupName& name) const {
    const size_t labels = zone_.apex_labels();
    if (name.label_count() < labels || name.suffix_hash(labels) != zone_.apex_hash()) return false;
    ByteView suffix = name.lower_suffix(labels);
    const std::string& apex = zone_.apex_lower().wire();
    return suffix.size() == apex.size() && std::memcmp(suffix.data(), apex.data(), apex.size()) == 0;
}

// RFC 4035 §3.1.4: NS of the cut (unsigned, not authoritative), DS with its RRSIG or the proof that there is
// no DS, and glue.
void Responder::referral(uint32_t cut) {
    kind_ = AnswerKind::Referral;
    authoritative_ = false;
    const ServedNode& node = zone_.node(cut);
    const ServedRRset* ns = zone_.find_rrset(node, dns::type::NS);
    if (!ns) return;
    add_authority({ns, OwnerKind::Node, cut, false, false});
    if (dnssec_ok_) {
        if (const ServedRRset* ds = zone_.find_rrset(node, dns::type::DS))
            add_authority({ds, OwnerKind::Node, cut, true, false});
        else
            referral_denial_proof(cut);
    }
    add_additional(*ns, true);
}

void Responder::add_additional(const ServedRRset& rrset, bool glue) {
    for (const zone::AdditionalTarget& target : zone_.additional(rrset)) {
        const ServedNode& node = zone_.node(target.node);
        const bool signatures = dnssec_ok_ && !node.has(ServedNode::kOccluded);
        for (dns::RRType type : {dns::type::A, dns::type::AAAA}) {
            const ServedRRset* address = zone_.find_rrset(node, type);
            if (!address || additional_count_ == additional_.size()) continue;
            additional_[additional_count_++] = {address, OwnerKind::Node, target.node, signatures,
                                                glue && target.required};
        }
    }
}

void Responder::add_authority(const Pending& pending) {
    for (size_t i = 0; i < authority_count_; ++i)
        if (authority_[i].rrset == pending.rrset) return;  // one NSEC/NSEC3 may prove two things
    if (authority_count_ < authority_.size()) authority_[authority_count_++] = pending;
}

void Responder::write_pending() {
    if (truncated_) return;
    for (size_t i = 0; i < authority_count_; ++i)
        if (!write(authority_[i], dns::Section::Authority)) return truncate();
    for (size_t i = 0; i < additional_count_; ++i)
        if (!write(additional_[i], dns::Section::Additional) && additional_[i].required)
            return truncate();  // RFC 9471 §3: in-domain glue that does not fit sets TC
}

bool Responder::write(const Pending& pending, dns::Section section) {
    if (pending.owner == OwnerKind::Node)
        return out_.put_rrset(section, zone_, *pending.rrset, node_owner(pending.owner_index), apex_pointer_,
                              pending.signatures);
    const auto label = zone::nsec3_owner_label(zone_.nsec3_entry(pending.owner_index).hash);
    return out_.put_rrset(section, zone_, *pending.rrset, {ByteView(label), apex_pointer_}, apex_pointer_,
                          pending.signatures);
}

void Responder::truncate() {
    out_.drop_records();
    truncated_ = true;
}

OwnerRef Responder::node_owner(uint32_t node) const {
    return {zone_.node_prefix(zone_.node(node)), apex_pointer_};
}

}  // namespace danemail::dnsserver

// Negative answers and their proofs: the SOA with the negative TTL (RFC 2308 §5), NSEC records that match or
// cover a name (RFC 4035 §3.1.3.1–§3.1.3.4), and NSEC3 closest-encloser proofs with next closer and wildcard
// (RFC 5155 §7.2.1–§7.2.7, opt-out §6). Proofs are added only when the query set DO (RFC 4035 §3.1.3).
#include <cstring>

#include "dnsserver/responder.h"

namespace danemail::dnsserver {

using zone::kNoIndex;
using zone::ServedNode;
using zone::ServedZone;

namespace {

constexpr uint8_t kWildcardLabel[2] = {1, '*'};

}  // namespace

void Responder::add_negative_soa() {
    add_authority({&zone_.negative_soa(), OwnerKind::Node, zone_.apex_node(), dnssec_ok_, false});
}

// RFC 4035 §3.1.3.2 / RFC 5155 §7.2.2: the name does not exist, nor does a wildcard that could expand to it.
void Responder::nxdomain(const Location& location) {
    kind_ = AnswerKind::NxDomain;
    rcode_ = dns::Rcode::NxDomain;
    add_negative_soa();
    if (!dnssec_ok_) return;
    const zone::LookupName& name = *name_;
    if (zone_.denial() == ServedZone::Denial::Nsec) {
        nsec_covering(name, name.label_count(), false);
        nsec_covering(name, location.encloser_labels, true);
    } else if (zone_.denial() == ServedZone::Denial::Nsec3) {
        const size_t encloser = closest_encloser_proof(name, location.encloser_labels);
        // The wildcard at the closest provable encloser.
        uint8_t wildcard[dns::Name::kMaxWireLength + sizeof kWildcardLabel];
        const ByteView suffix = name.lower_suffix(encloser);
        std::memcpy(wildcard, kWildcardLabel, sizeof kWildcardLabel);
        std::memcpy(wildcard + sizeof kWildcardLabel, suffix.data(), suffix.size());
        nsec3_covering(ByteView(wildcard, sizeof kWildcardLabel + suffix.size()));
    }
}

// RFC 4035 §3.1.3.1 and §3.1.3.4, RFC 5155 §7.2.3–§7.2.5: the name exists (or a wildcard matched) without
// the type asked for.
void Responder::nodata(const Location& location) {
    kind_ = AnswerKind::NoData;
    add_negative_soa();
    if (!dnssec_ok_) return;
    const zone::LookupName& name = *name_;
    const ServedNode& node = zone_.node(location.node);
    const bool wildcard = location.kind == Location::Kind::Wildcard;
    if (zone_.denial() == ServedZone::Denial::Nsec) {
        if (wildcard) {
            nsec_covering(name, name.label_count(), false);  // no exact match
            nsec_at(location.node);                          // the wildcard lacks the type
        } else if (zone_.find_rrset(node, dns::type::NSEC)) {
            nsec_at(location.node);
        } else {
            // An empty non-terminal has no NSEC: the one covering it, whose next name lies below it.
            nsec_covering(name, name.label_count(), false);
        }
    } else if (zone_.denial() == ServedZone::Denial::Nsec3) {
        if (wildcard) {  // §7.2.5
            closest_encloser_proof(name, location.encloser_labels);
            nsec3_entry(node.nsec3);
        } else if (node.nsec3 != kNoIndex) {  // §7.2.3, and §7.2.4 with a DS-less delegation in the chain
            nsec3_entry(node.nsec3);
        } else {
            // §7.2.4: DS at an opted-out delegation (or an empty non-terminal only opted-out delegations
            // created): the closest provable encloser and an opt-out NSEC3 covering the next closer name.
            closest_encloser_proof(name, name.label_count() - 1);
        }
    }
}

// RFC 4035 §3.1.3.3, RFC 5155 §7.2.6: a wildcard expansion proves that the name itself does not exist.
void Responder::wildcard_answer_proof(const Location& location) {
    if (!dnssec_ok_) return;
    const zone::LookupName& name = *name_;
    if (zone_.denial() == ServedZone::Denial::Nsec)
        nsec_covering(name, name.label_count(), false);
    else if (zone_.denial() == ServedZone::Denial::Nsec3)
        nsec3_covering(name.lower_suffix(location.encloser_labels + 1));  // the next closer name
}

// RFC 4035 §3.1.4.1, RFC 5155 §7.2.7: a referral to an unsigned child proves that there is no DS.
void Responder::referral_denial_proof(uint32_t cut) {
    const ServedNode& node = zone_.node(cut);
    if (zone_.denial() == ServedZone::Denial::Nsec) {
        nsec_at(cut);
    } else if (zone_.denial() == ServedZone::Denial::Nsec3) {
        if (node.nsec3 != kNoIndex)
            nsec3_entry(node.nsec3);
        else  // opted out: the cut's name is a suffix of the current name
            closest_encloser_proof(*name_, node.label_count - 1);
    }
}

void Responder::nsec_covering(const zone::LookupName& name, size_t labels, bool wildcard_child) {
    uint8_t key[zone::kMaxCanonicalKeyLength];
    const size_t length = zone::canonical_key(name, labels, wildcard_child, key);
    const uint32_t node = zone_.nsec_covering(std::span<const uint8_t>(key, length));
    if (node != kNoIndex) nsec_at(node);
}

void Responder::nsec_at(uint32_t node) {
    if (const zone::ServedRRset* nsec = zone_.find_rrset(zone_.node(node), dns::type::NSEC))
        add_authority({nsec, OwnerKind::Node, node, true, false});
}

// RFC 5155 §7.2.1: the NSEC3 matching the closest provable encloser — searched from `start_labels` upwards,
// as an empty non-terminal above opted-out delegations has none — and the NSEC3 covering the next closer
// name. Returns the label count of the encloser proved.
size_t Responder::closest_encloser_proof(const zone::LookupName& name, size_t start_labels) {
    size_t labels = start_labels;
    while (true) {
        const uint32_t node = zone_.find(name, labels);
        if (node != kNoIndex && zone_.node(node).nsec3 != kNoIndex) {
            nsec3_entry(zone_.node(node).nsec3);
            break;
        }
        if (labels <= zone_.apex_labels()) break;  // a broken chain: prove what we can
        --labels;
    }
    if (labels < name.label_count()) nsec3_covering(name.lower_suffix(labels + 1));
    return labels;
}

void Responder::nsec3_covering(ByteView lower_wire) {
    nsec3_entry(zone_.nsec3_covering(zone_.nsec3_hash(lower_wire)));
}

void Responder::nsec3_entry(uint32_t entry) {
    if (entry == kNoIndex) return;
    add_authority({&zone_.rrset(zone_.nsec3_entry(entry).rrset), OwnerKind::Nsec3, entry, true, false});
}

}  // namespace danemail::dnsserver

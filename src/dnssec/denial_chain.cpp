// NSEC and NSEC3 chain construction (RFC 4034 §4.1, RFC 4035 §2.3, RFC 5155 §7.1, RFC 9077).
#include "dnssec/denial_chain.h"

#include <algorithm>
#include <unordered_set>

#include "dns/dnssec_rdata.h"
#include "dns/rdata.h"
#include "dnssec/nsec3_hash.h"

namespace danemail::dnssec {
namespace {

bool is_denial_type(dns::RRType t) {
    return t == dns::type::NSEC || t == dns::type::NSEC3 || t == dns::type::RRSIG;
}

// A name that takes part in the NSEC3 chain, and whether it is an opted-out (insecure) delegation.
bool nsec3_covers(const ZoneNode& node, bool opt_out) {
    if (node.is_occluded) return false;
    if (node.is_delegation && !node.has_ds && opt_out) return false;  // RFC 5155 §7.1 opt-out
    return true;
}

}  // namespace

std::vector<dns::RRType> node_types(const ZoneIndex& zone, const ZoneNode& node) {
    std::vector<dns::RRType> types;
    for (const auto& rrset : zone.rrsets_of(node)) {
        if (is_denial_type(rrset.type)) continue;
        // At a delegation only NS and DS belong to this zone (glue addresses live at other names).
        if (node.is_delegation && rrset.type != dns::type::NS && rrset.type != dns::type::DS) continue;
        types.push_back(rrset.type);
    }
    return types;
}

bool node_has_signed_data(const ZoneIndex& zone, const ZoneNode& node) {
    if (node.is_occluded) return false;
    if (node.is_delegation) return node.has_ds;
    for (const auto& rrset : zone.rrsets_of(node))
        if (!is_denial_type(rrset.type)) return true;
    return false;
}

uint32_t denial_ttl(const ZoneIndex& zone) {
    const ZoneNode* apex = zone.apex_node();
    const RRsetRange* soa = apex ? zone.find(*apex, dns::type::SOA) : nullptr;
    if (!soa) return 3600;
    const dns::Record& record = zone.records_of(*soa)[0];
    auto fields = dns::SoaRdata::decode(record.rdata);
    if (!fields) return record.ttl;
    return std::min(record.ttl, fields->minimum);
}

std::vector<dns::Record> build_nsec_chain(const ZoneIndex& zone, uint32_t ttl,
                                          std::vector<uint32_t>* node_of) {
    std::vector<uint32_t> members;
    auto nodes = zone.nodes();
    for (uint32_t i = 0; i < nodes.size(); ++i)
        if (!nodes[i].is_occluded && !node_types(zone, nodes[i]).empty()) members.push_back(i);
    std::vector<dns::Record> chain;
    chain.reserve(members.size());
    for (size_t k = 0; k < members.size(); ++k) {
        const ZoneNode& node = nodes[members[k]];
        const ZoneNode& next = nodes[members[(k + 1) % members.size()]];
        std::vector<dns::RRType> types = node_types(zone, node);
        types.push_back(dns::type::NSEC);
        types.push_back(dns::type::RRSIG);
        dns::NsecRdata nsec{zone.owner(next), dns::encode_type_bitmap(types)};
        chain.push_back({zone.owner(node), dns::type::NSEC, dns::rrclass::IN, ttl, nsec.encode()});
    }
    if (node_of) *node_of = std::move(members);
    return chain;
}

dns::Name nsec3_owner(const dns::Name& name, const dns::Name& apex, const Nsec3Parameters& params) {
    Bytes hash = nsec3_hash(name, params.salt, params.iterations);
    auto owner = apex.prepend(to_base32hex(hash));
    return owner ? std::move(*owner) : apex;
}

Result<std::vector<dns::Record>> build_nsec3_chain(const ZoneIndex& zone, const Nsec3Parameters& params,
                                                   uint32_t ttl, std::vector<dns::Name>* hashed_names) {
    struct Entry {
        Bytes hash;
        dns::Name name;
        std::vector<dns::RRType> types;
    };
    std::vector<Entry> entries;
    std::unordered_set<dns::Name, dns::NameHash> present;
    for (const auto& node : zone.nodes())
        if (!node.is_occluded) present.insert(zone.owner(node));

    std::unordered_set<dns::Name, dns::NameHash> empty_non_terminals;
    for (const auto& node : zone.nodes()) {
        if (!nsec3_covers(node, params.opt_out)) continue;
        const dns::Name& name = zone.owner(node);
        std::vector<dns::RRType> types = node_types(zone, node);
        if (types.empty()) continue;  // a name that held only DNSSEC records of an old signing
        if (node_has_signed_data(zone, node)) types.push_back(dns::type::RRSIG);
        if (node.is_apex) types.push_back(dns::type::NSEC3PARAM);
        entries.push_back({nsec3_hash(name, params.salt, params.iterations), name, std::move(types)});
        // Every ancestor up to the apex that holds no data is an empty non-terminal (RFC 5155 §7.1).
        for (dns::Name up = name.parent(); !(up == zone.apex()) && up.is_subdomain_of(zone.apex());
             up = up.parent()) {
            if (present.count(up) || !empty_non_terminals.insert(up).second) break;
        }
    }
    for (const auto& ent : empty_non_terminals)
        entries.push_back({nsec3_hash(ent, params.salt, params.iterations), ent, {}});

    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.hash < b.hash; });
    for (size_t k = 1; k < entries.size(); ++k)
        if (entries[k].hash == entries[k - 1].hash)
            return make_error("NSEC3 hash collision between " + entries[k - 1].name.to_text() + " and " +
                              entries[k].name.to_text() + "; choose another salt");

    std::vector<dns::Record> chain;
    chain.reserve(entries.size());
    for (size_t k = 0; k < entries.size(); ++k) {
        dns::Nsec3Rdata nsec3;
        nsec3.flags = params.opt_out ? dns::Nsec3Rdata::kOptOutFlag : 0;
        nsec3.iterations = params.iterations;
        nsec3.salt = params.salt;
        nsec3.next_hashed_owner = entries[(k + 1) % entries.size()].hash;
        nsec3.type_bitmap = dns::encode_type_bitmap(entries[k].types);
        auto owner = zone.apex().prepend(to_base32hex(entries[k].hash));
        if (!owner) return make_error("zone name too long for NSEC3 owner names");
        chain.push_back({std::move(*owner), dns::type::NSEC3, dns::rrclass::IN, ttl, nsec3.encode()});
        if (hashed_names) hashed_names->push_back(entries[k].name);
    }
    return chain;
}

}  // namespace danemail::dnssec

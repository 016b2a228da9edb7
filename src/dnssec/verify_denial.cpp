// NSEC and NSEC3 chain verification: completeness, order, next-name links and type bitmaps, compared with
// the chain built from the zone's own names (denial_chain.cpp). Opt-out (RFC 5155 §6) is honoured.
#include "dnssec/verify_denial.h"

#include <algorithm>
#include <map>

#include "dns/dnssec_rdata.h"
#include "dns/rdata.h"
#include "dnssec/denial_chain.h"

namespace danemail::dnssec {
namespace {

std::string bitmap_text(ByteView bitmap) {
    std::string out;
    for (dns::RRType t : dns::decode_type_bitmap(bitmap))
        out += (out.empty() ? "" : " ") + dns::type_to_text(t);
    return out.empty() ? "(none)" : out;
}

std::string bitmap_difference(ByteView actual, ByteView expected) {
    std::vector<dns::RRType> a = dns::decode_type_bitmap(actual), e = dns::decode_type_bitmap(expected);
    std::string extra, missing;
    for (auto t : a)
        if (std::find(e.begin(), e.end(), t) == e.end()) extra += " " + dns::type_to_text(t);
    for (auto t : e)
        if (std::find(a.begin(), a.end(), t) == a.end()) missing += " " + dns::type_to_text(t);
    std::string out = "type bitmap is [" + bitmap_text(actual) + "]";
    if (!extra.empty()) out += "; it lists" + extra + " but no such RRset exists";
    if (!missing.empty()) out += "; it omits" + missing;
    return out;
}

// The NSEC chain: exactly one NSEC per name the chain needs, each pointing to the next such name.
void verify_nsec_chain(const ZoneIndex& zone, VerifyReport& report) {
    std::vector<uint32_t> node_of;
    std::vector<dns::Record> expected = build_nsec_chain(zone, 0, &node_of);
    auto nodes = zone.nodes();
    std::vector<bool> in_chain(nodes.size());
    for (uint32_t n : node_of) in_chain[n] = true;
    size_t k = 0;
    for (uint32_t n = 0; n < nodes.size(); ++n) {
        const dns::Name& owner = zone.owner(nodes[n]);
        const RRsetRange* nsec = zone.find(nodes[n], dns::type::NSEC);
        if (!in_chain[n]) {
            if (nsec)
                report.problems.push_back(
                    {owner, dns::type::NSEC,
                     "NSEC at a name that is not in the chain (glue, occluded or empty)"});
            continue;
        }
        const dns::Record& want = expected[k++];
        if (!nsec) {
            report.problems.push_back(
                {owner, dns::type::NSEC, "missing NSEC record: the chain is broken here"});
            continue;
        }
        ++report.denial_records;
        auto records = zone.records_of(*nsec);
        if (records.size() != 1) {
            report.problems.push_back({owner, dns::type::NSEC, "more than one NSEC record at this name"});
            continue;
        }
        auto have = dns::NsecRdata::decode(records[0].rdata);
        auto need = dns::NsecRdata::decode(want.rdata);
        if (!have) {
            report.problems.push_back({owner, dns::type::NSEC, "malformed NSEC: " + have.error().what});
            continue;
        }
        if (!(have->next == need->next))
            report.problems.push_back(
                {owner, dns::type::NSEC,
                 "next name is " + have->next.to_text() + ", expected " + need->next.to_text()});
        if (have->type_bitmap != need->type_bitmap)
            report.problems.push_back(
                {owner, dns::type::NSEC, bitmap_difference(have->type_bitmap, need->type_bitmap)});
    }
}

struct ActualNsec3 {
    const dns::Record* record;
    dns::Nsec3Rdata rdata;
    Bytes hash;
};

void verify_nsec3_chain(const ZoneIndex& zone, const dns::Nsec3ParamRdata& param, VerifyReport& report) {
    report.uses_nsec3 = true;
    // Collect the zone's NSEC3 records; their owner's first label is the base32hex hash.
    std::vector<ActualNsec3> actual;
    bool opt_out = false;
    for (const auto& node : zone.nodes()) {
        const RRsetRange* set = zone.find(node, dns::type::NSEC3);
        if (!set) continue;
        for (const auto& r : zone.records_of(*set)) {
            auto rdata = dns::Nsec3Rdata::decode(r.rdata);
            auto hash = from_base32hex(r.owner.first_label());
            if (!rdata || !hash || !(r.owner.parent() == zone.apex())) {
                report.problems.push_back(
                    {r.owner, dns::type::NSEC3, "malformed NSEC3 record or owner name"});
                continue;
            }
            if (rdata->hash_algorithm != param.hash_algorithm || rdata->iterations != param.iterations ||
                rdata->salt != param.salt) {
                report.problems.push_back(
                    {r.owner, dns::type::NSEC3, "NSEC3 parameters differ from NSEC3PARAM"});
                continue;
            }
            opt_out = opt_out || (rdata->flags & dns::Nsec3Rdata::kOptOutFlag);
            actual.push_back({&r, std::move(*rdata), std::move(*hash)});
        }
    }
    report.denial_records = actual.size();
    std::sort(actual.begin(), actual.end(), [](const auto& a, const auto& b) { return a.hash < b.hash; });

    // What the chain must contain: with opt-out, what is also required without it is "required"; the rest
    // (insecure delegations and their empty non-terminals) is allowed but optional.
    Nsec3Parameters params{param.iterations, param.salt, opt_out};
    std::vector<dns::Name> required_names;
    auto required = build_nsec3_chain(zone, params, 0, &required_names);
    if (!required) {
        report.problems.push_back({zone.apex(), dns::type::NSEC3PARAM, required.error().what});
        return;
    }
    std::map<Bytes, const dns::Record*> expected;  // hash → the record the chain must have
    std::map<Bytes, const dns::Name*> unhashed;    // hash → the name it stands for
    for (size_t i = 0; i < required->size(); ++i) {
        Bytes h = *from_base32hex((*required)[i].owner.first_label());
        expected[h] = &(*required)[i];
        unhashed[h] = &required_names[i];
    }
    std::vector<dns::Record> without_opt_out;
    std::map<Bytes, const dns::Record*> optional;  // hash → a record the chain may have (opt-out)
    if (opt_out) {
        params.opt_out = false;
        if (auto all = build_nsec3_chain(zone, params, 0)) without_opt_out = std::move(*all);
        for (const auto& r : without_opt_out) {
            Bytes h = *from_base32hex(r.owner.first_label());
            if (!expected.count(h)) optional[h] = &r;
        }
    }

    for (size_t i = 0; i < actual.size(); ++i) {
        const auto& a = actual[i];
        if (i > 0 && a.hash == actual[i - 1].hash) {
            report.problems.push_back({a.record->owner, dns::type::NSEC3, "duplicate NSEC3 record"});
            continue;
        }
        const Bytes& next = actual[(i + 1) % actual.size()].hash;
        if (a.rdata.next_hashed_owner != next)
            report.problems.push_back({a.record->owner, dns::type::NSEC3,
                                       "next hashed owner is " + to_base32hex(a.rdata.next_hashed_owner) +
                                           ", expected " + to_base32hex(next) + ": the chain is broken"});
        const dns::Record* want = nullptr;
        if (auto it = expected.find(a.hash); it != expected.end())
            want = it->second;
        else if (auto opt = optional.find(a.hash); opt != optional.end())
            want = opt->second;
        if (!want) {
            report.problems.push_back(
                {a.record->owner, dns::type::NSEC3, "NSEC3 record matches no name in the zone"});
            continue;
        }
        auto need = dns::Nsec3Rdata::decode(want->rdata);
        if (need && need->type_bitmap != a.rdata.type_bitmap)
            report.problems.push_back({a.record->owner, dns::type::NSEC3,
                                       bitmap_difference(a.rdata.type_bitmap, need->type_bitmap)});
    }
    // Every required hash must be present.
    std::vector<Bytes> present;
    for (const auto& a : actual) present.push_back(a.hash);
    for (const auto& [hash, record] : expected) {
        if (std::binary_search(present.begin(), present.end(), hash)) continue;
        auto need = dns::Nsec3Rdata::decode(record->rdata);
        bool empty = need && need->type_bitmap.empty();
        report.problems.push_back({record->owner, dns::type::NSEC3,
                                   "missing NSEC3 record for " +
                                       std::string(empty ? "the empty non-terminal " : "") +
                                       unhashed[hash]->to_text()});
    }
}

}  // namespace

void verify_denial(const ZoneIndex& zone, VerifyReport& report) {
    const ZoneNode* apex = zone.apex_node();
    const RRsetRange* param_set = apex ? zone.find(*apex, dns::type::NSEC3PARAM) : nullptr;
    bool has_nsec = false;
    for (const auto& node : zone.nodes())
        if (!node.is_occluded && zone.find(node, dns::type::NSEC)) has_nsec = true;

    if (param_set) {
        auto param = dns::Nsec3ParamRdata::decode(zone.records_of(*param_set)[0].rdata);
        if (!param) {
            report.problems.push_back({zone.apex(), dns::type::NSEC3PARAM, "malformed NSEC3PARAM"});
        } else if (param->hash_algorithm != 1) {
            report.problems.push_back({zone.apex(), dns::type::NSEC3PARAM, "unknown NSEC3 hash algorithm"});
        } else {
            verify_nsec3_chain(zone, *param, report);
        }
    }
    if (has_nsec || !param_set) verify_nsec_chain(zone, report);
}

}  // namespace danemail::dnssec

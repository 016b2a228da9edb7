// Signed-zone verification: keys, signatures on every authoritative RRset, trust anchor (RFC 4035 §2.1,
// §2.2, §5.3.1–§5.3.3; RFC 4034 §3.1.5 validity windows in serial arithmetic). Chains: verify_denial.cpp.
#include "dnssec/zone_verifier.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <thread>

#include "dns/rdata.h"
#include "dnssec/algorithm.h"
#include "dnssec/crypto_key.h"
#include "dnssec/key.h"
#include "dnssec/signed_data.h"
#include "dnssec/verify_denial.h"
#include "dnssec/zone_index.h"

namespace danemail::dnssec {
namespace {

struct ApexKey {
    uint16_t tag;
    uint8_t algorithm;
    bool sep;
    Bytes rdata;
    std::optional<PublicKey> key;
};

// One RRset with the signatures that claim to cover it.
struct SignatureJob {
    std::span<const dns::Record> rrset;
    std::vector<const dns::Record*> rrsigs;
    std::vector<VerifyProblem> problems;
    std::vector<uint16_t> valid_tags;  // tags of keys whose signature verified (DNSKEY RRset: for anchors)
    size_t checked = 0;
};

std::string key_label(uint16_t tag, uint8_t algorithm) {
    return "key " + std::to_string(tag) + " (" + dns::algorithm_to_text(algorithm) + ")";
}

class SignatureChecker {
public:
    SignatureChecker(const dns::Name& apex, const std::vector<ApexKey>& keys, std::vector<uint8_t> algorithms,
                     UnixTime time)
        : apex_(apex), keys_(keys), algorithms_(std::move(algorithms)), time_(time) {}

    void check(SignatureJob& job) const {
        const dns::Record& first = job.rrset[0];
        std::vector<Bytes> rdatas;
        for (const auto& r : job.rrset) rdatas.push_back(r.rdata);
        std::vector<Bytes> canonical = canonical_rdatas(first.type, rdatas);
        std::vector<uint8_t> valid_algorithms;
        std::vector<std::string> failures;
        for (const dns::Record* sig_record : job.rrsigs) {
            auto rrsig = dns::RrsigRdata::decode(sig_record->rdata);
            if (!rrsig) {
                failures.push_back("malformed RRSIG: " + rrsig.error().what);
                continue;
            }
            ++job.checked;
            std::string why = check_one(*rrsig, first, canonical);
            if (why.empty()) {
                valid_algorithms.push_back(rrsig->algorithm);
                job.valid_tags.push_back(rrsig->key_tag);
            } else {
                failures.push_back(why);
            }
        }
        for (uint8_t alg : algorithms_) {
            if (std::find(valid_algorithms.begin(), valid_algorithms.end(), alg) != valid_algorithms.end())
                continue;
            std::string reason = "no valid signature by a " + dns::algorithm_to_text(alg) + " key";
            if (job.rrsigs.empty()) reason = "RRset is not signed";
            for (const auto& f : failures) reason += "; " + f;
            job.problems.push_back({first.owner, first.type, reason});
        }
    }

private:
    // Empty when the signature is valid, else the reason it is not.
    std::string check_one(const dns::RrsigRdata& rrsig, const dns::Record& first,
                          const std::vector<Bytes>& canonical) const {
        std::string who = key_label(rrsig.key_tag, rrsig.algorithm);
        if (!(rrsig.signer == apex_))
            return "RRSIG signer " + rrsig.signer.to_text() + " is not the zone apex";
        if (rrsig.labels != rrsig_label_count(first.owner))
            return "RRSIG labels field " + std::to_string(rrsig.labels) + ", expected " +
                   std::to_string(rrsig_label_count(first.owner));
        if (rrsig.original_ttl != first.ttl)
            return "RRSIG original TTL " + std::to_string(rrsig.original_ttl) +
                   " differs from the RRset's TTL " + std::to_string(first.ttl);
        // RFC 4034 §3.1.5: compare in serial-number arithmetic against the 32-bit time.
        uint32_t now = to_wire_time(time_);
        if (serial_less(rrsig.expiration, now))
            return "signature by " + who + " expired at " +
                   format_dnssec_time(from_wire_time(rrsig.expiration, time_));
        if (serial_less(now, rrsig.inception))
            return "signature by " + who + " not valid before " +
                   format_dnssec_time(from_wire_time(rrsig.inception, time_));
        bool any_key = false;
        for (const auto& key : keys_) {
            if (key.tag != rrsig.key_tag || key.algorithm != rrsig.algorithm || !key.key) continue;
            any_key = true;
            Bytes data = rrset_signed_data(rrsig, first.owner, first.rclass, canonical);
            if (key.key->verify(data, rrsig.signature)) return {};
        }
        if (!any_key) return "signature by " + who + ", which is not in the apex DNSKEY RRset";
        return "signature by " + who + " does not verify";
    }

    const dns::Name& apex_;
    const std::vector<ApexKey>& keys_;
    std::vector<uint8_t> algorithms_;
    UnixTime time_;
};

void run_parallel(std::vector<SignatureJob>& jobs, const SignatureChecker& checker, unsigned threads) {
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    std::atomic<size_t> next{0};
    auto worker = [&] {
        constexpr size_t kChunk = 256;
        for (;;) {
            size_t begin = next.fetch_add(kChunk);
            if (begin >= jobs.size()) return;
            for (size_t j = begin; j < std::min(begin + kChunk, jobs.size()); ++j) checker.check(jobs[j]);
        }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
}

}  // namespace

std::string VerifyProblem::to_string() const {
    return owner.to_text() + " " + dns::type_to_text(type) + ": " + reason;
}

VerifyReport verify_zone(std::vector<dns::Record> records, const dns::Name& apex,
                         const VerifyOptions& options) {
    VerifyReport report;
    const UnixTime time = options.time ? options.time : now_unix();
    ZoneIndex zone(std::move(records), apex);
    auto problem = [&](const dns::Name& owner, dns::RRType type, std::string reason) {
        report.problems.push_back({owner, type, std::move(reason)});
    };

    const ZoneNode* apex_node = zone.apex_node();
    if (!apex_node || !zone.find(*apex_node, dns::type::SOA)) {
        problem(apex, dns::type::SOA, "zone has no SOA record at its apex");
        return report;
    }
    const RRsetRange* dnskey_set = zone.find(*apex_node, dns::type::DNSKEY);
    if (!dnskey_set) {
        problem(apex, dns::type::DNSKEY, "zone has no DNSKEY RRset at its apex");
        return report;
    }

    // The apex keys: zone keys (flag bit 7) only, RFC 4034 §2.1.1.
    std::vector<ApexKey> keys;
    std::vector<uint8_t> algorithms;
    for (const auto& r : zone.records_of(*dnskey_set)) {
        auto dnskey = dns::DnskeyRdata::decode(r.rdata);
        if (!dnskey) {
            problem(apex, dns::type::DNSKEY, "malformed DNSKEY: " + dnskey.error().what);
            continue;
        }
        if (!(dnskey->flags & dns::DnskeyRdata::kZoneKeyFlag)) continue;
        ApexKey key{key_tag(r.rdata),
                    dnskey->algorithm,
                    bool(dnskey->flags & dns::DnskeyRdata::kSepFlag),
                    r.rdata,
                    {}};
        if (!can_verify(dnskey->algorithm)) {
            problem(apex, dns::type::DNSKEY,
                    key_label(key.tag, key.algorithm) + " uses an algorithm danemail cannot verify");
        } else if (auto pk = PublicKey::from_dnskey(dnskey->algorithm, dnskey->public_key); !pk) {
            problem(apex, dns::type::DNSKEY, key_label(key.tag, key.algorithm) + ": " + pk.error().what);
        } else {
            key.key = std::move(*pk);
            algorithms.push_back(dnskey->algorithm);
        }
        report.notes.push_back(std::string(key.sep ? "KSK " : "ZSK ") + key_label(key.tag, key.algorithm));
        keys.push_back(std::move(key));
    }
    std::sort(algorithms.begin(), algorithms.end());
    algorithms.erase(std::unique(algorithms.begin(), algorithms.end()), algorithms.end());
    if (algorithms.empty()) {
        problem(apex, dns::type::DNSKEY, "no usable zone key in the DNSKEY RRset");
        return report;
    }

    // Gather every RRset that must be signed with the RRSIGs at its node that claim to cover it.
    std::vector<SignatureJob> jobs;
    size_t dnskey_job = SIZE_MAX;
    for (const auto& node : zone.nodes()) {
        const dns::Name& owner = zone.owner(node);
        const RRsetRange* sigs = zone.find(node, dns::type::RRSIG);
        std::map<uint16_t, std::vector<const dns::Record*>> by_type;
        if (sigs)
            for (const auto& r : zone.records_of(*sigs)) {
                auto rrsig = dns::RrsigRdata::decode(r.rdata);
                by_type[rrsig ? rrsig->type_covered.value : 0].push_back(&r);
            }
        for (const auto& rrset : zone.rrsets_of(node)) {
            if (rrset.type == dns::type::RRSIG) continue;
            bool must_be_signed = !node.is_occluded && (!node.is_delegation || rrset.type == dns::type::DS ||
                                                        rrset.type == dns::type::NSEC);
            auto found = by_type.find(rrset.type.value);
            if (!must_be_signed) {
                if (found != by_type.end())
                    problem(owner, rrset.type,
                            node.is_occluded ? "signature over occluded data (glue or below a DNAME)"
                                             : "signature over the NS RRset of a delegation (RFC 4035 §2.2)");
                if (found != by_type.end()) by_type.erase(found);
                continue;
            }
            if (node.is_apex && rrset.type == dns::type::DNSKEY) dnskey_job = jobs.size();
            SignatureJob job{zone.records_of(rrset), {}, {}, {}, 0};
            if (found != by_type.end()) {
                job.rrsigs = std::move(found->second);
                by_type.erase(found);
            }
            jobs.push_back(std::move(job));
        }
        for (const auto& [covered, list] : by_type)
            problem(owner, dns::RRType(covered), "RRSIG covers a type with no RRset at this name");
    }

    SignatureChecker checker(apex, keys, algorithms, time);
    run_parallel(jobs, checker, options.threads);
    for (auto& job : jobs) {
        report.signatures_checked += job.checked;
        for (auto& p : job.problems) report.problems.push_back(std::move(p));
    }
    report.rrsets_checked = jobs.size();

    // RFC 4035 §5.2 / RFC 4509: a trust anchor (DS) must match a key that signs the DNSKEY RRset.
    if (!options.anchors.empty() && dnskey_job != SIZE_MAX) {
        bool matched = false;
        for (const auto& ds : options.anchors) {
            for (const auto& key : keys) {
                if (key.tag != ds.key_tag || key.algorithm != ds.algorithm) continue;
                auto expected = make_ds(apex, key.rdata, ds.digest_type);
                if (!expected || expected->digest != ds.digest) continue;
                const auto& tags = jobs[dnskey_job].valid_tags;
                if (std::find(tags.begin(), tags.end(), key.tag) != tags.end()) {
                    matched = true;
                    report.notes.push_back("trust anchor DS " + std::to_string(ds.key_tag) +
                                           " matches a key that signs the DNSKEY RRset");
                }
            }
        }
        if (!matched)
            problem(apex, dns::type::DNSKEY,
                    "no DS of the trust anchor matches a key that signs the DNSKEY RRset");
    }

    verify_denial(zone, report);
    if (report.problems.size() > options.max_problems) report.problems.resize(options.max_problems);
    return report;
}

}  // namespace danemail::dnssec

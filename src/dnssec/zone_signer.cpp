// Whole-zone signing: key selection, serial policy, the denial chain and parallel RRSIG generation
// (RFC 4035 §2.1–§2.3, RFC 4034 §3, RFC 5155 §7.1, RFC 6781 §4.1 for KSK/ZSK roles).
#include "dnssec/zone_signer.h"

#include <algorithm>
#include <atomic>
#include <random>
#include <thread>

#include "dns/dnssec_rdata.h"
#include "dns/rdata.h"
#include "dnssec/algorithm.h"
#include "dnssec/signed_data.h"

namespace danemail::dnssec {
namespace {

bool is_chain_type(dns::RRType t) {
    return t == dns::type::RRSIG || t == dns::type::NSEC || t == dns::type::NSEC3 ||
           t == dns::type::NSEC3PARAM;
}

bool signed_by_ksk(dns::RRType t) {
    return t == dns::type::DNSKEY || t == dns::type::CDS || t == dns::type::CDNSKEY;
}

// A key is published unless deleted, and signs when it has its private part and is active now.
bool is_published(const ZoneKey& key, UnixTime now) {
    if (key.publish && *key.publish > now) return false;
    return !(key.remove && *key.remove <= now);
}
bool is_signing(const ZoneKey& key, UnixTime now) {
    if (!key.private_key || !is_published(key, now)) return false;
    if (key.activate && *key.activate > now) return false;
    return !(key.inactive && *key.inactive <= now);
}

struct KeySets {
    std::vector<const ZoneKey*> for_dnskey;  // sign DNSKEY, CDS, CDNSKEY
    std::vector<const ZoneKey*> for_data;    // sign everything else
};

// RFC 4035 §2.2: every algorithm in the DNSKEY RRset signs every RRset. Per algorithm, SEP keys sign the
// key RRsets and non-SEP keys the data; an algorithm with keys of only one kind uses them for both (CSK).
KeySets choose_signing_keys(std::span<const ZoneKey> keys, UnixTime now) {
    KeySets sets;
    std::vector<uint8_t> algorithms;
    for (const auto& k : keys)
        if (is_signing(k, now)) algorithms.push_back(k.dnskey.algorithm);
    std::sort(algorithms.begin(), algorithms.end());
    algorithms.erase(std::unique(algorithms.begin(), algorithms.end()), algorithms.end());
    for (uint8_t alg : algorithms) {
        std::vector<const ZoneKey*> sep, other;
        for (const auto& k : keys)
            if (is_signing(k, now) && k.dnskey.algorithm == alg) (k.is_ksk() ? sep : other).push_back(&k);
        const auto& ksks = sep.empty() ? other : sep;
        const auto& zsks = other.empty() ? sep : other;
        sets.for_dnskey.insert(sets.for_dnskey.end(), ksks.begin(), ksks.end());
        sets.for_data.insert(sets.for_data.end(), zsks.begin(), zsks.end());
    }
    return sets;
}

uint32_t date_serial(UnixTime now) {
    std::string day = format_dnssec_time(now).substr(0, 8);
    return static_cast<uint32_t>(std::stoul(day)) * 100;
}

// One RRset to sign: a run of records with the same owner and type, from the zone or the chain.
struct SignJob {
    std::span<const dns::Record> records;
    bool by_ksk = false;
    uint32_t first_slot = 0;  // index of its first signature in the results
};

class ParallelSigner {
public:
    ParallelSigner(const dns::Name& apex, const KeySets& keys, const SigningPolicy& policy, UnixTime now)
        : apex_(apex), keys_(keys), policy_(policy), now_(now) {}

    // Fills `signatures[job.first_slot - slot_base + k]` with the RRSIG RDATA by key k of the job's key set,
    // for every job in `jobs`.
    Status run(std::span<const SignJob> jobs, uint32_t slot_base, std::vector<Bytes>& signatures) {
        unsigned threads =
            policy_.threads ? policy_.threads : std::max(1u, std::thread::hardware_concurrency());
        std::atomic<size_t> next{0};
        std::atomic<bool> failed{false};
        std::vector<Error> errors(threads);
        auto worker = [&](unsigned id) {
            std::vector<SigningContext> ksk_contexts, zsk_contexts;
            for (const auto* k : keys_.for_dnskey) ksk_contexts.emplace_back(*k->private_key);
            for (const auto* k : keys_.for_data) zsk_contexts.emplace_back(*k->private_key);
            std::mt19937 random(std::random_device{}() + id);
            constexpr size_t kChunk = 512;
            while (!failed) {
                size_t begin = next.fetch_add(kChunk);
                if (begin >= jobs.size()) break;
                size_t end = std::min(begin + kChunk, jobs.size());
                for (size_t j = begin; j < end && !failed; ++j) {
                    const SignJob& job = jobs[j];
                    auto& contexts = job.by_ksk ? ksk_contexts : zsk_contexts;
                    const auto& keys = job.by_ksk ? keys_.for_dnskey : keys_.for_data;
                    if (auto s = sign_rrset(job, keys, contexts, random, slot_base, signatures); !s) {
                        errors[id] = s.error();
                        failed = true;
                    }
                }
            }
        };
        std::vector<std::thread> pool;
        for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker, t);
        worker(0);
        for (auto& t : pool) t.join();
        for (auto& e : errors)
            if (!e.what.empty()) return e;
        return {};
    }

private:
    Status sign_rrset(const SignJob& job, const std::vector<const ZoneKey*>& keys,
                      std::vector<SigningContext>& contexts, std::mt19937& random, uint32_t slot_base,
                      std::vector<Bytes>& out) {
        const dns::Record& first = job.records[0];
        std::vector<Bytes> rdatas;
        rdatas.reserve(job.records.size());
        for (const auto& r : job.records) rdatas.push_back(r.rdata);
        std::vector<Bytes> canonical = canonical_rdatas(first.type, rdatas);
        RRsetDigest digest{};
        if (policy_.reuse) digest = rrset_digest(first.owner, first.type, first.rclass, first.ttl, canonical);

        uint32_t jitter = policy_.jitter ? policy_.jitter : policy_.validity / 10;
        uint32_t spread = jitter ? static_cast<uint32_t>(random() % (jitter + 1)) : 0;
        dns::RrsigRdata rrsig;
        rrsig.type_covered = first.type;
        rrsig.labels = rrsig_label_count(first.owner);
        rrsig.original_ttl = first.ttl;
        rrsig.inception = to_wire_time(now_ - policy_.inception_offset);
        rrsig.expiration = to_wire_time(now_ + policy_.validity - spread);
        rrsig.signer = apex_;
        for (size_t k = 0; k < keys.size(); ++k) {
            if (policy_.reuse) {
                if (const Bytes* kept =
                        policy_.reuse->find(digest, keys[k]->dnskey.algorithm, keys[k]->tag)) {
                    out[job.first_slot - slot_base + k] = *kept;
                    reused_.fetch_add(1, std::memory_order_relaxed);
                    continue;
                }
            }
            rrsig.algorithm = keys[k]->dnskey.algorithm;
            rrsig.key_tag = keys[k]->tag;
            Bytes data = rrset_signed_data(rrsig, first.owner, first.rclass, canonical);
            auto signature = contexts[k].sign(data);
            if (!signature)
                return make_error(first.owner.to_text() + " " + dns::type_to_text(first.type),
                                  "signing failed: " + signature.error().to_string());
            rrsig.signature = std::move(*signature);
            out[job.first_slot - slot_base + k] = rrsig.encode();
        }
        return {};
    }

public:
    size_t reused() const { return reused_.load(); }

private:
    std::atomic<size_t> reused_{0};
    const dns::Name& apex_;
    const KeySets& keys_;
    const SigningPolicy& policy_;
    UnixTime now_;
};

}  // namespace

uint32_t next_serial(uint32_t current, SerialPolicy policy, UnixTime now) {
    switch (policy) {
        case SerialPolicy::Keep:
            return current;
        case SerialPolicy::Increment:
            return current + 1;
        case SerialPolicy::UnixTime: {
            uint32_t candidate = static_cast<uint32_t>(now);
            return serial_less(current, candidate) ? candidate : current + 1;
        }
        case SerialPolicy::Date: {
            uint32_t candidate = date_serial(now);
            return serial_less(current, candidate) ? candidate : current + 1;
        }
    }
    return current;
}

Status sign_zone_to(std::vector<dns::Record> records, const dns::Name& apex, std::span<const ZoneKey> keys,
                    const SigningPolicy& policy, const RecordSink& sink, SigningStats* stats) {
    const UnixTime now = policy.now ? policy.now : now_unix();
    KeySets signing = choose_signing_keys(keys, now);
    if (signing.for_data.empty())
        return make_error("no active key with a private part for " + apex.to_text());
    for (const auto* key : signing.for_data)
        if (!can_sign(key->dnskey.algorithm))
            return make_error("algorithm " + std::to_string(key->dnskey.algorithm) + " of key " +
                              std::to_string(key->tag) + " must not be used for signing (RFC 8624)");

    // Drop what an earlier signing added; find the SOA for TTLs and the serial.
    std::erase_if(records, [](const dns::Record& r) { return is_chain_type(r.type); });
    auto soa = std::find_if(records.begin(), records.end(), [&](const dns::Record& r) {
        return r.type == dns::type::SOA && r.owner == apex;
    });
    if (soa == records.end()) return make_error(apex.to_text(), "zone has no SOA record at its apex");
    auto soa_fields = dns::SoaRdata::decode(soa->rdata);
    if (!soa_fields) return make_error(apex.to_text(), "bad SOA RDATA: " + soa_fields.error().what);
    soa_fields->serial = next_serial(soa_fields->serial, policy.serial, now);
    soa->rdata = soa_fields->encode();
    const uint32_t soa_ttl = soa->ttl;

    const uint32_t dnskey_ttl = policy.dnskey_ttl.value_or(soa_ttl);
    for (const auto& key : keys) {
        if (!is_published(key, now)) continue;
        records.push_back({apex, dns::type::DNSKEY, dns::rrclass::IN, dnskey_ttl, key.dnskey_rdata()});
        bool publish = policy.publish_cds ? key.is_ksk()
                                          : std::find(policy.cds_key_tags.begin(), policy.cds_key_tags.end(),
                                                      key.tag) != policy.cds_key_tags.end();
        if (publish) {
            // RFC 7344 §4: the child's signal of the DS set it wants; RFC 8078 §3 for the parent's use of it.
            auto cds = make_ds(apex, key.dnskey_rdata(), digest::SHA256);
            if (!cds) return cds.error();
            records.push_back({apex, dns::type::CDS, dns::rrclass::IN, dnskey_ttl, cds->encode()});
            records.push_back({apex, dns::type::CDNSKEY, dns::rrclass::IN, dnskey_ttl, key.dnskey_rdata()});
        }
    }
    if (policy.use_nsec3) {
        dns::Nsec3ParamRdata param;
        param.iterations = policy.nsec3.iterations;
        param.salt = policy.nsec3.salt;
        // RFC 5155 §4.1.2: the opt-out flag is zero in NSEC3PARAM; TTL 0 as BIND does (RFC 5155 §4 allows
        // any).
        records.push_back({apex, dns::type::NSEC3PARAM, dns::rrclass::IN, 0, param.encode()});
    }

    ZoneIndex zone(std::move(records), apex);
    const uint32_t chain_ttl = denial_ttl(zone);

    std::vector<uint32_t> nsec_node_of;
    std::vector<dns::Record> chain;
    if (policy.use_nsec3) {
        auto nsec3 = build_nsec3_chain(zone, policy.nsec3, chain_ttl);
        if (!nsec3) return nsec3.error();
        chain = std::move(*nsec3);
    } else {
        chain = build_nsec_chain(zone, chain_ttl, &nsec_node_of);
    }

    // The output in order: each step is an RRset of the zone or one chain record, signed by a job or not.
    constexpr uint32_t kUnsigned = UINT32_MAX;
    struct OutputStep {
        std::span<const dns::Record> records;
        uint32_t job;
    };
    std::vector<OutputStep> steps;
    std::vector<SignJob> jobs;
    const auto& ksks = signing.for_dnskey;
    const auto& zsks = signing.for_data;
    uint32_t slots = 0;
    auto add_step = [&](std::span<const dns::Record> rrset, bool is_signed) {
        if (!is_signed) {
            steps.push_back({rrset, kUnsigned});
            return;
        }
        bool by_ksk = signed_by_ksk(rrset[0].type) && rrset[0].owner == apex;
        steps.push_back({rrset, static_cast<uint32_t>(jobs.size())});
        jobs.push_back({rrset, by_ksk, slots});
        slots += static_cast<uint32_t>(by_ksk ? ksks.size() : zsks.size());
    };
    size_t chain_cursor = 0;
    for (uint32_t n = 0; n < zone.nodes().size(); ++n) {
        const ZoneNode& node = zone.nodes()[n];
        for (const auto& rrset : zone.rrsets_of(node)) {
            // RFC 4035 §2.2: glue and the NS RRset at a zone cut are not signed; DS at the cut is.
            bool is_signed = !node.is_occluded && (!node.is_delegation || rrset.type == dns::type::DS);
            add_step(zone.records_of(rrset), is_signed);
        }
        if (!policy.use_nsec3 && chain_cursor < nsec_node_of.size() && nsec_node_of[chain_cursor] == n)
            add_step(std::span<const dns::Record>(&chain[chain_cursor++], 1), true);
    }
    if (policy.use_nsec3)
        for (const auto& r : chain) add_step(std::span<const dns::Record>(&r, 1), true);

    // Sign a window of jobs on all cores, then hand everything up to that window's end to the sink, so that
    // neither all signatures nor the whole output are ever held at once.
    constexpr size_t kWindow = 1 << 16;
    ParallelSigner signer(apex, signing, policy, now);
    std::vector<Bytes> signatures;
    dns::Record signature_record;
    size_t next_step = 0;
    auto emit_until = [&](uint32_t job_end, uint32_t slot_base) -> Status {
        for (; next_step < steps.size(); ++next_step) {
            const OutputStep& step = steps[next_step];
            if (step.job != kUnsigned && step.job >= job_end) break;
            for (const auto& r : step.records)
                if (auto s = sink(r); !s) return s;
            if (step.job == kUnsigned) continue;
            const SignJob& job = jobs[step.job];
            const dns::Record& first = step.records[0];
            signature_record.owner = first.owner;
            signature_record.type = dns::type::RRSIG;
            signature_record.rclass = first.rclass;
            signature_record.ttl = first.ttl;  // RFC 4034 §3: the RRSIG's TTL is the covered RRset's
            size_t count = job.by_ksk ? ksks.size() : zsks.size();
            for (size_t k = 0; k < count; ++k) {
                signature_record.rdata = std::move(signatures[job.first_slot - slot_base + k]);
                if (auto s = sink(signature_record); !s) return s;
            }
        }
        return {};
    };
    for (size_t begin = 0; begin < jobs.size(); begin += kWindow) {
        size_t end = std::min(begin + kWindow, jobs.size());
        uint32_t slot_base = jobs[begin].first_slot;
        uint32_t slot_end = end < jobs.size() ? jobs[end].first_slot : slots;
        signatures.assign(slot_end - slot_base, Bytes());
        std::span<const SignJob> window(jobs.data() + begin, end - begin);
        if (auto s = signer.run(window, slot_base, signatures); !s) return s;
        if (auto s = emit_until(static_cast<uint32_t>(end), slot_base); !s) return s;
    }
    if (auto s = emit_until(kUnsigned, 0); !s) return s;

    if (stats) {
        stats->rrsets_signed = jobs.size();
        stats->signatures = slots;
        stats->denial_records = chain.size();
        stats->signatures_reused = signer.reused();
        stats->serial = soa_fields->serial;
    }
    return {};
}

Result<std::vector<dns::Record>> sign_zone(std::vector<dns::Record> records, const dns::Name& apex,
                                           std::span<const ZoneKey> keys, const SigningPolicy& policy,
                                           SigningStats* stats) {
    std::vector<dns::Record> out;
    out.reserve(records.size() * 3);
    auto collect = [&](const dns::Record& r) -> Status {
        out.push_back(r);
        return {};
    };
    if (auto s = sign_zone_to(std::move(records), apex, keys, policy, collect, stats); !s) return s.error();
    return out;
}

}  // namespace danemail::dnssec

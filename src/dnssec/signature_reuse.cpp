// Indexing a signed zone's RRSIGs by the RRset they cover (see signature_reuse.h).
#include "dnssec/signature_reuse.h"

#include <openssl/evp.h>

#include <map>
#include <memory>

#include "base/byte_order.h"
#include "dns/dnssec_rdata.h"
#include "dnssec/signed_data.h"

namespace danemail::dnssec {
namespace {

struct Group {
    std::vector<const dns::Record*> records;
    std::vector<const dns::Record*> signatures;
};

}  // namespace

RRsetDigest rrset_digest(const dns::Name& owner, dns::RRType type, dns::RRClass rclass, uint32_t ttl,
                         std::span<const Bytes> sorted_canonical) {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
    const std::string lower = owner.lowercased().wire();
    EVP_DigestUpdate(ctx.get(), lower.data(), lower.size());
    Bytes fixed;
    put16(fixed, type.value);
    put16(fixed, rclass.value);
    put32(fixed, ttl);
    EVP_DigestUpdate(ctx.get(), fixed.data(), fixed.size());
    for (const Bytes& rdata : sorted_canonical) {
        Bytes length;
        put16(length, static_cast<uint16_t>(rdata.size()));
        EVP_DigestUpdate(ctx.get(), length.data(), length.size());
        EVP_DigestUpdate(ctx.get(), rdata.data(), rdata.size());
    }
    uint8_t full[EVP_MAX_MD_SIZE];
    unsigned int full_size = 0;
    EVP_DigestFinal_ex(ctx.get(), full, &full_size);
    RRsetDigest digest{};
    std::memcpy(digest.data(), full, digest.size());
    return digest;
}

SignatureReuse SignatureReuse::from_zone(std::span<const dns::Record> signed_zone, UnixTime now,
                                         uint32_t refresh) {
    // Group by (owner, type); an RRSIG joins the group of the type it covers.
    std::map<std::pair<std::string, dns::RRType>, Group> groups;
    for (const dns::Record& record : signed_zone) {
        const std::string owner = record.owner.lowercased().wire();
        if (record.type == dns::type::RRSIG) {
            auto rrsig = dns::RrsigRdata::decode(record.rdata);
            if (!rrsig) continue;
            groups[{owner, rrsig->type_covered}].signatures.push_back(&record);
        } else {
            groups[{owner, record.type}].records.push_back(&record);
        }
    }
    SignatureReuse reuse;
    for (const auto& [key, group] : groups) {
        if (group.records.empty() || group.signatures.empty()) continue;
        const dns::Record& first = *group.records.front();
        std::vector<Bytes> rdatas;
        bool same_ttl = true;
        for (const dns::Record* r : group.records) {
            rdatas.push_back(r->rdata);
            same_ttl = same_ttl && r->ttl == first.ttl;
        }
        if (!same_ttl) continue;  // RFC 2181 §5.2: not a well-formed RRset; sign it afresh
        RRsetDigest digest = rrset_digest(first.owner, first.type, first.rclass, first.ttl,
                                          canonical_rdatas(first.type, rdatas));
        for (const dns::Record* signature : group.signatures) {
            auto rrsig = dns::RrsigRdata::decode(signature->rdata);
            if (!rrsig || rrsig->original_ttl != first.ttl) continue;
            // RFC 4034 §3.1.5: serial-number arithmetic on the 32-bit times, relative to now.
            const int64_t expires_in = static_cast<int32_t>(rrsig->expiration - to_wire_time(now));
            const int64_t since_inception = static_cast<int32_t>(to_wire_time(now) - rrsig->inception);
            if (expires_in <= static_cast<int64_t>(refresh) || since_inception < 0) continue;
            reuse.by_rrset_[digest].push_back({rrsig->algorithm, rrsig->key_tag, signature->rdata});
            ++reuse.signatures_;
        }
    }
    return reuse;
}

const Bytes* SignatureReuse::find(const RRsetDigest& digest, uint8_t algorithm, uint16_t key_tag) const {
    auto it = by_rrset_.find(digest);
    if (it == by_rrset_.end()) return nullptr;
    for (const Kept& kept : it->second)
        if (kept.algorithm == algorithm && kept.key_tag == key_tag) return &kept.rdata;
    return nullptr;
}

}  // namespace danemail::dnssec

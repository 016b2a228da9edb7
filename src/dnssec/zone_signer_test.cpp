// Signer and verifier together: every signed zone verifies, every kind of damage is caught, and the
// structural rules (no RRSIG on delegation NS or glue, ENTs in NSEC3, opt-out) hold.
#include <gtest/gtest.h>

#include <sstream>

#include "base/time.h"
#include "dns/dnssec_rdata.h"
#include "dns/rdata.h"
#include "dnssec/zone_index.h"
#include "dnssec/zone_signer.h"
#include "dnssec/zone_verifier.h"

namespace danemail::dnssec {
namespace {

using dns::Name;
using dns::Record;

const Name kApex = *Name::from_text("example.");

// "owner ttl TYPE rdata..." with owner relative to example.
Record rr(const std::string& line) {
    std::istringstream in(line);
    std::string owner, ttl, type;
    in >> owner >> ttl >> type;
    std::string rest;
    std::getline(in, rest);
    auto t = dns::type_from_text(type);
    EXPECT_TRUE(t) << type;
    auto rdata = dns::rdata_from_text(*t, rest, kApex);
    EXPECT_TRUE(rdata) << line << ": " << rdata.error().to_string();
    return {*Name::from_text(owner, &kApex), *t, dns::rrclass::IN, static_cast<uint32_t>(std::stoul(ttl)),
            *rdata};
}

std::vector<Record> sample_zone() {
    return {
        rr("@ 3600 SOA ns1 hostmaster 2024010101 7200 3600 1209600 300"),
        rr("@ 3600 NS ns1"),
        rr("@ 3600 MX 10 mx"),
        rr("ns1 3600 A 192.0.2.1"),
        rr("mx 3600 A 192.0.2.2"),
        rr("mx 3600 AAAA 2001:db8::2"),
        rr("_25._tcp.mx 3600 TLSA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
        rr("www 3600 CNAME mx"),
        rr("*.wild 3600 TXT \"wildcard\""),
        rr("a.b.c.deep 3600 A 192.0.2.3"),  // empty non-terminals b.c.deep, c.deep, deep
        rr("secure 3600 NS ns.secure"),     // secure delegation with in-bailiwick glue
        rr("secure 3600 DS 12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
        rr("ns.secure 3600 A 192.0.2.4"),
        rr("insecure 3600 NS ns.elsewhere.test."),       // insecure delegation
        rr("x.y.insecure2 3600 NS ns.elsewhere.test."),  // insecure delegation below ENTs
    };
}

std::vector<ZoneKey> make_keys(uint8_t algorithm, bool csk = false) {
    std::vector<ZoneKey> keys;
    auto ksk = generate_key(kApex, csk ? KeyRole::Csk : KeyRole::Ksk, algorithm);
    EXPECT_TRUE(ksk) << ksk.error().to_string();
    keys.push_back(std::move(*ksk));
    if (!csk) {
        auto zsk = generate_key(kApex, KeyRole::Zsk, algorithm);
        EXPECT_TRUE(zsk);
        keys.push_back(std::move(*zsk));
    }
    return keys;
}

std::string problems_text(const VerifyReport& report) {
    std::string out;
    for (const auto& p : report.problems) out += p.to_string() + "\n";
    return out;
}

std::vector<Record> sign(const std::vector<ZoneKey>& keys, SigningPolicy policy = {}) {
    auto signed_zone = sign_zone(sample_zone(), kApex, keys, policy);
    EXPECT_TRUE(signed_zone) << signed_zone.error().to_string();
    return signed_zone ? *signed_zone : std::vector<Record>{};
}

size_t count_rrsigs(const std::vector<Record>& zone, const std::string& owner, dns::RRType covered) {
    Name name = *Name::from_text(owner, &kApex);
    size_t n = 0;
    for (const auto& r : zone)
        if (r.type == dns::type::RRSIG && r.owner == name &&
            dns::RrsigRdata::decode(r.rdata)->type_covered == covered)
            ++n;
    return n;
}

TEST(CanonicalSortKey, MatchesCanonicalOrderOfRfc4034Example) {
    // RFC 4034 §6.1, in canonical order.
    const char* names[] = {"example.",         "a.example.",      "yljkjljk.a.example.",
                           "Z.a.example.",     "zABC.a.EXAMPLE.", "z.example.",
                           "\\001.z.example.", "*.z.example.",    "\\200.z.example."};
    for (size_t i = 0; i + 1 < std::size(names); ++i) {
        Name a = *Name::from_text(names[i]), b = *Name::from_text(names[i + 1]);
        EXPECT_LT(canonical_compare(a, b), 0) << names[i] << " < " << names[i + 1];
        EXPECT_LT(canonical_sort_key(a), canonical_sort_key(b)) << names[i] << " < " << names[i + 1];
    }
    EXPECT_EQ(canonical_sort_key(*Name::from_text("A.Example.")),
              canonical_sort_key(*Name::from_text("a.example.")));
    // Escaped low bytes keep the order: "a" < "a\000" < "a\001" < "a\002".
    const char* low[] = {"a.", "a\\000.", "a\\001.", "a\\002.", "a\\000\\255."};
    EXPECT_LT(canonical_sort_key(*Name::from_text(low[0])), canonical_sort_key(*Name::from_text(low[1])));
    EXPECT_LT(canonical_sort_key(*Name::from_text(low[1])), canonical_sort_key(*Name::from_text(low[4])));
    EXPECT_LT(canonical_sort_key(*Name::from_text(low[4])), canonical_sort_key(*Name::from_text(low[2])));
    EXPECT_LT(canonical_sort_key(*Name::from_text(low[2])), canonical_sort_key(*Name::from_text(low[3])));
}

TEST(ZoneIndex, ClassifiesDelegationsGlueAndApex) {
    ZoneIndex zone(sample_zone(), kApex);
    int delegations = 0, occluded = 0, apex = 0;
    for (const auto& node : zone.nodes()) {
        delegations += node.is_delegation;
        occluded += node.is_occluded;
        apex += node.is_apex;
    }
    EXPECT_EQ(apex, 1);
    EXPECT_EQ(delegations, 3);
    EXPECT_EQ(occluded, 1);  // ns.secure glue
}

class SignAndVerify : public ::testing::TestWithParam<uint8_t> {};

TEST_P(SignAndVerify, NsecZoneVerifies) {
    auto keys = make_keys(GetParam());
    auto zone = sign(keys);
    auto report = verify_zone(zone, kApex, {});
    EXPECT_TRUE(report.ok()) << problems_text(report);
    EXPECT_FALSE(report.uses_nsec3);
}

TEST_P(SignAndVerify, Nsec3ZoneVerifies) {
    SigningPolicy policy;
    policy.use_nsec3 = true;
    auto zone = sign(make_keys(GetParam(), true), policy);
    auto report = verify_zone(zone, kApex, {});
    EXPECT_TRUE(report.ok()) << problems_text(report);
    EXPECT_TRUE(report.uses_nsec3);
}

INSTANTIATE_TEST_SUITE_P(Algorithms, SignAndVerify, ::testing::Values(8, 13, 14, 15));

TEST(ZoneSigner, SignsWhatIsAuthoritativeOnly) {
    auto keys = make_keys(13);
    auto zone = sign(keys);
    EXPECT_EQ(count_rrsigs(zone, "secure", dns::type::NS), 0u);  // RFC 4035 §2.2
    EXPECT_EQ(count_rrsigs(zone, "secure", dns::type::DS), 1u);
    EXPECT_EQ(count_rrsigs(zone, "ns.secure", dns::type::A), 0u);  // glue
    EXPECT_EQ(count_rrsigs(zone, "insecure", dns::type::NS), 0u);
    EXPECT_EQ(count_rrsigs(zone, "@", dns::type::DNSKEY), 1u);  // by the KSK only
    EXPECT_EQ(count_rrsigs(zone, "@", dns::type::SOA), 1u);     // by the ZSK only
    EXPECT_EQ(count_rrsigs(zone, "*.wild", dns::type::TXT), 1u);
    for (const auto& r : zone) {
        if (r.type == dns::type::RRSIG &&
            dns::RrsigRdata::decode(r.rdata)->type_covered == dns::type::DNSKEY) {
            EXPECT_EQ(dns::RrsigRdata::decode(r.rdata)->key_tag, keys[0].tag);
        }
    }
    // The wildcard's RRSIG labels field does not count the "*" (RFC 4034 §3.1.3).
    for (const auto& r : zone) {
        if (r.type == dns::type::RRSIG && r.owner.is_wildcard()) {
            EXPECT_EQ(dns::RrsigRdata::decode(r.rdata)->labels, 2);
        }
    }
}

TEST(ZoneSigner, Nsec3ChainHasEmptyNonTerminalsAndHonoursOptOut) {
    SigningPolicy policy;
    policy.use_nsec3 = true;
    auto keys = make_keys(13);
    auto count_nsec3 = [](const std::vector<Record>& zone) {
        return std::count_if(zone.begin(), zone.end(),
                             [](const Record& r) { return r.type == dns::type::NSEC3; });
    };
    auto full = sign(keys, policy);
    // Names: apex ns1 mx _25._tcp.mx (+ENT _tcp.mx) www *.wild (+ENT wild) a.b.c.deep (+ENTs b.c.deep c.deep
    // deep) secure insecure x.y.insecure2 (+ENTs y.insecure2 insecure2) = 17.
    EXPECT_EQ(count_nsec3(full), 17);
    policy.nsec3.opt_out = true;
    auto opted = sign(keys, policy);
    // Without insecure, x.y.insecure2 and its two ENTs.
    EXPECT_EQ(count_nsec3(opted), 13);
    auto report = verify_zone(opted, kApex, {});
    EXPECT_TRUE(report.ok()) << problems_text(report);
}

TEST(ZoneSigner, PublishesCdsAndCdnskeySignedByTheKsk) {
    auto keys = make_keys(13);
    SigningPolicy policy;
    policy.publish_cds = true;
    auto zone = sign(keys, policy);
    auto report = verify_zone(zone, kApex, {});
    EXPECT_TRUE(report.ok()) << problems_text(report);
    size_t cds = 0, cdnskey = 0;
    for (const auto& r : zone) {
        if (r.type == dns::type::CDS) {
            ++cds;
            EXPECT_EQ(r.rdata, make_ds(kApex, keys[0].dnskey_rdata(), digest::SHA256)->encode());
        }
        if (r.type == dns::type::CDNSKEY) {
            ++cdnskey;
            EXPECT_EQ(r.rdata, keys[0].dnskey_rdata());
        }
    }
    EXPECT_EQ(cds, 1u);  // the KSK only
    EXPECT_EQ(cdnskey, 1u);
    for (const auto& r : zone) {
        if (r.type != dns::type::RRSIG) continue;
        auto sig = dns::RrsigRdata::decode(r.rdata);
        if (sig->type_covered == dns::type::CDS || sig->type_covered == dns::type::CDNSKEY) {
            EXPECT_EQ(sig->key_tag, keys[0].tag);
        }
    }
}

TEST(ZoneSigner, CdsForTheChosenKeysOnly) {
    auto keys = make_keys(13);
    auto second_ksk = generate_key(kApex, KeyRole::Ksk, 13);
    ASSERT_TRUE(second_ksk);
    keys.push_back(std::move(*second_ksk));
    SigningPolicy policy;
    policy.cds_key_tags = {keys[2].tag};
    auto zone = sign(keys, policy);
    std::vector<Bytes> cds;
    for (const auto& r : zone)
        if (r.type == dns::type::CDS) cds.push_back(r.rdata);
    ASSERT_EQ(cds.size(), 1u);
    EXPECT_EQ(cds[0], make_ds(kApex, keys[2].dnskey_rdata(), digest::SHA256)->encode());
}

// Inline signing re-signs only what changed: signing the same zone again keeps every signature that is far
// enough from expiry; a changed record gets new signatures for its RRset, its NSEC neighbours and the SOA.
TEST(ZoneSigner, ReusesSignaturesOfUnchangedRRsets) {
    auto keys = make_keys(13);
    const UnixTime start = now_unix();
    SigningPolicy policy;
    policy.now = start;
    SigningStats first_stats;
    auto first = sign_zone(sample_zone(), kApex, keys, policy, &first_stats);
    ASSERT_TRUE(first);
    EXPECT_EQ(first_stats.signatures_reused, 0u);

    SignatureReuse reuse = SignatureReuse::from_zone(*first, start + 86400, 7 * 86400);
    EXPECT_EQ(reuse.size(), first_stats.signatures);
    SigningPolicy again = policy;
    again.now = start + 86400;
    again.reuse = &reuse;
    SigningStats same_stats;
    auto same = sign_zone(sample_zone(), kApex, keys, again, &same_stats);
    ASSERT_TRUE(same);
    EXPECT_EQ(same_stats.signatures_reused, same_stats.signatures);
    ASSERT_EQ(same->size(), first->size());
    for (size_t i = 0; i < same->size(); ++i) {
        EXPECT_TRUE((*same)[i].owner.identical((*first)[i].owner) && (*same)[i].type == (*first)[i].type &&
                    (*same)[i].rdata == (*first)[i].rdata)
            << i;
    }

    auto changed_zone = sample_zone();
    changed_zone.push_back(rr("mx 3600 A 192.0.2.20"));
    SigningStats changed_stats;
    auto changed = sign_zone(changed_zone, kApex, keys, again, &changed_stats);
    ASSERT_TRUE(changed);
    EXPECT_EQ(changed_stats.signatures - changed_stats.signatures_reused, 1u);  // only mx A changed
    VerifyOptions at_resign;
    at_resign.time = again.now;
    auto report = verify_zone(*changed, kApex, at_resign);
    EXPECT_TRUE(report.ok()) << problems_text(report);

    // Twelve days on, less than the refresh interval remains: everything is signed anew.
    SignatureReuse late = SignatureReuse::from_zone(*first, start + 12 * 86400, 7 * 86400);
    EXPECT_EQ(late.size(), 0u);
}

TEST(ZoneSigner, SerialPolicies) {
    EXPECT_EQ(next_serial(5, SerialPolicy::Keep, 0), 5u);
    EXPECT_EQ(next_serial(5, SerialPolicy::Increment, 0), 6u);
    EXPECT_EQ(next_serial(5, SerialPolicy::UnixTime, 1700000000), 1700000000u);
    EXPECT_EQ(next_serial(1800000000, SerialPolicy::UnixTime, 1700000000), 1800000001u);
    UnixTime day = *parse_dnssec_time("20261123120000");
    EXPECT_EQ(next_serial(5, SerialPolicy::Date, day), 2026112300u);
    EXPECT_EQ(next_serial(2026112300, SerialPolicy::Date, day), 2026112301u);
    EXPECT_EQ(next_serial(0xFFFFFFFF, SerialPolicy::Increment, 0), 0u);  // RFC 1982 wrap
}

TEST(ZoneSigner, RefusesShaOneAlgorithmsAndMissingKeys) {
    EXPECT_FALSE(sign_zone(sample_zone(), kApex, {}, {}));
}

TEST(ZoneVerifier, DetectsAChangedRecord) {
    auto zone = sign(make_keys(13));
    for (auto& r : zone)
        if (r.type == dns::type::A && r.owner == *Name::from_text("mx", &kApex)) r.rdata = {192, 0, 2, 99};
    auto report = verify_zone(zone, kApex, {});
    ASSERT_FALSE(report.ok());
    EXPECT_NE(problems_text(report).find("mx.example. A: no valid signature"), std::string::npos)
        << problems_text(report);
}

TEST(ZoneVerifier, DetectsExpiryAndNotYetValid) {
    SigningPolicy policy;
    policy.validity = 86400;
    auto zone = sign(make_keys(13), policy);
    VerifyOptions later;
    later.time = now_unix() + 3 * 86400;
    auto report = verify_zone(zone, kApex, later);
    ASSERT_FALSE(report.ok());
    EXPECT_NE(problems_text(report).find("expired"), std::string::npos);
    VerifyOptions earlier;
    earlier.time = now_unix() - 86400;
    report = verify_zone(zone, kApex, earlier);
    ASSERT_FALSE(report.ok());
    EXPECT_NE(problems_text(report).find("not valid before"), std::string::npos);
}

TEST(ZoneVerifier, DetectsBrokenNsecChainAndBitmap) {
    auto zone = sign(make_keys(13));
    // Remove mx's AAAA and its signature: the NSEC bitmap still lists AAAA.
    Name mx = *Name::from_text("mx", &kApex);
    std::erase_if(zone, [&](const Record& r) {
        return r.owner == mx && (r.type == dns::type::AAAA ||
                                 (r.type == dns::type::RRSIG &&
                                  dns::RrsigRdata::decode(r.rdata)->type_covered == dns::type::AAAA));
    });
    auto report = verify_zone(zone, kApex, {});
    ASSERT_FALSE(report.ok());
    EXPECT_NE(problems_text(report).find("lists AAAA but no such RRset exists"), std::string::npos)
        << problems_text(report);

    // Remove one NSEC: the chain is broken.
    zone = sign(make_keys(13));
    std::erase_if(zone, [&](const Record& r) { return r.owner == mx && r.type == dns::type::NSEC; });
    report = verify_zone(zone, kApex, {});
    EXPECT_NE(problems_text(report).find("missing NSEC record"), std::string::npos) << problems_text(report);
}

TEST(ZoneVerifier, DetectsMissingNsec3AtEmptyNonTerminal) {
    SigningPolicy policy;
    policy.use_nsec3 = true;
    auto zone = sign(make_keys(13), policy);
    Nsec3Parameters params;
    Name ent = *Name::from_text("c.deep", &kApex);
    Name hashed = nsec3_owner(ent, kApex, params);
    size_t before = zone.size();
    std::erase_if(zone, [&](const Record& r) { return r.owner == hashed; });
    ASSERT_LT(zone.size(), before);
    auto report = verify_zone(zone, kApex, {});
    ASSERT_FALSE(report.ok());
    EXPECT_NE(problems_text(report).find("missing NSEC3 record for the empty non-terminal c.deep.example."),
              std::string::npos)
        << problems_text(report);
}

TEST(ZoneVerifier, ChecksTheTrustAnchor) {
    auto keys = make_keys(13);
    auto zone = sign(keys);
    VerifyOptions options;
    options.anchors.push_back(*make_ds(kApex, keys[0].dnskey_rdata(), digest::SHA256));
    EXPECT_TRUE(verify_zone(zone, kApex, options).ok());
    options.anchors[0].digest[0] ^= 1;
    EXPECT_FALSE(verify_zone(zone, kApex, options).ok());
    // The ZSK's DS does not do: it does not sign the DNSKEY RRset.
    options.anchors = {*make_ds(kApex, keys[1].dnskey_rdata(), digest::SHA256)};
    EXPECT_FALSE(verify_zone(zone, kApex, options).ok());
}

TEST(ZoneVerifier, RejectsSignaturesOverGlue) {
    auto keys = make_keys(13);
    auto zone = sign(keys);
    // Copy the signature of ns1's A over to the glue name: a signature over occluded data.
    Name ns1 = *Name::from_text("ns1", &kApex), glue = *Name::from_text("ns.secure", &kApex);
    for (const auto& r : std::vector<Record>(zone))
        if (r.owner == ns1 && r.type == dns::type::RRSIG)
            zone.push_back({glue, r.type, r.rclass, r.ttl, r.rdata});
    auto report = verify_zone(zone, kApex, {});
    EXPECT_NE(problems_text(report).find("signature over occluded data"), std::string::npos)
        << problems_text(report);
}

}  // namespace
}  // namespace danemail::dnssec

// Tests for the served-zone snapshot: name classification (apex, delegations, DNAME, occluded glue, empty
// non-terminals), case-insensitive lookup, pre-rendered blocks, the NSEC and NSEC3 indexes (checked against
// dnssec's own hashing and canonical order), LookupName on hostile input and the zone set's longest match.
#include "zone/served_zone.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <tuple>

#include "dns/dnssec_rdata.h"
#include "dnssec/nsec3_hash.h"
#include "zone/zone_set.h"
#include "zone/zone_test_util.h"

namespace danemail::zone {
namespace {

using testing::Denial;

dns::Name name(std::string_view text) {
    return dns::Name::from_text(text).value();
}

uint32_t find(const ServedZone& zone, std::string_view text) {
    LookupName lookup;
    EXPECT_TRUE(lookup.assign(name(text).wire_bytes()));
    return zone.find(lookup, lookup.label_count());
}

class ServedZoneTest : public ::testing::TestWithParam<Denial> {
protected:
    static void SetUpTestSuite() {
        for (Denial d : {Denial::Nsec, Denial::Nsec3, Denial::Nsec3OptOut})
            zones_[static_cast<int>(d)] = testing::sign_example(d);
    }
    const testing::SignedZone& signed_zone() const { return zones_[static_cast<int>(GetParam())]; }
    const ServedZone& zone() const { return *signed_zone().served; }
    const ServedNode& node(std::string_view text) const {
        uint32_t index = find(zone(), text);
        EXPECT_NE(index, kNoIndex) << text;
        return zone().node(index == kNoIndex ? 0 : index);
    }

    static testing::SignedZone zones_[3];
};
testing::SignedZone ServedZoneTest::zones_[3];

TEST(LookupName, RejectsMalformedNames) {
    LookupName n;
    EXPECT_FALSE(n.assign(ByteView()));
    const uint8_t no_root[] = {3, 'w', 'w', 'w'};
    EXPECT_FALSE(n.assign(no_root));
    const uint8_t trailing[] = {1, 'a', 0, 0};
    EXPECT_FALSE(n.assign(trailing));
    const uint8_t pointer[] = {0xC0, 0x0C};
    EXPECT_FALSE(n.assign(pointer));
    Bytes long_label(1 + 64 + 1, 'a');
    long_label[0] = 64;
    long_label.back() = 0;
    EXPECT_FALSE(n.assign(long_label));
    Bytes too_long;
    for (int i = 0; i < 128; ++i) too_long.insert(too_long.end(), {1, 'a'});
    too_long.push_back(0);  // 257 bytes
    EXPECT_FALSE(n.assign(too_long));
    EXPECT_EQ(n.label_count(), 0u);
    const uint8_t root[] = {0};
    ASSERT_TRUE(n.assign(root));
    EXPECT_EQ(n.label_count(), 0u);
    EXPECT_EQ(n.lower_suffix(0).size(), 1u);
}

TEST(LookupName, SuffixesAndHashesAreCaseInsensitive) {
    LookupName upper, lower;
    ASSERT_TRUE(upper.assign(name("WwW.ExAmple.COM.").wire_bytes()));
    ASSERT_TRUE(lower.assign(name("www.example.com.").wire_bytes()));
    ASSERT_EQ(upper.label_count(), 3u);
    for (size_t k = 0; k <= 3; ++k) {
        EXPECT_EQ(upper.suffix_hash(k), lower.suffix_hash(k));
        EXPECT_EQ(upper.suffix_hash(k), suffix_chain_hash(lower.lower_suffix(k)));
        EXPECT_TRUE(std::equal(upper.lower_suffix(k).begin(), upper.lower_suffix(k).end(),
                               lower.lower_suffix(k).begin(), lower.lower_suffix(k).end()));
    }
    EXPECT_EQ(upper.original()[1], 'W');
    EXPECT_EQ(upper.lower_suffix(2).size(), name("example.com.").wire_length());
    EXPECT_NE(upper.suffix_hash(1), upper.suffix_hash(2));
}

TEST(Nsec3Lookup, MatchesDnssecHashAndRfc5155Example) {
    // RFC 5155 Appendix A: H(example) with salt aabbccdd and 12 iterations.
    const Bytes salt = {0xaa, 0xbb, 0xcc, 0xdd};
    Nsec3Hash hash = nsec3_hash_lower(name("example.").wire_bytes(), salt, 12);
    auto label = nsec3_owner_label(hash);
    EXPECT_EQ(std::string(label.begin() + 1, label.end()), "0P9MHAVEQVM6T7VBL5LOP2U3T2RP3TOM");
    for (const char* text : {"a.example.", "*.w.example.", "xx.y.w.example.", "."}) {
        Bytes expected = dnssec::nsec3_hash(name(text), salt, 12);
        Nsec3Hash got = nsec3_hash_lower(name(text).wire_bytes(), salt, 12);
        EXPECT_TRUE(std::equal(expected.begin(), expected.end(), got.begin())) << text;
    }
}

TEST_P(ServedZoneTest, ClassifiesNames) {
    const ServedZone& z = zone();
    EXPECT_EQ(z.apex(), name("example."));
    EXPECT_EQ(z.serial(), 2024010101u);
    EXPECT_TRUE(node("example.").has(ServedNode::kApex));
    EXPECT_TRUE(node("secure.example.").has(ServedNode::kDelegation));
    EXPECT_TRUE(node("insecure.example.").has(ServedNode::kDelegation));
    EXPECT_TRUE(node("x.y.insecure2.example.").has(ServedNode::kDelegation));
    EXPECT_TRUE(node("dn.example.").has(ServedNode::kDname));
    const ServedNode& glue = node("ns.secure.example.");
    EXPECT_TRUE(glue.has(ServedNode::kOccluded));
    EXPECT_EQ(glue.cut, find(z, "secure.example."));
    for (const char* ent : {"b.c.deep.example.", "c.deep.example.", "deep.example.", "y.insecure2.example.",
                            "_tcp.mx.example.", "wild.example."}) {
        EXPECT_TRUE(node(ent).has(ServedNode::kEmpty)) << ent;
        EXPECT_EQ(node(ent).rrset_count, 0u) << ent;
    }
    EXPECT_TRUE(node("www.example.").has(ServedNode::kCname));
    EXPECT_EQ(node("wild.example.").wildcard, find(z, "*.wild.example."));
    EXPECT_EQ(node("example.").wildcard, kNoIndex);
    EXPECT_EQ(find(z, "nonexistent.example."), kNoIndex);
    EXPECT_EQ(find(z, "MX.EXAMPLE."), find(z, "mx.example."));
    EXPECT_NE(find(z, "mx.example."), kNoIndex);
    // Nodes are in canonical order.
    for (size_t i = 1; i < z.node_count(); ++i) {
        auto a = dns::Name::from_wire(z.node_name(z.node(static_cast<uint32_t>(i - 1)))).value();
        auto b = dns::Name::from_wire(z.node_name(z.node(static_cast<uint32_t>(i)))).value();
        EXPECT_LT(canonical_compare(a, b), 0) << a.to_text() << " " << b.to_text();
    }
}

TEST_P(ServedZoneTest, SignaturesGroupedByCoveredType) {
    const ServedZone& z = zone();
    const ServedNode& apex = node("example.");
    for (const ServedRRset& rrset : z.rrsets_of(apex)) {
        EXPECT_FALSE(rrset.signatures.empty()) << dns::type_to_text(rrset.type);
        // Each signature's first two RDATA bytes name the covered type.
        ByteView sigs = z.block_bytes(rrset.signatures);
        size_t pos = 0;
        for (uint16_t i = 0; i < rrset.signatures.rr_count; ++i) {
            EXPECT_EQ(dns::RRType(static_cast<uint16_t>(sigs[pos] << 8 | sigs[pos + 1])), dns::type::RRSIG);
            EXPECT_EQ(dns::RRType(static_cast<uint16_t>(sigs[pos + 10] << 8 | sigs[pos + 11])), rrset.type);
            pos += 10 + (sigs[pos + 8] << 8 | sigs[pos + 9]);
        }
        EXPECT_EQ(pos, sigs.size());
    }
    // No signatures on delegation NS or glue (RFC 4035 §2.2); DS at the secure delegation is signed.
    EXPECT_TRUE(z.find_rrset(node("secure.example."), dns::type::NS)->signatures.empty());
    EXPECT_FALSE(z.find_rrset(node("secure.example."), dns::type::DS)->signatures.empty());
    EXPECT_TRUE(z.find_rrset(node("ns.secure.example."), dns::type::A)->signatures.empty());
}

TEST_P(ServedZoneTest, InZoneRdataNamesBecomeApexPointers) {
    const ServedZone& z = zone();
    const ServedRRset* ns = z.find_rrset(node("example."), dns::type::NS);
    ASSERT_NE(ns, nullptr);
    EXPECT_EQ(ns->data.rr_count, 2u);
    EXPECT_EQ(ns->data.fixup_count, 1u);  // ns1.example. only; ns2.elsewhere.test. stays whole
    ByteView block = z.block_bytes(ns->data);
    for (uint32_t at : z.fixups(ns->data)) {
        EXPECT_EQ(block[at], 0xC0);
        EXPECT_EQ(block[at + 1], 0);
    }
    const ServedRRset* mx = z.find_rrset(node("example."), dns::type::MX);
    ASSERT_EQ(mx->additional_count, 1u);
    EXPECT_EQ(z.additional(*mx)[0].node, find(z, "mx.example."));
    EXPECT_FALSE(z.additional(*mx)[0].required);
    // In-domain glue is required (RFC 9471), sibling glue is not.
    const ServedRRset* insecure_ns = z.find_rrset(node("insecure.example."), dns::type::NS);
    ASSERT_EQ(insecure_ns->additional_count, 2u);
    for (const AdditionalTarget& t : z.additional(*insecure_ns))
        EXPECT_EQ(t.required, t.node == find(z, "ns.insecure.example."));
}

TEST_P(ServedZoneTest, NegativeSoaTtlIsMinimum) {
    const ServedZone& z = zone();
    ByteView soa = z.block_bytes(z.negative_soa().data);
    uint32_t ttl = static_cast<uint32_t>(soa[4] << 24 | soa[5] << 16 | soa[6] << 8 | soa[7]);
    EXPECT_EQ(ttl, 300u);  // min(3600, MINIMUM 300), RFC 2308 §5
    ByteView sig = z.block_bytes(z.negative_soa().signatures);
    ASSERT_FALSE(sig.empty());
    EXPECT_EQ(static_cast<uint32_t>(sig[4] << 24 | sig[5] << 16 | sig[6] << 8 | sig[7]), 300u);
}

TEST_P(ServedZoneTest, DenialIndexes) {
    const ServedZone& z = zone();
    std::mt19937 random(42);
    if (GetParam() == Denial::Nsec) {
        ASSERT_EQ(z.denial(), ServedZone::Denial::Nsec);
        // For random names, the covering NSEC's owner sorts before the name and its next name after it.
        for (int i = 0; i < 200; ++i) {
            std::string label(1 + random() % 6, 'a');
            for (auto& c : label) c = static_cast<char>('a' + random() % 26);
            for (const char* parent : {"example.", "deep.example.", "wild.example.", "c.deep.example."}) {
                dns::Name qname = name(label + "." + parent);
                if (find(z, qname.to_text()) != kNoIndex) continue;
                LookupName lookup;
                lookup.assign(qname);
                uint8_t key[kMaxCanonicalKeyLength];
                size_t length = canonical_key(lookup, lookup.label_count(), false, key);
                ASSERT_EQ(std::string(reinterpret_cast<char*>(key), length),
                          dnssec::canonical_sort_key(qname));
                uint32_t covering = z.nsec_covering(std::span<const uint8_t>(key, length));
                ASSERT_NE(covering, kNoIndex);
                auto owner = dns::Name::from_wire(z.node_name(z.node(covering))).value();
                const ServedRRset* nsec = z.find_rrset(z.node(covering), dns::type::NSEC);
                ASSERT_NE(nsec, nullptr);
                ByteView block = z.block_bytes(nsec->data);
                auto rdata = dns::NsecRdata::decode(block.subspan(10)).value();
                EXPECT_LT(canonical_compare(owner, qname), 0);
                EXPECT_TRUE(canonical_compare(qname, rdata.next) < 0 || rdata.next == z.apex())
                    << qname.to_text();
            }
        }
        return;
    }
    ASSERT_EQ(z.denial(), ServedZone::Denial::Nsec3);
    size_t nsec3_records = 0;
    for (const auto& r : signed_zone().records) nsec3_records += r.type == dns::type::NSEC3;
    EXPECT_EQ(z.nsec3_count(), nsec3_records);
    for (size_t i = 1; i < z.nsec3_count(); ++i)
        EXPECT_LT(z.nsec3_entry(static_cast<uint32_t>(i - 1)).hash,
                  z.nsec3_entry(static_cast<uint32_t>(i)).hash);
    // Every authoritative name has its NSEC3, except opted-out delegations and the ENTs only they create.
    const bool opt_out = GetParam() == Denial::Nsec3OptOut;
    EXPECT_NE(node("example.").nsec3, kNoIndex);
    EXPECT_NE(node("c.deep.example.").nsec3, kNoIndex);
    EXPECT_NE(node("secure.example.").nsec3, kNoIndex);
    EXPECT_EQ(node("insecure.example.").nsec3 == kNoIndex, opt_out);
    EXPECT_EQ(node("y.insecure2.example.").nsec3 == kNoIndex, opt_out);
    EXPECT_EQ(node("ns.secure.example.").nsec3, kNoIndex);
    for (int i = 0; i < 200; ++i) {
        Nsec3Hash hash;
        for (auto& b : hash) b = static_cast<uint8_t>(random());
        uint32_t covering = z.nsec3_covering(hash);
        ASSERT_NE(covering, kNoIndex);
        const Nsec3Entry& entry = z.nsec3_entry(covering);
        ByteView block = z.block_bytes(z.rrset(entry.rrset).data);
        auto rdata = dns::Nsec3Rdata::decode(block.subspan(10)).value();
        Nsec3Hash next;
        std::copy(rdata.next_hashed_owner.begin(), rdata.next_hashed_owner.end(), next.begin());
        if (entry.hash < next)
            EXPECT_TRUE(entry.hash < hash && hash < next);
        else  // the last entry wraps around
            EXPECT_TRUE(entry.hash < hash || hash < next);
        EXPECT_EQ(z.nsec3_matching(entry.hash), covering);
    }
    // NSEC3 owner names are not names of the zone (RFC 5155 §7.2.9).
    auto label = nsec3_owner_label(z.nsec3_entry(0).hash);
    EXPECT_EQ(find(z, std::string(label.begin() + 1, label.end()) + ".example."), kNoIndex);
}

INSTANTIATE_TEST_SUITE_P(AllDenials, ServedZoneTest,
                         ::testing::Values(Denial::Nsec, Denial::Nsec3, Denial::Nsec3OptOut));

TEST_P(ServedZoneTest, ToRecordsGivesBackTheZone) {
    // Every record of the signed zone, and nothing else, comes back from the wire blocks: in-zone RDATA names
    // expanded, glue without signatures, the NSEC3 chain with its owners rebuilt from the hashes.
    using Key = std::tuple<std::string, uint16_t, uint16_t, uint32_t, Bytes>;
    auto keys_of = [](const std::vector<dns::Record>& records) {
        std::vector<Key> keys;
        for (const dns::Record& r : records)
            keys.emplace_back(r.owner.lowercased().wire(), r.type.value, r.rclass.value, r.ttl,
                              dns::canonical_rdata(r.type, r.rdata));
        std::sort(keys.begin(), keys.end());
        return keys;
    };
    const std::vector<dns::Record> back = zone().to_records();
    EXPECT_EQ(keys_of(back), keys_of(signed_zone().records));
    // Rebuilt from its own records, the snapshot serves the same bytes.
    auto again = ServedZone::build(back, signed_zone().apex);
    ASSERT_TRUE(again) << again.error().to_string();
    EXPECT_EQ(keys_of((*again)->to_records()), keys_of(back));
    EXPECT_EQ((*again)->node_count(), zone().node_count());
    EXPECT_EQ((*again)->wire().size(), zone().wire().size());
}

TEST(ServedZone, RejectsBadInput) {
    const dns::Name apex = name("example.");
    auto no_soa =
        ServedZone::build(testing::parse_zone({"@ 3600 NS ns1", "ns1 3600 A 192.0.2.1"}, apex), apex);
    EXPECT_FALSE(no_soa);
    auto outside = ServedZone::build(
        testing::parse_zone({"@ 3600 SOA ns1 h 1 2 3 4 5", "x.other. 3600 A 192.0.2.1"}, apex), apex);
    EXPECT_FALSE(outside);
    std::vector<dns::Record> records = testing::parse_zone({"@ 3600 SOA ns1 h 1 2 3 4 5"}, apex);
    records.push_back(
        {apex, dns::type::NSEC3PARAM, dns::rrclass::IN, 0, dns::Nsec3ParamRdata{1, 0, 5000, {}}.encode()});
    EXPECT_FALSE(ServedZone::build(records, apex));  // RFC 5155 §10.3 iteration limit
}

TEST(ServedZone, UnsignedZoneServesWithoutDenial) {
    const dns::Name apex = name("plain.test.");
    auto zone = ServedZone::build(
        testing::parse_zone({"@ 3600 SOA ns1 h 1 2 3 4 60", "@ 3600 NS ns1", "ns1 3600 A 192.0.2.1"}, apex),
        apex);
    ASSERT_TRUE(zone);
    EXPECT_EQ((*zone)->denial(), ServedZone::Denial::None);
    EXPECT_TRUE((*zone)->negative_soa().signatures.empty());
    EXPECT_GT((*zone)->memory_bytes(), 0u);
}

TEST(ZoneSet, LongestApexWins) {
    auto make = [](const char* apex_text) {
        const dns::Name apex = name(apex_text);
        auto zone = ServedZone::build(testing::parse_zone({"@ 3600 SOA ns1 h 1 2 3 4 60"}, apex), apex);
        EXPECT_TRUE(zone);
        return *zone;
    };
    ZoneSet zones({make("example."), make("sub.example."), make("test.")});
    zones.add(make("SUB.example."));  // replaces
    EXPECT_EQ(zones.size(), 3u);
    auto lookup = [&](const char* text, size_t max_labels = LookupName::kMaxLabels) {
        LookupName n;
        n.assign(name(text));
        const ServedZone* z = zones.find(n, max_labels);
        return z ? z->apex().to_text() : std::string("-");
    };
    EXPECT_EQ(lookup("a.b.sub.example."), "SUB.example.");
    EXPECT_EQ(lookup("Sub.Example."), "SUB.example.");
    EXPECT_EQ(lookup("xsub.example."), "example.");
    EXPECT_EQ(lookup("sub.example.", 1), "example.");
    EXPECT_EQ(lookup("example.org."), "-");
    EXPECT_EQ(lookup("."), "-");
}

}  // namespace
}  // namespace danemail::zone

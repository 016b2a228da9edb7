// Tests of the answer engine's DNS behaviour on a signed zone with NSEC, NSEC3 and NSEC3 opt-out: positive
// answers, CNAME chains and loops, DNAME, referrals with glue and DS or its denial, wildcards, NXDOMAIN and
// NODATA with their proofs (checked independently: RRSIGs verified, NSEC/NSEC3 coverage recomputed), minimal
// ANY, RRSIG queries, case preservation, negative TTLs and the choice among several zones.
#include "dnsserver/answer.h"

#include <gtest/gtest.h>

#include <set>

#include "dnsserver/answer_test_util.h"
#include "zone/zone_test_util.h"

namespace danemail::dnsserver {
namespace {

using namespace testing;
using zone::testing::Denial;
using zone::testing::SignedZone;

class AnswerTest : public ::testing::TestWithParam<Denial> {
protected:
    static void SetUpTestSuite() {
        for (Denial d : {Denial::Nsec, Denial::Nsec3, Denial::Nsec3OptOut}) {
            auto& slot = zones_[static_cast<int>(d)];
            slot.zone = zone::testing::sign_example(d);
            slot.set.add(slot.zone.served);
        }
    }
    const SignedZone& zone() const { return zones_[static_cast<int>(GetParam())].zone; }
    const zone::ZoneSet& zones() const { return zones_[static_cast<int>(GetParam())].set; }
    bool nsec() const { return GetParam() == Denial::Nsec; }
    bool opt_out() const { return GetParam() == Denial::Nsec3OptOut; }

    Reply query(std::string_view qname, dns::RRType type, const QuerySpec& spec = {}) const {
        Reply reply = ask(zones(), qname, type, spec);
        EXPECT_TRUE(reply.result.respond());
        EXPECT_TRUE(reply.message.header.qr);
        EXPECT_EQ(reply.message.header.id, spec.id);
        EXPECT_EQ(reply.message.header.rcode, reply.result.rcode);
        if (spec.dnssec_ok && spec.edns) verify_signatures(reply.message, zone().keys, false);
        return reply;
    }

    struct Zones {
        SignedZone zone;
        zone::ZoneSet set;
    };
    static Zones zones_[3];
};
AnswerTest::Zones AnswerTest::zones_[3];

TEST_P(AnswerTest, PositiveAnswerWithSignaturesOnlyWhenDo) {
    Reply r = query("mx.example.", dns::type::A);
    EXPECT_EQ(r.result.kind, AnswerKind::Positive);
    EXPECT_TRUE(r.message.header.aa);
    EXPECT_TRUE(r.message.header.rd);  // copied
    EXPECT_FALSE(r.message.header.tc);
    ASSERT_EQ(r.message.answer.size(), 2u);
    EXPECT_EQ(r.message.answer[0].type, dns::type::A);
    EXPECT_EQ(r.message.answer[1].type, dns::type::RRSIG);
    EXPECT_EQ(verify_signatures(r.message, zone().keys), 1u);
    EXPECT_TRUE(r.message.authority.empty());  // minimal responses: no NS in authority
    ASSERT_TRUE(r.message.edns);
    EXPECT_TRUE(r.message.edns->dnssec_ok);
    EXPECT_EQ(r.message.edns->udp_payload_size, 1232);

    Reply plain = query("mx.example.", dns::type::A, {.dnssec_ok = false});
    ASSERT_EQ(plain.message.answer.size(), 1u);
    EXPECT_FALSE(plain.message.edns->dnssec_ok);
    Reply no_edns = query("mx.example.", dns::type::A, {.edns = false});
    EXPECT_FALSE(no_edns.message.edns);
    EXPECT_EQ(no_edns.message.answer.size(), 1u);
}

TEST_P(AnswerTest, QuestionCaseIsPreserved) {
    Bytes q = make_query("mX.ExAmPlE.", dns::type::TLSA);
    Reply r = ask_wire(zones(), q);
    ASSERT_TRUE(r.result.respond());
    // The question's bytes come back as sent.
    EXPECT_TRUE(std::equal(q.begin() + 12, q.begin() + 12 + 16, r.wire.begin() + 12));
    EXPECT_TRUE(r.message.questions[0].name.identical(name("mX.ExAmPlE.")));
    Reply tlsa = query("_25._TCP.mx.example.", dns::type::TLSA);
    ASSERT_EQ(count(tlsa.message.answer, dns::type::TLSA), 1u);
    EXPECT_EQ(tlsa.message.answer[0].owner, name("_25._tcp.mx.example."));
    EXPECT_EQ(verify_signatures(tlsa.message, zone().keys), 1u);
}

TEST_P(AnswerTest, NsAndMxGetAdditionalAddresses) {
    Reply ns = query("example.", dns::type::NS);
    EXPECT_EQ(count(ns.message.answer, dns::type::NS), 2u);
    EXPECT_EQ(count(ns.message.additional, dns::type::A), 1u);
    EXPECT_EQ(count(ns.message.additional, dns::type::AAAA), 1u);
    EXPECT_EQ(count(ns.message.additional, dns::type::RRSIG), 2u);  // authoritative addresses are signed
    Reply mx = query("example.", dns::type::MX, {.dnssec_ok = false});
    ASSERT_EQ(mx.message.additional.size(), 2u);
    EXPECT_EQ(mx.message.additional[0].owner, name("mx.example."));
}

TEST_P(AnswerTest, CnameChainFollowedInsideZone) {
    Reply r = query("chain1.example.", dns::type::A);
    EXPECT_EQ(r.result.kind, AnswerKind::Positive);
    ASSERT_EQ(count(r.message.answer, dns::type::CNAME), 3u);
    ASSERT_EQ(count(r.message.answer, dns::type::A), 1u);
    EXPECT_EQ(first(r.message.answer, dns::type::A)->owner, name("mx.example."));
    EXPECT_EQ(verify_signatures(r.message, zone().keys), 4u);
    // CNAME asked for: no chasing.
    Reply cname = query("chain1.example.", dns::type::CNAME);
    EXPECT_EQ(count(cname.message.answer, dns::type::CNAME), 1u);
}

TEST_P(AnswerTest, CnameLoopsAndExitsEnd) {
    Reply loop = query("loop1.example.", dns::type::A);
    EXPECT_EQ(loop.message.header.rcode, dns::Rcode::NoError);
    EXPECT_EQ(count(loop.message.answer, dns::type::CNAME), 2u);
    Reply out = query("out.example.", dns::type::A);
    EXPECT_EQ(count(out.message.answer, dns::type::CNAME), 1u);
    EXPECT_EQ(out.message.answer.size(), 2u);  // CNAME + RRSIG, target not followed out of the zone
    // A chain ending at a name that does not exist: NXDOMAIN for the last name (RFC 6604 §3) with its proof.
    Reply dangling = query("dangling.example.", dns::type::A);
    EXPECT_EQ(dangling.message.header.rcode, dns::Rcode::NxDomain);
    EXPECT_EQ(count(dangling.message.answer, dns::type::CNAME), 1u);
    if (nsec())
        EXPECT_TRUE(nsec_covering(dangling.message, "nothing.example.", zone().apex));
    else
        EXPECT_TRUE(nsec3_covering(dangling.message, "nothing.example."));
}

TEST_P(AnswerTest, DnameSynthesis) {
    Reply r = query("a.b.dn.example.", dns::type::A);
    EXPECT_EQ(r.result.kind, AnswerKind::Positive);
    ASSERT_EQ(count(r.message.answer, dns::type::DNAME), 1u);
    const dns::Record* cname = first(r.message.answer, dns::type::CNAME);
    ASSERT_NE(cname, nullptr);
    EXPECT_EQ(cname->owner, name("a.b.dn.example."));
    EXPECT_EQ(cname->ttl, 3600u);
    EXPECT_EQ(dns::Name::from_wire(cname->rdata).value(), name("a.b.example.net."));
    EXPECT_EQ(verify_signatures(r.message, zone().keys, false), 1u);  // the DNAME; the CNAME is unsigned
    // Into the zone itself: the synthesized target is resolved too.
    Reply in_zone = query("X.redir.example.", dns::type::A);
    ASSERT_EQ(count(in_zone.message.answer, dns::type::A), 1u);
    EXPECT_EQ(first(in_zone.message.answer, dns::type::A)->owner, name("x.target.example."));
    EXPECT_TRUE(first(in_zone.message.answer, dns::type::CNAME)->owner.identical(name("X.redir.example.")));
    // The DNAME owner itself is ordinary data.
    Reply owner = query("dn.example.", dns::type::DNAME);
    EXPECT_EQ(count(owner.message.answer, dns::type::DNAME), 1u);
    EXPECT_EQ(count(owner.message.answer, dns::type::CNAME), 0u);
    // RFC 6672 §2.2: a substitution longer than 255 bytes is YXDOMAIN.
    // 243 bytes of labels + dn.example. (12) = 255; + example.net. (13) = 256.
    const std::string labels = std::string(60, 'a') + "." + std::string(60, 'b') + "." +
                               std::string(60, 'c') + "." + std::string(59, 'd') + ".";
    Reply too_long = query(labels + "dn.example.", dns::type::A);
    EXPECT_EQ(too_long.message.header.rcode, dns::Rcode::YxDomain);
    EXPECT_EQ(count(too_long.message.answer, dns::type::DNAME), 1u);
}

TEST_P(AnswerTest, SecureReferral) {
    Reply r = query("www.secure.example.", dns::type::A);
    EXPECT_EQ(r.result.kind, AnswerKind::Referral);
    EXPECT_FALSE(r.message.header.aa);
    EXPECT_TRUE(r.message.answer.empty());
    EXPECT_EQ(count(r.message.authority, dns::type::NS), 1u);
    EXPECT_EQ(count(r.message.authority, dns::type::DS), 1u);
    EXPECT_EQ(verify_signatures(r.message, zone().keys), 1u);  // DS signed, NS not
    ASSERT_EQ(count(r.message.additional, dns::type::A), 1u);
    EXPECT_EQ(r.message.additional[0].owner, name("ns.secure.example."));
    EXPECT_EQ(count(r.message.additional, dns::type::RRSIG), 0u);  // glue is never signed
    // Without DO: NS and glue only.
    Reply plain = query("secure.example.", dns::type::NS, {.dnssec_ok = false});
    EXPECT_EQ(plain.result.kind, AnswerKind::Referral);
    EXPECT_EQ(plain.message.authority.size(), 1u);
    // DS at the delegation is the parent's data (RFC 4035 §3.1.4.1).
    Reply ds = query("secure.example.", dns::type::DS);
    EXPECT_EQ(ds.result.kind, AnswerKind::Positive);
    EXPECT_TRUE(ds.message.header.aa);
    EXPECT_EQ(count(ds.message.answer, dns::type::DS), 1u);
    EXPECT_EQ(verify_signatures(ds.message, zone().keys), 1u);
}

TEST_P(AnswerTest, InsecureReferralProvesNoDs) {
    Reply r = query("host.insecure.example.", dns::type::AAAA);
    EXPECT_EQ(r.result.kind, AnswerKind::Referral);
    EXPECT_EQ(count(r.message.authority, dns::type::NS), 2u);
    EXPECT_EQ(count(r.message.authority, dns::type::DS), 0u);
    verify_signatures(r.message, zone().keys);
    if (nsec()) {
        const dns::Record* proof = nsec_matching(r.message, "insecure.example.");
        ASSERT_NE(proof, nullptr);
        EXPECT_TRUE(nsec_has_type(*proof, dns::type::NS));
        EXPECT_FALSE(nsec_has_type(*proof, dns::type::DS));
    } else if (!opt_out()) {
        auto proof = nsec3_matching(r.message, "insecure.example.");
        ASSERT_TRUE(proof);
        EXPECT_TRUE(nsec3_has_type(*proof, dns::type::NS));
        EXPECT_FALSE(nsec3_has_type(*proof, dns::type::DS));
    } else {
        // RFC 5155 §7.2.7 with opt-out: the closest provable encloser and an opt-out NSEC3 covering the cut.
        EXPECT_TRUE(nsec3_matching(r.message, "example."));
        auto cover = nsec3_covering(r.message, "insecure.example.");
        ASSERT_TRUE(cover);
        EXPECT_TRUE(cover->rdata.flags & dns::Nsec3Rdata::kOptOutFlag);
    }
    // In-domain glue (A and AAAA of ns.insecure) and the sibling glue of ns.secure.
    EXPECT_EQ(count(r.message.additional, dns::type::A), 2u);
    EXPECT_EQ(count(r.message.additional, dns::type::AAAA), 1u);

    // DS asked at the insecure delegation: NODATA with the same proof (RFC 5155 §7.2.4).
    Reply ds = query("insecure.example.", dns::type::DS);
    EXPECT_EQ(ds.result.kind, AnswerKind::NoData);
    EXPECT_TRUE(ds.message.header.aa);
    EXPECT_EQ(count(ds.message.authority, dns::type::SOA), 1u);
    verify_signatures(ds.message, zone().keys);
    if (opt_out()) {
        auto cover = nsec3_covering(ds.message, "insecure.example.");
        ASSERT_TRUE(cover);
        EXPECT_TRUE(cover->rdata.flags & dns::Nsec3Rdata::kOptOutFlag);
    }
    // Below empty non-terminals that only an opted-out delegation creates.
    Reply deep = query("a.x.y.insecure2.example.", dns::type::A);
    EXPECT_EQ(deep.result.kind, AnswerKind::Referral);
    if (opt_out()) {
        auto cover = nsec3_covering(deep.message, "insecure2.example.");
        ASSERT_TRUE(cover);
        EXPECT_TRUE(nsec3_matching(deep.message, "example."));
    } else if (!nsec()) {
        EXPECT_TRUE(nsec3_matching(deep.message, "x.y.insecure2.example."));
    }
}

TEST_P(AnswerTest, NxDomainWithProofs) {
    Reply r = query("nope.example.", dns::type::A);
    EXPECT_EQ(r.result.kind, AnswerKind::NxDomain);
    EXPECT_EQ(r.message.header.rcode, dns::Rcode::NxDomain);
    EXPECT_TRUE(r.message.header.aa);
    EXPECT_TRUE(r.message.answer.empty());
    const dns::Record* soa = first(r.message.authority, dns::type::SOA);
    ASSERT_NE(soa, nullptr);
    EXPECT_EQ(soa->ttl, 300u);  // RFC 2308 §5
    verify_signatures(r.message, zone().keys);
    if (nsec()) {
        EXPECT_TRUE(nsec_covering(r.message, "nope.example.", zone().apex));
        EXPECT_TRUE(nsec_covering(r.message, "*.example.", zone().apex));
    } else {
        // RFC 5155 §8.4: closest encloser matched, next closer and wildcard covered.
        EXPECT_TRUE(nsec3_matching(r.message, "example."));
        EXPECT_TRUE(nsec3_covering(r.message, "nope.example."));
        EXPECT_TRUE(nsec3_covering(r.message, "*.example."));
        EXPECT_LE(count(r.message.authority, dns::type::NSEC3), 3u);
    }
    // Deeper: the closest encloser is an empty non-terminal.
    Reply deep = query("x.y.c.deep.example.", dns::type::TLSA);
    EXPECT_EQ(deep.result.kind, AnswerKind::NxDomain);
    verify_signatures(deep.message, zone().keys);
    if (nsec()) {
        EXPECT_TRUE(nsec_covering(deep.message, "x.y.c.deep.example.", zone().apex));
        EXPECT_TRUE(nsec_covering(deep.message, "*.c.deep.example.", zone().apex));
    } else {
        EXPECT_TRUE(nsec3_matching(deep.message, "c.deep.example."));
        EXPECT_TRUE(nsec3_covering(deep.message, "y.c.deep.example."));
        EXPECT_TRUE(nsec3_covering(deep.message, "*.c.deep.example."));
    }
    // Without DO: the SOA alone.
    Reply plain = query("nope.example.", dns::type::A, {.dnssec_ok = false});
    EXPECT_EQ(plain.message.authority.size(), 1u);
}

TEST_P(AnswerTest, NoDataWithProofs) {
    Reply r = query("mx.example.", dns::type::TXT);
    EXPECT_EQ(r.result.kind, AnswerKind::NoData);
    EXPECT_EQ(r.message.header.rcode, dns::Rcode::NoError);
    EXPECT_TRUE(r.message.answer.empty());
    EXPECT_EQ(first(r.message.authority, dns::type::SOA)->ttl, 300u);
    verify_signatures(r.message, zone().keys);
    if (nsec()) {
        const dns::Record* proof = nsec_matching(r.message, "mx.example.");
        ASSERT_NE(proof, nullptr);
        EXPECT_FALSE(nsec_has_type(*proof, dns::type::TXT));
        EXPECT_TRUE(nsec_has_type(*proof, dns::type::A));
    } else {
        auto proof = nsec3_matching(r.message, "mx.example.");
        ASSERT_TRUE(proof);
        EXPECT_FALSE(nsec3_has_type(*proof, dns::type::TXT));
        EXPECT_FALSE(nsec3_has_type(*proof, dns::type::CNAME));
    }
    // An empty non-terminal exists: NODATA, not NXDOMAIN (RFC 4592 §2.2.2).
    Reply ent = query("c.deep.example.", dns::type::A);
    EXPECT_EQ(ent.result.kind, AnswerKind::NoData);
    verify_signatures(ent.message, zone().keys);
    if (nsec()) {
        const dns::Record* proof = nsec_covering(ent.message, "c.deep.example.", zone().apex);
        ASSERT_NE(proof, nullptr);  // its next name lies below the ENT
        EXPECT_TRUE(
            dns::NsecRdata::decode(proof->rdata).value().next.is_subdomain_of(name("c.deep.example.")));
    } else {
        auto proof = nsec3_matching(ent.message, "c.deep.example.");
        ASSERT_TRUE(proof);
        EXPECT_TRUE(dns::decode_type_bitmap(proof->rdata.type_bitmap).empty());
    }
}

TEST_P(AnswerTest, WildcardAnswerAndNoData) {
    Reply r = query("Foo.wild.example.", dns::type::TXT);
    EXPECT_EQ(r.result.kind, AnswerKind::Positive);
    ASSERT_EQ(count(r.message.answer, dns::type::TXT), 1u);
    EXPECT_TRUE(r.message.answer[0].owner.identical(name("Foo.wild.example.")));
    const dns::Record* sig = first(r.message.answer, dns::type::RRSIG);
    ASSERT_NE(sig, nullptr);
    EXPECT_EQ(dns::RrsigRdata::decode(sig->rdata).value().labels, 2);  // signed as *.wild.example.
    EXPECT_EQ(verify_signatures(r.message, zone().keys), 2u);
    // RFC 4035 §3.1.3.3 / RFC 5155 §7.2.6: proof that the name itself does not exist.
    if (nsec())
        EXPECT_TRUE(nsec_covering(r.message, "foo.wild.example.", zone().apex));
    else
        EXPECT_TRUE(nsec3_covering(r.message, "foo.wild.example."));
    // A deeper name under the wildcard: next closer is still "<label>.wild".
    Reply deeper = query("a.b.wild.example.", dns::type::TXT);
    ASSERT_EQ(count(deeper.message.answer, dns::type::TXT), 1u);
    if (!nsec()) {
        EXPECT_TRUE(nsec3_covering(deeper.message, "b.wild.example."));
    }

    Reply nodata = query("foo.wild.example.", dns::type::A);
    EXPECT_EQ(nodata.result.kind, AnswerKind::NoData);
    verify_signatures(nodata.message, zone().keys);
    if (nsec()) {
        EXPECT_TRUE(nsec_covering(nodata.message, "foo.wild.example.", zone().apex));
        const dns::Record* wildcard = nsec_matching(nodata.message, "*.wild.example.");
        ASSERT_NE(wildcard, nullptr);
        EXPECT_FALSE(nsec_has_type(*wildcard, dns::type::A));
    } else {  // RFC 5155 §7.2.5
        EXPECT_TRUE(nsec3_matching(nodata.message, "wild.example."));
        EXPECT_TRUE(nsec3_covering(nodata.message, "foo.wild.example."));
        auto wildcard = nsec3_matching(nodata.message, "*.wild.example.");
        ASSERT_TRUE(wildcard);
        EXPECT_FALSE(nsec3_has_type(*wildcard, dns::type::A));
    }
    // A wildcard CNAME is synthesized and followed.
    Reply cname = query("any.wc.example.", dns::type::A);
    EXPECT_EQ(count(cname.message.answer, dns::type::CNAME), 1u);
    EXPECT_EQ(first(cname.message.answer, dns::type::CNAME)->owner, name("any.wc.example."));
    EXPECT_EQ(count(cname.message.answer, dns::type::A), 1u);
    verify_signatures(cname.message, zone().keys);
    // The wildcard's own name is an exact match, with no proof.
    Reply literal = query("*.wild.example.", dns::type::TXT);
    EXPECT_EQ(count(literal.message.answer, dns::type::TXT), 1u);
    EXPECT_TRUE(literal.message.authority.empty());
}

TEST_P(AnswerTest, AnyIsMinimalAndRrsigByType) {
    Reply any = query("example.", dns::type::ANY);
    EXPECT_EQ(any.result.kind, AnswerKind::Positive);
    std::set<uint16_t> types;
    for (const auto& rec : any.message.answer)
        if (rec.type != dns::type::RRSIG) types.insert(rec.type.value);
    EXPECT_EQ(types.size(), 1u);  // RFC 8482 §4.1: one RRset
    verify_signatures(any.message, zone().keys);
    Reply cname_any = query("www.example.", dns::type::ANY, {.dnssec_ok = false});
    ASSERT_EQ(cname_any.message.answer.size(), 1u);
    EXPECT_EQ(cname_any.message.answer[0].type, dns::type::CNAME);

    Reply rrsig = query("mx.example.", dns::type::RRSIG, {.dnssec_ok = false});
    EXPECT_GE(count(rrsig.message.answer, dns::type::RRSIG), 2u);  // A, AAAA and the denial record's
    EXPECT_EQ(rrsig.message.answer.size(), count(rrsig.message.answer, dns::type::RRSIG));
}

TEST_P(AnswerTest, Nsec3OwnerNamesDoNotExist) {
    if (nsec()) GTEST_SKIP();
    const dns::Record* some = nullptr;
    for (const auto& r : zone().records)
        if (r.type == dns::type::NSEC3) some = &r;
    ASSERT_NE(some, nullptr);
    Reply r = query(some->owner.to_text(), dns::type::NSEC3);
    EXPECT_EQ(r.result.kind, AnswerKind::NxDomain);  // RFC 5155 §7.2.9
}

TEST_P(AnswerTest, TruncationIsAllOrNothing) {
    Reply big = query("big.example.", dns::type::TXT);
    EXPECT_TRUE(big.message.header.tc);
    EXPECT_TRUE(big.result.truncated);
    EXPECT_TRUE(big.message.answer.empty());
    ASSERT_TRUE(big.message.edns);  // RFC 6891 §7: the OPT stays
    EXPECT_LE(big.wire.size(), 1232u);
    Reply tcp = ask(zones(), "big.example.", dns::type::TXT, {}, {.transport = Transport::Tcp});
    EXPECT_FALSE(tcp.message.header.tc);
    EXPECT_EQ(count(tcp.message.answer, dns::type::TXT), 20u);
    Reply larger =
        ask(zones(), "big.example.", dns::type::TXT, {.udp_size = 4096}, {.max_udp_payload = 4096});
    EXPECT_FALSE(larger.message.header.tc);
    // A client's small size never raises the limit above 512 bytes without EDNS.
    Reply small = query("big.example.", dns::type::TXT, {.edns = false});
    EXPECT_TRUE(small.message.header.tc);
    EXPECT_LE(small.wire.size(), 512u);
}

TEST_P(AnswerTest, InDomainGlueThatDoesNotFitSetsTc) {
    // RFC 9471 §3: eight in-domain name servers' addresses do not fit in 512 bytes.
    Reply small = query("manyns.example.", dns::type::A, {.edns = false});
    EXPECT_EQ(small.result.kind, AnswerKind::Referral);
    EXPECT_TRUE(small.message.header.tc);
    Reply fits = query("manyns.example.", dns::type::A, {.dnssec_ok = false});
    EXPECT_FALSE(fits.message.header.tc);
    EXPECT_EQ(count(fits.message.authority, dns::type::NS), 8u);
    EXPECT_EQ(count(fits.message.additional, dns::type::A), 8u);
    EXPECT_EQ(count(fits.message.additional, dns::type::AAAA), 8u);
    // Additional data that is not required is dropped silently (RFC 2181 §9).
    Reply mx = ask(zones(), "example.", dns::type::NS, {.edns = false});
    EXPECT_FALSE(mx.message.header.tc);
}

INSTANTIATE_TEST_SUITE_P(AllDenials, AnswerTest,
                         ::testing::Values(Denial::Nsec, Denial::Nsec3, Denial::Nsec3OptOut));

TEST(AnswerZones, LongestApexAndDsFromParent) {
    SignedZone parent = zone::testing::sign_lines(
        "test.",
        {"@ 3600 SOA ns h 1 2 3 4 60", "@ 3600 NS ns", "ns 3600 A 192.0.2.1", "child 3600 NS ns.child",
         "child 3600 DS 1 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
         "ns.child 3600 A 192.0.2.2"},
        Denial::Nsec3);
    SignedZone child = zone::testing::sign_lines(
        "child.test.",
        {"@ 3600 SOA ns h 1 2 3 4 60", "@ 3600 NS ns", "ns 3600 A 192.0.2.2", "www 3600 A 192.0.2.3"},
        Denial::Nsec);
    zone::ZoneSet zones({parent.served, child.served});
    Reply www = ask(zones, "www.child.test.", dns::type::A);
    EXPECT_EQ(www.result.kind, AnswerKind::Positive);  // from the child, not a referral from the parent
    EXPECT_TRUE(www.message.header.aa);
    verify_signatures(www.message, child.keys);
    Reply ds = ask(zones, "child.test.", dns::type::DS);
    ASSERT_EQ(count(ds.message.answer, dns::type::DS), 1u);  // RFC 4035 §3.1.4.1
    verify_signatures(ds.message, parent.keys);
    Reply soa = ask(zones, "child.test.", dns::type::SOA);
    EXPECT_EQ(count(soa.message.answer, dns::type::SOA), 1u);
    Reply refused = ask(zones, "example.org.", dns::type::A);
    EXPECT_EQ(refused.result.kind, AnswerKind::Refused);
    EXPECT_EQ(refused.message.header.rcode, dns::Rcode::Refused);
    EXPECT_FALSE(refused.message.header.aa);
    EXPECT_EQ(refused.message.questions.size(), 1u);
    // DS at the apex of a zone whose parent is not served: NODATA from the zone itself.
    zone::ZoneSet child_only({child.served});
    Reply lone = ask(child_only, "child.test.", dns::type::DS);
    EXPECT_EQ(lone.result.kind, AnswerKind::NoData);
}

TEST(AnswerZones, RootZone) {
    // The lab serves the root: owners and pointers end at the question's root label.
    for (Denial denial : {Denial::Nsec, Denial::Nsec3}) {
        SignedZone root = zone::testing::sign_lines(
            ".",
            {"@ 86400 SOA a.root-servers.lab. h.lab. 1 1800 900 604800 86400",
             "@ 86400 NS a.root-servers.lab.", "a.root-servers.lab 86400 A 127.0.0.10",
             "test 86400 NS ns.test.",
             "test 86400 DS 1 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
             "ns.test 86400 A 127.0.0.11"},
            denial);
        zone::ZoneSet zones({root.served});
        Reply referral = ask(zones, "www.alpha.TEST.", dns::type::A);
        EXPECT_EQ(referral.result.kind, AnswerKind::Referral);
        EXPECT_EQ(count(referral.message.authority, dns::type::DS), 1u);
        EXPECT_EQ(count(referral.message.additional, dns::type::A), 1u);
        verify_signatures(referral.message, root.keys);
        Reply nx = ask(zones, "nosuchtld.", dns::type::SOA);
        EXPECT_EQ(nx.result.kind, AnswerKind::NxDomain);
        verify_signatures(nx.message, root.keys);
        if (denial == Denial::Nsec) {
            EXPECT_TRUE(nsec_covering(nx.message, "nosuchtld.", dns::Name()));
            EXPECT_TRUE(nsec_covering(nx.message, "*.", dns::Name()));
        } else {
            EXPECT_TRUE(nsec3_matching(nx.message, "."));
            EXPECT_TRUE(nsec3_covering(nx.message, "nosuchtld."));
            EXPECT_TRUE(nsec3_covering(nx.message, "*."));
        }
        Reply soa = ask(zones, ".", dns::type::SOA);
        EXPECT_EQ(count(soa.message.answer, dns::type::SOA), 1u);
        EXPECT_EQ(verify_signatures(soa.message, root.keys), 1u);
    }
}

TEST(AnswerZones, UnsignedZoneIgnoresDo) {
    const dns::Name apex = name("plain.test.");
    auto served = zone::ServedZone::build(
        zone::testing::parse_zone({"@ 3600 SOA ns h 1 2 3 4 60", "@ 3600 NS ns", "ns 3600 A 192.0.2.1"},
                                  apex),
        apex);
    ASSERT_TRUE(served);
    zone::ZoneSet zones({*served});
    Reply a = ask(zones, "ns.plain.test.", dns::type::A);
    EXPECT_EQ(a.message.answer.size(), 1u);
    Reply nx = ask(zones, "nx.plain.test.", dns::type::A);
    EXPECT_EQ(nx.result.kind, AnswerKind::NxDomain);
    EXPECT_EQ(nx.message.authority.size(), 1u);
    EXPECT_EQ(nx.message.authority[0].ttl, 60u);
}

}  // namespace
}  // namespace danemail::dnsserver

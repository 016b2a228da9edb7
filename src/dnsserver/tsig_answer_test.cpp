// TSIG on ordinary queries (RFC 8945 §5.2, §5.3): a signed SOA query, as NSD and Knot send for their refresh,
// gets the engine's answer signed with the same key; unknown keys, bad MACs and stale times get NOTAUTH with
// the TSIG error; a signed answer too big for the client's UDP size becomes a signed TC=1 response.
#include "dnsserver/tsig_answer.h"

#include <gtest/gtest.h>

#include "dnsserver/answer_test_util.h"
#include "dnsserver/tsig.h"
#include "zone/zone_test_util.h"

namespace danemail::dnsserver {
namespace {

struct Fixture {
    zone::testing::SignedZone signed_zone = zone::testing::sign_example(zone::testing::Denial::Nsec);
    zone::ZoneSet zones;
    std::vector<TsigKey> keys{
        TsigKey(*dns::Name::from_text("xfr-key."), TsigAlgorithm::HmacSha256, Bytes(32, 0x11))};

    Fixture() { zones.add(signed_zone.served); }
};

struct SignedQuery {
    Bytes wire;
    Bytes mac;
};

SignedQuery sign(Bytes wire, const TsigKey& key, UnixTime now = now_unix()) {
    TsigSigner signer(key);
    EXPECT_TRUE(signer.sign(wire, now));
    return {std::move(wire), signer.mac()};
}

TEST(TsigAnswer, SignedSoaQueryGetsASignedAnswer) {
    Fixture f;
    for (Transport transport : {Transport::Udp, Transport::Tcp}) {
        SignedQuery query = sign(testing::make_query("example.", dns::type::SOA), f.keys[0]);
        AnswerOptions options;
        options.transport = transport;
        Bytes response;
        SignedAnswer answer = answer_signed_query(query.wire, f.zones, f.keys, response, options, now_unix());
        EXPECT_TRUE(answer.refusal.empty());
        EXPECT_EQ(answer.result.kind, AnswerKind::Positive);
        auto message = dns::parse_message(response);
        ASSERT_TRUE(message);
        EXPECT_TRUE(message->header.aa);
        ASSERT_EQ(testing::count(message->answer, dns::type::SOA), 1u);
        TsigResponseVerifier verifier(f.keys[0], query.mac);
        EXPECT_TRUE(verifier.verify(response, now_unix()));
    }
}

TEST(TsigAnswer, FailedChecksGetTheTsigError) {
    Fixture f;
    struct Case {
        TsigKey key;
        UnixTime signed_at;
        TsigError expected;
    };
    std::vector<Case> cases = {
        {TsigKey(*dns::Name::from_text("unknown."), TsigAlgorithm::HmacSha256, Bytes(32, 0x11)), now_unix(),
         TsigError::BadKey},
        {TsigKey(*dns::Name::from_text("xfr-key."), TsigAlgorithm::HmacSha256, Bytes(32, 0x99)), now_unix(),
         TsigError::BadSig},
        {f.keys[0], now_unix() - 1000, TsigError::BadTime},
    };
    for (const Case& c : cases) {
        SignedQuery query = sign(testing::make_query("example.", dns::type::SOA), c.key, c.signed_at);
        Bytes response;
        SignedAnswer answer = answer_signed_query(query.wire, f.zones, f.keys, response, {}, now_unix());
        EXPECT_FALSE(answer.refusal.empty());
        auto message = dns::parse_message(response);
        ASSERT_TRUE(message);
        EXPECT_EQ(message->header.rcode, dns::Rcode::NotAuth);
        ASSERT_NE(message->tsig(), nullptr);
        EXPECT_EQ(TsigRdata::decode(message->tsig()->rdata)->error, static_cast<uint16_t>(c.expected));
        EXPECT_TRUE(message->answer.empty());
    }
}

TEST(TsigAnswer, OversizedUdpAnswerBecomesASignedTruncation) {
    Fixture f;
    // A key name of 250 bytes makes the TSIG record about 330 bytes: the DNSKEY answer with its RRSIG fits
    // 512 bytes alone, not with the signature.
    std::string long_name;
    for (char c : {'a', 'b', 'c', 'd'}) long_name += std::string(60, c) + ".";
    f.keys.push_back(TsigKey(*dns::Name::from_text(long_name), TsigAlgorithm::HmacSha256, Bytes(32, 0x44)));
    testing::QuerySpec spec;
    spec.udp_size = 512;
    SignedQuery query = sign(testing::make_query("example.", dns::type::DNSKEY, spec), f.keys[1]);
    AnswerOptions options;
    options.transport = Transport::Udp;
    Bytes response;
    SignedAnswer answer = answer_signed_query(query.wire, f.zones, f.keys, response, options, now_unix());
    EXPECT_LE(response.size(), 512u);
    auto message = dns::parse_message(response);
    ASSERT_TRUE(message);
    EXPECT_TRUE(message->header.tc);
    EXPECT_TRUE(answer.result.truncated);
    TsigResponseVerifier verifier(f.keys[1], query.mac);
    EXPECT_TRUE(verifier.verify(response, now_unix()));
}

TEST(TsigAnswer, UnreadableTsigIsFormErr) {
    Fixture f;
    SignedQuery query = sign(testing::make_query("example.", dns::type::SOA), f.keys[0]);
    query.wire.back() = 0x05;  // OTHER LEN no longer matches the RDATA
    Bytes response;
    SignedAnswer answer = answer_signed_query(query.wire, f.zones, f.keys, response, {}, now_unix());
    auto header = dns::parse_header(response);
    ASSERT_TRUE(header);
    EXPECT_EQ(header->rcode, dns::Rcode::FormErr);
    EXPECT_FALSE(answer.refusal.empty());
}

TEST(TsigAnswer, ResponseSizeLimit) {
    AnswerOptions udp;
    udp.max_udp_payload = 1232;
    testing::QuerySpec spec;
    spec.udp_size = 4096;
    EXPECT_EQ(response_size_limit(testing::make_query("example.", dns::type::A, spec), udp), 1232u);
    spec.udp_size = 100;
    EXPECT_EQ(response_size_limit(testing::make_query("example.", dns::type::A, spec), udp), 512u);
    spec.edns = false;
    EXPECT_EQ(response_size_limit(testing::make_query("example.", dns::type::A, spec), udp), 512u);
    AnswerOptions tcp;
    tcp.transport = Transport::Tcp;
    EXPECT_EQ(response_size_limit(testing::make_query("example.", dns::type::A, spec), tcp), 65535u);
}

}  // namespace
}  // namespace danemail::dnsserver

// Tests of the answer engine on bad and unusual queries: FORMERR for malformed messages (every truncation of
// valid queries, random bytes, bad OPT records), dropped packets (short, QR=1), NOTIMP for other opcodes,
// BADVERS (RFC 6891 §6.1.3), NOTAUTH/BADKEY for unknown TSIG keys (RFC 8945 §5.2.2), REFUSED for other
// classes and transfers over this path. Never a crash, and every response parses.
#include <gtest/gtest.h>

#include <random>

#include "dnsserver/answer.h"
#include "dnsserver/answer_test_util.h"
#include "zone/zone_test_util.h"

namespace danemail::dnsserver {
namespace {

using namespace testing;

class AnswerErrors : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        zone_ = zone::testing::sign_example(zone::testing::Denial::Nsec3);
        zones_.add(zone_.served);
    }
    static zone::testing::SignedZone zone_;
    static zone::ZoneSet zones_;
};
zone::testing::SignedZone AnswerErrors::zone_;
zone::ZoneSet AnswerErrors::zones_;

TEST_F(AnswerErrors, ShortPacketsAndResponsesAreDropped) {
    Bytes response = {1, 2, 3};
    for (size_t n = 0; n < 12; ++n) {
        Bytes packet(n, 0);
        EXPECT_EQ(answer_query(packet, zones_, response).kind, AnswerKind::Dropped);
        EXPECT_TRUE(response.empty());
    }
    Bytes reply = make_query("mx.example.", dns::type::A);
    reply[2] |= 0x80;  // QR: a response must never be answered
    EXPECT_EQ(answer_query(reply, zones_, response).kind, AnswerKind::Dropped);
}

TEST_F(AnswerErrors, EveryTruncationOfValidQueriesIsFormErrOrDropped) {
    std::vector<Bytes> queries = {make_query("mx.example.", dns::type::A),
                                  make_query("_25._tcp.mx.example.", dns::type::TLSA, {.edns = false}),
                                  make_query("nope.example.", dns::type::AAAA, {.udp_size = 4096})};
    dns::Message with_cookie = dns::parse_message(queries[0]).value();
    with_cookie.edns->add_option(dns::edns_option::kCookie, Bytes(8, 7));
    queries.push_back(dns::message_to_wire(with_cookie).value());
    for (const Bytes& query : queries) {
        Reply whole = ask_wire(zones_, query);
        EXPECT_NE(whole.result.kind, AnswerKind::FormErr);
        for (size_t n = 0; n < query.size(); ++n) {
            Reply cut = ask_wire(zones_, ByteView(query.data(), n));
            if (n < 12) {
                EXPECT_EQ(cut.result.kind, AnswerKind::Dropped);
                continue;
            }
            EXPECT_EQ(cut.result.kind, AnswerKind::FormErr) << n;
            EXPECT_EQ(cut.message.header.rcode, dns::Rcode::FormErr);
            EXPECT_EQ(cut.message.header.id, 0x4242);
            EXPECT_TRUE(cut.message.answer.empty());
        }
    }
}

TEST_F(AnswerErrors, RandomBytesNeverCrash) {
    std::mt19937 random(7);
    Bytes response;
    Bytes base = make_query("a.b.wild.example.", dns::type::TXT);
    for (int i = 0; i < 20000; ++i) {
        Bytes packet;
        if (i % 2) {
            packet.resize(random() % 300);
            for (auto& b : packet) b = static_cast<uint8_t>(random());
            if (packet.size() > 2) packet[2] &= 0x7F;  // mostly queries
        } else {                                       // mutations of a valid query reach deeper
            packet = base;
            for (int k = 0; k < 1 + static_cast<int>(random() % 4); ++k)
                packet[random() % packet.size()] = static_cast<uint8_t>(random());
        }
        AnswerResult result = answer_query(packet, zones_, response);
        if (!result.respond()) continue;
        auto parsed = dns::parse_message(response);
        ASSERT_TRUE(parsed) << "response does not parse: " << parsed.error().to_string();
        EXPECT_LE(response.size(), 1232u);
        EXPECT_TRUE(parsed->header.qr);
    }
}

TEST_F(AnswerErrors, QuestionCountMustBeOne) {
    Bytes query = make_query("mx.example.", dns::type::A, {.edns = false});
    Bytes none(query.begin(), query.begin() + 12);
    none[5] = 0;
    Reply r = ask_wire(zones_, none);
    EXPECT_EQ(r.result.kind, AnswerKind::FormErr);
    EXPECT_TRUE(r.message.questions.empty());
    Bytes two = query;
    two[5] = 2;
    two.insert(two.end(), query.begin() + 12, query.end());
    EXPECT_EQ(ask_wire(zones_, two).result.kind, AnswerKind::FormErr);
    // A compressed question name cannot be copied back: FORMERR.
    Bytes compressed(query.begin(), query.begin() + 12);
    compressed.insert(compressed.end(), {0xC0, 0x0C, 0, 1, 0, 1});
    EXPECT_EQ(ask_wire(zones_, compressed).result.kind, AnswerKind::FormErr);
}

TEST_F(AnswerErrors, BadOptRecords) {
    dns::Message m = dns::parse_message(make_query("mx.example.", dns::type::A)).value();
    Bytes wire = dns::message_to_wire(m).value();
    // A second OPT record (RFC 6891 §6.1.1).
    Bytes two_opts = wire;
    two_opts[11] = 2;
    two_opts.insert(two_opts.end(), wire.end() - 11, wire.end());
    Reply r = ask_wire(zones_, two_opts);
    EXPECT_EQ(r.result.kind, AnswerKind::FormErr);
    // An option running past the RDATA.
    Bytes bad_option = wire;
    bad_option[bad_option.size() - 1] = 4;
    bad_option.insert(bad_option.end(), {0, 10, 0, 9});
    EXPECT_EQ(ask_wire(zones_, bad_option).result.kind, AnswerKind::FormErr);
    // A COOKIE of a length RFC 7873 §4 forbids.
    m.edns->add_option(dns::edns_option::kCookie, Bytes(5, 1));
    EXPECT_EQ(ask_wire(zones_, dns::message_to_wire(m).value()).result.kind, AnswerKind::FormErr);
    // Trailing garbage.
    Bytes trailing = wire;
    trailing.push_back(0);
    EXPECT_EQ(ask_wire(zones_, trailing).result.kind, AnswerKind::FormErr);
}

TEST_F(AnswerErrors, BadVersAndNotImp) {
    Reply badvers = ask(zones_, "mx.example.", dns::type::A, {.edns_version = 1});
    EXPECT_EQ(badvers.result.kind, AnswerKind::BadVers);
    EXPECT_EQ(badvers.message.header.rcode, dns::Rcode::BadVers);
    ASSERT_TRUE(badvers.message.edns);
    EXPECT_EQ(badvers.message.edns->version, 0);
    EXPECT_TRUE(badvers.message.answer.empty());

    for (auto opcode : {dns::Opcode::IQuery, dns::Opcode::Status, dns::Opcode::Notify, dns::Opcode::Update}) {
        Reply r = ask(zones_, "example.", dns::type::SOA, {.opcode = opcode});
        EXPECT_EQ(r.result.kind, AnswerKind::NotImp);
        EXPECT_EQ(r.message.header.opcode, opcode);
        EXPECT_EQ(r.message.questions.size(), 1u);
    }
    EXPECT_EQ(ask(zones_, "example.", dns::RRType(254)).result.kind, AnswerKind::NotImp);  // MAILA
    EXPECT_EQ(ask(zones_, "example.", dns::type::OPT).result.kind, AnswerKind::FormErr);
}

TEST_F(AnswerErrors, TransfersAndOtherClassesAreRefusedHere) {
    Reply axfr = ask(zones_, "example.", dns::type::AXFR);
    EXPECT_EQ(axfr.result.kind, AnswerKind::Transfer);
    EXPECT_EQ(axfr.message.header.rcode, dns::Rcode::Refused);
    dns::Message chaos = dns::parse_message(make_query("version.bind.", dns::type::TXT)).value();
    chaos.questions[0].rclass = dns::rrclass::CH;
    Reply r = ask_wire(zones_, dns::message_to_wire(chaos).value());
    EXPECT_EQ(r.result.kind, AnswerKind::Refused);
}

TEST_F(AnswerErrors, UnknownTsigKeyIsNotAuthBadKey) {
    dns::Message m = dns::parse_message(make_query("example.", dns::type::SOA)).value();
    // A TSIG record (RFC 8945 §4.2): hmac-sha256, time, fudge 300, a 32-byte MAC, original ID, no error.
    const dns::Name algorithm = name("hmac-sha256.");
    Bytes tsig(algorithm.wire().begin(), algorithm.wire().end());
    const uint8_t fixed[] = {0, 0, 0x65, 0x00, 0x00, 0x00, 0x01, 0x2c, 0, 32};
    tsig.insert(tsig.end(), std::begin(fixed), std::end(fixed));
    tsig.insert(tsig.end(), 32, 0xAB);
    tsig.insert(tsig.end(), {0x42, 0x42, 0, 0, 0, 0});
    m.additional.push_back({name("key.example."), dns::type::TSIG, dns::rrclass::ANY, 0, tsig});
    Reply r = ask_wire(zones_, dns::message_to_wire(m).value());
    EXPECT_EQ(r.result.kind, AnswerKind::NotAuth);
    EXPECT_EQ(r.message.header.rcode, dns::Rcode::NotAuth);
    const dns::Record* echoed = r.message.tsig();
    ASSERT_NE(echoed, nullptr);
    EXPECT_EQ(echoed->owner, name("key.example."));
    ByteView e = echoed->rdata;
    size_t at = algorithm.wire_length();
    EXPECT_EQ(e[at + 8], 0);  // MAC size 0: unsigned
    EXPECT_EQ(e[at + 9], 0);
    EXPECT_EQ(e[at + 12] << 8 | e[at + 13], 17);  // BADKEY
    // A caller that verified the TSIG gets the ordinary answer.
    Reply verified = ask_wire(zones_, dns::message_to_wire(m).value(), {.tsig_verified_by_caller = true});
    EXPECT_EQ(verified.result.kind, AnswerKind::Positive);
}

}  // namespace
}  // namespace danemail::dnsserver

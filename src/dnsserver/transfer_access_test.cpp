// Transfer access (RFC 5936 §5, RFC 8945 §5.2) and the transfers that follow, in memory: only a listed
// address with its own key gets the zone, every message signed (RFC 8945 §5.3.1) and verified here with the
// client-side verifier; unsigned, unlisted or wrong-key queries get REFUSED, bad signatures the TSIG error;
// IXFR (RFC 1995) from the journal over TCP, the one-SOA form or TC=1 over UDP.
#include "dnsserver/transfer_access.h"

#include <gtest/gtest.h>

#include "dnsserver/transfer_reader.h"
#include "dnsserver/tsig.h"
#include "zone/zone_test_util.h"

namespace danemail::dnsserver {
namespace {

const dns::Name kApex = *dns::Name::from_text("example.");

TsigKey make_key(const std::string& name, uint8_t fill) {
    return TsigKey(*dns::Name::from_text(name), TsigAlgorithm::HmacSha256, Bytes(32, fill));
}

struct Fixture {
    zone::testing::SignedZone signed_zone = zone::testing::sign_example(zone::testing::Denial::Nsec);
    TsigKey key = make_key("xfr-key.", 0x11);
    TsigKey other_key = make_key("other-key.", 0x22);
    std::shared_ptr<TransferZones> zones = std::make_shared<TransferZones>();

    Fixture() {
        zones->zones.push_back(
            {kApex, std::make_shared<const std::vector<dns::Record>>(signed_zone.records), nullptr, nullptr});
        zones->peers.push_back({"127.0.0.2", key.name});
        zones->peers.push_back({"127.0.0.3", other_key.name});
        zones->keys = {key, other_key};
    }
};

struct SignedQuery {
    Bytes wire;
    Bytes mac;  // the request MAC the response covers
};

SignedQuery transfer_query(dns::RRType type, const TsigKey* key, std::optional<uint32_t> serial = {},
                           UnixTime now = now_unix()) {
    dns::Message m;
    m.header.id = 0x1234;
    m.questions.push_back({kApex, type, dns::rrclass::IN});
    if (serial) {
        dns::Record soa = zone::testing::parse_rr(
            "@ 3600 SOA ns1 hostmaster " + std::to_string(*serial) + " 7200 3600 1209600 300", kApex);
        m.authority.push_back(soa);
    }
    SignedQuery query{dns::message_to_wire(m).value(), {}};
    if (key) {
        TsigSigner signer(*key);
        EXPECT_TRUE(signer.sign(query.wire, now));
        query.mac = signer.mac();
    }
    return query;
}

std::vector<Bytes> drain(OutgoingTransfer& stream) {
    std::vector<Bytes> messages;
    while (!stream.done()) {
        Bytes message;
        EXPECT_TRUE(stream.next(message));
        messages.push_back(std::move(message));
    }
    return messages;
}

dns::Message parsed(const Bytes& wire) {
    auto message = dns::parse_message(wire);
    EXPECT_TRUE(message) << (message ? "" : message.error().to_string());
    return message ? std::move(*message) : dns::Message{};
}

TEST(TransferAccess, ListedAddressWithItsKeyGetsASignedAxfr) {
    Fixture f;
    SignedQuery query = transfer_query(dns::type::AXFR, &f.key);
    TransferReply reply = answer_transfer(query.wire, "127.0.0.2", f.zones, Transport::Tcp, now_unix());
    ASSERT_TRUE(reply.stream) << reply.refusal;
    EXPECT_TRUE(reply.refusal.empty());
    std::vector<Bytes> messages = drain(*reply.stream);
    ASSERT_FALSE(messages.empty());
    TsigResponseVerifier verifier(f.key, query.mac);
    TransferReader reader(kApex);
    for (const Bytes& message : messages) {
        ASSERT_TRUE(verifier.verify(message, now_unix()));
        ASSERT_TRUE(reader.add_message(message));
    }
    EXPECT_TRUE(verifier.finish());
    auto result = reader.finish();
    ASSERT_TRUE(result) << result.error().to_string();
    EXPECT_EQ(result->zone.size(), f.signed_zone.records.size());
    EXPECT_NE(reply.stream->summary().find("AXFR"), std::string::npos);
    EXPECT_NE(reply.stream->summary().find("127.0.0.2"), std::string::npos);
}

TEST(TransferAccess, LargeZoneSpansManySignedMessages) {
    Fixture f;
    std::vector<dns::Record> records = f.signed_zone.records;
    for (int i = 0; i < 2000; ++i)
        records.push_back(zone::testing::parse_rr(
            "txt" + std::to_string(i) + " 300 TXT \"" + std::string(100, 'x') + "\"", kApex));
    f.zones->zones[0].records = std::make_shared<const std::vector<dns::Record>>(records);
    SignedQuery query = transfer_query(dns::type::AXFR, &f.key);
    TransferReply reply = answer_transfer(query.wire, "127.0.0.2", f.zones, Transport::Tcp, now_unix());
    ASSERT_TRUE(reply.stream);
    std::vector<Bytes> messages = drain(*reply.stream);
    EXPECT_GT(messages.size(), 2u);
    TsigResponseVerifier verifier(f.key, query.mac);
    TransferReader reader(kApex);
    for (const Bytes& message : messages) {
        EXPECT_LE(message.size(), dns::kMaxMessageSize);
        ASSERT_TRUE(verifier.verify(message, now_unix()));
        ASSERT_TRUE(reader.add_message(message));
    }
    EXPECT_TRUE(verifier.finish());
    auto result = reader.finish();
    ASSERT_TRUE(result) << result.error().to_string();
    EXPECT_EQ(result->zone.size(), records.size());
}

TEST(TransferAccess, UnsignedQueryIsRefused) {
    Fixture f;
    SignedQuery query = transfer_query(dns::type::AXFR, nullptr);
    TransferReply reply = answer_transfer(query.wire, "127.0.0.2", f.zones, Transport::Tcp, now_unix());
    EXPECT_FALSE(reply.stream);
    EXPECT_EQ(parsed(reply.response).header.rcode, dns::Rcode::Refused);
    EXPECT_NE(reply.refusal.find("not TSIG-signed"), std::string::npos);
}

TEST(TransferAccess, UnlistedAddressIsRefusedWithASignedResponse) {
    Fixture f;
    SignedQuery query = transfer_query(dns::type::AXFR, &f.key);
    TransferReply reply = answer_transfer(query.wire, "127.0.0.1", f.zones, Transport::Tcp, now_unix());
    EXPECT_FALSE(reply.stream);
    EXPECT_EQ(parsed(reply.response).header.rcode, dns::Rcode::Refused);
    TsigResponseVerifier verifier(f.key, query.mac);
    EXPECT_TRUE(verifier.verify(reply.response, now_unix()));
    EXPECT_NE(reply.refusal.find("address"), std::string::npos);
}

TEST(TransferAccess, AnotherSecondarysKeyIsRefused) {
    Fixture f;
    SignedQuery query = transfer_query(dns::type::AXFR, &f.other_key);
    TransferReply reply = answer_transfer(query.wire, "127.0.0.2", f.zones, Transport::Tcp, now_unix());
    EXPECT_FALSE(reply.stream);
    EXPECT_EQ(parsed(reply.response).header.rcode, dns::Rcode::Refused);
    EXPECT_NE(reply.refusal.find("other-key"), std::string::npos);
}

TEST(TransferAccess, BadSignatureUnknownKeyAndBadTimeGetTheTsigError) {
    Fixture f;
    // A MAC made with another secret under the same key name: BADSIG.
    TsigKey forged = make_key("xfr-key.", 0x33);
    SignedQuery bad_sig = transfer_query(dns::type::AXFR, &forged);
    TransferReply reply = answer_transfer(bad_sig.wire, "127.0.0.2", f.zones, Transport::Tcp, now_unix());
    EXPECT_FALSE(reply.stream);
    dns::Message response = parsed(reply.response);
    EXPECT_EQ(response.header.rcode, dns::Rcode::NotAuth);
    ASSERT_NE(response.tsig(), nullptr);
    EXPECT_EQ(TsigRdata::decode(response.tsig()->rdata)->error, static_cast<uint16_t>(TsigError::BadSig));

    TsigKey unknown = make_key("unknown-key.", 0x11);
    SignedQuery bad_key = transfer_query(dns::type::AXFR, &unknown);
    reply = answer_transfer(bad_key.wire, "127.0.0.2", f.zones, Transport::Tcp, now_unix());
    response = parsed(reply.response);
    EXPECT_EQ(response.header.rcode, dns::Rcode::NotAuth);
    EXPECT_EQ(TsigRdata::decode(response.tsig()->rdata)->error, static_cast<uint16_t>(TsigError::BadKey));

    SignedQuery stale = transfer_query(dns::type::AXFR, &f.key, {}, now_unix() - 3600);
    reply = answer_transfer(stale.wire, "127.0.0.2", f.zones, Transport::Tcp, now_unix());
    response = parsed(reply.response);
    EXPECT_EQ(response.header.rcode, dns::Rcode::NotAuth);
    EXPECT_EQ(TsigRdata::decode(response.tsig()->rdata)->error, static_cast<uint16_t>(TsigError::BadTime));
    EXPECT_NE(reply.refusal.find("BADTIME"), std::string::npos);
}

TEST(TransferAccess, NoTransfersConfiguredRefusesEverything) {
    SignedQuery query = transfer_query(dns::type::AXFR, nullptr);
    TransferReply reply = answer_transfer(query.wire, "127.0.0.2", nullptr, Transport::Tcp, now_unix());
    EXPECT_FALSE(reply.stream);
    EXPECT_EQ(parsed(reply.response).header.rcode, dns::Rcode::Refused);
}

TEST(TransferAccess, ZoneNotServedIsNotAuth) {
    Fixture f;
    dns::Message m;
    m.header.id = 7;
    m.questions.push_back({*dns::Name::from_text("other."), dns::type::AXFR, dns::rrclass::IN});
    Bytes wire = dns::message_to_wire(m).value();
    TsigSigner signer(f.key);
    ASSERT_TRUE(signer.sign(wire, now_unix()));
    TransferReply reply = answer_transfer(wire, "127.0.0.2", f.zones, Transport::Tcp, now_unix());
    EXPECT_FALSE(reply.stream);
    EXPECT_EQ(parsed(reply.response).header.rcode, dns::Rcode::NotAuth);
}

TEST(TransferAccess, GarbageIsFormErr) {
    Fixture f;
    Bytes garbage = {0x12, 0x34, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05};
    TransferReply reply = answer_transfer(garbage, "127.0.0.2", f.zones, Transport::Tcp, now_unix());
    EXPECT_FALSE(reply.stream);
    auto header = dns::parse_header(reply.response);
    ASSERT_TRUE(header);
    EXPECT_EQ(header->rcode, dns::Rcode::FormErr);
    EXPECT_EQ(header->id, 0x1234);
}

// The zone at the next serial with one host added, and a journal holding that step.
struct NextVersion {
    std::vector<dns::Record> records;
    std::shared_ptr<zone::Journal> journal = std::make_shared<zone::Journal>();
    uint32_t old_serial = 0, new_serial = 0;
};

NextVersion next_version(const std::vector<dns::Record>& old_records) {
    NextVersion v;
    v.records = old_records;
    for (dns::Record& record : v.records) {
        if (record.type != dns::type::SOA) continue;
        v.old_serial = zone::soa_serial(record);
        v.new_serial = v.old_serial + 1;
        size_t at = record.rdata.size() - 20;
        for (size_t i = 0; i < 4; ++i)
            record.rdata[at + i] = static_cast<uint8_t>(v.new_serial >> (24 - 8 * i));
    }
    v.records.push_back(zone::testing::parse_rr("added 300 A 192.0.2.99", kApex));
    auto diff = zone::diff_zones(old_records, v.records);
    EXPECT_TRUE(diff);
    EXPECT_TRUE(v.journal->append(std::move(*diff)));
    return v;
}

TEST(TransferAccess, IxfrFromTheJournalOverTcp) {
    Fixture f;
    NextVersion v = next_version(f.signed_zone.records);
    f.zones->zones[0].records = std::make_shared<const std::vector<dns::Record>>(v.records);
    f.zones->zones[0].journal = v.journal;
    SignedQuery query = transfer_query(dns::type::IXFR, &f.key, v.old_serial);
    TransferReply reply = answer_transfer(query.wire, "127.0.0.2", f.zones, Transport::Tcp, now_unix());
    ASSERT_TRUE(reply.stream) << reply.refusal;
    std::vector<Bytes> messages = drain(*reply.stream);
    TsigResponseVerifier verifier(f.key, query.mac);
    TransferReader reader(kApex, v.old_serial);
    for (const Bytes& message : messages) {
        ASSERT_TRUE(verifier.verify(message, now_unix()));
        ASSERT_TRUE(reader.add_message(message));
    }
    auto result = reader.finish();
    ASSERT_TRUE(result) << result.error().to_string();
    EXPECT_EQ(result->kind, TransferKind::Ixfr);
    ASSERT_EQ(result->diffs.size(), 1u);
    EXPECT_EQ(result->diffs[0].added.size(), 1u);
    EXPECT_NE(reply.stream->summary().find("IXFR serial " + std::to_string(v.new_serial)), std::string::npos);
}

TEST(TransferAccess, IxfrWithoutJournalIsAnsweredInAxfrForm) {
    Fixture f;
    NextVersion v = next_version(f.signed_zone.records);
    f.zones->zones[0].records = std::make_shared<const std::vector<dns::Record>>(v.records);
    SignedQuery query = transfer_query(dns::type::IXFR, &f.key, v.old_serial);
    TransferReply reply = answer_transfer(query.wire, "127.0.0.2", f.zones, Transport::Tcp, now_unix());
    ASSERT_TRUE(reply.stream);
    TransferReader reader(kApex, v.old_serial);
    for (const Bytes& message : drain(*reply.stream)) ASSERT_TRUE(reader.add_message(message));
    auto result = reader.finish();
    ASSERT_TRUE(result) << result.error().to_string();
    EXPECT_EQ(result->kind, TransferKind::Axfr);
    EXPECT_NE(reply.stream->summary().find("AXFR form"), std::string::npos);
}

TEST(TransferAccess, IxfrOverUdpIsOneSoaOrTruncated) {
    Fixture f;
    NextVersion v = next_version(f.signed_zone.records);
    f.zones->zones[0].records = std::make_shared<const std::vector<dns::Record>>(v.records);
    f.zones->zones[0].journal = v.journal;

    // Up to date: the current SOA alone, signed (RFC 1995 §2).
    SignedQuery current = transfer_query(dns::type::IXFR, &f.key, v.new_serial);
    TransferReply reply = answer_transfer(current.wire, "127.0.0.2", f.zones, Transport::Udp, now_unix());
    EXPECT_FALSE(reply.stream);
    dns::Message response = parsed(reply.response);
    EXPECT_FALSE(response.header.tc);
    ASSERT_EQ(response.answer.size(), 1u);
    EXPECT_EQ(zone::soa_serial(response.answer[0]), v.new_serial);
    TsigResponseVerifier verifier(f.key, current.mac);
    EXPECT_TRUE(verifier.verify(reply.response, now_unix()));

    // Behind: TC=1, signed, so the client retries over TCP.
    SignedQuery behind = transfer_query(dns::type::IXFR, &f.key, v.old_serial);
    reply = answer_transfer(behind.wire, "127.0.0.2", f.zones, Transport::Udp, now_unix());
    response = parsed(reply.response);
    EXPECT_TRUE(response.header.tc);
    EXPECT_TRUE(response.answer.empty());
    TsigResponseVerifier behind_verifier(f.key, behind.mac);
    EXPECT_TRUE(behind_verifier.verify(reply.response, now_unix()));

    // The access rule holds over UDP too.
    SignedQuery unsigned_query = transfer_query(dns::type::IXFR, nullptr, v.new_serial);
    reply = answer_transfer(unsigned_query.wire, "127.0.0.2", f.zones, Transport::Udp, now_unix());
    EXPECT_EQ(parsed(reply.response).header.rcode, dns::Rcode::Refused);
}

TEST(TransferAccess, IsTransferQuery) {
    EXPECT_TRUE(is_transfer_query(transfer_query(dns::type::AXFR, nullptr).wire));
    EXPECT_TRUE(is_transfer_query(transfer_query(dns::type::IXFR, nullptr, 5).wire));
    EXPECT_FALSE(is_transfer_query(transfer_query(dns::type::SOA, nullptr).wire));
    EXPECT_FALSE(is_transfer_query(Bytes{1, 2, 3}));
}

}  // namespace
}  // namespace danemail::dnsserver

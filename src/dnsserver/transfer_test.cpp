// Zone transfers end to end in memory: a signed zone sent by AXFR (RFC 5936) and re-assembled by the
// client-side reader gives the same record set, with and without TSIG (RFC 8945 §5.3.1) and EDNS, in big and
// small messages; IXFR (RFC 1995) from a three-step journal, condensed, up to date, and falling back to AXFR;
// garbled and truncated streams rejected with the reason.
#include "dnsserver/transfer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <sstream>

#include "dns/rdata.h"
#include "dnssec/key.h"
#include "dnssec/zone_signer.h"
#include "dnsserver/transfer_reader.h"

namespace danemail::dnsserver {
namespace {

using dns::Name;
using dns::Record;

const Name kApex = *Name::from_text("example.");
constexpr UnixTime kNow = 1700000000;

Record rr(const std::string& line) {
    std::istringstream in(line);
    std::string owner, ttl, type, rest;
    in >> owner >> ttl >> type;
    std::getline(in, rest);
    auto t = dns::type_from_text(type);
    auto rdata = dns::rdata_from_text(*t, rest, kApex);
    EXPECT_TRUE(rdata) << line;
    return {*Name::from_text(owner, &kApex), *t, dns::rrclass::IN, static_cast<uint32_t>(std::stoul(ttl)),
            *rdata};
}

std::vector<Record> unsigned_zone(size_t hosts) {
    std::vector<Record> zone = {
        rr("@ 3600 SOA ns1 hostmaster 2024010101 7200 3600 1209600 300"),
        rr("@ 3600 NS ns1"),
        rr("@ 3600 MX 10 mx"),
        rr("ns1 3600 A 192.0.2.1"),
        rr("mx 3600 A 192.0.2.2"),
        rr("_25._tcp.mx 3600 TLSA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
        rr("sub 3600 NS ns.sub"),
        rr("ns.sub 3600 A 192.0.2.3"),
    };
    for (size_t i = 0; i < hosts; ++i)
        zone.push_back(rr("host" + std::to_string(i) + " 3600 A 198.51.100." + std::to_string(i % 250)));
    return zone;
}

// The zone signed (NSEC, a fresh P-256 CSK), then shuffled: the transfer code must not rely on order.
std::vector<Record> signed_zone(size_t hosts) {
    auto key = dnssec::generate_key(kApex, dnssec::KeyRole::Csk, 13);
    EXPECT_TRUE(key);
    key->created = key->publish = key->activate = kNow - 3600;  // active at our fixed clock
    std::vector<dnssec::ZoneKey> keys;
    keys.push_back(std::move(*key));
    dnssec::SigningPolicy policy;
    policy.now = kNow;
    auto zone = dnssec::sign_zone(unsigned_zone(hosts), kApex, keys, policy);
    EXPECT_TRUE(zone) << zone.error().to_string();
    std::mt19937 random(42);
    std::shuffle(zone->begin(), zone->end(), random);
    return std::move(*zone);
}

dns::Message query(dns::RRType type, std::optional<uint32_t> serial = std::nullopt) {
    dns::Message q;
    q.header.id = 0xBEEF;
    q.questions.push_back({kApex, type, dns::rrclass::IN});
    if (serial) {
        Record soa = rr("@ 3600 SOA ns1 hostmaster " + std::to_string(*serial) + " 0 0 0 0");
        q.authority.push_back(soa);
    }
    return q;
}

// Same records (owner, type, class, RDATA and TTL), order ignored.
::testing::AssertionResult same_records(std::vector<Record> a, std::vector<Record> b) {
    if (a.size() != b.size()) return ::testing::AssertionFailure() << a.size() << " records vs " << b.size();
    auto key = [](const Record& r) {
        return r.owner.lowercased().wire() + dns::type_to_text(r.type) + std::to_string(r.ttl) +
               std::string(r.rdata.begin(), r.rdata.end());
    };
    auto less = [&](const Record& x, const Record& y) { return key(x) < key(y); };
    std::sort(a.begin(), a.end(), less);
    std::sort(b.begin(), b.end(), less);
    for (size_t i = 0; i < a.size(); ++i)
        if (key(a[i]) != key(b[i]))
            return ::testing::AssertionFailure()
                   << "differ: " << dns::record_to_text(a[i]) << " vs " << dns::record_to_text(b[i]);
    return ::testing::AssertionSuccess();
}

Result<TransferResult> read_stream(const std::vector<Bytes>& messages,
                                   std::optional<uint32_t> client_serial) {
    TransferReader reader(kApex, client_serial);
    for (const auto& message : messages)
        if (auto s = reader.add_message(message); !s) return s.error();
    return reader.finish();
}

// Sets the serial of an SOA record.
Record with_serial(Record soa, uint32_t serial) {
    size_t at = soa.rdata.size() - 20;
    for (size_t i = 0; i < 4; ++i) soa.rdata[at + i] = static_cast<uint8_t>(serial >> (24 - 8 * i));
    return soa;
}

std::vector<Record> next_version(const std::vector<Record>& zone, uint32_t serial,
                                 const std::function<void(std::vector<Record>&)>& change) {
    std::vector<Record> out = zone;
    for (auto& record : out)
        if (record.type == dns::type::SOA) record = with_serial(record, serial);
    change(out);
    return out;
}

// ---- AXFR ----

TEST(Axfr, SignedZoneRoundTrips) {
    auto zone = signed_zone(20);
    auto messages = axfr_response(query(dns::type::AXFR), zone);
    ASSERT_TRUE(messages) << messages.error().to_string();
    ASSERT_EQ(messages->size(), 1u);  // a small zone fits one message

    auto first = dns::parse_message(messages->front());
    ASSERT_TRUE(first);
    EXPECT_EQ(first->header.id, 0xBEEF);
    EXPECT_TRUE(first->header.qr && first->header.aa && !first->header.tc);
    ASSERT_EQ(first->questions.size(), 1u);
    EXPECT_EQ(first->questions[0].type, dns::type::AXFR);
    EXPECT_EQ(first->answer.front().type, dns::type::SOA);
    EXPECT_EQ(first->answer.back().type, dns::type::SOA);
    EXPECT_EQ(first->answer.size(), zone.size() + 1);

    auto result = read_stream(*messages, std::nullopt);
    ASSERT_TRUE(result) << result.error().to_string();
    EXPECT_EQ(result->kind, TransferKind::Axfr);
    EXPECT_EQ(result->zone.front().type, dns::type::SOA);
    EXPECT_TRUE(same_records(result->zone, zone));
}

TEST(Axfr, ManyMessagesEachWithinTheLimit) {
    auto zone = signed_zone(2000);
    auto messages = axfr_response(query(dns::type::AXFR), zone);
    ASSERT_TRUE(messages) << messages.error().to_string();
    EXPECT_GT(messages->size(), 2u);
    size_t total = 0;
    for (size_t i = 0; i < messages->size(); ++i) {
        const Bytes& m = (*messages)[i];
        EXPECT_LE(m.size(), dns::kMaxMessageSize);
        auto parsed = dns::parse_message(m);
        ASSERT_TRUE(parsed) << parsed.error().to_string();
        EXPECT_EQ(parsed->questions.size(), i == 0 ? 1u : 0u);
        EXPECT_FALSE(parsed->header.tc);
        total += parsed->answer.size();
    }
    EXPECT_EQ(total, zone.size() + 1);
    // Compression pays: a message carries far more than an uncompressed packing would.
    EXPECT_GT((*messages)[0].size(), dns::kMaxMessageSize - 1000);
    auto result = read_stream(*messages, std::nullopt);
    ASSERT_TRUE(result) << result.error().to_string();
    EXPECT_TRUE(same_records(result->zone, zone));
}

TEST(Axfr, SmallMessagesWithEdnsAndTsig) {
    auto zone = signed_zone(30);
    TsigKey key(*Name::from_text("xfr-key."), TsigAlgorithm::HmacSha256, Bytes(32, 0x42));
    std::vector<TsigKey> keys = {key};

    // The secondary signs its query; the primary verifies it and signs every response message.
    dns::Message q = query(dns::type::AXFR);
    auto wire = dns::message_to_wire(q);
    ASSERT_TRUE(wire);
    TsigSigner client(key);
    ASSERT_TRUE(client.sign(*wire, kNow));
    auto check = verify_tsig_request(*wire, keys, kNow + 1);
    ASSERT_TRUE(check && check->ok());

    TsigSigner server = response_signer(*check);
    dns::Edns edns;
    TransferOptions options;
    options.max_message_size = 1232;
    options.edns = &edns;
    options.signer = &server;
    options.now = kNow + 1;
    auto messages = axfr_response(*dns::parse_message(*wire), zone, options);
    ASSERT_TRUE(messages) << messages.error().to_string();
    EXPECT_GT(messages->size(), 5u);

    TsigResponseVerifier verifier(key, client.mac());
    TransferReader reader(kApex);
    for (const auto& message : *messages) {
        EXPECT_LE(message.size(), 1232u);
        auto verified = verifier.verify(message, kNow + 2);
        ASSERT_TRUE(verified) << verified.error().to_string();
        auto parsed = dns::parse_message(message);
        ASSERT_TRUE(parsed);
        EXPECT_TRUE(parsed->edns.has_value());
        ASSERT_NE(parsed->tsig(), nullptr);
        ASSERT_TRUE(reader.add_message(*parsed));
    }
    EXPECT_TRUE(verifier.finish());
    auto result = reader.finish();
    ASSERT_TRUE(result);
    EXPECT_TRUE(same_records(result->zone, zone));

    // One flipped byte in the middle of the stream: the client's TSIG check catches it.
    TsigResponseVerifier strict(key, client.mac());
    std::vector<Bytes> tampered = *messages;
    tampered[3][40] ^= 0x01;
    Status status;
    for (size_t i = 0; i < tampered.size() && status; ++i) status = strict.verify(tampered[i], kNow + 2);
    EXPECT_FALSE(status);
    EXPECT_EQ(strict.error(), TsigError::BadSig);
}

TEST(Axfr, ZoneWithoutExactlyOneSoaIsRefused) {
    std::vector<Record> none = {rr("@ 3600 NS ns1")};
    EXPECT_FALSE(axfr_plan(none));
    std::vector<Record> two = {rr("@ 3600 SOA ns1 h 1 1 1 1 1"), rr("@ 3600 SOA ns1 h 2 1 1 1 1")};
    EXPECT_FALSE(axfr_plan(two));
}

TEST(Axfr, RecordTooLargeForTheMessageIsAnError) {
    auto zone = unsigned_zone(0);
    TransferOptions options;
    options.max_message_size = 60;
    auto messages = axfr_response(query(dns::type::AXFR), zone, options);
    ASSERT_FALSE(messages);
    EXPECT_NE(messages.error().what.find("does not fit a message of 60 bytes"), std::string::npos);
}

// ---- IXFR ----

struct Versions {
    std::vector<std::vector<Record>> zones;  // serials 2024010101 .. +3
    Journal journal;
};

// v1 signed; v2 adds a host; v3 removes it, changes a TTL; v4 replaces one signature (a re-sign).
Versions three_steps() {
    Versions v;
    v.zones.push_back(signed_zone(10));
    uint32_t base = 2024010101;
    v.zones.push_back(
        next_version(v.zones[0], base + 1, [](auto& z) { z.push_back(rr("new 300 A 192.0.2.99")); }));
    v.zones.push_back(next_version(v.zones[1], base + 2, [](auto& z) {
        std::erase_if(z, [](const Record& r) { return r.owner.to_text() == "new.example."; });
        for (auto& r : z)
            if (r.owner.to_text() == "mx.example." && r.type == dns::type::A) r.ttl = 60;
    }));
    v.zones.push_back(next_version(v.zones[2], base + 3, [](auto& z) {
        for (auto& r : z)
            if (r.type == dns::type::RRSIG && r.owner.to_text() == "ns1.example.") {
                r.rdata.back() ^= 0xFF;
                break;
            }
    }));
    for (size_t i = 1; i < v.zones.size(); ++i) {
        auto diff = diff_zones(v.zones[i - 1], v.zones[i]);
        EXPECT_TRUE(diff) << diff.error().to_string();
        EXPECT_TRUE(v.journal.append(std::move(*diff)));
    }
    return v;
}

TEST(Ixfr, ThreeStepJournalAppliesToTheOldZone) {
    Versions v = three_steps();
    const auto& current = v.zones[3];
    auto messages = ixfr_response(query(dns::type::IXFR, 2024010101), v.journal, current);
    ASSERT_TRUE(messages) << messages.error().to_string();
    auto first = dns::parse_message(messages->front());
    ASSERT_TRUE(first);
    EXPECT_EQ(first->questions[0].type, dns::type::IXFR);
    EXPECT_EQ(soa_serial(first->answer[0]), 2024010104u);
    EXPECT_EQ(soa_serial(first->answer[1]), 2024010101u);

    auto result = read_stream(*messages, 2024010101);
    ASSERT_TRUE(result) << result.error().to_string();
    EXPECT_EQ(result->kind, TransferKind::Ixfr);
    ASSERT_EQ(result->diffs.size(), 3u);
    EXPECT_EQ(result->diffs[0].added.size(), 1u);
    EXPECT_EQ(result->diffs[1].removed.size(), 2u);  // new host, mx A with TTL 3600
    EXPECT_EQ(result->diffs[2].added.size(), 1u);
    auto zone = v.zones[0];
    for (const auto& diff : result->diffs) ASSERT_TRUE(apply_diff(zone, diff));
    EXPECT_TRUE(same_records(zone, current));

    // From the middle of the journal.
    auto later =
        read_stream(*ixfr_response(query(dns::type::IXFR, 2024010102), v.journal, current), 2024010102);
    ASSERT_TRUE(later);
    EXPECT_EQ(later->diffs.size(), 2u);
}

TEST(Ixfr, CondensedIsOneDiff) {
    Versions v = three_steps();
    IxfrOptions condense;
    condense.condense = true;
    auto messages = ixfr_response(query(dns::type::IXFR, 2024010101), v.journal, v.zones[3], {}, condense);
    ASSERT_TRUE(messages);
    auto result = read_stream(*messages, 2024010101);
    ASSERT_TRUE(result) << result.error().to_string();
    ASSERT_EQ(result->diffs.size(), 1u);
    EXPECT_EQ(result->diffs[0].removed.size(), 2u);  // the mx A TTL change and the old signature
    EXPECT_EQ(result->diffs[0].added.size(), 2u);
    auto zone = v.zones[0];
    ASSERT_TRUE(apply_diff(zone, result->diffs[0]));
    EXPECT_TRUE(same_records(zone, v.zones[3]));
}

TEST(Ixfr, CurrentClientGetsOneSoa) {
    Versions v = three_steps();
    for (uint32_t serial : {2024010104u, 2024010200u}) {  // the same, and newer than ours
        auto messages = ixfr_response(query(dns::type::IXFR, serial), v.journal, v.zones[3]);
        ASSERT_TRUE(messages);
        ASSERT_EQ(messages->size(), 1u);
        auto parsed = dns::parse_message(messages->front());
        ASSERT_EQ(parsed->answer.size(), 1u);
        EXPECT_EQ(parsed->answer[0].type, dns::type::SOA);
        auto result = read_stream(*messages, serial);
        ASSERT_TRUE(result);
        EXPECT_EQ(result->kind, TransferKind::UpToDate);
        EXPECT_EQ(soa_serial(result->soa), 2024010104u);
    }
}

TEST(Ixfr, FallsBackToAxfrForm) {
    Versions v = three_steps();
    // A serial the journal does not reach back to.
    auto messages = ixfr_response(query(dns::type::IXFR, 2024010001), v.journal, v.zones[3]);
    ASSERT_TRUE(messages);
    auto result = read_stream(*messages, 2024010001);
    ASSERT_TRUE(result) << result.error().to_string();
    EXPECT_EQ(result->kind, TransferKind::Axfr);
    EXPECT_TRUE(same_records(result->zone, v.zones[3]));

    // A journal that does not end at the zone's serial.
    Journal stale;
    ASSERT_TRUE(stale.append(ZoneDiff(v.journal.diffs()[0])));
    EXPECT_EQ(ixfr_plan(2024010101, stale, v.zones[3])->kind, TransferKind::Axfr);

    // Diffs bigger than the zone.
    auto small = unsigned_zone(0);
    auto bigger = next_version(small, 2024010102, [](auto& z) {
        z.erase(z.begin() + 1, z.end());
        for (int i = 0; i < 20; ++i) z.push_back(rr("h" + std::to_string(i) + " 60 A 192.0.2.1"));
    });
    auto smaller = next_version(bigger, 2024010103, [](auto& z) { z.resize(3); });
    Journal churn;
    ASSERT_TRUE(churn.append(*diff_zones(small, bigger)));
    ASSERT_TRUE(churn.append(*diff_zones(bigger, smaller)));
    EXPECT_EQ(ixfr_plan(2024010101, churn, smaller)->kind, TransferKind::Axfr);
    IxfrOptions always;
    always.axfr_when_smaller = false;
    EXPECT_EQ(ixfr_plan(2024010101, churn, smaller, always)->kind, TransferKind::Ixfr);
}

TEST(Ixfr, QueryMustCarryTheClientSoa) {
    auto no_soa = ixfr_query_serial(query(dns::type::IXFR));
    ASSERT_FALSE(no_soa);
    EXPECT_NE(no_soa.error().what.find("RFC 1995 §3"), std::string::npos);
    EXPECT_EQ(*ixfr_query_serial(query(dns::type::IXFR, 77)), 77u);
    EXPECT_FALSE(ixfr_query_serial(query(dns::type::AXFR, 77)));
}

// ---- Garbled streams ----

std::vector<Bytes> small_axfr(const std::vector<Record>& zone) {
    TransferOptions options;
    options.max_message_size = 600;
    auto messages = axfr_response(query(dns::type::AXFR), zone, options);
    EXPECT_TRUE(messages);
    return *messages;
}

std::string failure(const std::vector<Bytes>& messages, std::optional<uint32_t> serial = std::nullopt) {
    auto result = read_stream(messages, serial);
    return result ? "" : result.error().to_string();
}

// Rebuilds a message after `change` edits it.
Bytes edit(const Bytes& wire, const std::function<void(dns::Message&)>& change) {
    auto message = dns::parse_message(wire);
    EXPECT_TRUE(message);
    change(*message);
    return *dns::message_to_wire(*message);
}

TEST(TransferReader, TruncatedStreamIsIncomplete) {
    auto messages = small_axfr(signed_zone(10));
    ASSERT_GT(messages.size(), 3u);
    messages.pop_back();
    EXPECT_NE(failure(messages).find("the closing SOA is missing"), std::string::npos) << failure(messages);
}

TEST(TransferReader, FramingErrors) {
    auto zone = signed_zone(10);
    auto good = small_axfr(zone);
    ASSERT_EQ(failure(good), "");

    auto no_opening = good;
    no_opening[0] = edit(good[0], [](auto& m) { m.answer.erase(m.answer.begin()); });
    EXPECT_NE(failure(no_opening).find("does not start with the zone's SOA"), std::string::npos);

    auto other_closing = good;
    other_closing.back() =
        edit(good.back(), [](auto& m) { m.answer.back() = with_serial(m.answer.back(), 7); });
    EXPECT_NE(failure(other_closing).find("differs from the opening SOA"), std::string::npos)
        << failure(other_closing);

    auto extra_record = good;
    extra_record.back() = edit(good.back(), [](auto& m) { m.answer.push_back(rr("late 60 A 192.0.2.1")); });
    EXPECT_NE(failure(extra_record).find("record after the final SOA"), std::string::npos);

    auto extra_message = good;
    extra_message.push_back(good[1]);
    EXPECT_NE(failure(extra_message).find("message after the transfer was complete"), std::string::npos);

    auto outside = good;
    outside[1] = edit(good[1], [](auto& m) {
        m.answer.push_back(
            {*Name::from_text("evil.test."), dns::type::A, dns::rrclass::IN, 60, {192, 0, 2, 1}});
    });
    EXPECT_NE(failure(outside).find("outside the zone: evil.test."), std::string::npos) << failure(outside);

    auto refused = good;
    refused[0] = edit(good[0], [](auto& m) { m.header.rcode = dns::Rcode::Refused; });
    EXPECT_NE(failure(refused).find("answered REFUSED"), std::string::npos);

    auto truncated = good;
    truncated[1] = edit(good[1], [](auto& m) { m.header.tc = true; });
    EXPECT_NE(failure(truncated).find("TC set"), std::string::npos);

    auto wrong_question = good;
    wrong_question[0] = edit(good[0], [](auto& m) { m.questions[0].name = *Name::from_text("other."); });
    EXPECT_NE(failure(wrong_question).find("is not a transfer of example."), std::string::npos);

    auto garbage = good;
    garbage[2].resize(garbage[2].size() - 3);
    EXPECT_NE(failure(garbage).find("message 3"), std::string::npos) << failure(garbage);
}

TEST(TransferReader, IxfrChainErrors) {
    Versions v = three_steps();
    auto messages = *ixfr_response(query(dns::type::IXFR, 2024010101), v.journal, v.zones[3]);
    ASSERT_EQ(messages.size(), 1u);
    ASSERT_EQ(failure(messages, 2024010101), "");

    // The client asked from another serial than the stream starts at.
    EXPECT_NE(
        failure(messages, 2024010100).find("IXFR starts at serial 2024010101, we asked from 2024010100"),
        std::string::npos);

    // A difference sequence that does not follow on from the one before.
    auto broken = messages;
    broken[0] = edit(messages[0], [](auto& m) {
        int soas = 0;
        for (auto& r : m.answer)
            if (r.type == dns::type::SOA && ++soas == 4)
                r = with_serial(r, 2024010103);  // 3rd diff's old SOA
    });
    EXPECT_NE(failure(broken, 2024010101).find("expected 2024010102"), std::string::npos)
        << failure(broken, 2024010101);

    // Cut inside a difference sequence.
    auto cut = messages;
    cut[0] = edit(messages[0], [](auto& m) { m.answer.resize(m.answer.size() - 2); });
    EXPECT_NE(failure(cut, 2024010101).find("inside a difference sequence"), std::string::npos);
}

}  // namespace
}  // namespace danemail::dnsserver

// Tests for DNS message parsing and building: messages written by another implementation (dnspython 2.3),
// round trips, compression (RFC 1035 §4.1.4, RFC 3597 §4), hostile input (pointer loops, truncation at every
// length, bad counts), EDNS(0) with DO and Extended DNS Errors (RFC 6891, RFC 8914) and TC truncation.
#include "dns/message.h"

#include <gtest/gtest.h>

#include "dns/rdata.h"

namespace danemail::dns {
namespace {

Bytes hex(std::string_view text) {
    return from_hex(text).value();
}

Name name(std::string_view text) {
    return Name::from_text(text).value();
}

Record rr(std::string_view owner, RRType type, std::string_view rdata, uint32_t ttl = 3600) {
    return Record{name(owner), type, rrclass::IN, ttl, rdata_from_text(type, rdata, Name()).value()};
}

Message parse_ok(ByteView wire) {
    auto message = parse_message(wire);
    EXPECT_TRUE(message.ok()) << (message.ok() ? "" : message.error().to_string());
    return message.ok() ? std::move(*message) : Message{};
}

// Every message below was written by dnspython 2.3 (to_wire), so these tests check interoperability too.
// Query example.com/A, id 0x1234, RD, EDNS 1232 with DO.
constexpr std::string_view kQueryWithDo =
    "123401000001000000000001076578616d706c6503636f6d000001000100002904d0000080000000";
// Response example.com/MX, AA, 2 MX, 2 NS, A + AAAA glue, OPT with DO and EDE 20 "test text"; compressed.
constexpr std::string_view kMxResponse =
    "beef85000001000200020003076578616d706c6503636f6d00000f0001c00c000f000100000e100009000a046d61696cc00cc00c"
    "000f00"
    "0100000e1000080014036d7832c00cc00c0002000100000e100006036e7331c00cc00c0002000100000e100006036e7332c00cc0"
    "2b0001"
    "000100000e100004c0000219c02b001c000100000e10001020010db800000000000000000000002500002904d000008000000f00"
    "0f000b"
    "0014746573742074657874";
// TXT, HTTPS, TLSA, SRV (whose target dnspython compresses although RFC 2782 says not to) and CAA.
constexpr std::string_view kMixedResponse =
    "64f881000001000600000000076578616d706c6503636f6d0000100001c00c001000010000012c000f0e763d73706631206d7820"
    "2d616c"
    "6cc00c001000010000012c0006016103622063045f737663c00c004100010000012c001500010000010006026832026833000400"
    "04c000"
    "0201035f3235045f746370046d61696cc00c003400010000012c00230301010123456789abcdef0123456789abcdef0123456789"
    "abcdef"
    "0123456789abcdef045f736970045f746370c00c002100010000012c000c000a000513c403736970c00cc00c010100010000012c"
    "001600"
    "0569737375656c657473656e63727970742e6f7267";
// Query example.com/SOA with EDNS and a TSIG (hmac-sha256) record after the OPT.
constexpr std::string_view kTsigQuery =
    "006301000001000000000002076578616d706c6503636f6d000006000100002904d000000000000008747369672d6b65790000fa"
    "00ff00"
    "000000003d0b686d61632d7368613235360000006b043839012c002009b92ca417bad5dde5671d2c3a29d28a737de8d0af308309"
    "3e039c"
    "5169408124006300000000";
// NXDOMAIN with SOA, RRSIG and NSEC in the authority section.
constexpr std::string_view kNxdomainResponse =
    "1e5385030001000000030001026e78076578616d706c6503636f6d0000010001c00f000600010000012c0027036e7331c00f0a68"
    "6f7374"
    "6d6173746572c00f78a3f17500001c2000000e10001275000000012cc00f002e00010000012c003900060d020000012c70dbd880"
    "659200"
    "803039076578616d706c6503636f6d00746573747369676e6174757265746573747369676e6174757265c00f002f00010000012c"
    "001b04"
    "6d61696c076578616d706c6503636f6d000007620100000003800000292000000000000000";
// A response with RCODE BADVERS (16): 0 in the header, 1 in the OPT extended-RCODE byte.
constexpr std::string_view kBadversResponse =
    "144281000001000000000001076578616d706c6503636f6d000001000100002904d0010000000000";

TEST(MessageParse, QueryWithDnssecOk) {
    Message m = parse_ok(hex(kQueryWithDo));
    EXPECT_EQ(m.header.id, 0x1234);
    EXPECT_FALSE(m.header.qr);
    EXPECT_TRUE(m.header.rd);
    EXPECT_EQ(m.header.opcode, Opcode::Query);
    ASSERT_EQ(m.questions.size(), 1u);
    EXPECT_EQ(m.questions[0].name, name("example.com."));
    EXPECT_EQ(m.questions[0].type, type::A);
    EXPECT_EQ(m.questions[0].rclass, rrclass::IN);
    ASSERT_TRUE(m.edns.has_value());
    EXPECT_EQ(m.edns->udp_payload_size, 1232);
    EXPECT_EQ(m.edns->version, 0);
    EXPECT_TRUE(m.edns->dnssec_ok);
    EXPECT_TRUE(m.edns->options.empty());
    EXPECT_TRUE(m.additional.empty());  // the OPT is lifted out
}

TEST(MessageParse, CompressedResponseWithExtendedError) {
    Message m = parse_ok(hex(kMxResponse));
    EXPECT_EQ(m.header.id, 0xbeef);
    EXPECT_TRUE(m.header.qr);
    EXPECT_TRUE(m.header.aa);
    EXPECT_EQ(m.header.rcode, Rcode::NoError);
    ASSERT_EQ(m.answer.size(), 2u);
    EXPECT_EQ(rdata_to_text(type::MX, m.answer[0].rdata), "10 mail.example.com.");
    EXPECT_EQ(rdata_to_text(type::MX, m.answer[1].rdata), "20 mx2.example.com.");
    ASSERT_EQ(m.authority.size(), 2u);
    EXPECT_EQ(rdata_to_text(type::NS, m.authority[1].rdata), "ns2.example.com.");
    ASSERT_EQ(m.additional.size(), 2u);
    EXPECT_EQ(m.additional[0].owner, name("mail.example.com."));  // a pointer into the MX RDATA
    EXPECT_EQ(rdata_to_text(type::AAAA, m.additional[1].rdata), "2001:db8::25");
    ASSERT_TRUE(m.edns);
    EXPECT_TRUE(m.edns->dnssec_ok);
    auto errors = m.edns->extended_errors();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].info_code, static_cast<uint16_t>(EdeCode::NotAuthoritative));
    EXPECT_EQ(errors[0].extra_text, "test text");
}

TEST(MessageParse, MixedTypesAndSenderCompressedSrvTarget) {
    Message m = parse_ok(hex(kMixedResponse));
    ASSERT_EQ(m.answer.size(), 6u);
    EXPECT_EQ(rdata_to_text(type::TXT, m.answer[1].rdata), "\"a\" \"b c\"");
    EXPECT_EQ(rdata_to_text(type::HTTPS, m.answer[2].rdata), "1 . alpn=\"h2,h3\" ipv4hint=192.0.2.1");
    EXPECT_EQ(rdata_to_text(type::SRV, m.answer[4].rdata), "10 5 5060 sip.example.com.");
    EXPECT_EQ(rdata_to_text(type::CAA, m.answer[5].rdata), "0 issue \"letsencrypt.org\"");
}

TEST(MessageParse, DnssecAuthoritySection) {
    Message m = parse_ok(hex(kNxdomainResponse));
    EXPECT_EQ(m.header.rcode, Rcode::NxDomain);
    ASSERT_EQ(m.authority.size(), 3u);
    EXPECT_EQ(m.authority[0].type, type::SOA);
    EXPECT_EQ(rdata_to_text(type::NSEC, m.authority[2].rdata),
              "mail.example.com. A NS SOA MX RRSIG NSEC DNSKEY");
    EXPECT_EQ(m.authority[1].type, type::RRSIG);
}

TEST(MessageParse, TsigStaysLastInAdditional) {
    Message m = parse_ok(hex(kTsigQuery));
    ASSERT_TRUE(m.edns);
    ASSERT_NE(m.tsig(), nullptr);
    EXPECT_EQ(m.tsig()->owner, name("tsig-key."));
    EXPECT_EQ(m.tsig()->rclass, rrclass::ANY);
    EXPECT_EQ(m.additional.size(), 1u);
}

TEST(MessageParse, ExtendedRcodeIsMerged) {
    Message m = parse_ok(hex(kBadversResponse));
    EXPECT_EQ(m.header.rcode, Rcode::BadVers);
    EXPECT_EQ(rcode_to_text(m.header.rcode), "BADVERS");
    auto header = parse_header(hex(kBadversResponse));
    ASSERT_TRUE(header);
    EXPECT_EQ(header->rcode, Rcode::NoError);  // the header alone has only the low bits
}

TEST(MessageParse, HeaderOnlyNeedsTwelveBytes) {
    EXPECT_FALSE(parse_header(hex("1234010000")));
    auto header = parse_header(hex("abcd0100ffffffffffffffff"));
    ASSERT_TRUE(header);
    EXPECT_EQ(header->id, 0xabcd);
    EXPECT_FALSE(parse_message(hex("abcd0100ffffffffffffffff")));  // counts far beyond the data
}

// Rebuilding what dnspython wrote gives back the same bytes: same compression choices, same OPT placement.
TEST(MessageRoundTrip, RebuildsDnspythonBytesExactly) {
    for (auto sample : {kQueryWithDo, kMxResponse, kNxdomainResponse, kBadversResponse, kTsigQuery}) {
        Bytes wire = hex(sample);
        Message m = parse_ok(wire);
        auto rebuilt = message_to_wire(m);
        ASSERT_TRUE(rebuilt) << rebuilt.error().to_string();
        EXPECT_EQ(to_hex(*rebuilt), to_hex(wire));
    }
}

TEST(MessageRoundTrip, SrvTargetIsNotCompressedWhenRebuilt) {
    Bytes wire = hex(kMixedResponse);
    Message m = parse_ok(wire);
    auto rebuilt = message_to_wire(m);
    ASSERT_TRUE(rebuilt);
    EXPECT_EQ(rebuilt->size(), wire.size() + 11);  // "example.com." in full instead of a 2-byte pointer
    EXPECT_EQ(message_to_text(parse_ok(*rebuilt)), message_to_text(m));
}

Message sample_response() {
    Message m;
    m.header.id = 4242;
    m.header.qr = m.header.aa = m.header.rd = m.header.ad = m.header.cd = true;
    m.header.opcode = Opcode::Query;
    m.questions.push_back({name("Example.COM."), type::MX, rrclass::IN});
    m.answer.push_back(rr("Example.COM.", type::MX, "10 mail.example.com."));
    m.answer.push_back(rr("Example.COM.", type::MX, "20 backup.mail.example.com."));
    m.authority.push_back(
        rr("example.com.", type::SOA, "ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300"));
    m.authority.push_back(rr("example.com.", type::NS, "ns1.example.com."));
    m.additional.push_back(rr("mail.example.com.", type::A, "192.0.2.25"));
    m.additional.push_back(rr("_25._tcp.mail.example.com.", type::TLSA, "3 1 1 0123456789ABCDEF"));
    m.additional.push_back(rr("_sip._tcp.example.com.", type::SRV, "1 2 5060 sip.example.com."));
    m.additional.push_back(Record{name("example.com."), RRType(65280), rrclass::IN, 60, hex("c00cdead")});
    Edns edns;
    edns.dnssec_ok = true;
    edns.udp_payload_size = 4096;
    edns.add_option(edns_option::kCookie, hex("0102030405060708"));
    edns.add_extended_error(EdeCode::Prohibited, "not here");
    m.edns = edns;
    return m;
}

TEST(MessageRoundTrip, EveryFieldSurvives) {
    Message m = sample_response();
    auto wire = message_to_wire(m);
    ASSERT_TRUE(wire) << wire.error().to_string();
    Message back = parse_ok(*wire);
    EXPECT_EQ(back.header.id, 4242);
    EXPECT_TRUE(back.header.qr && back.header.aa && back.header.rd && back.header.ad && back.header.cd);
    EXPECT_FALSE(back.header.tc || back.header.ra || back.header.z);
    ASSERT_EQ(back.questions.size(), 1u);
    EXPECT_TRUE(back.questions[0].name.identical(name("Example.COM.")));  // case kept
    for (Section s : {Section::Answer, Section::Authority, Section::Additional}) {
        ASSERT_EQ(back.section(s).size(), m.section(s).size());
        for (size_t i = 0; i < m.section(s).size(); ++i) {
            const Record &a = m.section(s)[i], &b = back.section(s)[i];
            EXPECT_TRUE(a.owner.identical(b.owner)) << a.owner.to_text() << " vs " << b.owner.to_text();
            EXPECT_EQ(a.type, b.type);
            EXPECT_EQ(a.ttl, b.ttl);
            EXPECT_EQ(a.rdata, b.rdata) << record_to_text(a);
        }
    }
    ASSERT_TRUE(back.edns);
    EXPECT_EQ(back.edns->udp_payload_size, 4096);
    EXPECT_TRUE(back.edns->dnssec_ok);
    ASSERT_NE(back.edns->find_option(edns_option::kCookie), nullptr);
    EXPECT_EQ(back.edns->find_option(edns_option::kCookie)->data, hex("0102030405060708"));
    ASSERT_EQ(back.edns->extended_errors().size(), 1u);
    EXPECT_EQ(back.edns->extended_errors()[0].extra_text, "not here");
    // And a second build is byte-identical to the first.
    EXPECT_EQ(message_to_wire(back).value(), *wire);
}

TEST(MessageRoundTrip, ExtendedRcodeSplitsIntoOpt) {
    Message m;
    m.header.qr = true;
    m.header.rcode = Rcode::BadCookie;  // 23 = 0x17: 7 in the header, 1 in OPT
    m.edns = Edns{};
    Bytes wire = message_to_wire(m).value();
    EXPECT_EQ(wire[3] & 0xF, 7);
    EXPECT_EQ(parse_ok(wire).header.rcode, Rcode::BadCookie);
    m.edns.reset();
    EXPECT_FALSE(message_to_wire(m));  // an RCODE above 15 needs EDNS
}

TEST(MessageRoundTrip, UpdateStyleEmptyRdata) {
    Message m;
    m.header.opcode = Opcode::Update;
    m.questions.push_back({name("example.com."), type::SOA, rrclass::IN});
    m.authority.push_back(Record{name("old.example.com."), type::A, rrclass::ANY, 0, {}});
    Message back = parse_ok(message_to_wire(m).value());
    ASSERT_EQ(back.authority.size(), 1u);
    EXPECT_TRUE(back.authority[0].rdata.empty());
    EXPECT_EQ(back.header.opcode, Opcode::Update);
    // The same empty A record in class IN is malformed.
    m.authority[0].rclass = rrclass::IN;
    EXPECT_FALSE(parse_message(message_to_wire(m).value()));
}

// ---- Compression ----

size_t count_pointers(ByteView wire) {
    size_t count = 0;
    for (size_t i = kHeaderSize; i + 1 < wire.size(); ++i)
        if ((wire[i] & 0xC0) == 0xC0 && static_cast<size_t>((wire[i] & 0x3F) << 8 | wire[i + 1]) < i) ++count;
    return count;
}

TEST(MessageCompression, CompressesOwnersAndRfc1035EmbeddedNames) {
    Bytes out;
    MessageBuilder builder(out, Header{});
    ASSERT_TRUE(builder.add_question({name("example.com."), type::MX, rrclass::IN}));
    Record mx = rr("example.com.", type::MX, "10 mail.example.com.");
    ASSERT_TRUE(builder.add_record(Section::Answer, mx));
    ASSERT_TRUE(builder.finish());
    // Header 12, question 13+4, answer: owner pointer 2 + 10 fixed + preference 2 + "mail" 5 + pointer 2.
    EXPECT_EQ(out.size(), 12u + 17 + 2 + 10 + 2 + 5 + 2);
    Message back = parse_ok(out);
    EXPECT_EQ(back.answer[0].rdata, mx.rdata);  // the reader expands what the writer compressed
}

// The builder walks schemas itself (to avoid allocating); embedded_names() is the reference for which names
// RFC 3597 §4 lets it compress. Every embedded name below is "<letter>.example.com.", 15 bytes, which
// compresses to 4 (a 2-byte label and a pointer to the question's "example.com.").
TEST(MessageCompression, CompressesExactlyTheNamesEmbeddedNamesMarksCompressible) {
    const std::pair<RRType, const char*> records[] = {
        {type::NS, "a.example.com."},
        {type::CNAME, "a.example.com."},
        {type::PTR, "a.example.com."},
        {type::MB, "a.example.com."},
        {type::MD, "a.example.com."},
        {type::MINFO, "a.example.com. b.example.com."},
        {type::MX, "10 a.example.com."},
        {type::SOA, "a.example.com. b.example.com. 1 2 3 4 5"},
        {type::RP, "a.example.com. b.example.com."},
        {type::AFSDB, "1 a.example.com."},
        {type::PX, "1 a.example.com. b.example.com."},
        {type::SRV, "1 2 3 a.example.com."},
        {type::NAPTR, "1 2 \"s\" \"SIP+D2U\" \"\" a.example.com."},
        {type::KX, "1 a.example.com."},
        {type::DNAME, "a.example.com."},
        {type::NSEC, "a.example.com. A"},
        {type::SVCB, "1 a.example.com. port=1"},
        {type::RRSIG, "A 13 3 300 20300101000000 20240101000000 1 a.example.com. AAAA"},
    };
    for (const auto& [type, text] : records) {
        SCOPED_TRACE(type_to_text(type));
        Record record = rr("example.com.", type, text);
        size_t compressible = 0;
        for (const auto& embedded : embedded_names(type, record.rdata)) compressible += embedded.compressible;
        Bytes out;
        MessageBuilder builder(out, Header{});
        ASSERT_TRUE(builder.add_question({name("example.com."), type, rrclass::IN}));
        ASSERT_TRUE(builder.add_record(Section::Answer, record));
        ASSERT_TRUE(builder.finish());
        size_t rdlength = out[kHeaderSize + 17 + 2 + 8] << 8 | out[kHeaderSize + 17 + 2 + 9];
        EXPECT_EQ(rdlength, record.rdata.size() - 11 * compressible);
        EXPECT_EQ(parse_ok(out).answer.at(0).rdata, record.rdata);
    }
}

TEST(MessageCompression, LeavesOtherEmbeddedNamesAlone) {
    Bytes out;
    MessageBuilder builder(out, Header{});
    ASSERT_TRUE(builder.add_question({name("example.com."), type::SRV, rrclass::IN}));
    Record srv = rr("example.com.", type::SRV, "1 2 3 example.com.");  // RFC 2782: target not compressed
    ASSERT_TRUE(builder.add_record(Section::Answer, srv));
    Record rrsig = rr("example.com.", type::RRSIG,
                      "SRV 13 2 3600 20300101000000 20240101000000 12345 example.com. dGVzdA==");
    ASSERT_TRUE(builder.add_record(Section::Answer, rrsig));
    ASSERT_TRUE(builder.finish());
    // Both embedded names appear in full: SRV target and RRSIG signer (RFC 4034 §3.1.7).
    std::string wire(out.begin(), out.end());
    std::string full = name("example.com.").wire();
    EXPECT_NE(wire.find("\x00\x01\x00\x02\x00\x03" + full), std::string::npos);
    EXPECT_NE(wire.find(full + "test"), std::string::npos);
    Message back = parse_ok(out);
    EXPECT_EQ(back.answer[0].rdata, srv.rdata);
    EXPECT_EQ(back.answer[1].rdata, rrsig.rdata);
}

TEST(MessageCompression, MatchesCaseExactly) {
    Bytes out;
    MessageBuilder builder(out, Header{});
    ASSERT_TRUE(builder.add_question({name("ExAmPlE.com."), type::A, rrclass::IN}));
    ASSERT_TRUE(builder.add_record(Section::Answer, rr("example.com.", type::A, "10.0.0.1")));
    ASSERT_TRUE(builder.add_record(Section::Answer, rr("ExAmPlE.com.", type::A, "10.0.0.2")));
    ASSERT_TRUE(builder.finish());
    Message back = parse_ok(out);
    EXPECT_TRUE(back.answer[0].owner.identical(name("example.com.")));  // "com" shared, "example" not
    EXPECT_TRUE(back.answer[1].owner.identical(name("ExAmPlE.com.")));
    EXPECT_EQ(count_pointers(out), 2u);
}

TEST(MessageCompression, ManyNamesAndOffsetsBeyondPointerRange) {
    // More distinct names than the compression table holds, and a message past 16 KiB where new names
    // can no longer become pointer targets: everything must still parse back identically.
    Message m;
    m.header.qr = true;
    m.questions.push_back({name("example.com."), type::TXT, rrclass::IN});
    std::string filler(200, 'x');
    for (int i = 0; i < 200; ++i) {
        std::string owner = "host" + std::to_string(i) + ".zone" + std::to_string(i % 7) + ".example.com.";
        m.answer.push_back(rr(owner, type::TXT, filler));
        m.answer.push_back(rr(owner, type::CNAME, "target" + std::to_string(i) + ".example.com."));
    }
    Bytes wire = message_to_wire(m).value();
    EXPECT_GT(wire.size(), 0x4000u);
    EXPECT_LT(wire.size(), kMaxMessageSize);
    Message back = parse_ok(wire);
    ASSERT_EQ(back.answer.size(), m.answer.size());
    for (size_t i = 0; i < m.answer.size(); ++i) {
        EXPECT_TRUE(back.answer[i].owner.identical(m.answer[i].owner));
        EXPECT_EQ(back.answer[i].rdata, m.answer[i].rdata);
    }
}

// ---- Hostile input ----

TEST(MessageHostile, PointerLoopsAndForwardPointersAreRejected) {
    // Header with one question, then the name at offset 12.
    const std::string header = "000001000001000000000000";
    EXPECT_FALSE(parse_message(hex(header + "c00c" + "00010001")));         // points at itself
    EXPECT_FALSE(parse_message(hex(header + "c00e" + "00010001" + "00")));  // points forward
    EXPECT_TRUE(parse_message(hex(header + "01610000010001")));             // sanity: "a." parses
    // Two names pointing at each other: the second is a forward pointer from the first's view.
    const std::string two = "000001000002000000000000";
    EXPECT_FALSE(parse_message(hex(two + "c012" + "00010001" + "c00c" + "00010001")));
    // Chains of backwards pointers: a record of unknown type whose RDATA (at offset 23) is a chain, each
    // pointer pointing at the one before and the first at the root owner at offset 12; a second record's
    // owner points at the end of the chain. Name::read follows at most 64 pointers.
    auto chained = [](size_t length) {
        std::string wire =
            "000001000000000200000000"
            "00"
            "ff00"
            "0001"
            "00000000";
        wire += to_hex(Bytes{static_cast<uint8_t>(length * 2 >> 8), static_cast<uint8_t>(length * 2)});
        for (size_t i = 0; i < length; ++i) {
            size_t target = i == 0 ? 12 : 23 + 2 * (i - 1);
            wire += to_hex(Bytes{static_cast<uint8_t>(0xC0 | target >> 8), static_cast<uint8_t>(target)});
        }
        size_t last = 23 + 2 * (length - 1);
        wire += to_hex(Bytes{static_cast<uint8_t>(0xC0 | last >> 8), static_cast<uint8_t>(last)});
        return hex(wire +
                   "ff00"
                   "0001"
                   "00000000"
                   "0000");
    };
    EXPECT_TRUE(parse_message(chained(60)));
    EXPECT_FALSE(parse_message(chained(100)));
    // A pointer in RDATA to itself.
    std::string cname = "000001000000000100000000" + std::string("00") + "0005000100000e100002" + "c017";
    EXPECT_FALSE(parse_message(hex(cname)));
    // The reserved label types 0x40 and 0x80.
    EXPECT_FALSE(parse_message(hex(header + "4100010001")));
    EXPECT_FALSE(parse_message(hex(header + "8100010001")));
}

TEST(MessageHostile, EveryTruncationIsAnError) {
    for (auto sample : {kQueryWithDo, kMxResponse, kMixedResponse, kTsigQuery, kNxdomainResponse}) {
        Bytes wire = hex(sample);
        ASSERT_TRUE(parse_message(wire));
        for (size_t length = 0; length < wire.size(); ++length) {
            Bytes prefix(wire.begin(), wire.begin() + length);
            auto result = parse_message(prefix);
            EXPECT_FALSE(result) << "prefix of " << length << " bytes parsed";
            if (!result) {
                EXPECT_FALSE(result.error().what.empty());
            }
        }
    }
}

TEST(MessageHostile, CountsMustMatchTheData) {
    Bytes wire = hex(kMxResponse);
    Bytes more = wire;
    more[7] = 3;  // ANCOUNT 3 but 2 present: the next records shift, and the last one is missing
    EXPECT_FALSE(parse_message(more));
    Bytes fewer = wire;
    fewer[11] = 2;  // ARCOUNT 2 of 3: the OPT is left over as trailing bytes
    EXPECT_FALSE(parse_message(fewer));
    Bytes trailing = wire;
    trailing.push_back(0);
    auto result = parse_message(trailing);
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().what.find("trailing"), std::string::npos);
}

TEST(MessageHostile, OptRules) {
    // Question example.com/A and then one record built from the parts below.
    const std::string question = "076578616d706c6503636f6d0000010001";
    const std::string opt =
        "00"
        "0029"
        "04d0"
        "00000000"
        "0000";
    auto message = [&](const char* counts, const std::string& records) {
        return hex(std::string("00000000") + "0001" + counts + question + records);
    };
    EXPECT_TRUE(parse_message(message("000000000001", opt)));
    EXPECT_FALSE(parse_message(message("000100000000", opt)));        // OPT in the answer section
    EXPECT_FALSE(parse_message(message("000000010000", opt)));        // OPT in the authority section
    EXPECT_FALSE(parse_message(message("000000000002", opt + opt)));  // two OPT records
    EXPECT_FALSE(parse_message(message("000000000001", "c00c" + opt.substr(2))));  // OPT owned by example.com
    // Options: a well-formed empty NSID, a truncated option header, an option running past the RDATA.
    const std::string opt_head =
        "00"
        "0029"
        "0200"
        "00000000";
    EXPECT_TRUE(parse_message(message("000000000001", opt_head + "0004"
                                                                 "00030000")));
    EXPECT_FALSE(parse_message(message("000000000001", opt_head + "0002"
                                                                  "000a")));
    EXPECT_FALSE(parse_message(message("000000000001", opt_head + "0005"
                                                                  "00030005"
                                                                  "01")));
    // COOKIE lengths (RFC 7873 §4): 8 is a client cookie alone, 16 adds a server cookie, 9 is malformed.
    EXPECT_TRUE(parse_message(message("000000000001", opt_head + "000c"
                                                                 "000a0008"
                                                                 "0102030405060708")));
    EXPECT_TRUE(parse_message(message("000000000001", opt_head +
                                                          "0014"
                                                          "000a0010" +
                                                          std::string(32, 'a'))));
    EXPECT_FALSE(parse_message(message("000000000001", opt_head + "000d"
                                                                  "000a0009"
                                                                  "010203040506070809")));
}

TEST(MessageHostile, TsigMustBeLast) {
    Message m = parse_ok(hex(kTsigQuery));
    Record tsig = *m.tsig();
    Bytes wire;
    {
        // Hand-assemble: TSIG, then an A record, both in the additional section.
        Message bad;
        bad.questions = m.questions;
        bad.additional = {rr("a.example.", type::A, "192.0.2.1")};
        Bytes tail = message_to_wire(bad).value();
        Message with_tsig;
        with_tsig.questions = m.questions;
        with_tsig.additional = {tsig};
        wire = message_to_wire(with_tsig).value();
        wire.insert(wire.end(), tail.begin() + kHeaderSize + 17, tail.end());  // append the A record
        wire[11] = 2;
    }
    auto result = parse_message(wire);
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().what.find("TSIG"), std::string::npos);
    // A TSIG alone in the answer section is not last in the message's additional section either.
    Message only_tsig;
    only_tsig.questions = m.questions;
    only_tsig.additional = {tsig};
    Bytes in_answer = message_to_wire(only_tsig).value();
    ASSERT_TRUE(parse_message(in_answer));
    in_answer[7] = 1;   // ANCOUNT
    in_answer[11] = 0;  // ARCOUNT
    EXPECT_FALSE(parse_message(in_answer));
    // The builder refuses to write one there.
    Message moved = only_tsig;
    moved.answer = {tsig};
    moved.additional.clear();
    EXPECT_FALSE(message_to_wire(moved));
}

// ---- EDNS ----

TEST(MessageEdns, ExtendedErrorHelpers) {
    Edns edns;
    edns.add_extended_error(EdeCode::NotAuthoritative);
    edns.add_extended_error(EdeCode::Other, "zone is loading");
    edns.add_option(edns_option::kExtendedError, hex("00"));             // too short: skipped
    edns.add_option(edns_option::kExtendedError, Bytes{0, 18, 'x', 0});  // NUL-terminated: tolerated
    auto errors = edns.extended_errors();
    ASSERT_EQ(errors.size(), 3u);
    EXPECT_EQ(errors[0].info_code, 20);
    EXPECT_EQ(errors[0].extra_text, "");
    EXPECT_EQ(errors[1].extra_text, "zone is loading");
    EXPECT_EQ(errors[2].info_code, 18);
    EXPECT_EQ(errors[2].extra_text, "x");
    EXPECT_EQ(ede_code_to_text(20), "Not Authoritative");
    EXPECT_EQ(ede_code_to_text(9999), "Unknown");
    EXPECT_EQ(edns.wire_size(), 11u + 6 + 21 + 5 + 8);
}

TEST(MessageEdns, DnssecOkVersionAndText) {
    Message m = sample_response();
    m.edns->version = 1;
    Message back = parse_ok(message_to_wire(m).value());
    EXPECT_EQ(back.edns->version, 1);
    EXPECT_TRUE(back.edns->dnssec_ok);
    std::string text = message_to_text(back);
    EXPECT_NE(text.find("flags: qr aa rd ad cd;"), std::string::npos) << text;
    EXPECT_NE(text.find("; EDNS: version: 1, flags: do; udp: 4096"), std::string::npos) << text;
    EXPECT_NE(text.find("; EDE: 18 (Prohibited): \"not here\""), std::string::npos) << text;
    EXPECT_NE(text.find("ADDITIONAL: 5"), std::string::npos) << text;
}

// ---- Truncation ----

Message many_a_records(size_t count) {
    Message m;
    m.header.qr = true;
    m.questions.push_back({name("big.example.com."), type::A, rrclass::IN});
    for (size_t i = 0; i < count; ++i)
        m.answer.push_back(rr("big.example.com.", type::A, "192.0.2." + std::to_string(i % 250)));
    return m;
}

TEST(MessageTruncation, SetsTcAndKeepsOpt) {
    Message m = many_a_records(100);  // 12 + 21 + 100 * 16 bytes
    Edns edns;
    edns.add_extended_error(EdeCode::Other, "truncated answer");
    m.edns = edns;
    Bytes out;
    MessageBuilder builder(out, m.header, 512);
    ASSERT_TRUE(builder.set_edns(*m.edns));
    ASSERT_TRUE(builder.add_question(m.questions[0]));
    size_t added = 0;
    for (const auto& record : m.answer) {
        if (!builder.add_record(Section::Answer, record)) break;
        ++added;
    }
    EXPECT_TRUE(builder.truncated());
    EXPECT_FALSE(builder.add_record(Section::Answer, m.answer[0]));  // closed
    ASSERT_TRUE(builder.finish());
    EXPECT_LE(out.size(), 512u);
    EXPECT_GT(out.size(), 512u - 16);  // filled up to the last record that fit
    Message back = parse_ok(out);
    EXPECT_TRUE(back.header.tc);
    EXPECT_EQ(back.answer.size(), added);
    ASSERT_TRUE(back.edns);  // RFC 6891 §7: OPT included even when truncated
    EXPECT_EQ(back.edns->extended_errors().at(0).extra_text, "truncated answer");
}

TEST(MessageTruncation, MessageToWireTruncatesAtEveryLimit) {
    Message m = sample_response();
    Bytes full = message_to_wire(m).value();
    for (size_t limit = kHeaderSize; limit <= full.size() + 1; ++limit) {
        auto wire = message_to_wire(m, limit);
        ASSERT_TRUE(wire) << limit;
        EXPECT_LE(wire->size(), std::max(limit, kHeaderSize));
        auto back = parse_message(*wire);
        ASSERT_TRUE(back) << limit << ": " << back.error().to_string();
        if (limit >= full.size()) {
            EXPECT_EQ(*wire, full);
        }
    }
}

TEST(MessageTruncation, AdditionalDataDoesNotSetTc) {
    Bytes out;
    MessageBuilder builder(out, Header{}, 100);
    ASSERT_TRUE(builder.add_question({name("example.com."), type::MX, rrclass::IN}));
    ASSERT_TRUE(builder.add_record(Section::Answer, rr("example.com.", type::MX, "10 mail.example.com.")));
    Record big = rr("mail.example.com.", type::TXT, std::string(100, 'y'));
    EXPECT_FALSE(builder.add_record(Section::Additional, big));
    EXPECT_FALSE(builder.truncated());
    EXPECT_TRUE(builder.add_record(Section::Additional, rr("mail.example.com.", type::A, "192.0.2.25")));
    ASSERT_TRUE(builder.finish());
    Message back = parse_ok(out);
    EXPECT_FALSE(back.header.tc);
    EXPECT_EQ(back.additional.size(), 1u);
}

TEST(MessageTruncation, RrsetsGoInWholeOrNotAtAll) {
    Message m = many_a_records(10);
    Bytes out;
    MessageBuilder builder(out, m.header, 12 + 21 + 5 * 16);
    ASSERT_TRUE(builder.add_question(m.questions[0]));
    ASSERT_TRUE(builder.add_rrset(Section::Answer, std::span(m.answer).first(3)));
    size_t size_before = builder.size();
    EXPECT_FALSE(builder.add_rrset(Section::Answer, std::span(m.answer).subspan(3, 3)));
    EXPECT_EQ(builder.size(), size_before);
    EXPECT_TRUE(builder.truncated());
    ASSERT_TRUE(builder.finish());
    Message back = parse_ok(out);
    EXPECT_EQ(back.answer.size(), 3u);
    EXPECT_TRUE(back.header.tc);
}

TEST(MessageTruncation, QuestionThatDoesNotFit) {
    Bytes out;
    MessageBuilder builder(out, Header{}, 20);
    EXPECT_FALSE(builder.add_question({name("a-rather-long-name.example.com."), type::A, rrclass::IN}));
    EXPECT_TRUE(builder.truncated());
    ASSERT_TRUE(builder.finish());
    EXPECT_EQ(out.size(), kHeaderSize);
    EXPECT_TRUE(parse_ok(out).header.tc);
}

// ---- Builder misuse and TSIG placement ----

TEST(MessageBuilderApi, MisuseIsReportedByFinish) {
    Record a = rr("example.com.", type::A, "192.0.2.1");
    {
        Bytes out;
        MessageBuilder builder(out, Header{});
        ASSERT_TRUE(builder.add_record(Section::Authority, a));
        EXPECT_FALSE(builder.add_record(Section::Answer, a));
        EXPECT_FALSE(builder.finish());
    }
    {
        Bytes out;
        MessageBuilder builder(out, Header{});
        ASSERT_TRUE(builder.add_record(Section::Answer, a));
        EXPECT_FALSE(builder.add_question({name("example.com."), type::A, rrclass::IN}));
        EXPECT_FALSE(builder.finish());
    }
    {
        Bytes out;
        MessageBuilder builder(out, Header{});
        EXPECT_FALSE(builder.add_record(Section::Additional, Record{Name(), type::OPT, RRClass(512), 0, {}}));
        EXPECT_FALSE(builder.finish());
    }
}

TEST(MessageBuilderApi, OptGoesBeforeTsig) {
    Message m = parse_ok(hex(kTsigQuery));
    Bytes out;
    MessageBuilder builder(out, m.header);
    ASSERT_TRUE(builder.add_question(m.questions[0]));
    ASSERT_TRUE(builder.set_edns(*m.edns));
    ASSERT_TRUE(builder.add_record(Section::Additional, *m.tsig()));
    EXPECT_FALSE(builder.add_record(Section::Additional, rr("example.com.", type::A, "192.0.2.1")));
    EXPECT_FALSE(builder.finish());  // a record after the TSIG is misuse
    Bytes out2;
    MessageBuilder good(out2, m.header);
    ASSERT_TRUE(good.add_question(m.questions[0]));
    ASSERT_TRUE(good.set_edns(*m.edns));
    ASSERT_TRUE(good.add_record(Section::Additional, *m.tsig()));
    ASSERT_TRUE(good.finish());
    EXPECT_EQ(to_hex(out2), to_hex(hex(kTsigQuery)));
}

TEST(MessageBuilderApi, ReusesTheCallersBuffer) {
    Bytes out;
    out.reserve(kMaxMessageSize);
    const uint8_t* storage = out.data();
    for (int round = 0; round < 3; ++round) {
        MessageBuilder builder(out, Header{});
        ASSERT_TRUE(builder.add_question({name("example.com."), type::A, rrclass::IN}));
        ASSERT_TRUE(builder.finish());
        EXPECT_EQ(out.data(), storage);  // no reallocation
        EXPECT_EQ(out.size(), 29u);
    }
}

}  // namespace
}  // namespace danemail::dns

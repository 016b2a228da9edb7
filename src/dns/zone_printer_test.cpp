// Tests of the zone printer and of RDATA presentation formats through the zone parser: every type with a
// schema parses from real-world-looking text, and printed zones parse back to identical records — with
// escapes, odd TXT bytes, SVCB parameters, unknown types and randomly mutated RDATA (RFC 1035 §5.1,
// RFC 3597 §5, RFC 9460 Appendix A).
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "dns/rdata.h"
#include "dns/zone_file.h"

namespace danemail::dns {
namespace {

Name name(std::string_view text) {
    return *Name::from_text(text);
}

const Name kApex = name("example.com.");

ParsedZone parse(std::string_view text, const Name& origin = kApex) {
    ZoneFileOptions o;
    o.origin = origin;
    return parse_zone_text(text, "zone.db", o);
}

std::string all(const std::vector<Error>& errors) {
    std::string out;
    for (const auto& e : errors) out += e.to_string() + "\n";
    return out;
}

// Records are identical: owner byte for byte (case kept), type, class, TTL and RDATA.
void expect_identical(const std::vector<Record>& a, const std::vector<Record>& b, const std::string& text) {
    ASSERT_EQ(a.size(), b.size()) << text;
    for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_TRUE(a[i].owner.identical(b[i].owner))
            << a[i].owner.to_text() << " vs " << b[i].owner.to_text();
        EXPECT_EQ(a[i].type, b[i].type) << i;
        EXPECT_EQ(a[i].rclass, b[i].rclass) << i;
        EXPECT_EQ(a[i].ttl, b[i].ttl) << i;
        EXPECT_EQ(a[i].rdata, b[i].rdata) << record_to_text(a[i]) << "\n" << text;
    }
}

// Prints `records` both ways (relative to `origin`, and as absolute lines) and parses each back.
void expect_round_trip(const std::vector<Record>& records, const Name& origin = kApex) {
    std::string text = zone_to_text(records, origin);
    auto again = parse(text, origin);
    ASSERT_TRUE(again.ok()) << all(again.errors) << text;
    expect_identical(records, again.records, text);

    std::string lines;
    for (const auto& r : records) append_record_line(lines, r);
    auto from_lines = parse(lines, name("unrelated.example."));
    ASSERT_TRUE(from_lines.ok()) << all(from_lines.errors) << lines;
    expect_identical(records, from_lines.records, lines);
}

struct Example {
    const char* type;
    const char* rdata;    // as written in a zone file
    const char* printed;  // as danemail prints it (nullptr: same as written)
};

// One realistic record for every type in rdata_schema.cpp.
const Example kExamples[] = {
    {"A", "192.0.2.1", nullptr},
    {"NS", "ns1", "ns1.example.com."},
    {"MD", "md.example.net.", nullptr},
    {"MF", "mf.example.net.", nullptr},
    {"CNAME", "www.example.net.", nullptr},
    {"SOA", "ns1.example.com. hostmaster.example.com. ( 2024052001 2h 1h 2w 5m )",
     "ns1.example.com. hostmaster.example.com. 2024052001 7200 3600 1209600 300"},
    {"MB", "mailbox.example.com.", nullptr},
    {"MG", "group.example.com.", nullptr},
    {"MR", "renamed.example.com.", nullptr},
    {"PTR", "host.example.com.", nullptr},
    {"HINFO", "\"Intel Xeon\" \"Debian GNU/Linux\"", nullptr},
    {"HINFO", "RFC8482 \"\"", "\"RFC8482\" \"\""},
    {"MINFO", "admin.example.com. errors.example.com.", nullptr},
    {"MX", "10 mail", "10 mail.example.com."},
    {"MX", "0 .", nullptr},
    {"TXT", "\"v=spf1 mx a:out.example.com -all\"", nullptr},
    {"TXT", "\"v=DKIM1; k=rsa; \" \"p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC\"", nullptr},
    {"TXT", "unquoted words", "\"unquoted\" \"words\""},
    {"RP", "admin.example.com. info.example.com.", nullptr},
    {"AFSDB", "1 afsdb.example.com.", nullptr},
    {"RT", "10 relay.example.com.", nullptr},
    {"PX", "10 example.com. px400.example.net.", nullptr},
    {"AAAA", "2001:DB8:0:0::25", "2001:db8::25"},
    {"SRV", "10 60 5060 sip.example.com.", nullptr},
    {"SRV", "0 0 0 .", nullptr},
    {"NAPTR", "100 10 \"U\" \"E2U+sip\" \"!^.*$!sip:info@example.com!\" .", nullptr},
    {"KX", "10 kx.example.com.", nullptr},
    {"DNAME", "example.net.", nullptr},
    {"DS", "60485 5 1 ( 2BB183AF5F22588179A53B0A\n 98631FAD1A292118 )",
     "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118"},
    {"DS", "2371 ECDSAP256SHA256 2 1f987cc6583e92df0890718c42ef23bc4a3b2e9e9c2e5d7a8b2b5e3c8d1d6c9a",
     "2371 13 2 1F987CC6583E92DF0890718C42EF23BC4A3B2E9E9C2E5D7A8B2B5E3C8D1D6C9A"},
    {"SSHFP", "4 2 123456789abcdef67890123456789abcdef67890123456789abcdef123456789",
     "4 2 123456789ABCDEF67890123456789ABCDEF67890123456789ABCDEF123456789"},
    {"RRSIG",
     "A 13 3 3600 20300101000000 20200101000000 12345 example.com. "
     "oJB1W6WNGv+ldvQ3WDG0MQkg5IEhjRip8WTrPYGv07h108dUKGMeDPKijVCHX3DDKdfb+v6oB9wfuh3DTJXUAfI/M0zmO/"
     "zz8bW0Rznl8O3tGNaz",
     nullptr},
    {"NSEC", "host.example.com. A MX RRSIG NSEC TYPE1234", nullptr},
    {"DNSKEY",
     "257 3 13 ( mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ== )",
     "257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ=="},
    {"DHCID", "AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA=", nullptr},
    {"NSEC3", "1 1 12 aabbccdd ( 2vptu5timamqttgl4luu9kg21e0aor3s A RRSIG )",
     "1 1 12 AABBCCDD 2VPTU5TIMAMQTTGL4LUU9KG21E0AOR3S A RRSIG"},
    {"NSEC3", "1 0 0 - 2vptu5timamqttgl4luu9kg21e0aor3s", "1 0 0 - 2VPTU5TIMAMQTTGL4LUU9KG21E0AOR3S"},
    {"NSEC3PARAM", "1 0 0 -", nullptr},
    {"TLSA", "3 1 1 0c72ac70b745ac19998811b131d662c9ac69dbdbe7cb23e5b514b56664c5d3d6",
     "3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6"},
    {"SMIMEA", "3 0 1 8ff1b9b3a3e1d7f5c8a2b4e6d0c9f1a2b3c4d5e6f708192a3b4c5d6e7f801234",
     "3 0 1 8FF1B9B3A3E1D7F5C8A2B4E6D0C9F1A2B3C4D5E6F708192A3B4C5D6E7F801234"},
    {"CDS", "0 0 0 00", nullptr},  // RFC 8078 §4 "delete DS"
    {"CDNSKEY", "0 3 0 AA==", nullptr},
    {"OPENPGPKEY", "mQINBFit2jsBEADrbl5vjVxYeAE0g0IDYCBpHirv1Sjlqxx5gjtPhb2YhvyDMXjq", nullptr},
    {"CSYNC", "66 3 A NS AAAA", nullptr},
    {"ZONEMD",
     "2018031900 1 1 ( c68090d90a7aed716bc459f9340e3d7c1370d4d24b7e2fc3a1ddc0b9a87153b9"
     " a9713b3c9ae5cc27777f98b8e730044c )",
     "2018031900 1 1 "
     "C68090D90A7AED716BC459F9340E3D7C1370D4D24B7E2FC3A1DDC0B9A87153B9A9713B3C9AE5CC27777F98B8E730044C"},
    {"SVCB", "1 . alpn=\"h2,h3\" port=8443 ipv4hint=192.0.2.1,192.0.2.2", nullptr},
    {"SVCB", "0 svc.example.net.", nullptr},  // alias mode
    {"SVCB", "16 foo.example.org. mandatory=alpn,ipv4hint alpn=h2,h3-19 ipv4hint=192.0.2.1",
     "16 foo.example.org. mandatory=alpn,ipv4hint alpn=\"h2,h3-19\" ipv4hint=192.0.2.1"},
    {"HTTPS", "1 . ipv6hint=2001:db8::1 alpn=h3 no-default-alpn ech=AEX+DQBB",
     "1 . alpn=\"h3\" no-default-alpn ech=AEX+DQBB ipv6hint=2001:db8::1"},
    {"HTTPS", "1 . dohpath=/dns-query{?dns} key65000=\"hello world\"",
     "1 . dohpath=\"/dns-query{?dns}\" key65000=\"hello world\""},
    {"SPF", "\"v=spf1 -all\"", nullptr},
    {"EUI48", "00-00-5e-00-53-2a", nullptr},
    {"EUI64", "00-00-5e-ef-10-00-00-2a", nullptr},
    {"URI", "10 1 \"ftp://ftp1.example.com/public\"", nullptr},
    {"CAA", "0 issue \"letsencrypt.org\"", nullptr},
    {"CAA", "128 tbs \"Unknown; with \\\"quotes\\\"\"", nullptr},
    {"TYPE65534", "\\# 5 0d12340001", nullptr},
};

TEST(ZoneRdataExamples, EveryTypeParsesFromPresentationText) {
    std::string text = "$TTL 300\n";
    for (const auto& e : kExamples) text += std::string("rr ") + e.type + " " + e.rdata + "\n";
    auto z = parse(text);
    ASSERT_TRUE(z.ok()) << all(z.errors);
    ASSERT_EQ(z.records.size(), std::size(kExamples));
    for (size_t i = 0; i < std::size(kExamples); ++i) {
        const auto& e = kExamples[i];
        EXPECT_EQ(type_to_text(z.records[i].type), e.type);
        EXPECT_EQ(rdata_to_text(z.records[i].type, z.records[i].rdata), e.printed ? e.printed : e.rdata)
            << e.type << " " << e.rdata;
    }
    expect_round_trip(z.records);
}

TEST(ZoneRdataExamples, EverySchemaTypeHasAnExample) {
    for (uint32_t t = 0; t <= 65535; ++t) {
        if (!schema_for(RRType(static_cast<uint16_t>(t)))) continue;
        std::string mnemonic = type_to_text(RRType(static_cast<uint16_t>(t)));
        bool found = false;
        for (const auto& e : kExamples) found = found || mnemonic == e.type;
        EXPECT_TRUE(found) << "no example for " << mnemonic;
    }
}

TEST(ZonePrinter, WritesOriginAndRelativeOwners) {
    auto z = parse("@ 300 A 192.0.2.1\nwww 300 A 192.0.2.2\nother.example.net. 300 A 192.0.2.3\n");
    ASSERT_TRUE(z.ok());
    EXPECT_EQ(zone_to_text(z.records, kApex),
              "$ORIGIN example.com.\n"
              "@\t300\tIN\tA\t192.0.2.1\n"
              "www\t300\tIN\tA\t192.0.2.2\n"
              "other.example.net.\t300\tIN\tA\t192.0.2.3\n");
    std::string line;
    append_record_line(line, z.records[1]);
    EXPECT_EQ(line, "www.example.com.\t300\tIN\tA\t192.0.2.2\n");
}

TEST(ZonePrinter, RoundTripsEscapesInNames) {
    auto z = parse(
        "$TTL 60\n"
        "a\\.b CNAME c\\.d.example.net.\n"
        "sp\\032ace A 192.0.2.1\n"
        "\\000\\255\\\"\\(\\)\\;\\$\\@\\\\ A 192.0.2.2\n"
        "\\$ORIGIN A 192.0.2.3\n"
        "*.Mixed.CASE A 192.0.2.4\n"
        "WWW.EXAMPLE.COM. A 192.0.2.5\n"  // the origin's letters in another case stay as written
        "Example.Com. A 192.0.2.6\n"
        "\\; PTR \\(odd\\).example.net.\n");
    ASSERT_TRUE(z.ok()) << all(z.errors);
    expect_round_trip(z.records);
    expect_round_trip(z.records, Name());  // relative to the root
}

TEST(ZonePrinter, RoundTripsTxtWithQuotesBackslashesAndNonPrintables) {
    auto z = parse(
        "$TTL 60\n"
        "t TXT \"say \\\"hi\\\"\" \"back\\\\slash\" \"tab\\009nul\\000del\\127hi\\255\" \"\"\n"
        "t TXT \"semi;colon (paren) $dollar @at\" \"unicode \\195\\164\"\n"
        "t TXT \\\"bare\\\"quote trailing\\\\\n");
    ASSERT_TRUE(z.ok()) << all(z.errors);
    EXPECT_EQ(rdata_to_text(z.records[2].type, z.records[2].rdata), "\"\\\"bare\\\"quote\" \"trailing\\\\\"");
    std::string all_bytes;
    for (int c = 0; c < 256; ++c) all_bytes.push_back(static_cast<char>(c));
    Record r{name("bytes.example.com."), type::TXT, rrclass::IN, 60, {}};
    r.rdata.push_back(255);
    r.rdata.insert(r.rdata.end(), all_bytes.begin(), all_bytes.begin() + 255);
    r.rdata.push_back(1);
    r.rdata.push_back(255);
    z.records.push_back(r);
    expect_round_trip(z.records);
}

TEST(ZonePrinter, RoundTripsSvcbParameters) {
    auto z = parse(
        "$TTL 60\n"
        "_443._tcp.www SVCB 1 svc.example.net. alpn=\"h2,h3\" port=443 ipv4hint=192.0.2.1 "
        "ipv6hint=2001:db8::1\n"
        "www HTTPS 1 . alpn=\"h2\\\\,x,h3\" mandatory=alpn key65000=\"a b\\\"c\" key65001 key9=\"\"\n"
        "www HTTPS 2 . ech=\"AEX+DQBB\" dohpath=/q{?dns} ohttp\n"
        "www HTTPS 0 alias.example.net.\n");
    ASSERT_TRUE(z.ok()) << all(z.errors);
    expect_round_trip(z.records);
}

// alpn ids with commas, backslashes, quotes and control bytes need both escape layers (RFC 9460 App. A.1).
TEST(ZonePrinter, RoundTripsAlpnIdsWithSpecialBytes) {
    const std::string_view ids[] = {"a,b", "\\", "\\,", ",", "q\"u", std::string_view("\0\x01,\xff", 4)};
    std::vector<Record> records;
    for (auto id : ids) {
        // SvcPriority 1, TargetName ".", key 1 (alpn) holding the one id.
        Bytes rdata = {
            0, 1, 0, 0, 1, 0, static_cast<uint8_t>(id.size() + 1), static_cast<uint8_t>(id.size())};
        rdata.insert(rdata.end(), id.begin(), id.end());
        ASSERT_TRUE(validate_rdata(type::HTTPS, rdata));
        records.push_back(Record{name("www.example.com."), type::HTTPS, rrclass::IN, 60, rdata});
    }
    expect_round_trip(records);
    auto z = parse("www HTTPS 1 . alpn=\"a\\\\,b,c\\\\\\\\\"\n");
    ASSERT_TRUE(z.ok()) << all(z.errors);
    EXPECT_EQ(rdata_to_text(type::HTTPS, z.records[0].rdata), "1 . alpn=\"a\\\\,b,c\\\\\\\\\"");
}

TEST(ZonePrinter, MandatoryNeverListsItself) {
    // RFC 9460 §8: a mandatory list naming "mandatory" (key 0) is malformed, in text and in wire form.
    EXPECT_FALSE(parse("www HTTPS 1 . mandatory=mandatory\n").ok());
    EXPECT_FALSE(parse("www HTTPS \\# 9 0001 00 0000 0002 0000\n").ok());
    EXPECT_FALSE(parse("www HTTPS \\# 9 0001 00 0000 0002 ffff\n").ok());
    EXPECT_TRUE(parse("www HTTPS \\# 15 0001 00 0000 0002 0003 0003 0002 01bb\n").ok());
}

TEST(ZonePrinter, RoundTripsUnknownTypesAndGenericForms) {
    auto z = parse(
        "$TTL 60\n"
        "u TYPE65534 \\# 0\n"
        "u TYPE260 \\# 6 ( 00 01 02 03 04 FF )\n"
        "u LOC \\# 16 00121613899682ca8997ce3a00989a64\n"  // LOC has no schema: generic form
        "u WKS \\# 5 c000020106\n");
    ASSERT_TRUE(z.ok()) << all(z.errors);
    EXPECT_EQ(rdata_to_text(z.records[1].type, z.records[1].rdata), "\\# 6 0001020304ff");
    expect_round_trip(z.records);
}

// Property: RDATA that validates prints to text that parses back to the same bytes. Start from every
// example and flip random bytes; keep the mutants that are still valid RDATA of their type.
TEST(ZonePrinter, RoundTripsRandomlyMutatedRdata) {
    std::string text = "$TTL 300\n";
    for (const auto& e : kExamples) text += std::string("rr ") + e.type + " " + e.rdata + "\n";
    auto z = parse(text);
    ASSERT_TRUE(z.ok()) << all(z.errors);
    std::mt19937 random(20240520);
    std::vector<Record> mutants;
    for (int round = 0; round < 200; ++round) {
        for (const auto& original : z.records) {
            Record r = original;
            int flips = 1 + static_cast<int>(random() % 3);
            for (int f = 0; f < flips && !r.rdata.empty(); ++f) {
                size_t at = random() % r.rdata.size();
                r.rdata[at] = static_cast<uint8_t>(random() % 4 == 0 ? random() % 256
                                                                     : r.rdata[at] ^ (1u << (random() % 8)));
            }
            if (random() % 8 == 0 && !r.rdata.empty()) r.rdata.pop_back();
            if (validate_rdata(r.type, r.rdata)) mutants.push_back(std::move(r));
        }
    }
    ASSERT_GT(mutants.size(), 1000u);
    expect_round_trip(mutants);
}

}  // namespace
}  // namespace danemail::dns

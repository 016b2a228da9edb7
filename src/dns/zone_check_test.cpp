// Tests of check_zone (RFC 1034 §4.2.1, RFC 1035 §5.2, RFC 2181 §5.2 and §10.1, RFC 4035 §2.5, RFC 6672):
// SOA and NS at the apex, out-of-zone data, CNAME and DNAME rules, TTL evening and duplicate merging.
#include <gtest/gtest.h>

#include <string>

#include "dns/zone_file.h"

namespace danemail::dns {
namespace {

Name name(std::string_view text) {
    return *Name::from_text(text);
}

const Name kApex = name("example.com.");

ParsedZone checked(std::string_view text) {
    ZoneFileOptions o;
    o.origin = kApex;
    ParsedZone z = parse_zone_text(text, "zone.db", o);
    EXPECT_TRUE(z.ok()) << z.errors[0].to_string();
    check_zone(z, kApex);
    return z;
}

std::string all(const std::vector<Error>& errors) {
    std::string out;
    for (const auto& e : errors) out += e.to_string() + "\n";
    return out;
}

void expect_error(const ParsedZone& z, size_t index, const std::string& where, const std::string& what) {
    ASSERT_GT(z.errors.size(), index) << all(z.errors);
    EXPECT_EQ(z.errors[index].where, where) << all(z.errors);
    EXPECT_NE(z.errors[index].what.find(what), std::string::npos) << z.errors[index].what;
}

constexpr std::string_view kGood =
    "$TTL 3600\n"
    "@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
    "@ NS ns1\n"
    "ns1 A 192.0.2.53\n";

TEST(ZoneCheck, GoodZonePasses) {
    auto z = checked(std::string(kGood) +
                     "www CNAME ns1\n"
                     "www RRSIG CNAME 13 3 3600 20300101000000 20200101000000 12345 example.com. AAAA\n"
                     "www NSEC zz.example.com. CNAME RRSIG NSEC\n"
                     "sub NS ns.sub\n"
                     "ns.sub A 192.0.2.54\n");
    EXPECT_TRUE(z.ok()) << all(z.errors);
    EXPECT_TRUE(z.warnings.empty()) << all(z.warnings);
    EXPECT_EQ(z.records.size(), 8u);
}

TEST(ZoneCheck, MissingSoa) {
    auto z = checked("@ NS ns1\nns1 A 192.0.2.53\n");
    ASSERT_EQ(z.errors.size(), 1u) << all(z.errors);
    expect_error(z, 0, "zone.db", "no SOA record; expected one at the zone apex 'example.com.'");
}

TEST(ZoneCheck, SecondSoaNamesBothLocations) {
    auto z = checked(std::string(kGood) + "@ SOA ns1 hostmaster 2 7200 3600 1209600 300\n");
    ASSERT_EQ(z.errors.size(), 1u) << all(z.errors);
    expect_error(z, 0, "zone.db:5:1", "second SOA record; the first is at zone.db:2:1");
}

TEST(ZoneCheck, IdenticalSoaLinesMerge) {
    auto z = checked(std::string(kGood) + "@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n");
    EXPECT_TRUE(z.ok()) << all(z.errors);
    EXPECT_EQ(z.records.size(), 3u);
}

TEST(ZoneCheck, SoaNotAtApex) {
    auto z = checked("sub SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\n");
    ASSERT_EQ(z.errors.size(), 1u) << all(z.errors);
    expect_error(z, 0, "zone.db:1:1",
                 "SOA record at 'sub.example.com.' is not at the zone apex 'example.com.'");
}

TEST(ZoneCheck, NoNsAtApex) {
    auto z = checked("@ SOA ns1 hostmaster 1 7200 3600 1209600 300\nsub NS ns1\n");
    ASSERT_EQ(z.errors.size(), 1u) << all(z.errors);
    expect_error(z, 0, "zone.db:1:1", "no NS records at the zone apex 'example.com.'");
}

TEST(ZoneCheck, OutOfZoneData) {
    auto z = checked(std::string(kGood) + "www.example.net. A 192.0.2.1\nexample.com.evil. A 192.0.2.2\n");
    ASSERT_EQ(z.errors.size(), 2u) << all(z.errors);
    expect_error(z, 0, "zone.db:5:1", "owner 'www.example.net.' is outside the zone 'example.com.'");
    expect_error(z, 1, "zone.db:6:1", "outside the zone");
}

TEST(ZoneCheck, CnameBesideOtherData) {
    auto z = checked(std::string(kGood) + "www A 192.0.2.1\nwww CNAME ns1\n");
    ASSERT_EQ(z.errors.size(), 1u) << all(z.errors);
    expect_error(z, 0, "zone.db:6:1", "CNAME at 'www.example.com.' beside other data (A at zone.db:5:1)");
}

TEST(ZoneCheck, CnameAtApex) {
    auto z = checked(std::string(kGood) + "@ CNAME elsewhere.example.net.\n");
    ASSERT_EQ(z.errors.size(), 1u) << all(z.errors);
    expect_error(z, 0, "zone.db:5:1", "CNAME at the zone apex 'example.com.' is not allowed");
}

TEST(ZoneCheck, TwoCnamesAtOneName) {
    auto z = checked(std::string(kGood) + "www CNAME a\nwww CNAME b\nwww CNAME A.example.com.\n");
    ASSERT_EQ(z.errors.size(), 1u) << all(
        z.errors);  // the third repeats the first (names compare case-blind)
    expect_error(z, 0, "zone.db:6:1", "second CNAME at 'www.example.com.'; the first is at zone.db:5:1");
}

TEST(ZoneCheck, DataBelowDname) {
    auto z = checked(std::string(kGood) +
                     "old DNAME new.example.net.\n"
                     "old A 192.0.2.1\n"  // beside a DNAME is fine
                     "host.old A 192.0.2.2\n"
                     "a.b.old TXT x\n"
                     "old DNAME other.example.net.\n");
    ASSERT_EQ(z.errors.size(), 3u) << all(z.errors);
    expect_error(z, 0, "zone.db:7:1",
                 "'host.old.example.com.' is below the DNAME at 'old.example.com.' (zone.db:5:1)");
    expect_error(z, 1, "zone.db:8:1", "below the DNAME");
    expect_error(z, 2, "zone.db:9:1", "second DNAME at 'old.example.com.'");
}

TEST(ZoneCheck, DnameAtApexForbidsEverythingBelow) {
    auto z = checked(std::string(kGood) + "@ DNAME example.net.\n");
    ASSERT_EQ(z.errors.size(), 1u) << all(z.errors);
    expect_error(z, 0, "zone.db:4:1", "'ns1.example.com.' is below the DNAME at 'example.com.'");
}

TEST(ZoneCheck, InconsistentTtlsWarnAndTakeTheFirst) {
    auto z = checked(std::string(kGood) + "mx 300 A 192.0.2.1\nother A 192.0.2.9\nmx 600 A 192.0.2.2\n");
    EXPECT_TRUE(z.ok()) << all(z.errors);
    ASSERT_EQ(z.warnings.size(), 1u);
    EXPECT_EQ(z.warnings[0].where, "zone.db:7:1");
    EXPECT_NE(
        z.warnings[0].what.find("TTL 600 differs from the TTL 300 of the A RRset at zone.db:5:1; using 300"),
        std::string::npos)
        << z.warnings[0].what;
    EXPECT_EQ(z.records[5].ttl, 300u);
}

// RFC 4034 §3: each RRSIG has the TTL of the RRset it covers; signatures over different types at one owner
// (an NSEC with the negative TTL beside an A) are not one RRset for the TTL rule.
TEST(ZoneCheck, SignaturesOverDifferentTypesKeepTheirTtls) {
    auto z = checked(std::string(kGood) +
                     "www 3600 A 192.0.2.1\n"
                     "www 3600 RRSIG A 13 3 3600 20300101000000 20200101000000 12345 example.com. AAAA\n"
                     "www 300 NSEC zz.example.com. A RRSIG NSEC\n"
                     "www 300 RRSIG NSEC 13 3 300 20300101000000 20200101000000 12345 example.com. AAAA\n"
                     "www 600 RRSIG A 13 3 3600 20300101000000 20200101000000 54321 example.com. AAAA\n");
    EXPECT_TRUE(z.ok()) << all(z.errors);
    ASSERT_EQ(z.warnings.size(), 1u) << all(z.warnings);  // only the second signature over A
    EXPECT_EQ(z.warnings[0].where, "zone.db:9:1");
    EXPECT_EQ(z.records[6].ttl, 300u);  // the NSEC's signature keeps 300
    EXPECT_EQ(z.records[7].ttl, 3600u);
}

TEST(ZoneCheck, DuplicatesMergeSilentlyKeepingTheFirst) {
    auto z = checked(std::string(kGood) +
                     "a A 192.0.2.1\n"
                     "b A 192.0.2.2\n"
                     "A A 192.0.2.1\n"  // same name, other case
                     "a MX 10 MAIL\n"
                     "a MX 10 mail\n"  // embedded names compare in canonical (lower-case) form
                     "a TXT \"Hello\"\n"
                     "a TXT \"hello\"\n");  // text is case-sensitive
    EXPECT_TRUE(z.ok()) << all(z.errors);
    EXPECT_TRUE(z.warnings.empty()) << all(z.warnings);
    ASSERT_EQ(z.records.size(), 8u);
    EXPECT_EQ(z.records[4].owner, name("b.example.com."));
    EXPECT_EQ(z.records[5].type, type::MX);
    EXPECT_EQ(z.where(5), "zone.db:8:1");  // locations move with their records
    EXPECT_EQ(z.where(7), "zone.db:11:1");
}

TEST(ZoneCheck, ErrorsComeInFileOrder) {
    auto z = checked(std::string(kGood) +
                     "x.example.org. A 192.0.2.1\nwww CNAME a\nwww A 192.0.2.1\n"
                     "y.example.org. A 192.0.2.2\n");
    ASSERT_EQ(z.errors.size(), 3u) << all(z.errors);
    EXPECT_EQ(z.errors[0].where, "zone.db:5:1");
    EXPECT_EQ(z.errors[1].where, "zone.db:6:1");
    EXPECT_EQ(z.errors[2].where, "zone.db:8:1");
}

TEST(ZoneCheck, RecordsBuiltInCodeWithTtlOutOfRange) {
    ParsedZone z = checked(kGood);
    z.records[2].ttl = 0x80000000u;
    check_zone(z, kApex);
    ASSERT_EQ(z.errors.size(), 1u) << all(z.errors);
    expect_error(z, 0, "zone.db:4:1", "TTL 2147483648 is above the maximum");
}

TEST(ZoneCheck, ManyOutOfZoneRecordsAreCapped) {
    std::string text(kGood);
    for (int i = 0; i < 1200; ++i) text += "h" + std::to_string(i) + ".example.org. A 192.0.2.1\n";
    auto z = checked(text);
    ASSERT_EQ(z.errors.size(), 1001u);
    EXPECT_EQ(z.errors.back().what, "200 more errors not shown");
}

TEST(ZoneCheck, LargeZoneOfManyNames) {
    std::string text(kGood);
    for (int i = 0; i < 20000; ++i)
        text += "h" + std::to_string(i) + " A 192.0.2." + std::to_string(i % 250) + "\n";
    auto z = checked(text);
    EXPECT_TRUE(z.ok()) << all(z.errors);
    EXPECT_EQ(z.records.size(), 20003u);
}

}  // namespace
}  // namespace danemail::dns

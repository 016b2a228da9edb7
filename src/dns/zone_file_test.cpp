// Tests of the master-file parser (RFC 1035 §5, RFC 2308 §4): directives, owner/TTL/class defaults, every
// error with its exact file:line:column, several errors in one run, and $INCLUDE (relative paths, origin
// argument, loops, depth).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "dns/rdata.h"
#include "dns/zone_file.h"

namespace danemail::dns {
namespace {

Name name(std::string_view text) {
    return *Name::from_text(text);
}

ZoneFileOptions options(std::string_view origin = "example.com.") {
    ZoneFileOptions o;
    o.origin = name(origin);
    return o;
}

ParsedZone parse(std::string_view text, const ZoneFileOptions& o = options()) {
    return parse_zone_text(text, "zone.db", o);
}

std::string errors_of(const ParsedZone& z) {
    std::string out;
    for (const auto& e : z.errors) out += e.to_string() + "\n";
    return out;
}

// Expects exactly one error, at `where`, whose text contains `what`.
void expect_one_error(const ParsedZone& z, const std::string& where, const std::string& what) {
    ASSERT_EQ(z.errors.size(), 1u) << errors_of(z);
    EXPECT_EQ(z.errors[0].where, where);
    EXPECT_NE(z.errors[0].what.find(what), std::string::npos) << z.errors[0].what;
}

std::string rdata_text(const Record& r) {
    return rdata_to_text(r.type, r.rdata);
}

constexpr std::string_view kHead =
    "$TTL 1h\n"
    "@ IN SOA ns1 hostmaster ( 2024010101 7200 3600 1209600 300 )\n"
    "  IN NS ns1\n";

TEST(ZoneParser, TypicalZone) {
    auto z = parse(std::string(kHead) +
                   "ns1      IN A     192.0.2.53\n"
                   "@        MX 10 mail\n"
                   "mail     300 IN A 192.0.2.25\n"
                   "         IN 300 AAAA 2001:db8::25\n"
                   "www.example.com. CNAME @\n");
    ASSERT_TRUE(z.ok()) << errors_of(z);
    ASSERT_EQ(z.records.size(), 7u);
    EXPECT_EQ(z.records[0].owner, name("example.com."));
    EXPECT_EQ(z.records[0].type, type::SOA);
    EXPECT_EQ(z.records[0].ttl, 3600u);
    EXPECT_EQ(rdata_text(z.records[0]),
              "ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300");
    EXPECT_EQ(z.records[1].owner, name("example.com."));  // omitted owner: the previous one
    EXPECT_EQ(rdata_text(z.records[1]), "ns1.example.com.");
    EXPECT_EQ(rdata_text(z.records[3]), "10 mail.example.com.");
    EXPECT_EQ(z.records[4].ttl, 300u);
    EXPECT_EQ(z.records[5].owner, name("mail.example.com."));
    EXPECT_EQ(z.records[5].type, type::AAAA);
    EXPECT_EQ(z.records[5].ttl, 300u);
    EXPECT_EQ(rdata_text(z.records[6]), "example.com.");
    EXPECT_EQ(z.where(4), "zone.db:6:1");
    EXPECT_EQ(z.where(5), "zone.db:7:10");  // an entry without owner is located at its first token
    ASSERT_EQ(z.files.size(), 1u);
}

TEST(ZoneParser, OriginDirectiveAbsoluteAndRelative) {
    auto z = parse(
        "a A 192.0.2.1\n"
        "$ORIGIN sub.example.com.\n"
        "b A 192.0.2.2\n"
        "$ORIGIN deeper\n"  // relative to the $ORIGIN in force
        "c CNAME @\n"
        "$origin example.net.\n"
        "@ A 192.0.2.3\n");
    ASSERT_TRUE(z.ok()) << errors_of(z);
    ASSERT_EQ(z.records.size(), 4u);
    EXPECT_EQ(z.records[0].owner, name("a.example.com."));
    EXPECT_EQ(z.records[1].owner, name("b.sub.example.com."));
    EXPECT_EQ(z.records[2].owner, name("c.deeper.sub.example.com."));
    EXPECT_EQ(rdata_text(z.records[2]), "deeper.sub.example.com.");
    EXPECT_EQ(z.records[3].owner, name("example.net."));
}

TEST(ZoneParser, OmittedOwnerSurvivesOriginChange) {
    auto z = parse("a A 192.0.2.1\n$ORIGIN example.net.\n  A 192.0.2.2\n");
    ASSERT_TRUE(z.ok()) << errors_of(z);
    EXPECT_EQ(z.records[1].owner, name("a.example.com."));
}

TEST(ZoneParser, TtlDirectiveWithUnits) {
    auto z = parse("$TTL 1w2d3h4m5s\na A 192.0.2.1\n$TTL 30M\nb A 192.0.2.2\n$TTL 86400\nc A 192.0.2.3\n");
    ASSERT_TRUE(z.ok()) << errors_of(z);
    EXPECT_EQ(z.records[0].ttl, 604800u + 2 * 86400 + 3 * 3600 + 4 * 60 + 5);
    EXPECT_EQ(z.records[1].ttl, 1800u);
    EXPECT_EQ(z.records[2].ttl, 86400u);
}

TEST(ZoneParser, TtlDefaultsFollowBind) {
    // No $TTL: the first record takes options.default_ttl, later ones the previous record's TTL.
    auto o = options();
    o.default_ttl = 7200;
    auto z = parse(
        "a A 192.0.2.1\nb 60 A 192.0.2.2\nc A 192.0.2.3\n$TTL 300\nd A 192.0.2.4\ne 10 A 192.0.2.5\n"
        "f A 192.0.2.6\n",
        o);
    ASSERT_TRUE(z.ok()) << errors_of(z);
    EXPECT_EQ(z.records[0].ttl, 7200u);
    EXPECT_EQ(z.records[1].ttl, 60u);
    EXPECT_EQ(z.records[2].ttl, 60u);
    EXPECT_EQ(z.records[3].ttl, 300u);  // $TTL now applies
    EXPECT_EQ(z.records[4].ttl, 10u);
    EXPECT_EQ(z.records[5].ttl, 300u);  // $TTL, not the previous explicit TTL
}

TEST(ZoneParser, TtlAndClassInEitherOrderAndOptional) {
    auto z = parse(
        "a 300 IN A 192.0.2.1\nb IN 300 A 192.0.2.2\nc in a 192.0.2.3\nd 1h A 192.0.2.4\n"
        "e CLASS1 TYPE1 \\# 4 C0000205\n");
    ASSERT_TRUE(z.ok()) << errors_of(z);
    EXPECT_EQ(z.records[0].ttl, 300u);
    EXPECT_EQ(z.records[1].ttl, 300u);
    EXPECT_EQ(z.records[2].type, type::A);
    EXPECT_EQ(z.records[3].ttl, 3600u);
    EXPECT_EQ(rdata_text(z.records[4]), "192.0.2.5");
}

TEST(ZoneParser, OwnerNamesWithEscapesAndWildcards) {
    auto z = parse("*.wild A 192.0.2.1\nweird\\.label A 192.0.2.2\nsp\\032ace TXT x\n\\@ TXT y\n");
    ASSERT_TRUE(z.ok()) << errors_of(z);
    EXPECT_TRUE(z.records[0].owner.is_wildcard());
    EXPECT_EQ(z.records[1].owner.label_count(), 3u);
    EXPECT_EQ(z.records[1].owner.first_label(), "weird.label");
    EXPECT_EQ(z.records[2].owner.first_label(), "sp ace");
    EXPECT_EQ(z.records[3].owner.first_label(), "@");
}

TEST(ZoneParser, GenericRdataForUnknownTypes) {
    auto z = parse("a TYPE65534 \\# 3 abcdef\nb TYPE65280 \\# 0\nc A \\# 4 c0000201\n");
    ASSERT_TRUE(z.ok()) << errors_of(z);
    EXPECT_EQ(z.records[0].type, RRType(65534));
    EXPECT_EQ(z.records[0].rdata, (Bytes{0xab, 0xcd, 0xef}));
    EXPECT_TRUE(z.records[1].rdata.empty());
    EXPECT_EQ(rdata_text(z.records[2]), "192.0.2.1");
}

// ---- errors, each at its exact place ----

TEST(ZoneParserErrors, UnknownType) {
    auto z = parse("a A 192.0.2.1\nb   AAA 2001:db8::1\n");
    expect_one_error(z, "zone.db:2:5", "unknown RR type 'AAA'; expected a type such as A, MX or TYPE65534");
    EXPECT_EQ(z.records.size(), 1u);
}

TEST(ZoneParserErrors, MissingType) {
    expect_one_error(parse("lonely\n"), "zone.db:1:1", "missing RR type after 'lonely'");
    expect_one_error(parse("a 300 IN\n"), "zone.db:1:7", "missing RR type after 'IN'");
}

TEST(ZoneParserErrors, LabelLongerThan63) {
    std::string label(64, 'x');
    expect_one_error(parse("ok A 192.0.2.1\n" + label + " A 192.0.2.1\n"), "zone.db:2:1",
                     "label longer than 63");
}

TEST(ZoneParserErrors, NameLongerThan255) {
    std::string owner;
    for (int i = 0; i < 5; ++i) owner += std::string(60, 'a' + i) + ".";
    owner.pop_back();  // relative: the origin makes it longer still
    expect_one_error(parse(owner + " A 192.0.2.1\n"), "zone.db:1:1", "longer than 255");
    // ... and inside RDATA.
    expect_one_error(parse("a CNAME " + owner + "\n"), "zone.db:1:9", "longer than 255");
}

TEST(ZoneParserErrors, TtlAboveMaximum) {
    expect_one_error(parse("a 2147483648 A 192.0.2.1\n"), "zone.db:1:3",
                     "TTL '2147483648' is above the maximum of 2147483647");
    expect_one_error(parse("$TTL 4294967296\n"), "zone.db:1:6", "above the maximum");
    EXPECT_TRUE(parse("a 2147483647 A 192.0.2.1\n").ok());
}

TEST(ZoneParserErrors, BadTtl) {
    expect_one_error(parse("a 1x A 192.0.2.1\n"), "zone.db:1:3",
                     "invalid TTL '1x'; expected seconds or units");
    expect_one_error(parse("$TTL soon\n"), "zone.db:1:6", "invalid TTL 'soon'");
    expect_one_error(parse("$TTL\n"), "zone.db:1:1", "$TTL needs a TTL");
}

TEST(ZoneParserErrors, BadBase64AndHex) {
    expect_one_error(parse("@ DNSKEY 257 3 13 not*base64\n"), "zone.db:1:19", "invalid base64");
    expect_one_error(parse("@ DS 12345 13 2 ABCDEFG\n"), "zone.db:1:17", "invalid hex");
    expect_one_error(parse("_25._tcp.mail TLSA 3 1 1 abc\n"), "zone.db:1:26", "invalid hex");
}

TEST(ZoneParserErrors, RdataErrorsNameTheirToken) {
    expect_one_error(parse("a A 192.0.2.300\n"), "zone.db:1:5",
                     "expected an IPv4 address, found '192.0.2.300'");
    expect_one_error(parse("a MX 70000 mail\n"), "zone.db:1:6", "expected a number from 0 to 65535");
    expect_one_error(parse("a MX 10 mail extra\n"), "zone.db:1:14", "unexpected 'extra'");
    // Missing RDATA is reported at the type when there is nothing after it.
    expect_one_error(parse("a A\n"), "zone.db:1:3", "bad A RDATA: missing address");
    expect_one_error(parse("a TYPE65534 \\# 2 abcdef\n"), "zone.db:1:16", "'\\#' length 2 but 3 bytes");
}

TEST(ZoneParserErrors, ClassOtherThanIn) {
    expect_one_error(parse("a CH A 192.0.2.1\n"), "zone.db:1:3", "class CH is not supported; expected IN");
    expect_one_error(parse("a 300 CLASS4 A 192.0.2.1\n"), "zone.db:1:7", "class HS is not supported");
}

TEST(ZoneParserErrors, MetaTypes) {
    expect_one_error(parse("a OPT \\# 0\n"), "zone.db:1:3", "type OPT is a meta or question type");
    expect_one_error(parse("a AXFR \\# 0\n"), "zone.db:1:3", "meta or question type");
}

TEST(ZoneParserErrors, OmittedOwnerWithoutPreviousRecord) {
    expect_one_error(parse("$TTL 300\n   A 192.0.2.1\n"), "zone.db:2:4", "no previous record");
}

TEST(ZoneParserErrors, Directives) {
    expect_one_error(parse("$GENERATE 1-10 a$ A 192.0.2.$\n"), "zone.db:1:1",
                     "unknown directive '$GENERATE'; expected $ORIGIN, $TTL or $INCLUDE");
    expect_one_error(parse("$ORIGIN\n"), "zone.db:1:1", "$ORIGIN needs a domain name");
    expect_one_error(parse("$ORIGIN a. b.\n"), "zone.db:1:12", "unexpected 'b.' after $ORIGIN a.");
    expect_one_error(parse("$ORIGIN a..b.\n"), "zone.db:1:9", "bad $ORIGIN: empty label");
    expect_one_error(parse("  $TTL 300\n"), "zone.db:1:3", "must start at the beginning of its line");
    expect_one_error(parse("$INCLUDE\n"), "zone.db:1:1", "$INCLUDE needs a file name");
}

TEST(ZoneParserErrors, LexicalErrorsCarryTheFileName) {
    expect_one_error(parse("a TXT \"open\n"), "zone.db:1:7", "unterminated quoted string");
    expect_one_error(parse("a A 192.0.2.1\nb TXT ( x\n"), "zone.db:2:7", "'(' is never closed");
}

TEST(ZoneParserErrors, SeveralErrorsInOneRun) {
    auto z = parse(std::string(kHead) +
                   "good1 A 192.0.2.1\n"
                   "bad1 AAA 2001:db8::1\n"
                   "good2 A 192.0.2.2\n"
                   "bad2 A 192.0.2.999\n"
                   "bad3 TXT \"unterminated\n"
                   "bad4 CH A 192.0.2.3\n"
                   "good3 MX 10 good1\n");
    ASSERT_EQ(z.errors.size(), 4u) << errors_of(z);
    EXPECT_EQ(z.errors[0].where, "zone.db:5:6");
    EXPECT_EQ(z.errors[1].where, "zone.db:7:8");
    EXPECT_EQ(z.errors[2].where, "zone.db:8:10");
    EXPECT_EQ(z.errors[3].where, "zone.db:9:6");
    EXPECT_EQ(z.records.size(), 5u);  // everything that was right is still read
}

TEST(ZoneParserErrors, MessagesShowControlBytesEscapedAndLongTokensCut) {
    auto z = parse("a A \x1b[2Jx\n@ DNSKEY 257 3 13 " + std::string(2000, '*') + "\n");
    ASSERT_EQ(z.errors.size(), 2u);
    EXPECT_NE(z.errors[0].what.find("found '\\027[2Jx'"), std::string::npos) << z.errors[0].what;
    EXPECT_LT(z.errors[1].what.size(), 500u);
}

TEST(ZoneParserErrors, StopsAtMaxErrors) {
    std::string text;
    for (int i = 0; i < 20; ++i) text += "x" + std::to_string(i) + " BOGUS 1\n";
    auto o = options();
    o.max_errors = 5;
    auto z = parse(text, o);
    EXPECT_EQ(z.errors.size(), 5u);
    EXPECT_EQ(z.errors.back().where, "zone.db:5:4");
}

TEST(ZoneParserErrors, MissingFile) {
    auto z = parse_zone_file("/nonexistent/zone.db", options());
    ASSERT_EQ(z.errors.size(), 1u);
    EXPECT_EQ(z.errors[0].where, "/nonexistent/zone.db");
    EXPECT_NE(z.errors[0].what.find("cannot open"), std::string::npos);
}

// ---- $INCLUDE ----

class ZoneInclude : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = ::testing::TempDir() + "zone_include_" + std::to_string(::getpid()) + "_" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name();
        ::mkdir(dir_.c_str(), 0755);
        ::mkdir((dir_ + "/sub").c_str(), 0755);
    }
    void write(const std::string& relative, const std::string& text) {
        std::ofstream(dir_ + "/" + relative) << text;
    }
    std::string path(const std::string& relative) const { return dir_ + "/" + relative; }
    std::string dir_;
};

TEST_F(ZoneInclude, RelativeToTheIncludingFileWithOriginArgument) {
    write("main.db", std::string(kHead) +
                         "before A 192.0.2.1\n"
                         "$INCLUDE sub/hosts.db\n"
                         "  A 192.0.2.9\n"  // the owner is still 'before' after the include
                         "$INCLUDE sub/hosts.db lab ; with an origin\n"
                         "after A 192.0.2.2\n");
    write("sub/hosts.db", "$INCLUDE more.db\nhost TXT \"in hosts\"\n");
    write("sub/more.db", "deep 60 A 192.0.2.3\n");
    auto z = parse_zone_file(path("main.db"), options());
    ASSERT_TRUE(z.ok()) << errors_of(z);
    ASSERT_EQ(z.records.size(), 9u);
    EXPECT_EQ(z.records[3].owner, name("deep.example.com."));
    EXPECT_EQ(z.records[4].owner, name("host.example.com."));
    EXPECT_EQ(z.records[5].owner, name("before.example.com."));
    EXPECT_EQ(z.records[6].owner, name("deep.lab.example.com."));
    EXPECT_EQ(z.records[7].owner, name("host.lab.example.com."));
    EXPECT_EQ(z.records[8].owner, name("after.example.com."));  // the origin is back
    EXPECT_EQ(z.records[8].ttl, 3600u);                         // $TTL still applies
    ASSERT_EQ(z.files.size(), 5u);
    EXPECT_EQ(z.files[1], path("sub/hosts.db"));
    EXPECT_EQ(z.files[2], path("sub/more.db"));
    EXPECT_EQ(z.where(3), path("sub/more.db") + ":1:1");
    EXPECT_EQ(z.where(4), path("sub/hosts.db") + ":2:1");
}

TEST_F(ZoneInclude, ErrorsInsideAnIncludedFileNameThatFile) {
    write("main.db", "$INCLUDE part.db\nok A 192.0.2.1\n");
    write("part.db", "a A 192.0.2.1\nb AAA ::1\n");
    auto z = parse_zone_file(path("main.db"), options());
    expect_one_error(z, path("part.db") + ":2:3", "unknown RR type 'AAA'");
    EXPECT_EQ(z.records.size(), 2u);
}

TEST_F(ZoneInclude, IncludedFileStartsWithoutAnOwner) {
    write("main.db", "a A 192.0.2.1\n$INCLUDE part.db\n");
    write("part.db", "  A 192.0.2.2\n");
    expect_one_error(parse_zone_file(path("main.db"), options()), path("part.db") + ":1:3",
                     "no previous record");
}

TEST_F(ZoneInclude, LoopIsDetected) {
    write("a.db", "a A 192.0.2.1\n$INCLUDE b.db\n");
    write("b.db", "b A 192.0.2.2\n$INCLUDE a.db\n");
    auto z = parse_zone_file(path("a.db"), options());
    expect_one_error(z, path("b.db") + ":2:10", "$INCLUDE loop");
    EXPECT_NE(z.errors[0].what.find("a.db' is already being read"), std::string::npos);
    EXPECT_EQ(z.records.size(), 2u);
}

TEST_F(ZoneInclude, SelfIncludeIsALoop) {
    write("self.db", "$INCLUDE self.db\n");
    expect_one_error(parse_zone_file(path("self.db"), options()), path("self.db") + ":1:10", "$INCLUDE loop");
}

TEST_F(ZoneInclude, DepthIsLimited) {
    for (int i = 0; i < 5; ++i)
        write("d" + std::to_string(i) + ".db", "$INCLUDE d" + std::to_string(i + 1) + ".db\n");
    write("d5.db", "leaf A 192.0.2.1\n");
    auto o = options();
    o.max_include_depth = 3;
    expect_one_error(parse_zone_file(path("d0.db"), o), path("d2.db") + ":1:10",
                     "$INCLUDE nested deeper than 3");
    o.max_include_depth = 16;
    EXPECT_TRUE(parse_zone_file(path("d0.db"), o).ok());
}

TEST_F(ZoneInclude, MissingAndSpecialFiles) {
    write("main.db", "$INCLUDE nothere.db\n$INCLUDE /dev/zero\n$INCLUDE sub\n");
    auto z = parse_zone_file(path("main.db"), options());
    ASSERT_EQ(z.errors.size(), 3u) << errors_of(z);
    EXPECT_EQ(z.errors[0].where, path("main.db") + ":1:10");
    EXPECT_NE(z.errors[0].what.find("No such file"), std::string::npos);
    EXPECT_NE(z.errors[1].what.find("not a regular file"), std::string::npos);
    EXPECT_NE(z.errors[2].what.find("not a regular file"), std::string::npos);
}

TEST_F(ZoneInclude, CanBeDisabled) {
    write("part.db", "a A 192.0.2.1\n");
    auto o = options();
    o.allow_include = false;
    expect_one_error(parse("$INCLUDE " + path("part.db") + "\n", o), "zone.db:1:1",
                     "$INCLUDE is not allowed");
}

TEST_F(ZoneInclude, TextIncludesRelativeToTheCurrentDirectory) {
    write("part.db", "a A 192.0.2.1\n");
    auto z = parse("$INCLUDE " + path("part.db") + " sub\n");
    ASSERT_TRUE(z.ok()) << errors_of(z);
    EXPECT_EQ(z.records[0].owner, name("a.sub.example.com."));
}

}  // namespace
}  // namespace danemail::dns

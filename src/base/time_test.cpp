// Tests for DNSSEC time handling: the YYYYMMDDHHMMSS presentation form of RRSIG times (RFC 4034 §3.2), the
// 32-bit wire value nearest a reference time (§3.1.5), and RFC 1982 serial-number comparison.
#include "base/time.h"

#include <gtest/gtest.h>

namespace danemail {
namespace {

TEST(DnssecTime, ParseKnownInstants) {
    EXPECT_EQ(parse_dnssec_time("19700101000000"), 0);
    EXPECT_EQ(parse_dnssec_time("20000101000000"), 946684800);
    EXPECT_EQ(parse_dnssec_time("20240229123456"), 1709210096);  // a leap day
    EXPECT_EQ(parse_dnssec_time("21060207062815"), 4294967295);  // the largest 32-bit wire value
    EXPECT_EQ(parse_dnssec_time("21060207062816"), 4294967296);  // and beyond it: 64-bit internally
    EXPECT_EQ(parse_dnssec_time("19691231235959"), -1);
}

TEST(DnssecTime, RejectsInvalidDates) {
    for (const char* bad :
         {"2024010100000", "202401010000000", "2024010100000a", "20240001000000", "20241301000000",
          "20240100000000", "20240132000000", "20230229000000", "21000229000000", "20240101240000",
          "20240101006000", "20240101000060", "+2024010100000", " 20240101000000", ""})
        EXPECT_FALSE(parse_dnssec_time(bad)) << bad;
    EXPECT_TRUE(parse_dnssec_time("20000229000000"));  // 2000 is a leap year, 2100 is not
}

TEST(DnssecTime, FormatAndRoundTrip) {
    EXPECT_EQ(format_dnssec_time(0), "19700101000000");
    EXPECT_EQ(format_dnssec_time(1709210096), "20240229123456");
    EXPECT_EQ(format_dnssec_time(4294967295), "21060207062815");
    for (UnixTime t = -86400; t < 5'000'000'000; t += 7'777'777)
        EXPECT_EQ(parse_dnssec_time(format_dnssec_time(t)), t);
}

TEST(DnssecTime, WireValueNearestTheReference) {
    const UnixTime now = 1'700'000'000;  // November 2023
    EXPECT_EQ(from_wire_time(to_wire_time(now + 1000), now), now + 1000);
    EXPECT_EQ(from_wire_time(to_wire_time(now - 1000), now), now - 1000);
    // After 2106 the wire value wraps; relative to a reference then, it still means the near time.
    const UnixTime after_wrap = 4'294'967'296 + 5000;
    EXPECT_EQ(to_wire_time(after_wrap), 5000u);
    EXPECT_EQ(from_wire_time(5000, after_wrap - 100), after_wrap);
    EXPECT_EQ(from_wire_time(4294967000u, 4'294'967'296 + 100), 4294967000);
}

TEST(SerialArithmetic, Rfc1982Comparison) {
    EXPECT_TRUE(serial_less(1, 2));
    EXPECT_FALSE(serial_less(2, 1));
    EXPECT_FALSE(serial_less(5, 5));
    EXPECT_TRUE(serial_less(0xFFFFFFFF, 0));  // wraps around
    EXPECT_TRUE(serial_less(0xFFFFFF00, 0x00000100));
    EXPECT_FALSE(serial_less(0x00000100, 0xFFFFFF00));
    EXPECT_TRUE(serial_less(0, 0x7FFFFFFF));   // the largest step forward
    EXPECT_FALSE(serial_less(0, 0x80000000));  // 2^31 apart: undefined, neither precedes
    EXPECT_FALSE(serial_less(0x80000000, 0));
    // RRSIG validity across the 2106 wrap: inception before expiration in serial terms.
    EXPECT_TRUE(serial_less(to_wire_time(4'294'967'000), to_wire_time(4'294'967'296 + 86400)));
}

}  // namespace
}  // namespace danemail

// Tests of the value forms of danemail.toml: listen addresses, host names and byte sizes.
#include "app/config_values.h"

#include <gtest/gtest.h>

namespace danemail::app {
namespace {

TEST(AddressAndPort, ParsesIpv4AndBracketedIpv6) {
    auto v4 = parse_listen_address("192.0.2.1:25");
    ASSERT_TRUE(v4) << v4.error().to_string();
    EXPECT_EQ(v4->address, "192.0.2.1");
    EXPECT_EQ(v4->port, 25);
    auto v6 = parse_listen_address("[2001:db8::1]:465");
    ASSERT_TRUE(v6) << v6.error().to_string();
    EXPECT_EQ(v6->address, "2001:db8::1");
    EXPECT_EQ(v6->port, 465);
    for (const char* bad :
         {"", "192.0.2.1", "192.0.2.1:", ":25", "2001:db8::1:25", "[2001:db8::1]25", "[192.0.2.1]:25",
          "host.example:25", "192.0.2.1:0", "192.0.2.1:65536", "192.0.2.1:25x", "[::1]:-1", "192.0.2.300:25"})
        EXPECT_FALSE(parse_listen_address(bad)) << bad;
}

TEST(AddressAndPort, FormatsBothFamilies) {
    EXPECT_EQ(format_listen_address("127.0.0.1", 25), "127.0.0.1:25");
    EXPECT_EQ(format_listen_address("::1", 587), "[::1]:587");
    auto back = parse_listen_address(format_listen_address("2001:db8::5", 465));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->address, "2001:db8::5");
}

TEST(HostName, AcceptsLdhNamesAndLowerCases) {
    EXPECT_EQ(*parse_host_name("MX.Example.ORG"), "mx.example.org");
    EXPECT_EQ(*parse_host_name("mx.example.org."), "mx.example.org");
    EXPECT_EQ(*parse_host_name("xn--bcher-kva.example"), "xn--bcher-kva.example");
    EXPECT_EQ(*parse_host_name("a-1.b2"), "a-1.b2");
    const std::string long_label(64, 'a');
    std::string too_long;
    for (int i = 0; i < 64; ++i) too_long += "abc.";
    too_long += "test";
    for (const std::string& bad :
         {std::string(""), std::string("."), std::string("mx"), std::string("mx..a"), std::string(".mx.a"),
          std::string("-mx.a"), std::string("mx-.a"), std::string("mx_1.a"), std::string("mx a.b"),
          std::string("bücher.example"), long_label + ".test", too_long})
        EXPECT_FALSE(parse_host_name(bad)) << bad;
}

TEST(ByteSize, SuffixesAreBinaryMultiples) {
    EXPECT_EQ(*parse_byte_size("0"), 0u);
    EXPECT_EQ(*parse_byte_size("52428800"), 52428800u);
    EXPECT_EQ(*parse_byte_size("10k"), 10240u);
    EXPECT_EQ(*parse_byte_size("10K"), 10240u);
    EXPECT_EQ(*parse_byte_size("50M"), 50u << 20);
    EXPECT_EQ(*parse_byte_size("2g"), 2ull << 30);
    for (const char* bad : {"", "k", "M", "1.5M", "-1", "10 k", "10kb", "10T", "99999999999999999999"})
        EXPECT_FALSE(parse_byte_size(bad)) << bad;
    EXPECT_FALSE(parse_byte_size("18014398509481984k"));  // overflows 64 bits
}

}  // namespace
}  // namespace danemail::app

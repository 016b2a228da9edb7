// Tests of the address forms the store accepts from operators and how SMTP recipients are split.
#include "store/address_syntax.h"

#include <gtest/gtest.h>

namespace danemail::store::detail {
namespace {

TEST(AddressSyntax, DomainsAreLowerCasedAndChecked) {
    EXPECT_EQ(*parse_domain("Example.ORG"), "example.org");
    EXPECT_EQ(*parse_domain("mail.example.org."), "mail.example.org");
    EXPECT_EQ(*parse_domain("xn--bcher-kva.example"), "xn--bcher-kva.example");
    for (const char* bad :
         {"", ".", "a..b", "-a.org", "a-.org", "a_b.org", "exa mple.org", "[127.0.0.1]", "ex@mple.org"}) {
        EXPECT_FALSE(parse_domain(bad).ok()) << bad;
    }
    EXPECT_FALSE(parse_domain(std::string(64, 'a') + ".org").ok());
    const std::string label(63, 'a');
    EXPECT_TRUE(parse_domain(label + "." + label + "." + label + "." + std::string(61, 'a')).ok());  // 253
    EXPECT_FALSE(parse_domain(label + "." + label + "." + label + "." + label).ok());                // 255
}

TEST(AddressSyntax, OperatorAddressesAreDotAtoms) {
    auto parts = parse_operator_address("Alice.Smith+tag@Example.ORG");
    ASSERT_TRUE(parts.ok());
    EXPECT_EQ(parts->local_part, "Alice.Smith+tag");
    EXPECT_EQ(parts->domain, "example.org");
    EXPECT_EQ(parts->address(), "Alice.Smith+tag@example.org");
    for (const char* bad :
         {"alice", "@example.org", "alice@", "a@b@example.org", ".alice@example.org", "alice.@example.org",
          "al..ice@example.org", "\"al ice\"@example.org", "al(ice@example.org", "alice@exa_mple.org"}) {
        EXPECT_FALSE(parse_operator_address(bad).ok()) << bad;
    }
    EXPECT_FALSE(parse_operator_address(std::string(65, 'a') + "@example.org").ok());
    EXPECT_TRUE(parse_operator_address(std::string(64, 'a') + "@example.org").ok());
}

TEST(AddressSyntax, ErrorsSayWhatWasExpected) {
    auto result = parse_operator_address("alice");
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().what.find("expected local@domain"), std::string::npos);
}

TEST(AddressSyntax, RecipientsSplitAtTheLastAt) {
    auto plain = split_address("Bob@Example.Org");
    ASSERT_TRUE(plain.ok());
    EXPECT_EQ(plain->local_part, "Bob");
    EXPECT_EQ(plain->domain, "example.org");
    // A quoted local part "u@ext" arrives unquoted: the domain is still the part after the last '@'.
    auto quoted = split_address("u@ext@local.test");
    ASSERT_TRUE(quoted.ok());
    EXPECT_EQ(quoted->local_part, "u@ext");
    EXPECT_EQ(quoted->domain, "local.test");
    auto percent = split_address("u%ext@local.test");
    ASSERT_TRUE(percent.ok());
    EXPECT_EQ(percent->local_part, "u%ext");
    EXPECT_EQ(percent->domain, "local.test");
    EXPECT_FALSE(split_address("nobody").ok());
    EXPECT_FALSE(split_address("@local.test").ok());
    EXPECT_FALSE(split_address("u@").ok());
    EXPECT_FALSE(split_address("u@.").ok());
}

}  // namespace
}  // namespace danemail::store::detail

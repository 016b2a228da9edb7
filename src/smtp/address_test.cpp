// Tests of the SMTP path parser (address.h): RFC 5321 §4.1.2 syntax and §4.5.3.1 limits, RFC 6531 UTF-8,
// and every address form used to make servers relay: each either parses to exactly the local part and
// domain the RFC defines, or is refused.
#include "smtp/address.h"

#include <gtest/gtest.h>

namespace danemail::smtp {
namespace {

Mailbox parse_ok(std::string_view text, PathOptions options = {}) {
    auto parsed = parse_path(text, options);
    EXPECT_TRUE(parsed.ok()) << text << ": " << (parsed.ok() ? "" : parsed.error().what);
    return parsed.ok() ? *parsed : Mailbox{};
}

std::string parse_error(std::string_view text, PathOptions options = {}) {
    auto parsed = parse_path(text, options);
    EXPECT_FALSE(parsed.ok()) << text << " parsed as " << (parsed.ok() ? parsed->to_string() : "");
    return parsed.ok() ? std::string() : parsed.error().what;
}

TEST(Address, PlainMailbox) {
    Mailbox m = parse_ok("<Alice.Smith@Example.ORG>");
    EXPECT_EQ(m.local_part, "Alice.Smith");  // RFC 5321 §2.4: the local part keeps its case
    EXPECT_EQ(m.domain, "example.org");      // the domain is compared without case: lower-cased
    EXPECT_EQ(m.to_string(), "Alice.Smith@example.org");
}

TEST(Address, AtextSpecialsInLocalPart) {
    Mailbox m = parse_ok("<a!#$%&'*+-/=?^_`{|}~z@example.org>");
    EXPECT_EQ(m.local_part, "a!#$%&'*+-/=?^_`{|}~z");
}

TEST(Address, PercentHackIsALocalPart) {
    // "u%ext@local": the '%' routing hack is never interpreted; the local part is "u%ext".
    Mailbox m = parse_ok("<u%ext@local.example>");
    EXPECT_EQ(m.local_part, "u%ext");
    EXPECT_EQ(m.domain, "local.example");
}

TEST(Address, BangPathIsALocalPart) {
    Mailbox m = parse_ok("<ext!u@local.example>");
    EXPECT_EQ(m.local_part, "ext!u");
    EXPECT_EQ(m.domain, "local.example");
}

TEST(Address, QuotedAtSignStaysInTheLocalPart) {
    Mailbox m = parse_ok("<\"u@ext\"@local.example>");
    EXPECT_EQ(m.local_part, "u@ext");
    EXPECT_EQ(m.domain, "local.example");
    EXPECT_EQ(m.to_string(), "\"u@ext\"@local.example");
}

TEST(Address, SourceRoutesAreRefused) {
    EXPECT_NE(parse_error("<@local.example:u@ext.example>").find("source route"), std::string::npos);
    EXPECT_NE(parse_error("<@a.example,@b.example:u@c.example>").find("source route"), std::string::npos);
}

TEST(Address, SecondAtSignIsRefused) {
    EXPECT_NE(parse_error("<u@ext.example@local.example>").find("'@'"), std::string::npos);
}

TEST(Address, AddressLiteralsAreRefused) {
    EXPECT_NE(parse_error("<u@[127.0.0.1]>").find("literal"), std::string::npos);
    EXPECT_NE(parse_error("<u@[IPv6:::1]>").find("literal"), std::string::npos);
}

TEST(Address, QuotedStrings) {
    EXPECT_EQ(parse_ok("<\"john doe\"@example.org>").local_part, "john doe");
    Mailbox escaped = parse_ok("<\"a\\\"b\\\\c\"@example.org>");
    EXPECT_EQ(escaped.local_part, "a\"b\\c");
    EXPECT_EQ(escaped.to_string(), "\"a\\\"b\\\\c\"@example.org");
    EXPECT_EQ(parse_ok("<\"a>b\"@example.org>").local_part, "a>b");
    // A quoted local part that is a plain dot-string loses its quotes when printed.
    EXPECT_EQ(parse_ok("<\"alice\"@example.org>").to_string(), "alice@example.org");
}

TEST(Address, BadQuotedStrings) {
    parse_error("<\"unbalanced@example.org>");
    parse_error("<\"\"@example.org>");         // empty
    parse_error("<\"a\"b@example.org>");       // text after the closing quote
    parse_error("<\"a\tb\"@example.org>");     // control character
    parse_error("<\"a\\\x01\"@example.org>");  // quoted-pairSMTP is %d92 %d32-126
}

TEST(Address, BadDotStrings) {
    parse_error("<.a@example.org>");
    parse_error("<a.@example.org>");
    parse_error("<a..b@example.org>");
    parse_error("<a b@example.org>");
    parse_error("<a,b@example.org>");
    parse_error("<a:b@example.org>");
    parse_error("<a(b)@example.org>");
}

TEST(Address, BadDomains) {
    parse_error("<a@>");
    parse_error("<a@example..org>");
    parse_error("<a@.example.org>");
    parse_error("<a@example.org.>");
    parse_error("<a@-example.org>");
    parse_error("<a@example-.org>");
    parse_error("<a@exa_mple.org>");
    parse_error("<a@" + std::string(64, 'x') + ".org>");  // a label of 64 octets
    EXPECT_EQ(parse_ok("<a@" + std::string(63, 'x') + ".org>").domain, std::string(63, 'x') + ".org");
}

// RFC 5321 §4.1.1.3: the one address without a domain.
TEST(Address, DomainlessPostmaster) {
    EXPECT_EQ(parse_ok("<postmaster>"), (Mailbox{"postmaster", ""}));
    EXPECT_EQ(parse_ok("<PostMaster>"), (Mailbox{"postmaster", ""}));
    EXPECT_EQ(parse_ok("<postmaster>").to_string(), "postmaster");
    parse_error("<postmaster@>");
}

TEST(Address, MissingParts) {
    EXPECT_NE(parse_error("<postmistress>").find("no domain"), std::string::npos);
    parse_error("<@example.org>");
    parse_error("<>");
    parse_error("a@example.org");  // angle brackets are required
    parse_error("<a@example.org");
    parse_error("a@example.org>");
    parse_error("");
}

TEST(Address, LengthLimits) {
    std::string local64(64, 'l');
    EXPECT_EQ(parse_ok("<" + local64 + "@example.org>").local_part, local64);  // §4.5.3.1.1: 64 is fine
    parse_error("<" + local64 + "l@example.org>");
    std::string labels;
    while (labels.size() < 250) labels += std::string(9, 'd') + ".";
    parse_error("<a@" + labels + "org>");  // path over 256 octets (§4.5.3.1.3)
}

TEST(Address, Utf8NeedsSmtputf8) {
    std::string utf8 =
        "<\xd0\xbf\xd0\xbe\xd1\x87\xd1\x82\xd0\xb0@\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.example>";
    EXPECT_NE(parse_error(utf8).find("SMTPUTF8"), std::string::npos);
    Mailbox m = parse_ok(utf8, PathOptions{true});
    EXPECT_EQ(m.local_part, "\xd0\xbf\xd0\xbe\xd1\x87\xd1\x82\xd0\xb0");
    EXPECT_EQ(m.domain, "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.example");
    EXPECT_EQ(m.to_string(), utf8.substr(1, utf8.size() - 2));
    // Malformed UTF-8 is refused even with SMTPUTF8: a lone continuation byte, an overlong, a surrogate.
    parse_error("<a\x80@example.org>", PathOptions{true});
    parse_error("<a\xc0\xaf@example.org>", PathOptions{true});
    parse_error("<a@\xed\xa0\x80.example>", PathOptions{true});
    parse_error("<a\xe2\x82@example.org>", PathOptions{true});  // truncated sequence
}

TEST(Address, ReversePath) {
    auto null_path = parse_reverse_path("<>");
    ASSERT_TRUE(null_path.ok());
    EXPECT_TRUE(null_path->local_part.empty());
    EXPECT_TRUE(null_path->domain.empty());
    EXPECT_EQ(null_path->to_string(), "");
    auto sender = parse_reverse_path("<bounce@Example.org>");
    ASSERT_TRUE(sender.ok());
    EXPECT_EQ(sender->to_string(), "bounce@example.org");
    EXPECT_FALSE(parse_reverse_path("<@a.example:u@b.example>").ok());
    EXPECT_FALSE(parse_reverse_path("< >").ok());
}

}  // namespace
}  // namespace danemail::smtp

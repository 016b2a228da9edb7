// Tests of SMTP command-line parsing (command.h): verbs (RFC 5321 §4.1.1, case-insensitive per §2.4), the
// MAIL/RCPT path argument with ESMTP parameters (§4.1.2), and the BDAT argument (RFC 3030 §2).
#include "smtp/command.h"

#include <gtest/gtest.h>

namespace danemail::smtp {
namespace {

TEST(CommandLine, VerbsIgnoreCase) {
    EXPECT_EQ(parse_command_line("EHLO client.example").verb, Verb::Ehlo);
    EXPECT_EQ(parse_command_line("ehlo client.example").verb, Verb::Ehlo);
    EXPECT_EQ(parse_command_line("HeLo x").verb, Verb::Helo);
    EXPECT_EQ(parse_command_line("mail FROM:<a@b.example>").verb, Verb::Mail);
    EXPECT_EQ(parse_command_line("Rcpt TO:<a@b.example>").verb, Verb::Rcpt);
    EXPECT_EQ(parse_command_line("data").verb, Verb::Data);
    EXPECT_EQ(parse_command_line("bdat 10 last").verb, Verb::Bdat);
    EXPECT_EQ(parse_command_line("rset").verb, Verb::Rset);
    EXPECT_EQ(parse_command_line("noop anything").verb, Verb::Noop);
    EXPECT_EQ(parse_command_line("quit").verb, Verb::Quit);
    EXPECT_EQ(parse_command_line("vrfy a").verb, Verb::Vrfy);
    EXPECT_EQ(parse_command_line("expn a").verb, Verb::Expn);
    EXPECT_EQ(parse_command_line("help").verb, Verb::Help);
    EXPECT_EQ(parse_command_line("StartTLS").verb, Verb::StartTls);
    EXPECT_EQ(parse_command_line("auth plain").verb, Verb::Auth);
}

TEST(CommandLine, UnknownVerbs) {
    EXPECT_EQ(parse_command_line("").verb, Verb::Unknown);
    EXPECT_EQ(parse_command_line("MAILFROM:<a@b>").verb, Verb::Unknown);
    EXPECT_EQ(parse_command_line("GET / HTTP/1.1").verb, Verb::Unknown);
    EXPECT_EQ(parse_command_line(" EHLO x").verb, Verb::Unknown);
    EXPECT_EQ(parse_command_line("EHL").verb, Verb::Unknown);
}

TEST(CommandLine, Argument) {
    EXPECT_EQ(parse_command_line("EHLO client.example").argument, "client.example");
    EXPECT_EQ(parse_command_line("EHLO client.example  \t").argument, "client.example");
    EXPECT_EQ(parse_command_line("DATA").argument, "");
    EXPECT_EQ(parse_command_line("DATA ").argument, "");
    EXPECT_EQ(parse_command_line("AUTH PLAIN abc=").argument, "PLAIN abc=");
}

TEST(PathArgument, Plain) {
    auto parsed = parse_path_argument("FROM:<a@b.example>", "FROM:");
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->path, "<a@b.example>");
    EXPECT_TRUE(parsed->parameters.empty());
}

TEST(PathArgument, KeywordIgnoresCaseAndOneSpaceIsTolerated) {
    auto lower = parse_path_argument("from:<a@b.example>", "FROM:");
    ASSERT_TRUE(lower.ok());
    EXPECT_EQ(lower->path, "<a@b.example>");
    auto spaced = parse_path_argument("To: <a@b.example>", "TO:");
    ASSERT_TRUE(spaced.ok());
    EXPECT_EQ(spaced->path, "<a@b.example>");
    EXPECT_FALSE(parse_path_argument("TO:  <a@b.example>", "TO:").ok());
    EXPECT_FALSE(parse_path_argument("TO <a@b.example>", "TO:").ok());
    EXPECT_FALSE(parse_path_argument("FROM:<a@b.example>", "TO:").ok());
}

TEST(PathArgument, NullPath) {
    auto parsed = parse_path_argument("FROM:<>", "FROM:");
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->path, "<>");
}

TEST(PathArgument, Parameters) {
    auto parsed = parse_path_argument("FROM:<a@b.example> SIZE=1000 BODY=8BITMIME  SMTPUTF8", "FROM:");
    ASSERT_TRUE(parsed.ok());
    ASSERT_EQ(parsed->parameters.size(), 3u);
    EXPECT_EQ(parsed->parameters[0].keyword, "SIZE");
    EXPECT_EQ(parsed->parameters[0].value, "1000");
    EXPECT_TRUE(parsed->parameters[0].has_value);
    EXPECT_EQ(parsed->parameters[1].keyword, "BODY");
    EXPECT_EQ(parsed->parameters[1].value, "8BITMIME");
    EXPECT_EQ(parsed->parameters[2].keyword, "SMTPUTF8");
    EXPECT_FALSE(parsed->parameters[2].has_value);
}

TEST(PathArgument, MalformedParameters) {
    EXPECT_FALSE(parse_path_argument("FROM:<a@b.example>SIZE=10", "FROM:").ok());
    EXPECT_FALSE(parse_path_argument("FROM:<a@b.example> SIZE=", "FROM:").ok());
    EXPECT_FALSE(parse_path_argument("FROM:<a@b.example> =10", "FROM:").ok());
    EXPECT_FALSE(parse_path_argument("FROM:<a@b.example> -SIZE=10", "FROM:").ok());
    EXPECT_FALSE(parse_path_argument("FROM:<a@b.example> SIZE=1=0", "FROM:").ok());
    EXPECT_FALSE(parse_path_argument("FROM:<a@b.example> S_ZE=10", "FROM:").ok());
}

TEST(PathArgument, QuotedAngleBracketDoesNotEndThePath) {
    auto parsed = parse_path_argument("TO:<\"a> b\"@c.example> X=1", "TO:");
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->path, "<\"a> b\"@c.example>");
    ASSERT_EQ(parsed->parameters.size(), 1u);
    auto escaped = parse_path_argument("TO:<\"a\\\">\"@c.example>", "TO:");
    ASSERT_TRUE(escaped.ok());
    EXPECT_EQ(escaped->path, "<\"a\\\">\"@c.example>");
}

TEST(PathArgument, MissingBrackets) {
    EXPECT_FALSE(parse_path_argument("FROM:a@b.example", "FROM:").ok());
    EXPECT_FALSE(parse_path_argument("FROM:<a@b.example", "FROM:").ok());
    EXPECT_FALSE(parse_path_argument("FROM:", "FROM:").ok());
    EXPECT_FALSE(parse_path_argument("", "FROM:").ok());
}

TEST(Bdat, Argument) {
    auto chunk = parse_bdat_argument("100");
    ASSERT_TRUE(chunk.ok());
    EXPECT_EQ(chunk->size, 100u);
    EXPECT_FALSE(chunk->last);
    auto last = parse_bdat_argument("0 last");
    ASSERT_TRUE(last.ok());
    EXPECT_EQ(last->size, 0u);
    EXPECT_TRUE(last->last);
    EXPECT_EQ(parse_bdat_argument("9999999999999999999")->size, 9999999999999999999u);
}

TEST(Bdat, BadArguments) {
    EXPECT_FALSE(parse_bdat_argument("").ok());
    EXPECT_FALSE(parse_bdat_argument("abc").ok());
    EXPECT_FALSE(parse_bdat_argument("-1").ok());
    EXPECT_FALSE(parse_bdat_argument("10 MORE").ok());
    EXPECT_FALSE(parse_bdat_argument("10 LAST x").ok());
    EXPECT_FALSE(parse_bdat_argument("99999999999999999999").ok());  // 20 digits
    EXPECT_FALSE(parse_bdat_argument(" 10").ok());
}

TEST(Keyword, EqualsIgnoringCase) {
    EXPECT_TRUE(equals_ignoring_case("SmtpUtf8", "SMTPUTF8"));
    EXPECT_FALSE(equals_ignoring_case("SMTPUTF", "SMTPUTF8"));
    EXPECT_FALSE(equals_ignoring_case("SIZE", "SIZF"));
}

}  // namespace
}  // namespace danemail::smtp

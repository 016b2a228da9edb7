// Tests of the master-file lexer (RFC 1035 §5.1): entries, parentheses, comments, quoting, escapes,
// blank owners, positions and the errors for unbalanced parentheses and unterminated quotes.
#include "dns/zone_lexer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace danemail::dns {
namespace {

struct LexedEntry {
    std::vector<TextToken> tokens;
    bool owner_omitted = false;
};

struct Lexed {
    std::vector<LexedEntry> entries;
    std::vector<Error> errors;
};

Lexed lex(std::string_view text) {
    Lexed out;
    ZoneLexer lexer(text);
    ZoneEntry entry;
    Error error;
    while (true) {
        auto next = lexer.next(entry, error);
        if (next == ZoneLexer::Next::kEnd) break;
        if (next == ZoneLexer::Next::kError) {
            out.errors.push_back(error);
            continue;
        }
        auto tokens = entry.tokens();
        out.entries.push_back({{tokens.begin(), tokens.end()}, entry.owner_omitted});
    }
    return out;
}

std::vector<std::string> texts(const LexedEntry& e) {
    std::vector<std::string> out;
    for (const auto& t : e.tokens) out.push_back(t.text);
    return out;
}

using Strings = std::vector<std::string>;

TEST(ZoneLexer, SplitsEntriesAndSkipsBlankLinesAndComments) {
    auto l = lex("a 1 IN A 192.0.2.1 ; comment\n\n   ; only a comment\n\tb A 192.0.2.2\n");
    ASSERT_TRUE(l.errors.empty());
    ASSERT_EQ(l.entries.size(), 2u);
    EXPECT_EQ(texts(l.entries[0]), (Strings{"a", "1", "IN", "A", "192.0.2.1"}));
    EXPECT_FALSE(l.entries[0].owner_omitted);
    EXPECT_EQ(texts(l.entries[1]), (Strings{"b", "A", "192.0.2.2"}));
    EXPECT_TRUE(l.entries[1].owner_omitted);
}

TEST(ZoneLexer, TracksLinesAndColumns) {
    auto l = lex("a A 1.2.3.4\n  b\tTXT x\n");
    ASSERT_EQ(l.entries.size(), 2u);
    EXPECT_EQ(l.entries[0].tokens[2].line, 1u);
    EXPECT_EQ(l.entries[0].tokens[2].column, 5u);
    EXPECT_EQ(l.entries[1].tokens[0].line, 2u);
    EXPECT_EQ(l.entries[1].tokens[0].column, 3u);
    EXPECT_EQ(l.entries[1].tokens[1].column, 5u);  // a tab counts as one column
}

TEST(ZoneLexer, ParenthesesJoinLinesAndCommentsInside) {
    auto l = lex("@ SOA ns hostmaster (\n   1 ; serial\n   2 3\n   4 5 )\nnext A 1.2.3.4\n");
    ASSERT_TRUE(l.errors.empty());
    ASSERT_EQ(l.entries.size(), 2u);
    EXPECT_EQ(texts(l.entries[0]), (Strings{"@", "SOA", "ns", "hostmaster", "1", "2", "3", "4", "5"}));
    EXPECT_EQ(l.entries[0].tokens[8].line, 4u);
    EXPECT_EQ(l.entries[0].tokens[8].column, 6u);
    EXPECT_EQ(texts(l.entries[1])[0], "next");
}

TEST(ZoneLexer, ParenthesesDelimitWords) {
    auto l = lex("a TXT(x)y\n");
    ASSERT_TRUE(l.errors.empty());
    EXPECT_EQ(texts(l.entries[0]), (Strings{"a", "TXT", "x", "y"}));
}

TEST(ZoneLexer, QuotedStringsKeepEscapesRaw) {
    auto l = lex(R"z(a TXT "hello world" "say \"hi\"" "a;b(c)" "" "\\\065")z"
                 "\n");
    ASSERT_TRUE(l.errors.empty());
    ASSERT_EQ(l.entries.size(), 1u);
    const auto& t = l.entries[0].tokens;
    ASSERT_EQ(t.size(), 7u);
    EXPECT_EQ(t[2].text, "hello world");
    EXPECT_TRUE(t[2].quoted);
    EXPECT_EQ(t[3].text, R"(say \"hi\")");
    EXPECT_EQ(t[4].text, "a;b(c)");
    EXPECT_EQ(t[5].text, "");
    EXPECT_TRUE(t[5].quoted);
    EXPECT_EQ(t[6].text, R"(\\\065)");
    EXPECT_FALSE(t[1].quoted);
}

TEST(ZoneLexer, QuotedPartInsideAWordJoinsIt) {
    auto l = lex(R"(_443._tcp SVCB 1 . alpn="h2,h3" key65000="a b"c port=443)"
                 "\n");
    ASSERT_TRUE(l.errors.empty());
    const auto& t = l.entries[0].tokens;
    ASSERT_EQ(t.size(), 7u);
    EXPECT_EQ(t[4].text, "alpn=h2,h3");
    EXPECT_FALSE(t[4].quoted);
    EXPECT_EQ(t[5].text, "key65000=a bc");
    EXPECT_EQ(t[6].text, "port=443");
}

TEST(ZoneLexer, BackslashEscapesKeepSpecialCharactersInWords) {
    auto l = lex(R"(a\ b\;c\(d\"e TXT x\ y)"
                 "\n");
    ASSERT_TRUE(l.errors.empty());
    EXPECT_EQ(texts(l.entries[0]), (Strings{R"(a\ b\;c\(d\"e)", "TXT", R"(x\ y)"}));
}

TEST(ZoneLexer, CarriageReturnsAreWhiteSpace) {
    auto l = lex("a A 1.2.3.4\r\nb A 1.2.3.5\r\n");
    ASSERT_EQ(l.entries.size(), 2u);
    EXPECT_EQ(texts(l.entries[0]), (Strings{"a", "A", "1.2.3.4"}));
}

TEST(ZoneLexer, LastLineWithoutNewline) {
    auto l = lex("a A 1.2.3.4");
    ASSERT_EQ(l.entries.size(), 1u);
    EXPECT_EQ(texts(l.entries[0]).back(), "1.2.3.4");
}

TEST(ZoneLexer, UnterminatedQuoteIsAnErrorAtTheQuote) {
    auto l = lex("a TXT \"abc\nb A 1.2.3.4\n");
    ASSERT_EQ(l.errors.size(), 1u);
    EXPECT_EQ(l.errors[0].where, "1:7");
    EXPECT_NE(l.errors[0].what.find("unterminated quoted string"), std::string::npos);
    ASSERT_EQ(l.entries.size(), 1u);  // lexing goes on with the next line
    EXPECT_EQ(texts(l.entries[0])[0], "b");
}

TEST(ZoneLexer, UnclosedParenthesisIsAnErrorAtTheParenthesis) {
    auto l = lex("a A 1.2.3.4\n@ SOA ns host (\n 1 2 3 4 5\n");
    ASSERT_EQ(l.errors.size(), 1u);
    EXPECT_EQ(l.errors[0].where, "2:15");
    EXPECT_NE(l.errors[0].what.find("'(' is never closed"), std::string::npos);
}

TEST(ZoneLexer, StrayClosingParenthesisIsAnError) {
    auto l = lex("a A 1.2.3.4 )\nb A 1.2.3.5\n");
    ASSERT_EQ(l.errors.size(), 1u);
    EXPECT_EQ(l.errors[0].where, "1:13");
    EXPECT_NE(l.errors[0].what.find("')' without a matching '('"), std::string::npos);
    ASSERT_EQ(l.entries.size(), 1u);
}

TEST(ZoneLexer, NestedParentheses) {
    auto l = lex("a TXT ( x ( y )\n z )\n");
    ASSERT_TRUE(l.errors.empty());
    EXPECT_EQ(texts(l.entries[0]), (Strings{"a", "TXT", "x", "y", "z"}));
}

TEST(ZoneLexer, DanglingBackslashAtEndOfInputStaysInTheToken) {
    auto l = lex("a TXT x\\");
    ASSERT_TRUE(l.errors.empty());
    EXPECT_EQ(texts(l.entries[0]).back(), "x\\");
}

TEST(ZoneLexer, EscapedNewlineCountsALine) {
    auto l = lex("a TXT x\\\ny\nb A 1.2.3.4\n");
    ASSERT_EQ(l.entries.size(), 2u);
    EXPECT_EQ(texts(l.entries[0]).back(), "x\\\ny");
    EXPECT_EQ(l.entries[1].tokens[0].line, 3u);
}

TEST(ZoneLexer, TokenStorageIsReused) {
    ZoneLexer lexer("a TXT aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\nb TXT c\n");
    ZoneEntry entry;
    Error error;
    ASSERT_EQ(lexer.next(entry, error), ZoneLexer::Next::kEntry);
    const void* storage = entry.storage.data();
    ASSERT_EQ(lexer.next(entry, error), ZoneLexer::Next::kEntry);
    EXPECT_EQ(entry.storage.data(), storage);
    EXPECT_EQ(entry.size, 3u);
    EXPECT_EQ(entry.tokens()[2].text, "c");
    EXPECT_EQ(lexer.next(entry, error), ZoneLexer::Next::kEnd);
}

}  // namespace
}  // namespace danemail::dns

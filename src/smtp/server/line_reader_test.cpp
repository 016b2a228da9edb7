// Tests of command-line framing (line_reader.h): CRLF lines split anywhere across reads, bare CR and LF
// under both policies (RFC 5321 §2.3.8), and the line-length limits (§4.5.3.1.4, RFC 4954 §4).
#include "smtp/server/line_reader.h"

#include <gtest/gtest.h>

#include <vector>

namespace danemail::smtp {
namespace {

struct ReadLine {
    std::string text;
    bool bare = false;
    bool too_long = false;
    bool operator==(const ReadLine&) const = default;
};

std::ostream& operator<<(std::ostream& os, const ReadLine& line) {
    return os << "{\"" << line.text << "\" bare=" << line.bare << " too_long=" << line.too_long << "}";
}

// Feeds `input` in pieces of `piece` octets; returns every complete line.
std::vector<ReadLine> read_all(LineReader& reader, std::string_view input, size_t piece = 0,
                               bool sasl_response = false) {
    std::vector<ReadLine> lines;
    if (piece == 0) piece = input.size();
    for (size_t start = 0; start < input.size(); start += piece) {
        std::string_view part = input.substr(start, piece);
        while (!part.empty()) {
            bool complete = false;
            size_t consumed = reader.read(part, sasl_response, complete);
            EXPECT_LE(consumed, part.size());
            if (complete) {
                const Line& line = reader.line();
                lines.push_back({std::string(line.text), line.bare_line_ending, line.too_long});
            } else {
                EXPECT_EQ(consumed, part.size());
            }
            part.remove_prefix(consumed);
        }
    }
    return lines;
}

TEST(LineReader, CrlfLines) {
    LineReader reader(LineEndingPolicy::Reject, 512, 12288);
    std::vector<ReadLine> expected{{"EHLO a"}, {"MAIL FROM:<a@b>"}, {""}};
    EXPECT_EQ(read_all(reader, "EHLO a\r\nMAIL FROM:<a@b>\r\n\r\n"), expected);
}

TEST(LineReader, EverySplitPoint) {
    std::string input = "EHLO a\r\nNOOP\r\nQUIT\r\n";
    for (size_t piece = 1; piece <= input.size(); ++piece) {
        LineReader reader(LineEndingPolicy::Reject, 512, 12288);
        std::vector<ReadLine> expected{{"EHLO a"}, {"NOOP"}, {"QUIT"}};
        EXPECT_EQ(read_all(reader, input, piece), expected) << "piece " << piece;
    }
}

TEST(LineReader, PartialLineIsKept) {
    LineReader reader(LineEndingPolicy::Reject, 512, 12288);
    EXPECT_TRUE(read_all(reader, "EHLO cli").empty());
    std::vector<ReadLine> expected{{"EHLO client"}};
    EXPECT_EQ(read_all(reader, "ent\r\n"), expected);
}

// What follows a bare LF is not a line of its own: no command can be injected behind one.
TEST(LineReader, BareLfRejectedAndDoesNotEndTheLine) {
    LineReader reader(LineEndingPolicy::Reject, 512, 12288);
    std::vector<ReadLine> expected{{"NOOPRSET", true}, {"QUIT"}};
    EXPECT_EQ(read_all(reader, "NOOP\nRSET\r\nQUIT\r\n"), expected);
}

TEST(LineReader, BareCrRejectedWithinTheLine) {
    LineReader reader(LineEndingPolicy::Reject, 512, 12288);
    std::vector<ReadLine> expected{{"NOOPRSET", true}, {"QUIT"}};
    EXPECT_EQ(read_all(reader, "NOOP\rRSET\r\nQUIT\r\n"), expected);
    // Split right after the CR: the same.
    LineReader split(LineEndingPolicy::Reject, 512, 12288);
    EXPECT_EQ(read_all(split, "NOOP\rRSET\r\nQUIT\r\n", 5), expected);
}

TEST(LineReader, NormalizeTreatsBareLineEndsAsLineEnds) {
    LineReader reader(LineEndingPolicy::Normalize, 512, 12288);
    std::vector<ReadLine> expected{{"NOOP"}, {"RSET"}, {"HELP"}, {"QUIT"}};
    EXPECT_EQ(read_all(reader, "NOOP\nRSET\rHELP\r\nQUIT\n"), expected);
}

TEST(LineReader, NormalizedBareCrLeavesTheNextOctetUnread) {
    LineReader reader(LineEndingPolicy::Normalize, 512, 12288);
    bool complete = false;
    EXPECT_EQ(reader.read("NOOP\r", false, complete), 5u);
    EXPECT_FALSE(complete);  // the CR may still be followed by LF
    EXPECT_EQ(reader.read("DATA\r\n", false, complete), 0u);
    ASSERT_TRUE(complete);
    EXPECT_EQ(reader.line().text, "NOOP");
    EXPECT_EQ(reader.read("DATA\r\n", false, complete), 6u);
    ASSERT_TRUE(complete);
    EXPECT_EQ(reader.line().text, "DATA");
}

TEST(LineReader, LongLineIsDiscardedToItsEnd) {
    LineReader reader(LineEndingPolicy::Reject, 512, 12288);
    std::string input = "NOOP " + std::string(600, 'x') + "\r\nQUIT\r\n";
    auto lines = read_all(reader, input, 100);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_TRUE(lines[0].too_long);
    EXPECT_EQ(lines[1], (ReadLine{"QUIT"}));
}

TEST(LineReader, LimitCountsTheCrlf) {
    LineReader reader(LineEndingPolicy::Reject, 512, 12288);
    std::string fits(510, 'a');
    std::string too_long(511, 'a');
    auto lines = read_all(reader, fits + "\r\n" + too_long + "\r\n");
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_FALSE(lines[0].too_long);
    EXPECT_EQ(lines[0].text.size(), 510u);
    EXPECT_TRUE(lines[1].too_long);
}

TEST(LineReader, AuthLinesMayBeLonger) {
    LineReader reader(LineEndingPolicy::Reject, 512, 12288);
    std::string auth = "auth PLAIN " + std::string(2000, 'A');
    auto lines = read_all(reader, auth + "\r\n", 7);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_FALSE(lines[0].too_long);
    EXPECT_EQ(lines[0].text, auth);
    std::string response(3000, 'B');
    auto responses = read_all(reader, response + "\r\n", 0, true);
    ASSERT_EQ(responses.size(), 1u);
    EXPECT_EQ(responses[0].text, response);
    auto over = read_all(reader, "AUTH " + std::string(12300, 'C') + "\r\n");
    ASSERT_EQ(over.size(), 1u);
    EXPECT_TRUE(over[0].too_long);
}

TEST(LineReader, ResetForgetsAPartialLine) {
    LineReader reader(LineEndingPolicy::Reject, 512, 12288);
    EXPECT_TRUE(read_all(reader, "RSET\r").empty());
    reader.reset();
    std::vector<ReadLine> expected{{"EHLO a"}};
    EXPECT_EQ(read_all(reader, "EHLO a\r\n"), expected);
}

}  // namespace
}  // namespace danemail::smtp

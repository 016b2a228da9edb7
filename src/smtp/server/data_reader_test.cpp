// Tests of the DATA and BDAT content readers (data_reader.h): the only end of data is CRLF "." CRLF (RFC
// 5321 §4.1.1.4), dot-stuffing is removed (§4.5.2), each SMTP smuggling ending (CVE-2023-51764/5/6) is
// content under both line-ending policies, and BDAT chunks (RFC 3030) keep a CR/LF pair across chunks.
#include "smtp/server/data_reader.h"

#include <gtest/gtest.h>

namespace danemail::smtp {
namespace {

struct DataResult {
    std::string content;
    size_t consumed = 0;
    bool finished = false;
    bool bare = false;
    bool too_big = false;
};

DataResult read_data(std::string_view input, LineEndingPolicy policy = LineEndingPolicy::Reject,
                     size_t piece = 0, size_t max_size = 1u << 20) {
    DataResult result;
    DataReader reader;
    reader.start(&result.content, policy, max_size);
    if (piece == 0) piece = input.size() ? input.size() : 1;
    while (result.consumed < input.size() && !reader.finished()) {
        std::string_view part = input.substr(result.consumed, piece);
        size_t used = reader.feed(part);
        EXPECT_LE(used, part.size());
        if (!reader.finished()) {
            EXPECT_EQ(used, part.size());
        }
        result.consumed += used;
    }
    result.finished = reader.finished();
    result.bare = reader.bare_line_ending();
    result.too_big = reader.too_big();
    return result;
}

TEST(DataReader, EndsAtCrlfDotCrlf) {
    auto result = read_data("Subject: x\r\n\r\nbody\r\n.\r\nMAIL FROM:<a@b>\r\n");
    EXPECT_TRUE(result.finished);
    EXPECT_FALSE(result.bare);
    EXPECT_EQ(result.content, "Subject: x\r\n\r\nbody\r\n");
    EXPECT_EQ(result.consumed, std::string_view("Subject: x\r\n\r\nbody\r\n.\r\n").size());
}

TEST(DataReader, EmptyMessage) {
    auto result = read_data(".\r\n");
    EXPECT_TRUE(result.finished);
    EXPECT_EQ(result.content, "");
    EXPECT_EQ(result.consumed, 3u);
}

TEST(DataReader, DotStuffingRemoved) {
    auto result = read_data("..\r\n...x\r\n.y\r\na.b\r\n.\r\n");
    EXPECT_TRUE(result.finished);
    EXPECT_EQ(result.content, ".\r\n..x\r\ny\r\na.b\r\n");
}

TEST(DataReader, EverySplitPoint) {
    std::string input = "a\r\n..b\r\n\r\nc\r\n.\r\nQUIT\r\n";
    for (size_t piece = 1; piece <= input.size(); ++piece) {
        auto result = read_data(input, LineEndingPolicy::Reject, piece);
        EXPECT_TRUE(result.finished) << piece;
        EXPECT_EQ(result.content, "a\r\n.b\r\n\r\nc\r\n") << piece;
        EXPECT_EQ(result.consumed, input.size() - 6) << piece;
    }
}

// Each smuggling ending is followed by a second transaction and a real end; the second transaction must
// stay inside the first message (Normalize) or make it refused (Reject), and never end the data early.
struct Smuggling {
    const char* name;
    const char* ending;
    const char* normalized;  // what the ending becomes in the content under Normalize
};

constexpr Smuggling kSmugglingEndings[] = {
    {"LF.LF", "\n.\n", "\r\n.\r\n"},
    {"LF.CRLF", "\n.\r\n", "\r\n.\r\n"},
    {"CRLF.LF", "\r\n.\n", "\r\n.\r\n"},
    {"CR.CR", "\r.\r", "\r\n.\r\n"},
    {"CRLF.CR CRLF", "\r\n.\r\r\n", "\r\n.\r\n\r\n"},
};

constexpr const char* kSmuggled =
    "MAIL FROM:<evil@ext.example>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\nforged\r\n";

TEST(DataReader, SmugglingEndingsNeverEndDataUnderReject) {
    for (const auto& smuggling : kSmugglingEndings) {
        std::string input = std::string("body") + smuggling.ending + kSmuggled + ".\r\nQUIT\r\n";
        for (size_t piece : {size_t{0}, size_t{1}, size_t{2}, size_t{3}}) {
            auto result = read_data(input, LineEndingPolicy::Reject, piece);
            EXPECT_TRUE(result.finished) << smuggling.name;
            EXPECT_TRUE(result.bare) << smuggling.name;
            // Consumed up to the real end: QUIT is the next command, not the smuggled MAIL.
            EXPECT_EQ(input.substr(result.consumed), "QUIT\r\n") << smuggling.name << " piece " << piece;
        }
    }
}

TEST(DataReader, SmugglingEndingsAreNormalizedIntoTheContent) {
    for (const auto& smuggling : kSmugglingEndings) {
        std::string input = std::string("body") + smuggling.ending + kSmuggled + ".\r\nQUIT\r\n";
        for (size_t piece : {size_t{0}, size_t{1}, size_t{2}, size_t{3}}) {
            auto result = read_data(input, LineEndingPolicy::Normalize, piece);
            EXPECT_TRUE(result.finished) << smuggling.name;
            EXPECT_TRUE(result.bare) << smuggling.name;
            EXPECT_EQ(result.content, std::string("body") + smuggling.normalized + kSmuggled)
                << smuggling.name;
            EXPECT_EQ(input.substr(result.consumed), "QUIT\r\n") << smuggling.name;
        }
    }
}

TEST(DataReader, SmugglingEndingWithoutRealEndKeepsReading) {
    for (const auto& smuggling : kSmugglingEndings) {
        std::string input = std::string("body") + smuggling.ending + kSmuggled;
        auto result = read_data(input, LineEndingPolicy::Normalize);
        EXPECT_FALSE(result.finished) << smuggling.name;
        EXPECT_EQ(result.consumed, input.size()) << smuggling.name;
    }
}

TEST(DataReader, RejectKeepsNothingAfterABareLineEnd) {
    auto result = read_data("good\r\nbad\nmore\r\n.\r\n");
    EXPECT_TRUE(result.finished);
    EXPECT_TRUE(result.bare);
    EXPECT_EQ(result.content, "good\r\nbad");
}

TEST(DataReader, NormalizeConvertsBareLineEnds) {
    auto result = read_data("a\nb\rc\r\r\nd\r\n.\r\n", LineEndingPolicy::Normalize);
    EXPECT_TRUE(result.finished);
    EXPECT_TRUE(result.bare);
    EXPECT_EQ(result.content, "a\r\nb\r\nc\r\n\r\nd\r\n");
}

TEST(DataReader, NormalizedLinesAreUnstuffed) {
    auto result = read_data("a\n..b\n.\r\n.\r\n", LineEndingPolicy::Normalize);
    EXPECT_TRUE(result.finished);
    // "..b" after a bare LF loses its stuffed dot; "." after a bare LF stays a line of one dot.
    EXPECT_EQ(result.content, "a\r\n.b\r\n.\r\n");
}

TEST(DataReader, DotLinesThatAreNotTheEnd) {
    // "." LF is a line of one dot, and the "." CRLF after it follows a bare LF: not the end either.
    auto result = read_data("a\r\n.\n.\r\n.\r\n", LineEndingPolicy::Normalize);
    EXPECT_TRUE(result.finished);
    EXPECT_EQ(result.content, "a\r\n.\r\n.\r\n");
    auto cr = read_data("a\r\n.\rb\r\n.\r\n", LineEndingPolicy::Normalize);
    EXPECT_TRUE(cr.finished);
    EXPECT_EQ(cr.content, "a\r\n.\r\nb\r\n");
}

TEST(DataReader, SizeLimitKeepsReadingToTheEnd) {
    std::string body(100, 'x');
    auto result = read_data(body + "\r\n.\r\nNOOP\r\n", LineEndingPolicy::Reject, 7, 50);
    EXPECT_TRUE(result.finished);
    EXPECT_TRUE(result.too_big);
    EXPECT_LE(result.content.size(), 50u);
    EXPECT_EQ(result.consumed, body.size() + 5);
    auto fits = read_data(body + "\r\n.\r\n", LineEndingPolicy::Reject, 0, 102);
    EXPECT_FALSE(fits.too_big);
}

TEST(DataReader, AppendsAfterWhatTheSinkHolds) {
    std::string sink = "Received: x\r\n";
    DataReader reader;
    reader.start(&sink, LineEndingPolicy::Reject, 100);
    EXPECT_EQ(reader.feed("body\r\n.\r\n"), 9u);
    EXPECT_EQ(sink, "Received: x\r\nbody\r\n");
    EXPECT_EQ(reader.size(), 6u);
}

TEST(DataReader, ManyBareCrsInLinearTime) {
    std::string flood(1u << 20, '\r');
    auto result = read_data(flood + "\r\n.\r\n", LineEndingPolicy::Normalize, 0, 8u << 20);
    EXPECT_TRUE(result.finished);
    EXPECT_EQ(result.content.size(), 2 * flood.size() + 2);  // each bare CR becomes CRLF, then the real CRLF
}

std::string bdat(std::initializer_list<std::string_view> chunks, LineEndingPolicy policy,
                 bool* bare = nullptr) {
    std::string content;
    BdatReader reader;
    reader.start(&content, policy);
    for (auto chunk : chunks) reader.append(chunk);
    reader.finish();
    if (bare) *bare = reader.bare_line_ending();
    if (!reader.bare_line_ending() || policy == LineEndingPolicy::Normalize) {
        EXPECT_EQ(reader.size(), content.size());
    }
    return content;
}

TEST(BdatReader, RawOctetsWithoutDotHandling) {
    bool bare = true;
    EXPECT_EQ(bdat({"a\r\n.\r\n..b\r\n"}, LineEndingPolicy::Reject, &bare), "a\r\n.\r\n..b\r\n");
    EXPECT_FALSE(bare);
}

TEST(BdatReader, CrlfAcrossChunks) {
    bool bare = true;
    EXPECT_EQ(bdat({"line one\r", "\nline two\r\n"}, LineEndingPolicy::Reject, &bare),
              "line one\r\nline two\r\n");
    EXPECT_FALSE(bare);
    EXPECT_EQ(bdat({"a\r", "", "\nb"}, LineEndingPolicy::Reject, &bare), "a\r\nb");
    EXPECT_FALSE(bare);
}

TEST(BdatReader, BareLineEndsUnderReject) {
    bool bare = false;
    bdat({"a\nb\r\n"}, LineEndingPolicy::Reject, &bare);
    EXPECT_TRUE(bare);
    bdat({"a\r", "b\r\n"}, LineEndingPolicy::Reject, &bare);
    EXPECT_TRUE(bare);
    bdat({"a\r"}, LineEndingPolicy::Reject, &bare);  // a CR at the very end
    EXPECT_TRUE(bare);
}

TEST(BdatReader, BareLineEndsNormalized) {
    bool bare = false;
    EXPECT_EQ(bdat({"a\nb\r", "c\r"}, LineEndingPolicy::Normalize, &bare), "a\r\nb\r\nc\r\n");
    EXPECT_TRUE(bare);
    EXPECT_EQ(bdat({"\r\r\n"}, LineEndingPolicy::Normalize), "\r\n\r\n");
}

}  // namespace
}  // namespace danemail::smtp

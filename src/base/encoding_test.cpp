// Tests for the RFC 4648 codecs: hex (§8), base64 (§4) and base32hex without padding (§7, as NSEC3 uses it,
// RFC 5155 §3.3), with the RFC 4648 §10 test vectors and the malformed input a zone file can contain.
#include "base/encoding.h"

#include <gtest/gtest.h>

#include <random>

namespace danemail {
namespace {

Bytes bytes(std::string_view text) {
    return Bytes(text.begin(), text.end());
}

// RFC 4648 §10: "", "f", "fo", "foo", "foob", "fooba", "foobar".
const std::string_view kInputs[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};

TEST(Hex, EncodeDecode) {
    EXPECT_EQ(to_hex(bytes("\x01\xab\xff")), "01abff");
    EXPECT_EQ(to_hex(bytes("\x01\xab\xff"), true), "01ABFF");
    EXPECT_EQ(to_hex(Bytes()), "");
    EXPECT_EQ(from_hex("01abFF"), bytes("\x01\xab\xff"));
    EXPECT_EQ(from_hex(""), Bytes());
    EXPECT_EQ(to_hex(bytes("foobar"), true), "666F6F626172");  // RFC 4648 §10, base16
}

TEST(Hex, RejectsMalformedInput) {
    for (const char* bad : {"0", "abc", "0g", "g0", " 00", "00 ", "0x00", "-1"})
        EXPECT_FALSE(from_hex(bad)) << bad;
}

TEST(Base64, Rfc4648Vectors) {
    const std::string_view expected[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (size_t i = 0; i < std::size(kInputs); ++i) {
        EXPECT_EQ(to_base64(bytes(kInputs[i])), expected[i]);
        EXPECT_EQ(from_base64(expected[i]), bytes(kInputs[i])) << expected[i];
    }
}

TEST(Base64, SkipsWhiteSpaceAsZoneFilesSplitIt) {
    EXPECT_EQ(from_base64("Zm9v\nYmFy"), bytes("foobar"));
    EXPECT_EQ(from_base64(" Zm 9v\tYg =\r\n= "), bytes("foob"));
}

TEST(Base64, RejectsMalformedInput) {
    for (const char* bad : {"Zg", "Zg=", "Zm9", "Z===", "====", "Zg==Zg==", "Zg=a", "Zm9v!",
                            "Zh==", "Zm9=", "Zm-v", "Zm_v", "Zm9vY"})
        EXPECT_FALSE(from_base64(bad)) << bad;
}

TEST(Base32Hex, Rfc4648VectorsWithoutPadding) {
    // RFC 4648 §10 base32hex, with the '=' padding removed as NSEC3 writes it.
    const std::string_view expected[] = {"", "CO", "CPNG", "CPNMU", "CPNMUOG", "CPNMUOJ1", "CPNMUOJ1E8"};
    for (size_t i = 0; i < std::size(kInputs); ++i) {
        EXPECT_EQ(to_base32hex(bytes(kInputs[i])), expected[i]);
        EXPECT_EQ(from_base32hex(expected[i]), bytes(kInputs[i])) << expected[i];
    }
    EXPECT_EQ(from_base32hex("cpnmuoj1e8"), bytes("foobar"));  // either case decodes
}

TEST(Base32Hex, RejectsMalformedInput) {
    // "W" is outside the extended-hex alphabet; lengths 1, 3 and 6 can't end a quantum; "CP" leaves bits set.
    for (const char* bad : {"W", "C", "CPN", "CPNMUO", "CP", "CO=", "CO ", "C-O"})
        EXPECT_FALSE(from_base32hex(bad)) << bad;
}

TEST(Encodings, RandomRoundTrips) {
    std::mt19937 random(4648);
    for (size_t length = 0; length < 80; ++length) {
        Bytes data(length);
        for (auto& b : data) b = static_cast<uint8_t>(random());
        EXPECT_EQ(from_hex(to_hex(data)), data);
        EXPECT_EQ(from_hex(to_hex(data, true)), data);
        EXPECT_EQ(from_base64(to_base64(data)), data);
        EXPECT_EQ(from_base32hex(to_base32hex(data)), data);
    }
}

TEST(Encodings, AsBytesViewsTheText) {
    std::string_view text("a\0b", 3);
    ByteView view = as_bytes(text);
    ASSERT_EQ(view.size(), 3u);
    EXPECT_EQ(view[1], 0);
    EXPECT_EQ(view[2], 'b');
}

}  // namespace
}  // namespace danemail

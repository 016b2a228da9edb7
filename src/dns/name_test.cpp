// Tests for domain names: presentation escapes (RFC 1035 §5.1, RFC 4343), the 63/255-byte limits (§2.3.4),
// relative names and '@', decompression from messages (§4.1.4), case-insensitive comparison and hashing,
// subdomain tests at label boundaries, wildcards (RFC 4592) and DNSSEC canonical order (RFC 4034 §6.1).
#include "dns/name.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <unordered_set>

namespace danemail::dns {
namespace {

Name name(std::string_view text, const Name* origin = nullptr) {
    auto result = Name::from_text(text, origin);
    EXPECT_TRUE(result) << text << ": " << (result ? "" : result.error().to_string());
    return result ? *result : Name();
}

std::string wire_of(std::string_view text) {
    return name(text).wire();
}

TEST(NameText, AbsoluteNamesAndRoot) {
    EXPECT_EQ(wire_of("example.com."), std::string("\x07"
                                                   "example\x03"
                                                   "com\x00",
                                                   13));
    EXPECT_EQ(name("example.com.").to_text(), "example.com.");
    EXPECT_TRUE(name(".").is_root());
    EXPECT_EQ(name(".").to_text(), ".");
    EXPECT_EQ(Name().to_text(), ".");
    EXPECT_EQ(name(".").label_count(), 0u);
    EXPECT_EQ(name("a.b.c.").label_count(), 3u);
}

TEST(NameText, EscapedDotAndDecimalEscapes) {
    Name dotted = name("a\\.b.example.");
    EXPECT_EQ(dotted.label_count(), 2u);
    EXPECT_EQ(dotted.first_label(), "a.b");
    EXPECT_EQ(dotted.to_text(), "a\\.b.example.");

    Name decimal = name("\\065bc.example.");  // \065 is 'A'
    EXPECT_EQ(decimal.first_label(), "Abc");
    EXPECT_EQ(decimal.to_text(), "Abc.example.");

    Name binary = name("\\000\\255\\032x.example.");
    EXPECT_EQ(binary.first_label(), std::string("\x00\xff x", 4));
    EXPECT_EQ(binary.to_text(), "\\000\\255\\032x.example.");
    EXPECT_EQ(name(binary.to_text()).wire(), binary.wire());  // printing parses back

    Name specials = name("\\\\\\\"\\(\\)\\;\\@\\$.example.");
    EXPECT_EQ(specials.first_label(), "\\\"();@$");
    EXPECT_EQ(specials.to_text(), "\\\\\\\"\\(\\)\\;\\@\\$.example.");

    // A trailing escaped dot is part of the label, so the name is relative.
    EXPECT_FALSE(Name::from_text("a\\."));
    Name origin = name("example.");
    EXPECT_EQ(name("a\\.", &origin).first_label(), "a.");
}

TEST(NameText, MalformedEscapesAndEmptyLabels) {
    for (const char* bad :
         {"a\\", "\\25.example.", "\\2a5.example.", "\\256.example.", "a..example.", "..", ".a.", ""})
        EXPECT_FALSE(Name::from_text(bad)) << bad;
}

TEST(NameText, LabelAndNameLengthLimits) {
    std::string label63(63, 'a'), label64(64, 'a');
    EXPECT_TRUE(Name::from_text(label63 + ".example."));
    EXPECT_FALSE(Name::from_text(label64 + ".example."));
    // 3 labels of 63 and one of 61: 3 * 64 + 62 + 1 = 255 bytes of wire form, the maximum.
    std::string longest = label63 + "." + label63 + "." + label63 + "." + std::string(61, 'b') + ".";
    auto at_limit = Name::from_text(longest);
    ASSERT_TRUE(at_limit);
    EXPECT_EQ(at_limit->wire_length(), Name::kMaxWireLength);
    EXPECT_FALSE(Name::from_text(label63 + "." + label63 + "." + label63 + "." + std::string(62, 'b') + "."));
    // \DDD counts as one byte.
    std::string escaped;
    for (int i = 0; i < 63; ++i) escaped += "\\065";
    EXPECT_EQ(name(escaped + ".").wire_length(), 65u);
    // 127 one-byte labels are the most a name can hold.
    std::string many;
    for (int i = 0; i < 127; ++i) many += "x.";
    EXPECT_EQ(name(many).label_count(), Name::kMaxLabels);
    EXPECT_FALSE(Name::from_text(many + "x."));
}

TEST(NameText, RelativeNamesOriginAndAt) {
    Name origin = name("example.com.");
    EXPECT_EQ(name("www", &origin).to_text(), "www.example.com.");
    EXPECT_EQ(name("a.b", &origin).to_text(), "a.b.example.com.");
    EXPECT_EQ(name("@", &origin).to_text(), "example.com.");
    EXPECT_EQ(name("other.org.", &origin).to_text(), "other.org.");  // absolute names ignore the origin
    EXPECT_FALSE(Name::from_text("www"));
    EXPECT_FALSE(Name::from_text("@"));
    Name root;
    EXPECT_EQ(name("www", &root).to_text(), "www.");
    // The origin counts against the 255-byte limit.
    Name long_origin =
        name(std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') + ".");
    EXPECT_TRUE(Name::from_text(std::string(61, 'd'), &long_origin));
    EXPECT_FALSE(Name::from_text(std::string(62, 'd'), &long_origin));
}

TEST(NameText, ToTextRelative) {
    Name origin = name("example.com.");
    EXPECT_EQ(name("www.example.com.").to_text_relative(origin), "www");
    EXPECT_EQ(name("a.b.example.com.").to_text_relative(origin), "a.b");
    EXPECT_EQ(name("EXAMPLE.com.").to_text_relative(origin), "@");
    EXPECT_EQ(name("WWW.Example.COM.").to_text_relative(origin), "WWW");  // case kept
    EXPECT_EQ(name("a\\.b.example.com.").to_text_relative(origin), "a\\.b");
    EXPECT_EQ(name("badexample.com.").to_text_relative(origin), "badexample.com.");
    EXPECT_EQ(name("other.org.").to_text_relative(origin), "other.org.");
    EXPECT_EQ(name("www.example.com.").to_text_relative(Name()), "www.example.com");
    EXPECT_EQ(Name().to_text_relative(Name()), "@");
    // What to_text_relative prints parses back to the same name.
    for (const char* text : {"www.example.com.", "example.com.", "x\\.y.example.com.", "\\@.example.com."}) {
        Name original = name(text);
        EXPECT_EQ(name(original.to_text_relative(origin), &origin).wire(), original.wire()) << text;
    }
}

TEST(NameWire, FromWire) {
    auto ok =
        Name::from_wire(as_bytes(std::string_view("\x03www\x07"
                                                  "example\x00",
                                                  13)));
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->to_text(), "www.example.");
    EXPECT_FALSE(Name::from_wire(as_bytes(std::string_view("\x03www\x00\x00", 6))));  // trailing byte
    EXPECT_FALSE(Name::from_wire(as_bytes(std::string_view("\x03ww", 3))));           // label past the end
    EXPECT_FALSE(Name::from_wire(as_bytes(std::string_view("\x03www", 4))));          // no root label
    EXPECT_FALSE(Name::from_wire(as_bytes(std::string_view("\xc0\x00", 2))));         // a pointer
    EXPECT_FALSE(Name::from_wire(as_bytes(std::string_view("\x40", 1))));             // label type 01
    EXPECT_FALSE(Name::from_wire(ByteView()));
    std::string too_long;
    for (int i = 0; i < 4; ++i) too_long += '\x3f' + std::string(63, 'a');
    too_long += '\0';
    EXPECT_FALSE(Name::from_wire(as_bytes(too_long)));
}

TEST(NameWire, ReadFollowsPointersAndAdvancesPastThem) {
    // offset 0: example.com.   offset 13: www + pointer to 0   offset 19: pointer to 13
    std::string message = std::string(
        "\x07"
        "example\x03"
        "com\x00"
        "\x03"
        "www\xc0\x00"
        "\xc0\x0d",
        21);
    size_t offset = 13;
    auto www = Name::read(as_bytes(message), offset);
    ASSERT_TRUE(www);
    EXPECT_EQ(www->to_text(), "www.example.com.");
    EXPECT_EQ(offset, 19u);
    auto again = Name::read(as_bytes(message), offset);
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, *www);
    EXPECT_EQ(offset, 21u);
    offset = 0;
    ASSERT_TRUE(Name::read(as_bytes(message), offset));
    EXPECT_EQ(offset, 13u);
}

TEST(NameWire, ReadRejectsLoopsForwardPointersAndOverlongNames) {
    auto read_at = [](const std::string& message, size_t offset) {
        return Name::read(as_bytes(message), offset).ok();
    };
    EXPECT_FALSE(read_at(std::string("\xc0\x00", 2), 0));      // points at itself
    EXPECT_FALSE(read_at(std::string("\xc0\x02\x00", 3), 0));  // points forward
    EXPECT_FALSE(read_at(std::string("\x01"
                                     "a\xc0\x00",
                                     4),
                         0));                              // loops back to its own start
    EXPECT_FALSE(read_at(std::string("\xc0", 1), 0));      // truncated pointer
    EXPECT_FALSE(read_at(std::string("\x80\x00", 2), 0));  // label type 10
    EXPECT_FALSE(read_at(std::string("\x05"
                                     "ab",
                                     3),
                         0));  // label past the end
    // Pointers that each add a label: the name passes 255 bytes and is rejected.
    std::string chain(1, '\0');
    size_t previous = 0;
    for (int i = 0; i < 70; ++i) {
        size_t here = chain.size();
        chain += '\x03';
        chain += "abc";
        chain += static_cast<char>(0xC0 | previous >> 8);
        chain += static_cast<char>(previous & 0xFF);
        previous = here;
    }
    EXPECT_FALSE(read_at(chain, previous));
}

TEST(NameLabels, ParentSuffixPrependLowercase) {
    Name n = name("a.B.example.");
    EXPECT_EQ(n.first_label(), "a");
    EXPECT_EQ(n.parent().to_text(), "B.example.");
    EXPECT_EQ(Name().parent().to_text(), ".");
    EXPECT_EQ(n.suffix(1).to_text(), "example.");
    EXPECT_EQ(n.suffix(0).to_text(), ".");
    EXPECT_EQ(n.suffix(9).to_text(), "a.B.example.");
    EXPECT_EQ(n.prepend("*").value().to_text(), "*.a.B.example.");
    EXPECT_FALSE(n.prepend(""));
    EXPECT_FALSE(n.prepend(std::string(64, 'x')));
    EXPECT_TRUE(n.lowercased().identical(name("a.b.example.")));
    std::string_view labels[] = {"mail", "Example", "org"};
    EXPECT_EQ(Name::from_labels(labels, 3).value().to_text(), "mail.Example.org.");
    std::string_view empty[] = {""};
    EXPECT_FALSE(Name::from_labels(empty, 1));
}

TEST(NameCompare, CaseInsensitiveEqualityAndHash) {
    Name lower = name("mail.example.com."), mixed = name("MAIL.Example.COM.");
    EXPECT_EQ(lower, mixed);
    EXPECT_FALSE(lower.identical(mixed));
    EXPECT_EQ(lower.hash(), mixed.hash());
    EXPECT_EQ(canonical_compare(lower, mixed), 0);
    EXPECT_NE(name("mail.example.com."), name("mail.example.org."));
    EXPECT_NE(name("a.bc."), name("ab.c."));  // same letters, different labels
    // Only ASCII letters fold: 0xC4 and 0xE4 (Ä/ä in Latin-1) differ.
    EXPECT_NE(name("\\196.example."), name("\\228.example."));
    std::unordered_set<Name, NameHash> set{lower};
    EXPECT_TRUE(set.count(mixed));
    EXPECT_FALSE(set.count(name("mail.example.net.")));
}

TEST(NameCompare, IsSubdomainOfAtLabelBoundaries) {
    Name example = name("example.com.");
    EXPECT_TRUE(name("example.com.").is_subdomain_of(example));
    EXPECT_TRUE(name("a.b.EXAMPLE.com.").is_subdomain_of(example));
    EXPECT_FALSE(name("badexample.com.").is_subdomain_of(example));
    EXPECT_FALSE(name("com.").is_subdomain_of(example));
    EXPECT_TRUE(name("com.").is_subdomain_of(Name()));
    EXPECT_TRUE(Name().is_subdomain_of(Name()));
    EXPECT_FALSE(Name().is_subdomain_of(example));
    // The label "x\003com" ends with the same bytes as the wire form of "com.", but not on a label boundary.
    Name tricky = name("x\\003com.");
    EXPECT_EQ(tricky.wire().substr(2), name("com.").wire());
    EXPECT_FALSE(tricky.is_subdomain_of(name("com.")));
    EXPECT_TRUE(tricky.is_subdomain_of(Name()));
}

TEST(NameCompare, WildcardDetection) {
    EXPECT_TRUE(name("*.example.com.").is_wildcard());
    EXPECT_TRUE(name("*.").is_wildcard());
    EXPECT_FALSE(name("a.*.example.com.").is_wildcard());
    EXPECT_FALSE(name("*a.example.com.").is_wildcard());
    EXPECT_FALSE(name("a*.example.com.").is_wildcard());
    EXPECT_FALSE(Name().is_wildcard());
    Name origin = name("example.com.");
    EXPECT_TRUE(name("*", &origin).is_wildcard());
}

// The example list of RFC 4034 §6.1, in canonical order.
const char* const kCanonicalOrder[] = {
    "example.",   "a.example.",       "yljkjljk.a.example.", "Z.a.example.",     "zABC.a.EXAMPLE.",
    "z.example.", "\\001.z.example.", "*.z.example.",        "\\200.z.example.",
};

TEST(NameCompare, CanonicalOrderOfRfc4034) {
    std::vector<Name> expected;
    for (const char* text : kCanonicalOrder) expected.push_back(name(text));
    for (size_t i = 0; i < expected.size(); ++i)
        for (size_t j = 0; j < expected.size(); ++j) {
            int c = canonical_compare(expected[i], expected[j]);
            EXPECT_EQ(c < 0, i < j) << kCanonicalOrder[i] << " vs " << kCanonicalOrder[j];
            EXPECT_EQ(c == 0, i == j) << kCanonicalOrder[i] << " vs " << kCanonicalOrder[j];
        }
    std::vector<Name> shuffled = expected;
    std::mt19937 random(4034);
    for (int round = 0; round < 10; ++round) {
        std::shuffle(shuffled.begin(), shuffled.end(), random);
        std::sort(shuffled.begin(), shuffled.end());
        for (size_t i = 0; i < expected.size(); ++i) EXPECT_TRUE(shuffled[i].identical(expected[i]));
    }
}

TEST(NameCompare, CanonicalOrderDetails) {
    EXPECT_LT(canonical_compare(Name(), name("a.")), 0);          // the root sorts first
    EXPECT_LT(canonical_compare(name("a."), name("aa.")), 0);     // a prefix sorts before longer labels
    EXPECT_LT(canonical_compare(name("z.a."), name("b.")), 0);    // rightmost labels decide first
    EXPECT_GT(canonical_compare(name("b.a."), name("a.")), 0);    // more labels after equal ones sort later
    EXPECT_EQ(canonical_compare(name("A.B."), name("a.b.")), 0);  // case folds
}

}  // namespace
}  // namespace danemail::dns

// Tests of SMTP replies on the wire (reply.h): RFC 5321 §4.2 single and multi-line replies, RFC 2034
// enhanced codes on every line, RFC 4954 §4 empty challenges, and no way for reply text to add lines.
#include "smtp/reply.h"

#include <gtest/gtest.h>

namespace danemail::smtp {
namespace {

TEST(Reply, SingleLineWithEnhancedStatus) {
    EXPECT_EQ((Reply{250, "2.1.0", "Ok"}.to_wire()), "250 2.1.0 Ok\r\n");
}

TEST(Reply, WithoutEnhancedStatus) {
    EXPECT_EQ((Reply{354, "", "End data with <CR><LF>.<CR><LF>"}.to_wire()),
              "354 End data with <CR><LF>.<CR><LF>\r\n");
}

TEST(Reply, MultiLineRepeatsTheStatus) {
    EXPECT_EQ((Reply{550, "5.7.1", "first\nsecond\nthird"}.to_wire()),
              "550-5.7.1 first\r\n550-5.7.1 second\r\n550 5.7.1 third\r\n");
    EXPECT_EQ((Reply{250, "", "mx.example.org\nPIPELINING\nCHUNKING"}.to_wire()),
              "250-mx.example.org\r\n250-PIPELINING\r\n250 CHUNKING\r\n");
}

TEST(Reply, EmptyChallengeKeepsItsSpace) {
    EXPECT_EQ((Reply{334, "", ""}.to_wire()), "334 \r\n");
    EXPECT_EQ((Reply{334, "", "VXNlcm5hbWU6"}.to_wire()), "334 VXNlcm5hbWU6\r\n");
}

TEST(Reply, EmptyText) {
    EXPECT_EQ((Reply{250, "2.0.0", ""}.to_wire()), "250 2.0.0\r\n");
    EXPECT_EQ((Reply{250, "", ""}.to_wire()), "250\r\n");
}

TEST(Reply, CarriageReturnsCannotEndALine) {
    EXPECT_EQ((Reply{550, "5.1.1", "<a\r@b>: unknown"}.to_wire()), "550 5.1.1 <a@b>: unknown\r\n");
}

TEST(Reply, InvalidCodeBecomes451) {
    EXPECT_EQ((Reply{0, "", "oops"}.to_wire()), "451 oops\r\n");
    EXPECT_EQ((Reply{600, "", "oops"}.to_wire()), "451 oops\r\n");
}

TEST(Reply, Classification) {
    EXPECT_TRUE((Reply{250, "2.0.0", ""}.positive()));
    EXPECT_TRUE((Reply{354, "", ""}.positive()));
    EXPECT_TRUE((Reply{452, "4.3.1", ""}.transient()));
    EXPECT_TRUE((Reply{550, "5.1.1", ""}.permanent()));
    EXPECT_FALSE((Reply{550, "5.1.1", ""}.positive()));
}

}  // namespace
}  // namespace danemail::smtp

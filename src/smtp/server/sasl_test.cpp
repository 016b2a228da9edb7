// Tests of the SASL exchanges behind SMTP AUTH (sasl.h): PLAIN (RFC 4616) with and without an initial
// response, LOGIN, cancellation with "*" and the empty initial response "=" (RFC 4954 §4), bad base64.
#include "smtp/server/sasl.h"

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace danemail::smtp {
namespace {

using Step = SaslExchange::Step;

std::string b64(std::string_view text) {
    return to_base64(as_bytes(text));
}

TEST(Sasl, Mechanisms) {
    EXPECT_EQ(parse_sasl_mechanism("PLAIN"), SaslMechanism::Plain);
    EXPECT_EQ(parse_sasl_mechanism("plain"), SaslMechanism::Plain);
    EXPECT_EQ(parse_sasl_mechanism("Login"), SaslMechanism::Login);
    EXPECT_FALSE(parse_sasl_mechanism("CRAM-MD5"));
    EXPECT_FALSE(parse_sasl_mechanism(""));
}

TEST(Sasl, PlainWithInitialResponse) {
    SaslExchange sasl;
    ASSERT_EQ(sasl.start(SaslMechanism::Plain, b64(std::string("\0user@example.org\0pass word", 27))),
              Step::Credentials);
    EXPECT_EQ(sasl.credentials().user, "user@example.org");
    EXPECT_EQ(sasl.credentials().password, "pass word");
    EXPECT_EQ(sasl.authorization_id(), "");
}

TEST(Sasl, PlainWithContinuation) {
    SaslExchange sasl;
    ASSERT_EQ(sasl.start(SaslMechanism::Plain, std::nullopt), Step::Challenge);
    EXPECT_EQ(sasl.challenge(), "");
    ASSERT_EQ(sasl.respond(b64(std::string("authz\0user\0pw", 13))), Step::Credentials);
    EXPECT_EQ(sasl.authorization_id(), "authz");
    EXPECT_EQ(sasl.credentials().user, "user");
    EXPECT_EQ(sasl.credentials().password, "pw");
}

TEST(Sasl, PlainMalformed) {
    SaslExchange sasl;
    EXPECT_EQ(sasl.start(SaslMechanism::Plain, b64("no nul at all")), Step::Malformed);
    EXPECT_EQ(sasl.start(SaslMechanism::Plain, b64(std::string("\0user", 5))), Step::Malformed);
    EXPECT_EQ(sasl.start(SaslMechanism::Plain, b64(std::string("\0\0pw", 4))), Step::Malformed);
    EXPECT_EQ(sasl.start(SaslMechanism::Plain, b64(std::string("\0user\0", 6))), Step::Malformed);
    EXPECT_EQ(sasl.start(SaslMechanism::Plain, b64(std::string("\0u\0p\0x", 7))), Step::Malformed);
    EXPECT_EQ(sasl.start(SaslMechanism::Plain, "="), Step::Malformed);  // empty initial response
}

TEST(Sasl, Cancel) {
    SaslExchange sasl;
    EXPECT_EQ(sasl.start(SaslMechanism::Plain, "*"), Step::Cancelled);
    ASSERT_EQ(sasl.start(SaslMechanism::Login, std::nullopt), Step::Challenge);
    EXPECT_EQ(sasl.respond("*"), Step::Cancelled);
}

TEST(Sasl, BadBase64) {
    SaslExchange sasl;
    EXPECT_EQ(sasl.start(SaslMechanism::Plain, "not-base64!"), Step::BadEncoding);
    ASSERT_EQ(sasl.start(SaslMechanism::Plain, std::nullopt), Step::Challenge);
    EXPECT_EQ(sasl.respond("AAA"), Step::BadEncoding);
}

TEST(Sasl, Login) {
    SaslExchange sasl;
    ASSERT_EQ(sasl.start(SaslMechanism::Login, std::nullopt), Step::Challenge);
    EXPECT_EQ(sasl.challenge(), "VXNlcm5hbWU6");  // "Username:"
    ASSERT_EQ(sasl.respond(b64("user@example.org")), Step::Challenge);
    EXPECT_EQ(sasl.challenge(), "UGFzc3dvcmQ6");  // "Password:"
    ASSERT_EQ(sasl.respond(b64("secret")), Step::Credentials);
    EXPECT_EQ(sasl.credentials().user, "user@example.org");
    EXPECT_EQ(sasl.credentials().password, "secret");
}

TEST(Sasl, LoginWithInitialResponse) {
    SaslExchange sasl;
    ASSERT_EQ(sasl.start(SaslMechanism::Login, b64("user@example.org")), Step::Challenge);
    EXPECT_EQ(sasl.challenge(), "UGFzc3dvcmQ6");
    ASSERT_EQ(sasl.respond(b64("secret")), Step::Credentials);
    EXPECT_EQ(sasl.credentials().user, "user@example.org");
}

TEST(Sasl, LoginEmptyFieldsAreMalformed) {
    SaslExchange sasl;
    ASSERT_EQ(sasl.start(SaslMechanism::Login, std::nullopt), Step::Challenge);
    EXPECT_EQ(sasl.respond(""), Step::Malformed);
    ASSERT_EQ(sasl.start(SaslMechanism::Login, b64("user")), Step::Challenge);
    EXPECT_EQ(sasl.respond(""), Step::Malformed);
}

TEST(Sasl, ClearForgetsTheCredentials) {
    SaslExchange sasl;
    ASSERT_EQ(sasl.start(SaslMechanism::Plain, b64(std::string("\0u\0p", 4))), Step::Credentials);
    sasl.clear();
    EXPECT_EQ(sasl.credentials().user, "");
    EXPECT_EQ(sasl.credentials().password, "");
}

}  // namespace
}  // namespace danemail::smtp

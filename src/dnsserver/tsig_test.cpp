// TSIG (RFC 8945) against dnspython on real bytes (tests/vectors/tsig_vectors.h): identical MACs for
// requests of every HMAC, a response and three-message transfers, verification of what dnspython signed;
// then BADKEY, BADSIG, BADTIME, truncation (§5.2.2.1) and the multi-message rules (§5.3.1). Also the BIND
// key syntax with its error messages.
#include "dnsserver/tsig.h"

#include <gtest/gtest.h>

#include <functional>

#include "../../tests/vectors/tsig_vectors.h"
#include "dns/message.h"

namespace danemail::dnsserver {
namespace {

namespace v = vectors;
using dns::Name;

Bytes hex(std::string_view text) {
    auto bytes = from_hex(text);
    EXPECT_TRUE(bytes) << text;
    return bytes ? *bytes : Bytes{};
}

TsigKey key_of(const v::VectorKey& vector) {
    auto algorithm = tsig_algorithm_from_text(vector.algorithm);
    EXPECT_TRUE(algorithm);
    return TsigKey(*Name::from_text(vector.name), *algorithm, *from_base64(vector.secret_base64));
}

TsigKey sha256_key() {
    return key_of(v::kKeys[2]);
}

std::vector<TsigKey> keyring() {
    std::vector<TsigKey> keys;
    for (const auto& vector : v::kKeys) keys.push_back(key_of(vector));
    return keys;
}

// The message as it was before signing: without the TSIG record, ARCOUNT one less.
Bytes strip_tsig(const Bytes& wire) {
    auto found = find_tsig(wire);
    EXPECT_TRUE(found && *found);
    Bytes out(wire.begin(), wire.begin() + static_cast<ptrdiff_t>((*found)->offset));
    out[11] = static_cast<uint8_t>(out[11] - 1);
    return out;
}

TsigRdata tsig_of(const Bytes& wire) {
    auto found = find_tsig(wire);
    EXPECT_TRUE(found && *found);
    return (*found)->rdata;
}

// ---- Interoperability with dnspython ----

TEST(TsigInterop, RequestsOfEveryAlgorithmSignIdentically) {
    for (const auto& vector : v::kKeys) {
        SCOPED_TRACE(std::string(vector.algorithm));
        Bytes expected = hex(vector.request_hex);
        Bytes message = strip_tsig(expected);
        TsigSigner signer(key_of(vector), {}, v::kFudge);
        ASSERT_TRUE(signer.sign(message, v::kSignTime));
        EXPECT_EQ(to_hex(message), to_hex(expected));
        EXPECT_EQ(signer.mac(), tsig_of(expected).mac);
    }
}

TEST(TsigInterop, RequestsOfEveryAlgorithmVerify) {
    auto keys = keyring();
    for (const auto& vector : v::kKeys) {
        SCOPED_TRACE(std::string(vector.algorithm));
        auto check = verify_tsig_request(hex(vector.request_hex), keys, v::kSignTime);
        ASSERT_TRUE(check) << check.error().to_string();
        EXPECT_TRUE(check->ok()) << check->detail;
        ASSERT_NE(check->key, nullptr);
        EXPECT_EQ(check->key->name, *Name::from_text(vector.name));
    }
}

TEST(TsigInterop, ResponseCoversTheRequestMac) {
    auto keys = keyring();
    auto check = verify_tsig_request(hex(v::kRequest), keys, v::kSignTime);
    ASSERT_TRUE(check && check->ok());
    EXPECT_EQ(to_hex(check->rdata.mac), v::kRequestMac);

    Bytes expected = hex(v::kResponse);
    Bytes response = strip_tsig(expected);
    TsigSigner signer = response_signer(*check, v::kFudge);
    ASSERT_TRUE(signer.sign(response, v::kSignTime));
    EXPECT_EQ(to_hex(response), to_hex(expected));

    TsigResponseVerifier verifier(sha256_key(), hex(v::kRequestMac));
    auto status = verifier.verify(expected, v::kSignTime + 10);
    EXPECT_TRUE(status) << status.error().to_string();
    EXPECT_TRUE(verifier.finish());

    // Against another request's MAC the same response does not verify.
    TsigResponseVerifier wrong(sha256_key(), hex(v::kAxfrRequestMac));
    EXPECT_FALSE(wrong.verify(expected, v::kSignTime));
    EXPECT_EQ(wrong.error(), TsigError::BadSig);
}

TEST(TsigInterop, SignedRequestOfOurOwnAndItsResponse) {
    // A client round trip entirely on our side: sign, verify as a server, answer, verify as a client.
    auto keys = keyring();
    Bytes request = strip_tsig(hex(v::kRequest));
    TsigSigner client(sha256_key());
    ASSERT_TRUE(client.sign(request, v::kSignTime));
    EXPECT_EQ(to_hex(request), v::kRequest);  // same bytes as dnspython's
    auto check = verify_tsig_request(request, keys, v::kSignTime + 5);
    ASSERT_TRUE(check && check->ok());
    Bytes response = strip_tsig(hex(v::kResponse));
    TsigSigner server = response_signer(*check);
    ASSERT_TRUE(server.sign(response, v::kSignTime + 5));
    TsigResponseVerifier verifier(sha256_key(), client.mac());
    EXPECT_TRUE(verifier.verify(response, v::kSignTime + 6));
    EXPECT_TRUE(verifier.finish());
}

TEST(TsigInterop, ThreeMessageTransferSignsIdentically) {
    const std::string_view expected[] = {v::kAxfrMessage1, v::kAxfrMessage2, v::kAxfrMessage3};
    TsigSigner signer(sha256_key(), hex(v::kAxfrRequestMac), v::kFudge);
    for (size_t i = 0; i < 3; ++i) {
        SCOPED_TRACE("message " + std::to_string(i + 1));
        Bytes message = strip_tsig(hex(expected[i]));
        ASSERT_TRUE(signer.sign(message, v::kSignTime));
        EXPECT_EQ(to_hex(message), expected[i]);
    }
}

TEST(TsigInterop, ThreeMessageTransferVerifies) {
    TsigResponseVerifier verifier(sha256_key(), hex(v::kAxfrRequestMac));
    for (auto wire : {v::kAxfrMessage1, v::kAxfrMessage2, v::kAxfrMessage3}) {
        auto status = verifier.verify(hex(wire), v::kSignTime);
        ASSERT_TRUE(status) << status.error().to_string();
    }
    EXPECT_TRUE(verifier.finish());
    EXPECT_EQ(verifier.messages(), 3u);
}

TEST(TsigInterop, UnsignedMiddleMessageIsCoveredByTheNextMac) {
    TsigResponseVerifier verifier(sha256_key(), hex(v::kAxfrRequestMac));
    EXPECT_FALSE(find_tsig(hex(v::kAxfrUnsignedMiddle2)).value().has_value());
    for (auto wire : {v::kAxfrUnsignedMiddle1, v::kAxfrUnsignedMiddle2, v::kAxfrUnsignedMiddle3}) {
        auto status = verifier.verify(hex(wire), v::kSignTime);
        ASSERT_TRUE(status) << status.error().to_string();
    }
    EXPECT_TRUE(verifier.finish());

    // Changing one byte of the unsigned message breaks the third message's MAC.
    Bytes tampered = hex(v::kAxfrUnsignedMiddle2);
    tampered.back() ^= 1;
    TsigResponseVerifier second(sha256_key(), hex(v::kAxfrRequestMac));
    EXPECT_TRUE(second.verify(hex(v::kAxfrUnsignedMiddle1), v::kSignTime));
    EXPECT_TRUE(second.verify(tampered, v::kSignTime));
    EXPECT_FALSE(second.verify(hex(v::kAxfrUnsignedMiddle3), v::kSignTime));
    EXPECT_EQ(second.error(), TsigError::BadSig);
    EXPECT_FALSE(second.finish());
}

TEST(TsigInterop, TruncatedMacVerifiesAndSignsIdentically) {
    auto keys = keyring();
    Bytes wire = hex(v::kTruncatedRequest);
    auto check = verify_tsig_request(wire, keys, v::kSignTime);
    ASSERT_TRUE(check) << check.error().to_string();
    EXPECT_TRUE(check->ok()) << check->detail;
    EXPECT_EQ(check->rdata.mac.size(), 16u);

    TsigKey truncating = sha256_key();
    truncating.mac_size = 16;
    Bytes message = strip_tsig(wire);
    TsigSigner signer(truncating, {}, v::kFudge);
    ASSERT_TRUE(signer.sign(message, v::kSignTime));
    EXPECT_EQ(to_hex(message), v::kTruncatedRequest);

    // Local policy may demand more than the RFC minimum: BADTRUNC, answered with a signed response.
    auto strict = verify_tsig_request(wire, keys, v::kSignTime, TsigPolicy{32});
    ASSERT_TRUE(strict);
    EXPECT_EQ(strict->error, TsigError::BadTrunc);
    auto request = dns::parse_message(wire);
    ASSERT_TRUE(request);
    auto response = tsig_error_response(*request, *strict, v::kSignTime);
    ASSERT_TRUE(response) << response.error().to_string();
    TsigResponseVerifier verifier(sha256_key(), hex(v::kTruncatedMac));
    EXPECT_FALSE(verifier.verify(*response, v::kSignTime));
    EXPECT_EQ(verifier.error(), TsigError::BadTrunc);  // the MAC verified; the server's error is reported
}

// ---- Errors a server answers ----

TEST(TsigErrors, BadTimeOutsideTheFudge) {
    auto keys = keyring();
    Bytes wire = hex(v::kRequest);
    EXPECT_TRUE(verify_tsig_request(wire, keys, v::kSignTime + v::kFudge)->ok());
    EXPECT_TRUE(verify_tsig_request(wire, keys, v::kSignTime - v::kFudge)->ok());
    auto late = verify_tsig_request(wire, keys, v::kSignTime + v::kFudge + 1);
    ASSERT_TRUE(late);
    EXPECT_EQ(late->error, TsigError::BadTime);
    EXPECT_NE(late->detail.find("fudge 300"), std::string::npos) << late->detail;
    EXPECT_EQ(verify_tsig_request(wire, keys, v::kSignTime - v::kFudge - 1)->error, TsigError::BadTime);

    // The BADTIME response is signed, carries the request's time signed and the server's clock.
    UnixTime server_now = v::kSignTime + 1000;
    auto request = dns::parse_message(wire);
    auto response = tsig_error_response(*request, *late, server_now);
    ASSERT_TRUE(response) << response.error().to_string();
    auto parsed = dns::parse_message(*response);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->header.rcode, dns::Rcode::NotAuth);
    EXPECT_EQ(parsed->header.id, 0x2345);
    TsigRdata rdata = tsig_of(*response);
    EXPECT_EQ(rdata.error, 18);
    EXPECT_EQ(rdata.time_signed, static_cast<uint64_t>(v::kSignTime));
    EXPECT_EQ(to_hex(rdata.other), "00006553f4e8");  // kSignTime + 1000
    EXPECT_EQ(rdata.mac.size(), 32u);

    TsigResponseVerifier verifier(sha256_key(), hex(v::kRequestMac));
    auto status = verifier.verify(*response, v::kSignTime);
    ASSERT_FALSE(status);
    EXPECT_EQ(verifier.error(), TsigError::BadTime);
    EXPECT_NE(status.error().what.find("server time 1700001000"), std::string::npos) << status.error().what;
}

TEST(TsigErrors, BadSigAnsweredUnsigned) {
    auto keys = keyring();
    Bytes wire = hex(v::kRequest);
    wire[13] ^= 0x20;  // the question name's case: covered by the MAC
    auto check = verify_tsig_request(wire, keys, v::kSignTime);
    ASSERT_TRUE(check);
    EXPECT_EQ(check->error, TsigError::BadSig);

    auto request = dns::parse_message(wire);
    auto response = tsig_error_response(*request, *check, v::kSignTime);
    ASSERT_TRUE(response) << response.error().to_string();
    EXPECT_EQ(dns::parse_message(*response)->header.rcode, dns::Rcode::NotAuth);
    TsigRdata rdata = tsig_of(*response);
    EXPECT_EQ(rdata.error, 16);
    EXPECT_TRUE(rdata.mac.empty());  // RFC 8945 §5.3.2: never signed

    TsigResponseVerifier verifier(sha256_key(), hex(v::kRequestMac));
    EXPECT_FALSE(verifier.verify(*response, v::kSignTime));
    EXPECT_EQ(verifier.error(), TsigError::BadSig);

    // A wrong secret under the right name is BADSIG too.
    std::vector<TsigKey> wrong_secret = {sha256_key()};
    wrong_secret[0].secret[0] ^= 1;
    EXPECT_EQ(verify_tsig_request(hex(v::kRequest), wrong_secret, v::kSignTime)->error, TsigError::BadSig);
}

TEST(TsigErrors, BadKeyForUnknownNameOrAlgorithm) {
    std::vector<TsigKey> others = {key_of(v::kKeys[0])};
    auto unknown = verify_tsig_request(hex(v::kRequest), others, v::kSignTime);
    ASSERT_TRUE(unknown);
    EXPECT_EQ(unknown->error, TsigError::BadKey);
    EXPECT_EQ(unknown->key, nullptr);
    EXPECT_NE(unknown->detail.find("tsig-key."), std::string::npos);

    std::vector<TsigKey> same_name_sha512 = {sha256_key()};
    same_name_sha512[0].algorithm = TsigAlgorithm::HmacSha512;
    auto algorithm = verify_tsig_request(hex(v::kRequest), same_name_sha512, v::kSignTime);
    EXPECT_EQ(algorithm->error, TsigError::BadKey);

    auto request = dns::parse_message(hex(v::kRequest));
    auto response = tsig_error_response(*request, *unknown, v::kSignTime);
    ASSERT_TRUE(response);
    TsigRdata rdata = tsig_of(*response);
    EXPECT_EQ(rdata.error, 17);
    EXPECT_TRUE(rdata.mac.empty());
    EXPECT_EQ(rdata.algorithm, tsig_algorithm_name(TsigAlgorithm::HmacSha256));
    TsigResponseVerifier verifier(sha256_key(), hex(v::kRequestMac));
    EXPECT_FALSE(verifier.verify(*response, v::kSignTime));
    EXPECT_EQ(verifier.error(), TsigError::BadKey);
}

TEST(TsigErrors, MacSizeOutsideRfcBoundsIsFormErr) {
    auto keys = keyring();
    TsigKey key = sha256_key();
    // hmac-sha256: at least 16 bytes (half of 32); hmac-sha1: at least 10.
    for (size_t size : {size_t{15}, size_t{9}, size_t{33}}) {
        key.mac_size = size;
        Bytes message = strip_tsig(hex(v::kRequest));
        TsigSigner signer(key);
        EXPECT_FALSE(signer.sign(message, v::kSignTime)) << size;  // we never send them
    }
    // Forge one by cutting a full MAC (and fixing the lengths).
    Bytes wire = hex(v::kRequest);
    auto found = find_tsig(wire);
    TsigRdata rdata = (*found)->rdata;
    rdata.mac.resize(15);
    Bytes cut(wire.begin(), wire.begin() + static_cast<ptrdiff_t>((*found)->offset));
    Name owner = *Name::from_text("tsig-key.");
    cut.insert(cut.end(), owner.wire_bytes().begin(), owner.wire_bytes().end());
    Bytes encoded = rdata.encode();
    for (uint8_t b : {0x00, 0xFA, 0x00, 0xFF, 0, 0, 0, 0}) cut.push_back(b);
    cut.push_back(static_cast<uint8_t>(encoded.size() >> 8));
    cut.push_back(static_cast<uint8_t>(encoded.size()));
    cut.insert(cut.end(), encoded.begin(), encoded.end());
    auto check = verify_tsig_request(cut, keys, v::kSignTime);
    ASSERT_FALSE(check);
    EXPECT_NE(check.error().what.find("shorter than the 16 bytes"), std::string::npos) << check.error().what;

    TsigKey sha1 = key_of(v::kKeys[0]);
    sha1.mac_size = 10;
    Bytes message = strip_tsig(hex(v::kKeys[0].request_hex));
    ASSERT_TRUE(TsigSigner(sha1).sign(message, v::kSignTime));
    auto ten = verify_tsig_request(message, keys, v::kSignTime);
    ASSERT_TRUE(ten);
    EXPECT_TRUE(ten->ok()) << ten->detail;
}

TEST(TsigErrors, MalformedTsigIsFormErr) {
    Bytes wire = hex(v::kRequest);
    size_t offset = (*find_tsig(wire).value()).offset;
    size_t class_at = offset + Name::from_text("tsig-key.")->wire_length() + 2;
    Bytes in_class = wire;
    in_class[class_at + 1] = 1;  // class IN
    EXPECT_FALSE(find_tsig(in_class));
    Bytes short_rdata = wire;
    short_rdata.pop_back();
    EXPECT_FALSE(find_tsig(short_rdata));
    Bytes trailing = wire;
    trailing.push_back(0);
    EXPECT_FALSE(find_tsig(trailing));

    // A TSIG followed by another record: not last (RFC 8945 §5.1).
    auto message = dns::parse_message(wire);
    ASSERT_TRUE(message);
    EXPECT_FALSE(find_tsig(Bytes(wire.begin(), wire.begin() + 11)));
    EXPECT_TRUE(verify_tsig_request(strip_tsig(wire), keyring(), v::kSignTime).value().present == false);
}

TEST(TsigErrors, TsigNotLastIsRejected) {
    Bytes wire = hex(v::kRequest);
    Bytes bad = wire;
    bad[11] += 1;  // one more additional record, a root A record after the TSIG
    for (uint8_t b : {0x00, 0x00, 0x01, 0x00, 0x01, 0, 0, 0, 0, 0x00, 0x04, 192, 0, 2, 1}) bad.push_back(b);
    auto found = find_tsig(bad);
    ASSERT_FALSE(found);
    EXPECT_NE(found.error().what.find("not the last record"), std::string::npos);
}

// ---- Multi-message rules on the client side (RFC 8945 §5.3.1) ----

// Builds `count` small response messages to `request_mac`, signing those `sign_at` says.
std::vector<Bytes> stream(size_t count, const std::function<bool(size_t)>& sign_at) {
    TsigSigner signer(sha256_key(), hex(v::kAxfrRequestMac));
    std::vector<Bytes> out;
    Bytes body = strip_tsig(hex(v::kAxfrMessage2));
    for (size_t i = 0; i < count; ++i) {
        Bytes message = body;
        if (sign_at(i)) {
            EXPECT_TRUE(signer.sign(message, v::kSignTime));
        } else {
            (void)signer.append_unsigned(message);  // refused for a first message: the test wants it unsigned
        }
        out.push_back(std::move(message));
    }
    return out;
}

TEST(TsigStream, NinetyNineUnsignedInARowAreAccepted) {
    auto messages = stream(201, [](size_t i) { return i % 100 == 0; });
    TsigResponseVerifier verifier(sha256_key(), hex(v::kAxfrRequestMac));
    for (const auto& message : messages) {
        auto s = verifier.verify(message, v::kSignTime);
        ASSERT_TRUE(s) << s.error().to_string();
    }
    EXPECT_TRUE(verifier.finish());
}

TEST(TsigStream, HundredUnsignedInARowAreRejected) {
    auto messages = stream(102, [](size_t i) { return i == 0 || i == 101; });
    TsigResponseVerifier verifier(sha256_key(), hex(v::kAxfrRequestMac));
    Status status;
    size_t index = 0;
    for (; index < messages.size() && status; ++index)
        status = verifier.verify(messages[index], v::kSignTime);
    EXPECT_FALSE(status);
    EXPECT_EQ(index, 101u);  // the 100th unsigned message
    EXPECT_NE(status.error().what.find("99 unsigned"), std::string::npos) << status.error().what;
}

TEST(TsigStream, FirstAndLastMustBeSigned) {
    auto unsigned_first = stream(2, [](size_t i) { return i == 1; });
    TsigResponseVerifier first(sha256_key(), hex(v::kAxfrRequestMac));
    EXPECT_FALSE(first.verify(unsigned_first[0], v::kSignTime));

    auto unsigned_last = stream(2, [](size_t i) { return i == 0; });
    TsigResponseVerifier last(sha256_key(), hex(v::kAxfrRequestMac));
    EXPECT_TRUE(last.verify(unsigned_last[0], v::kSignTime));
    EXPECT_TRUE(last.verify(unsigned_last[1], v::kSignTime));
    EXPECT_FALSE(last.finish());
}

TEST(TsigStream, ReorderedMessagesFail) {
    auto messages = stream(3, [](size_t) { return true; });
    TsigResponseVerifier verifier(sha256_key(), hex(v::kAxfrRequestMac));
    EXPECT_TRUE(verifier.verify(messages[0], v::kSignTime));
    EXPECT_FALSE(verifier.verify(messages[2], v::kSignTime));
    EXPECT_FALSE(verifier.verify(messages[1], v::kSignTime));  // after a failure, nothing passes
}

// ---- Keys in BIND syntax ----

constexpr std::string_view kKeygenOutput =
    "key \"xfr.example\" {\n"
    "\talgorithm hmac-sha256;\n"
    "\tsecret \"8J2/vY5HFx2c2ViLRm4aaJOp8LJ6wWg7uWBSG1mK0uA=\";\n"
    "};\n";

TEST(TsigKeyText, ReadsTsigKeygenOutput) {
    auto key = parse_tsig_key(kKeygenOutput, "xfr.key");
    ASSERT_TRUE(key) << key.error().to_string();
    EXPECT_EQ(key->name.to_text(), "xfr.example.");
    EXPECT_EQ(key->algorithm, TsigAlgorithm::HmacSha256);
    EXPECT_EQ(key->secret, sha256_key().secret);
    EXPECT_EQ(key->mac_size, 0u);
    EXPECT_EQ(format_tsig_key(*key), kKeygenOutput);
}

TEST(TsigKeyText, ReadsSeveralKeysWithCommentsAndTruncation) {
    constexpr std::string_view text =
        "# secondaries\n"
        "key nsd-key. { algorithm HMAC-SHA512; secret \"c2hhNTEyLXNlY3JldC1mb3ItZGFuZW1haWwtdGVzdHM=\"; };\n"
        "/* knot,\n   truncated */ key \"knot\" {\n"
        "  secret c2hhMS1zZWNyZXQtZm9yLWRhbmVtYWlsLXRlc3RzISE=; // no quotes needed\n"
        "  algorithm hmac-sha256-128;\n"
        "};\n";
    auto keys = parse_tsig_keys(text, "keys.conf");
    ASSERT_TRUE(keys) << keys.error().to_string();
    ASSERT_EQ(keys->size(), 2u);
    EXPECT_EQ((*keys)[0].name.to_text(), "nsd-key.");
    EXPECT_EQ((*keys)[0].algorithm, TsigAlgorithm::HmacSha512);
    EXPECT_EQ((*keys)[1].name.to_text(), "knot.");
    EXPECT_EQ((*keys)[1].mac_size, 16u);
    EXPECT_EQ((*keys)[1].sent_mac_size(), 16u);
    EXPECT_NE(find_tsig_key(*keys, *Name::from_text("KNOT.")), nullptr);
    auto again = parse_tsig_key(format_tsig_key((*keys)[1]));
    ASSERT_TRUE(again);
    EXPECT_EQ(again->mac_size, 16u);
}

TEST(TsigKeyText, ErrorsSayWhereAndWhat) {
    struct Case {
        std::string_view text;
        std::string_view expected;
    };
    const Case cases[] = {
        {"key \"k\" {\n  algorithm hmac-md5;\n  secret \"AAAA\";\n};",
         "keys.conf:2:13: unsupported algorithm 'hmac-md5'"},
        {"key \"k\" { algorithm hmac-sha256; };", "keys.conf:1:1: key k. has no 'secret' clause"},
        {"key \"k\" { secret \"AAAA\"; };", "keys.conf:1:1: key k. has no 'algorithm' clause"},
        {"key \"k\" { algorithm hmac-sha256; secret \"A*AA\"; };",
         "keys.conf:1:41: secret is not valid base64"},
        {"key \"k\" { algorithm hmac-sha256 secret \"AAAA\"; };",
         "keys.conf:1:33: expected ';' after the algorithm"},
        {"key \"k\" { algorithm hmac-sha256; secret \"AAAA\"; }", "keys.conf:1:50: expected ';' after '}'"},
        {"key \"k\" { algorithm hmac-sha256; secret \"AAAA\"; keyfile \"x\"; };",
         "unknown key clause 'keyfile'"},
        {"key \"k\" { algorithm hmac-sha256; algorithm hmac-sha1; };", "1:34: second 'algorithm' in key k."},
        {"key \"k\" { algorithm hmac-sha256; secret \"AAAA; };", "1:41: string not terminated"},
        {"/* never closed", "1:1: comment not terminated"},
        {"options { };", "1:1: expected a 'key' statement, found 'options'"},
        {"key \"a..b\" { };", "1:5: key name \"a..b\""},
        {"key \"k\" { algorithm hmac-sha256-120; secret \"AAAA\"; };",
         "truncation of hmac-sha256 to 120 bits: expected a multiple of 8 from 128 to 256"},
        {"key \"k\" { algorithm hmac-sha256; secret \"\"; };", "secret is empty"},
        {"", "keys.conf: no 'key' statement found"},
        {"key k { algorithm hmac-sha1; secret \"AAAA\"; };\nkey K. { algorithm hmac-sha1; secret \"AAAA\"; "
         "};",
         "keys.conf:2:5: key K. is defined twice"},
    };
    for (const auto& c : cases) {
        auto keys = parse_tsig_keys(c.text, "keys.conf");
        ASSERT_FALSE(keys) << c.text;
        EXPECT_NE(keys.error().to_string().find(c.expected), std::string::npos)
            << c.text << "\n  got: " << keys.error().to_string();
    }
}

TEST(TsigKeyText, EscapedNamesReadBack) {
    auto key = parse_tsig_key("key \"we\\\"ird\\.name\" { algorithm hmac-sha1; secret \"AAAA\"; };");
    ASSERT_TRUE(key) << key.error().to_string();
    EXPECT_EQ(key->name.label_count(), 1u);  // one label: we"ird.name
    EXPECT_EQ(key->name.first_label(), "we\"ird.name");
    auto again = parse_tsig_key(format_tsig_key(*key));
    ASSERT_TRUE(again) << format_tsig_key(*key);
    EXPECT_TRUE(again->name.identical(key->name));
}

TEST(TsigKeyText, GeneratedKeysHaveHashSizedSecrets) {
    auto key = generate_tsig_key(*Name::from_text("new.key."), TsigAlgorithm::HmacSha384);
    ASSERT_TRUE(key);
    EXPECT_EQ(key->secret.size(), 48u);
    auto back = parse_tsig_key(format_tsig_key(*key));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->secret, key->secret);
    EXPECT_EQ(back->algorithm, TsigAlgorithm::HmacSha384);
    EXPECT_EQ(tsig_min_mac_size(TsigAlgorithm::HmacSha1), 10u);
    EXPECT_EQ(tsig_min_mac_size(TsigAlgorithm::HmacSha512), 32u);
    EXPECT_EQ(tsig_algorithm_from_name(*Name::from_text("HMAC-SHA224.")), TsigAlgorithm::HmacSha224);
    EXPECT_FALSE(tsig_algorithm_from_name(*Name::from_text("hmac-md5.sig-alg.reg.int.")));
}

}  // namespace
}  // namespace danemail::dnsserver

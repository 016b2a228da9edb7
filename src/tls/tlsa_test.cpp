// Tests of TLSA association data and presentation (tlsa.h): RFC 6698 §2.1–2.2 and §3, DANE-TA issuer
// records (RFC 7671 §5.2). Expected digests of the fixed certificate were computed independently with the
// openssl command line (x509 -outform DER / pkey -pubin -outform DER | dgst -sha256 / -sha512).
#include "tls/tlsa.h"

#include <gtest/gtest.h>

#include "tls/certificate_loader.h"
#include "tls/test_pki.h"

namespace danemail::tls {
namespace {

// A self-signed P-256 certificate for mail.example.com (valid until 2126) and its key.
constexpr const char* kCertPem = R"(-----BEGIN CERTIFICATE-----
MIIBjjCCATOgAwIBAgIURV4qvoETGc6kdN4Pp353Mq0mPtkwCgYIKoZIzj0EAwIw
GzEZMBcGA1UEAwwQbWFpbC5leGFtcGxlLmNvbTAgFw0yNjExMjMxMjUwNTdaGA8y
MTI2MTAzMDEyNTA1N1owGzEZMBcGA1UEAwwQbWFpbC5leGFtcGxlLmNvbTBZMBMG
ByqGSM49AgEGCCqGSM49AwEHA0IABIEnNNMbNiN+2jCXolRsj0HdCwC+ros2Jbz8
QttSxz6pMTGab+2kwWEQFblKvmpZRFB728/Q7uHHkhD+2iP6ERCjUzBRMB0GA1Ud
DgQWBBQ35jvIN5s5JGmdpo7nI53jyMp+JjAfBgNVHSMEGDAWgBQ35jvIN5s5JGmd
po7nI53jyMp+JjAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0kAMEYCIQC5
gkxn7gCxS6Diz746kvZuV+xAAmrBkTtkSyKrbA9c/AIhAIhCgeAAUOOXY32qVqO5
dVCjXZFQonSazCHfvj1/v4Bd
-----END CERTIFICATE-----
)";
constexpr const char* kKeyPem = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSe+aN64uxGChaB94
Caf+2EfVTZqpUmJYPDnLgGKT9PShRANCAASBJzTTGzYjftowl6JUbI9B3QsAvq6L
NiW8/ELbUsc+qTExmm/tpMFhEBW5Sr5qWURQe9vP0O7hx5IQ/toj+hEQ
-----END PRIVATE KEY-----
)";
constexpr const char* kPublicKeyPem = R"(-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEgSc00xs2I37aMJeiVGyPQd0LAL6u
izYlvPxC21LHPqkxMZpv7aTBYRAVuUq+allEUHvbz9Du4ceSEP7aI/oREA==
-----END PUBLIC KEY-----
)";

constexpr const char* kSpki311 = "ca7ac2a10ab1cdd44cd2c375a1e9fba217c5c596d61fad682f2932dd3e3b6724";
constexpr const char* kCert301 = "da000bd00f05061a9e0d857a3f9ddf2ecea409d1ee317f9ccf7403fbb111e2c2";
constexpr const char* kSpki312 =
    "c6fe608777b889bce5e42b5236ac4e0b9d1abe6471a66ef5dc65530e9fe0826a5fe57914a45b14babfe2bb981b9fcb01df424e9c"
    "a3f26d7f681d"
    "eaa03b3abcd5";
constexpr const char* kCert302 =
    "c7ca83a58b37db6ace1d8a9aad32f3bc39d69204b6cf4f72678735fbddd1891bbae1295d7f28c90e66d72c917a1f5462fa2b41e9"
    "23f96888a609"
    "de41a0cf9910";
constexpr const char* kSpki310 =
    "3059301306072a8648ce3d020106082a8648ce3d03010703420004812734d31b36237eda3097a2546c8f41dd0b00beae8b3625bc"
    "fc42db52c73e"
    "a931319a6feda4c1611015b94abe6a5944507bdbcfd0eee1c79210feda23fa1110";

Certificate fixed_certificate() {
    auto chain = parse_certificates(kCertPem, "test");
    EXPECT_TRUE(chain.ok()) << chain.error().to_string();
    return std::move(chain->front());
}

std::string data_hex(const Result<TlsaRecord>& record) {
    EXPECT_TRUE(record.ok()) << record.error().to_string();
    return record ? to_hex(record->association_data) : std::string();
}

TEST(Tlsa, CertificateAssociationDataMatchesOpensslCli) {
    Certificate cert = fixed_certificate();
    EXPECT_EQ(data_hex(tlsa_for_certificate(cert, {3, 1, 1})), kSpki311);
    EXPECT_EQ(data_hex(tlsa_for_certificate(cert, {3, 0, 1})), kCert301);
    EXPECT_EQ(data_hex(tlsa_for_certificate(cert, {3, 1, 2})), kSpki312);
    EXPECT_EQ(data_hex(tlsa_for_certificate(cert, {3, 0, 2})), kCert302);
    EXPECT_EQ(data_hex(tlsa_for_certificate(cert, {3, 1, 0})), kSpki310);
    // 3 0 0 is the certificate's DER itself.
    EXPECT_EQ(data_hex(tlsa_for_certificate(cert, {3, 0, 0})), to_hex(cert.der()));
    EXPECT_EQ(cert.der().size(), 402u);
}

TEST(Tlsa, DefaultsAreDaneEeSpkiSha256) {
    TlsaParameters defaults;
    EXPECT_EQ(to_string(defaults), "3 1 1");
    EXPECT_EQ(data_hex(tlsa_for_certificate(fixed_certificate(), defaults)), kSpki311);
}

TEST(Tlsa, PrivateAndPublicKeyGiveTheCertificatesSpkiRecords) {
    auto from_private = parse_public_key(kKeyPem, "key.pem");
    ASSERT_TRUE(from_private.ok()) << from_private.error().to_string();
    auto from_public = parse_public_key(kPublicKeyPem, "pub.pem");
    ASSERT_TRUE(from_public.ok()) << from_public.error().to_string();
    EXPECT_EQ(from_private->algorithm(), "EC");
    for (const auto* key : {&*from_private, &*from_public}) {
        EXPECT_EQ(data_hex(tlsa_for_public_key(*key, {3, 1, 1})), kSpki311);
        EXPECT_EQ(data_hex(tlsa_for_public_key(*key, {2, 1, 2})), kSpki312);
        EXPECT_EQ(data_hex(tlsa_for_public_key(*key, {3, 1, 0})), kSpki310);
    }
}

TEST(Tlsa, SelectorZeroNeedsACertificate) {
    auto key = parse_public_key(kKeyPem, "key.pem");
    ASSERT_TRUE(key.ok());
    auto record = tlsa_for_public_key(*key, {3, 0, 1});
    ASSERT_FALSE(record.ok());
    EXPECT_NE(record.error().what.find("selector 0"), std::string::npos) << record.error().what;
}

TEST(Tlsa, ParametersOutOfRangeAreRejected) {
    Certificate cert = fixed_certificate();
    EXPECT_FALSE(tlsa_for_certificate(cert, {4, 1, 1}).ok());
    EXPECT_FALSE(tlsa_for_certificate(cert, {3, 2, 1}).ok());
    EXPECT_FALSE(tlsa_for_certificate(cert, {3, 1, 3}).ok());
    EXPECT_FALSE(tlsa_for_certificate(cert, {255, 1, 1}).ok());
    EXPECT_TRUE(check_parameters({0, 0, 0}).ok());
    EXPECT_TRUE(check_parameters({3, 1, 2}).ok());
    auto bad = check_parameters({3, 1, 7});
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().what, "matching type 7 is not 0–2");
}

TEST(Tlsa, DigestLengths) {
    EXPECT_EQ(digest_length(kMatchSha256), 32u);
    EXPECT_EQ(digest_length(kMatchSha512), 64u);
    EXPECT_FALSE(digest_length(kMatchFull).has_value());
    EXPECT_FALSE(digest_length(9).has_value());
}

TEST(Tlsa, PresentationIsLowerCaseHexOnOneLine) {
    TlsaRecord record{{3, 1, 1}, Bytes{0xAB, 0xCD, 0x01}};
    EXPECT_EQ(record.rdata_text(), "3 1 1 abcd01");
    EXPECT_EQ(record.presentation_line("_25._tcp.mail.example.com."),
              "_25._tcp.mail.example.com. IN TLSA 3 1 1 abcd01");
}

TEST(Tlsa, OwnerPrefix) {
    EXPECT_EQ(tlsa_owner_prefix(25, TlsaTransport::kTcp), "_25._tcp");
    EXPECT_EQ(tlsa_owner_prefix(443, TlsaTransport::kUdp), "_443._udp");
    EXPECT_EQ(tlsa_owner_prefix(5061, TlsaTransport::kSctp), "_5061._sctp");
    EXPECT_EQ(parse_tlsa_transport("TCP"), TlsaTransport::kTcp);
    EXPECT_EQ(parse_tlsa_transport("udp"), TlsaTransport::kUdp);
    EXPECT_FALSE(parse_tlsa_transport("quic").has_value());
}

TEST(Tlsa, IssuerRecordNamesTheImmediateIssuerByDefault) {
    testing::TestPki pki;
    auto chain = parse_certificates(pki.chain_pem(), "chain.pem");
    ASSERT_TRUE(chain.ok()) << chain.error().to_string();
    ASSERT_EQ(chain->size(), 3u);

    auto issuer = tlsa_for_issuer(*chain, kDefaultIssuerDepth);
    ASSERT_TRUE(issuer.ok()) << issuer.error().to_string();
    EXPECT_EQ(to_string(issuer->parameters), "2 0 1");
    EXPECT_EQ(to_hex(issuer->association_data), testing::sha256_hex(testing::der_of(pki.intermediate.get())));

    auto root = tlsa_for_issuer(*chain, 2, {kDaneTa, kSelectCert, kMatchSha256});
    ASSERT_TRUE(root.ok());
    EXPECT_EQ(to_hex(root->association_data), testing::sha256_hex(testing::der_of(pki.root.get())));

    auto root_spki = tlsa_for_issuer(*chain, 2, {kDaneTa, kSelectSpki, kMatchSha256});
    ASSERT_TRUE(root_spki.ok());
    EXPECT_EQ(to_hex(root_spki->association_data), testing::sha256_hex(testing::spki_of(pki.root_key.get())));
}

TEST(Tlsa, IssuerRecordErrors) {
    testing::TestPki pki;
    auto chain = parse_certificates(pki.chain_pem(), "chain.pem");
    ASSERT_TRUE(chain.ok());
    EXPECT_FALSE(tlsa_for_issuer(*chain, 0).ok());  // the leaf is no issuer
    auto beyond = tlsa_for_issuer(*chain, 3);
    ASSERT_FALSE(beyond.ok());
    EXPECT_NE(beyond.error().what.find("holds 3 certificates"), std::string::npos) << beyond.error().what;
    EXPECT_FALSE(tlsa_for_issuer(*chain, 1, {kDaneEe, kSelectSpki, kMatchSha256}).ok());

    auto single = parse_certificates(kCertPem, "one.pem");
    ASSERT_TRUE(single.ok());
    EXPECT_FALSE(tlsa_for_issuer(*single, kDefaultIssuerDepth).ok());
}

TEST(Tlsa, RsaCertificateSpkiDigestIsOverTheSubjectPublicKeyInfo) {
    auto key = testing::make_rsa_key(2048);
    auto x509 = testing::make_certificate({"rsa.example.com", false}, key.get(), nullptr, key.get());
    auto cert = Certificate::from_der(testing::der_of(x509.get()));
    ASSERT_TRUE(cert.ok()) << cert.error().to_string();
    // i2d_PUBKEY of the key is an independent route to the SubjectPublicKeyInfo.
    EXPECT_EQ(data_hex(tlsa_for_certificate(*cert, {3, 1, 1})),
              testing::sha256_hex(testing::spki_of(key.get())));
    EXPECT_EQ(data_hex(tlsa_for_certificate(*cert, {3, 0, 1})),
              testing::sha256_hex(testing::der_of(x509.get())));
}

}  // namespace
}  // namespace danemail::tls

// Tests of make_self_signed (self_signed.h): the certificate parses back, names the host, is not a CA,
// carries the key that comes with it, and yields the "3 1 1" TLSA record of that key (RFC 7672 §3.1.1).
#include "tls/self_signed.h"

#include <gtest/gtest.h>

#include "tls/certificate_loader.h"
#include "tls/tlsa.h"

namespace danemail::tls {
namespace {

TEST(SelfSignedTest, CertificateNamesTheHostAndCarriesItsKey) {
    auto made = make_self_signed("mx.alpha.test", 30);
    ASSERT_TRUE(made.ok()) << made.error().to_string();
    EXPECT_NE(made->certificate_pem.find("-----BEGIN CERTIFICATE-----"), std::string::npos);
    EXPECT_NE(made->private_key_pem.find("-----BEGIN PRIVATE KEY-----"), std::string::npos);

    auto chain = parse_certificates(made->certificate_pem, "cert.pem");
    ASSERT_TRUE(chain.ok()) << chain.error().to_string();
    ASSERT_EQ(chain->size(), 1u);
    const Certificate& cert = chain->front();
    EXPECT_NE(cert.subject().find("CN=mx.alpha.test"), std::string::npos);
    EXPECT_EQ(cert.subject(), cert.issuer());
    EXPECT_FALSE(cert.is_ca());

    auto key = parse_private_key(made->private_key_pem, "key.pem");
    ASSERT_TRUE(key.ok()) << key.error().to_string();
    auto public_key = key->public_key();
    ASSERT_TRUE(public_key.ok());
    EXPECT_EQ(public_key->spki_der(), cert.spki_der());
    EXPECT_EQ(public_key->algorithm(), "EC");

    auto from_cert = tlsa_for_certificate(cert, TlsaParameters{});
    auto from_key = tlsa_for_public_key(*public_key, TlsaParameters{});
    ASSERT_TRUE(from_cert.ok() && from_key.ok());
    EXPECT_EQ(*from_cert, *from_key);
}

TEST(SelfSignedTest, EachCallMakesANewKey) {
    auto first = make_self_signed("mx.beta.test");
    auto second = make_self_signed("mx.beta.test");
    ASSERT_TRUE(first.ok() && second.ok());
    EXPECT_NE(first->private_key_pem, second->private_key_pem);
    EXPECT_NE(first->certificate_pem, second->certificate_pem);
}

TEST(SelfSignedTest, RefusesAnEmptyHostAndNoValidity) {
    EXPECT_FALSE(make_self_signed("").ok());
    EXPECT_FALSE(make_self_signed("mx.example", 0).ok());
}

}  // namespace
}  // namespace danemail::tls

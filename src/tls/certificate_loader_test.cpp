// Tests of reading certificates, chains and keys (certificate_loader.h): PEM (RFC 7468) and DER, format
// detection, files mixing keys and certificates, and the refusals for malformed, encrypted, oversized or
// mistaken input, which is untrusted.
#include "tls/certificate_loader.h"

#include <gtest/gtest.h>
#include <openssl/encoder.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "tls/test_pki.h"

namespace danemail::tls {
namespace {

namespace fs = std::filesystem;

std::string as_string(const Bytes& bytes) {
    return std::string(bytes.begin(), bytes.end());
}

// A scratch directory removed at the end of each test.
class CertificateLoaderTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("danemail-tls-test-" + std::to_string(::getpid()));
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::string write(const std::string& name, const std::string& content) {
        fs::path path = dir_ / name;
        std::ofstream(path, std::ios::binary) << content;
        return path.string();
    }

    fs::path dir_;
    testing::TestPki pki_;
};

TEST_F(CertificateLoaderTest, DetectsFormat) {
    EXPECT_EQ(detect_credential_format("junk\n-----BEGIN CERTIFICATE-----\n"), CredentialFormat::kPem);
    EXPECT_EQ(detect_credential_format(std::string("\x30\x82\x01\x00", 4)), CredentialFormat::kDer);
}

TEST_F(CertificateLoaderTest, PemChainInFileOrderSkippingOtherBlocks) {
    std::string content = "# comment lines outside blocks are ignored\n" +
                          testing::private_key_pem(pki_.leaf_key.get()) + pki_.chain_pem();
    auto chain = load_certificate_chain(write("chain.pem", content));
    ASSERT_TRUE(chain.ok()) << chain.error().to_string();
    ASSERT_EQ(chain->size(), 3u);
    EXPECT_EQ((*chain)[0].subject(), "CN=mail.example.com");
    EXPECT_EQ((*chain)[0].issuer(), "CN=Test Intermediate");
    EXPECT_EQ((*chain)[1].subject(), "CN=Test Intermediate");
    EXPECT_EQ((*chain)[2].subject(), "CN=Test Root");
    EXPECT_FALSE((*chain)[0].is_ca());
    EXPECT_TRUE((*chain)[1].is_ca());
    EXPECT_TRUE((*chain)[1].is_issuer_of((*chain)[0]));
    EXPECT_TRUE((*chain)[2].is_issuer_of((*chain)[1]));
    EXPECT_TRUE((*chain)[2].is_issuer_of((*chain)[2]));  // self-signed root
    EXPECT_FALSE((*chain)[0].is_issuer_of((*chain)[1]));
    EXPECT_FALSE((*chain)[2].is_issuer_of((*chain)[0]));
    EXPECT_EQ((*chain)[0].der(), testing::der_of(pki_.leaf.get()));

    auto first = load_certificate(write("chain2.pem", content));
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(first->der(), (*chain)[0].der());
}

TEST_F(CertificateLoaderTest, DerSingleAndConcatenated) {
    Bytes leaf = testing::der_of(pki_.leaf.get());
    Bytes intermediate = testing::der_of(pki_.intermediate.get());
    auto one = load_certificate_chain(write("leaf.der", as_string(leaf)));
    ASSERT_TRUE(one.ok()) << one.error().to_string();
    EXPECT_EQ(one->size(), 1u);
    EXPECT_EQ(one->front().der(), leaf);

    auto two = load_certificate_chain(write("chain.der", as_string(leaf) + as_string(intermediate)));
    ASSERT_TRUE(two.ok()) << two.error().to_string();
    ASSERT_EQ(two->size(), 2u);
    EXPECT_EQ((*two)[1].der(), intermediate);

    auto trailing = parse_certificates(as_string(leaf) + "xyz", "bad.der");
    ASSERT_FALSE(trailing.ok());
    EXPECT_EQ(trailing.error().where, "bad.der");
}

TEST_F(CertificateLoaderTest, CertificateFileErrors) {
    auto missing = load_certificate_chain((dir_ / "nonexistent.pem").string());
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().what.find("cannot open"), std::string::npos);

    EXPECT_FALSE(parse_certificates("", "empty").ok());
    EXPECT_FALSE(parse_certificates("hello world\n", "text").ok());

    auto key_only = parse_certificates(testing::private_key_pem(pki_.leaf_key.get()), "key.pem");
    ASSERT_FALSE(key_only.ok());
    EXPECT_EQ(key_only.error().what, "no CERTIFICATE block (only PRIVATE KEY)");

    Bytes key_der = testing::spki_of(pki_.leaf_key.get());
    auto key_der_result = parse_certificates(as_string(key_der), "key.der");
    ASSERT_FALSE(key_der_result.ok());
    EXPECT_EQ(key_der_result.error().what, "holds a key, not a certificate");

    std::string corrupt = testing::pem_of(pki_.leaf.get());
    corrupt[corrupt.size() / 2] = '*';  // not base64
    EXPECT_FALSE(parse_certificates(corrupt, "corrupt.pem").ok());

    std::string big(kMaxCredentialFileSize + 10, 'A');
    auto too_big = load_certificate_chain(write("big.pem", big));
    ASSERT_FALSE(too_big.ok());
    EXPECT_NE(too_big.error().what.find("larger than"), std::string::npos);
}

TEST_F(CertificateLoaderTest, TooManyCertificates) {
    std::string many;
    std::string one = testing::pem_of(pki_.leaf.get());
    for (size_t i = 0; i <= kMaxChainLength; ++i) many += one;
    auto chain = parse_certificates(many, "bundle.pem");
    ASSERT_FALSE(chain.ok());
    EXPECT_NE(chain.error().what.find("more than"), std::string::npos);
}

TEST_F(CertificateLoaderTest, PublicKeyFromEveryKeyForm) {
    Bytes expected = testing::spki_of(pki_.leaf_key.get());
    auto check = [&](const std::string& what, const std::string& content) {
        auto key = parse_public_key(content, what);
        ASSERT_TRUE(key.ok()) << what << ": " << key.error().to_string();
        EXPECT_EQ(key->spki_der(), expected) << what;
    };
    check("PKCS#8 PEM", testing::private_key_pem(pki_.leaf_key.get()));
    check("SPKI PEM", testing::public_key_pem(pki_.leaf_key.get()));
    check("SPKI DER", as_string(expected));
    check("key after certificate",
          testing::pem_of(pki_.leaf.get()) + testing::private_key_pem(pki_.leaf_key.get()));

    // PKCS#8 DER and the traditional SEC1 "EC PRIVATE KEY".
    detail::BioPtr bio(BIO_new(BIO_s_mem()));
    ASSERT_EQ(i2d_PKCS8PrivateKey_bio(bio.get(), pki_.leaf_key.get(), nullptr, nullptr, 0, nullptr, nullptr),
              1);
    char* data = nullptr;
    long size = BIO_get_mem_data(bio.get(), &data);
    check("PKCS#8 DER", std::string(data, static_cast<size_t>(size)));
    detail::BioPtr sec1(BIO_new(BIO_s_mem()));
    ASSERT_EQ(PEM_write_bio_PrivateKey_traditional(sec1.get(), pki_.leaf_key.get(), nullptr, nullptr, 0,
                                                   nullptr, nullptr),
              1);
    size = BIO_get_mem_data(sec1.get(), &data);
    std::string traditional(data, static_cast<size_t>(size));
    EXPECT_NE(traditional.find("EC PRIVATE KEY"), std::string::npos);
    check("SEC1 PEM", traditional);
}

TEST_F(CertificateLoaderTest, RsaPkcs1PublicKey) {
    auto rsa = testing::make_rsa_key(2048);
    detail::BioPtr bio(BIO_new(BIO_s_mem()));
    // The traditional "RSA PRIVATE KEY" (PKCS#1) form.
    ASSERT_EQ(
        PEM_write_bio_PrivateKey_traditional(bio.get(), rsa.get(), nullptr, nullptr, 0, nullptr, nullptr), 1);
    char* data = nullptr;
    long size = BIO_get_mem_data(bio.get(), &data);
    std::string traditional(data, static_cast<size_t>(size));
    EXPECT_NE(traditional.find("RSA PRIVATE KEY"), std::string::npos);
    auto from_private = parse_public_key(traditional, "rsa.pem");
    ASSERT_TRUE(from_private.ok()) << from_private.error().to_string();
    EXPECT_EQ(from_private->spki_der(), testing::spki_of(rsa.get()));
    EXPECT_EQ(from_private->algorithm(), "RSA");

    // "RSA PUBLIC KEY" (PKCS#1), as `openssl rsa -RSAPublicKey_out` writes it.
    std::unique_ptr<OSSL_ENCODER_CTX, decltype(&OSSL_ENCODER_CTX_free)> encoder(
        OSSL_ENCODER_CTX_new_for_pkey(rsa.get(), EVP_PKEY_PUBLIC_KEY, "PEM", "type-specific", nullptr),
        OSSL_ENCODER_CTX_free);
    ASSERT_TRUE(encoder);
    unsigned char* encoded = nullptr;
    size_t encoded_length = 0;
    ASSERT_EQ(OSSL_ENCODER_to_data(encoder.get(), &encoded, &encoded_length), 1);
    std::string pem(reinterpret_cast<char*>(encoded), encoded_length);
    OPENSSL_free(encoded);
    EXPECT_NE(pem.find("-----BEGIN RSA PUBLIC KEY-----"), std::string::npos) << pem;
    auto from_pkcs1 = parse_public_key(pem, "rsa-pub.pem");
    ASSERT_TRUE(from_pkcs1.ok()) << from_pkcs1.error().to_string();
    EXPECT_EQ(from_pkcs1->spki_der(), testing::spki_of(rsa.get()));
}

TEST_F(CertificateLoaderTest, KeyFileErrors) {
    auto encrypted = parse_public_key(testing::private_key_pem(pki_.leaf_key.get(), "secret"), "enc.pem");
    ASSERT_FALSE(encrypted.ok());
    EXPECT_NE(encrypted.error().what.find("encrypted"), std::string::npos) << encrypted.error().what;

    auto cert = parse_public_key(pki_.chain_pem(), "chain.pem");
    ASSERT_FALSE(cert.ok());
    EXPECT_EQ(cert.error().what, "holds a certificate, not a key");

    auto cert_der = parse_public_key(as_string(testing::der_of(pki_.leaf.get())), "leaf.der");
    ASSERT_FALSE(cert_der.ok());
    EXPECT_EQ(cert_der.error().what, "holds a certificate, not a key");

    EXPECT_FALSE(parse_public_key("", "empty").ok());
    EXPECT_FALSE(parse_public_key("\x30\x03\x02\x01\x00", "junk.der").ok());
    auto missing = load_public_key((dir_ / "missing.key").string());
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().what.find("cannot open"), std::string::npos);
}

TEST_F(CertificateLoaderTest, PrivateKey) {
    auto key = load_private_key(write("leaf.key", testing::private_key_pem(pki_.leaf_key.get())));
    ASSERT_TRUE(key.ok()) << key.error().to_string();
    auto public_key = key->public_key();
    ASSERT_TRUE(public_key.ok());
    EXPECT_EQ(public_key->spki_der(), testing::spki_of(pki_.leaf_key.get()));

    auto public_only = parse_private_key(testing::public_key_pem(pki_.leaf_key.get()), "pub.pem");
    ASSERT_FALSE(public_only.ok());
    EXPECT_EQ(public_only.error().what, "no private key block (only PUBLIC KEY)");
    EXPECT_FALSE(parse_private_key(testing::private_key_pem(pki_.leaf_key.get(), "pw"), "enc.pem").ok());
}

}  // namespace
}  // namespace danemail::tls

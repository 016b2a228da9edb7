// Tests of zone keys: roles and flags of generated keys (RFC 4034 §2.1.1), key tags (Appendix B) and DS
// digests of each supported type (RFC 4034 §5.1.4, RFC 4509, RFC 6605 §2), including refusals.
#include "dnssec/key.h"

#include <gtest/gtest.h>

#include "dnssec/algorithm.h"

namespace danemail::dnssec {
namespace {

dns::Name name(const std::string& text) {
    return dns::Name::from_text(text).value();
}

TEST(GenerateKey, FlagsFollowTheRole) {
    const std::pair<KeyRole, uint16_t> roles[] = {
        {KeyRole::Ksk, 257}, {KeyRole::Csk, 257}, {KeyRole::Zsk, 256}};
    for (const auto& [role, flags] : roles) {
        auto key = generate_key(name("example.com."), role, algorithm::ECDSAP256SHA256);
        ASSERT_TRUE(key.ok()) << key.error().to_string();
        EXPECT_EQ(key->dnskey.flags, flags);
        EXPECT_EQ(key->dnskey.protocol, 3);
        EXPECT_EQ(key->dnskey.algorithm, algorithm::ECDSAP256SHA256);
        EXPECT_EQ(key->dnskey.public_key.size(), 64u);
        EXPECT_EQ(key->tag, key_tag(key->dnskey_rdata()));
        EXPECT_EQ(key->is_ksk(), role != KeyRole::Zsk);
        ASSERT_TRUE(key->private_key.has_value());
        EXPECT_EQ(key->private_key->dnskey_public_key(), key->dnskey.public_key);
        EXPECT_TRUE(key->created && key->publish && key->activate);
        EXPECT_FALSE(key->inactive || key->remove);
        EXPECT_EQ(key->zone, name("example.com."));
    }
}

TEST(GenerateKey, EveryAlgorithmAndRsaSize) {
    for (uint8_t alg : {algorithm::ECDSAP384SHA384, algorithm::ED25519}) {
        auto key = generate_key(name("example.org."), KeyRole::Zsk, alg);
        ASSERT_TRUE(key.ok()) << key.error().to_string();
        EXPECT_EQ(key->dnskey.algorithm, alg);
    }
    auto rsa = generate_key(name("example.org."), KeyRole::Ksk, algorithm::RSASHA256, 1024);
    ASSERT_TRUE(rsa.ok()) << rsa.error().to_string();
    EXPECT_EQ(rsa->dnskey.public_key.size(), 1u + 3u + 128u);  // exponent length, AQAB, modulus
    EXPECT_FALSE(generate_key(name("example.org."), KeyRole::Ksk, algorithm::RSASHA1).ok());
    EXPECT_FALSE(generate_key(name("example.org."), KeyRole::Ksk, algorithm::RSASHA256, 100).ok());
}

TEST(KeyTag, OnesComplementSumIncludingOddLength) {
    // Words 0x0101, 0x0203, 0x0400: sum 0x0704.
    EXPECT_EQ(key_tag(Bytes{0x01, 0x01, 0x02, 0x03, 0x04}), 0x0704);
    // Carries fold back into the low 16 bits once.
    EXPECT_EQ(key_tag(Bytes{0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x02}),
              static_cast<uint16_t>(0xFFFF + 0xFFFF + 0x2 + 0x2));
    EXPECT_EQ(key_tag(Bytes{}), 0);
}

TEST(MakeDs, DigestTypesAndCanonicalOwner) {
    auto key = generate_key(name("Example.COM."), KeyRole::Ksk, algorithm::ED25519);
    ASSERT_TRUE(key.ok());
    const Bytes rdata = key->dnskey_rdata();
    const std::pair<uint8_t, size_t> digests[] = {
        {digest::SHA1, 20}, {digest::SHA256, 32}, {digest::SHA384, 48}};
    for (const auto& [type, size] : digests) {
        auto ds = make_ds(key->zone, rdata, type);
        ASSERT_TRUE(ds.ok()) << ds.error().to_string();
        EXPECT_EQ(ds->key_tag, key->tag);
        EXPECT_EQ(ds->algorithm, algorithm::ED25519);
        EXPECT_EQ(ds->digest_type, type);
        EXPECT_EQ(ds->digest.size(), size);
        // The owner goes in in canonical (lower-case) form.
        EXPECT_EQ(ds->digest, make_ds(name("example.com."), rdata, type)->digest);
        EXPECT_NE(ds->digest, make_ds(name("example.net."), rdata, type)->digest);
    }
    auto gost = make_ds(key->zone, rdata, 3);
    ASSERT_FALSE(gost.ok());
    EXPECT_NE(gost.error().what.find("not supported"), std::string::npos);
    EXPECT_FALSE(make_ds(key->zone, Bytes{1, 1}, digest::SHA256).ok());  // not a DNSKEY RDATA

    dns::DnskeyRdata not_a_zone_key = key->dnskey;
    not_a_zone_key.flags = 0;
    auto refused = make_ds(key->zone, not_a_zone_key.encode(), digest::SHA256);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().what.find("Zone Key"), std::string::npos);
}

}  // namespace
}  // namespace danemail::dnssec

// Tests of the DNSSEC key primitives: sign/verify round trips for every signing algorithm, tampering,
// refusal of SHA-1 algorithms (RFC 8624 §3.1), rejection of malformed DNSKEY fields and signatures
// (untrusted input), key-file numbers, and a signing-throughput report (run with
// --gtest_also_run_disabled_tests; compare with `openssl speed -seconds 3 ecdsap256`).
#include <gtest/gtest.h>

#include <time.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "dnssec/algorithm.h"
#include "dnssec/crypto_key.h"

namespace danemail::dnssec {
namespace {

const uint8_t kSigningAlgorithms[] = {algorithm::RSASHA256, algorithm::ECDSAP256SHA256,
                                      algorithm::ECDSAP384SHA384, algorithm::ED25519};

Bytes message(const std::string& text) {
    return Bytes(text.begin(), text.end());
}

size_t expected_signature_size(uint8_t alg) {
    switch (alg) {
        case algorithm::RSASHA256:
            return 256;  // 2048-bit modulus
        case algorithm::ECDSAP256SHA256:
            return 64;
        case algorithm::ECDSAP384SHA384:
            return 96;
        default:
            return 64;
    }
}

class RoundTrip : public ::testing::TestWithParam<uint8_t> {};

TEST_P(RoundTrip, SignVerifyAndTamper) {
    const uint8_t alg = GetParam();
    auto key = PrivateKey::generate(alg);
    ASSERT_TRUE(key.ok()) << key.error().to_string();
    EXPECT_EQ(key->algorithm(), alg);
    auto public_key = PublicKey::from_dnskey(alg, key->dnskey_public_key());
    ASSERT_TRUE(public_key.ok()) << public_key.error().to_string();

    const Bytes data = message("www.example.com. 3600 IN A 192.0.2.1");
    auto signature = key->sign(data);
    ASSERT_TRUE(signature.ok()) << signature.error().to_string();
    EXPECT_EQ(signature->size(), expected_signature_size(alg));
    EXPECT_TRUE(public_key->verify(data, *signature));

    Bytes tampered_data = data;
    tampered_data[5] ^= 0x01;
    EXPECT_FALSE(public_key->verify(tampered_data, *signature));
    Bytes tampered_signature = *signature;
    tampered_signature[tampered_signature.size() / 2] ^= 0x80;
    EXPECT_FALSE(public_key->verify(data, tampered_signature));
    EXPECT_FALSE(public_key->verify(data, ByteView(*signature).first(signature->size() - 1)));
    EXPECT_FALSE(public_key->verify(data, Bytes{}));

    // Another key of the same algorithm does not verify it.
    auto other = PrivateKey::generate(alg);
    ASSERT_TRUE(other.ok());
    EXPECT_FALSE(PublicKey::from_dnskey(alg, other->dnskey_public_key())->verify(data, *signature));

    // A reused context signs many times, and each signature verifies.
    SigningContext context(*key);
    for (int i = 0; i < 5; ++i) {
        Bytes d = message("record " + std::to_string(i));
        auto s = context.sign(d);
        ASSERT_TRUE(s.ok()) << s.error().to_string();
        EXPECT_TRUE(public_key->verify(d, *s));
    }
    SigningContext moved(std::move(context));
    EXPECT_TRUE(public_key->verify(data, moved.sign(data).value()));
    EXPECT_FALSE(context.sign(data).ok());  // NOLINT(bugprone-use-after-move): reports, does not crash
}

TEST_P(RoundTrip, MaterialRebuildsTheSameKey) {
    const uint8_t alg = GetParam();
    auto key = PrivateKey::generate(alg);
    ASSERT_TRUE(key.ok()) << key.error().to_string();
    auto material = key->material();
    ASSERT_TRUE(material.ok()) << material.error().to_string();
    auto rebuilt = PrivateKey::from_material(alg, *material);
    ASSERT_TRUE(rebuilt.ok()) << rebuilt.error().to_string();
    EXPECT_EQ(rebuilt->dnskey_public_key(), key->dnskey_public_key());
    const Bytes data = message("data");
    EXPECT_TRUE(
        PublicKey::from_dnskey(alg, key->dnskey_public_key())->verify(data, rebuilt->sign(data).value()));
}

INSTANTIATE_TEST_SUITE_P(SigningAlgorithms, RoundTrip, ::testing::ValuesIn(kSigningAlgorithms),
                         [](const auto& param_info) {
                             return "Algorithm" + std::to_string(param_info.param);
                         });

TEST(PrivateKey, ConcurrentSignIsSafe) {
    auto key = PrivateKey::generate(algorithm::ECDSAP256SHA256);
    ASSERT_TRUE(key.ok());
    auto public_key = PublicKey::from_dnskey(algorithm::ECDSAP256SHA256, key->dnskey_public_key()).value();
    std::atomic<int> good{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            SigningContext context(*key);
            for (int i = 0; i < 50; ++i) {
                Bytes d = message(std::to_string(t) + ":" + std::to_string(i));
                if (public_key.verify(d, context.sign(d).value()) &&
                    public_key.verify(d, key->sign(d).value()))
                    ++good;
            }
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(good.load(), 200);
}

TEST(PrivateKey, RefusesSha1AndUnsupportedAlgorithms) {
    for (uint8_t alg : {algorithm::RSASHA1, algorithm::RSASHA1_NSEC3_SHA1}) {
        auto key = PrivateKey::generate(alg);
        ASSERT_FALSE(key.ok());
        EXPECT_NE(key.error().what.find("RFC 8624"), std::string::npos) << key.error().what;
    }
    for (uint8_t alg : {algorithm::RSASHA512, algorithm::ED448, uint8_t{3}, uint8_t{99}}) {
        auto key = PrivateKey::generate(alg);
        ASSERT_FALSE(key.ok());
        EXPECT_NE(key.error().what.find("does not sign"), std::string::npos) << key.error().what;
    }
    EXPECT_FALSE(PrivateKey::generate(algorithm::RSASHA256, 512).ok());
    EXPECT_FALSE(PrivateKey::generate(algorithm::RSASHA256, 8192).ok());

    // A loaded RSA key of algorithm 5 verifies but does not sign.
    auto rsa = PrivateKey::generate(algorithm::RSASHA256, 1024);
    ASSERT_TRUE(rsa.ok());
    auto as_sha1 = PrivateKey::from_evp(algorithm::RSASHA1, rsa->evp());
    ASSERT_TRUE(as_sha1.ok());
    auto refused = as_sha1->sign(message("x"));
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().what.find("must not be used for signing"), std::string::npos);
}

TEST(PrivateKey, FromEvpChecksTheKeyType) {
    auto p256 = PrivateKey::generate(algorithm::ECDSAP256SHA256);
    ASSERT_TRUE(p256.ok());
    EXPECT_TRUE(PrivateKey::from_evp(algorithm::ECDSAP256SHA256, p256->evp()).ok());
    EXPECT_FALSE(PrivateKey::from_evp(algorithm::ECDSAP384SHA384, p256->evp()).ok());
    EXPECT_FALSE(PrivateKey::from_evp(algorithm::RSASHA256, p256->evp()).ok());
    EXPECT_FALSE(PrivateKey::from_evp(algorithm::ED25519, p256->evp()).ok());
    EXPECT_FALSE(PrivateKey::from_evp(algorithm::ED25519, nullptr).ok());
}

TEST(PrivateKey, FromMaterialRejectsBadNumbers) {
    PrivateKeyMaterial short_scalar;
    short_scalar.private_key = Bytes(31, 1);
    EXPECT_FALSE(PrivateKey::from_material(algorithm::ECDSAP256SHA256, short_scalar).ok());
    PrivateKeyMaterial zero;
    zero.private_key = Bytes(32, 0);
    EXPECT_FALSE(PrivateKey::from_material(algorithm::ECDSAP256SHA256, zero).ok());
    PrivateKeyMaterial above_order;
    above_order.private_key = Bytes(32, 0xFF);
    EXPECT_FALSE(PrivateKey::from_material(algorithm::ECDSAP256SHA256, above_order).ok());
    EXPECT_FALSE(PrivateKey::from_material(algorithm::ED25519, short_scalar).ok());
    EXPECT_FALSE(PrivateKey::from_material(99, zero).ok());

    auto rsa = PrivateKey::generate(algorithm::RSASHA256, 1024);
    ASSERT_TRUE(rsa.ok());
    auto material = rsa->material().value();
    material.prime1.back() ^= 0x02;  // still odd, no longer a factor of the modulus
    auto damaged = PrivateKey::from_material(algorithm::RSASHA256, material);
    ASSERT_FALSE(damaged.ok());
    EXPECT_NE(damaged.error().what.find("inconsistent"), std::string::npos) << damaged.error().what;
    PrivateKeyMaterial partial;
    partial.modulus = Bytes(128, 0xC5);
    partial.public_exponent = {1, 0, 1};
    partial.private_exponent = Bytes(128, 0x11);
    partial.prime1 = Bytes(64, 0x33);
    EXPECT_FALSE(PrivateKey::from_material(algorithm::RSASHA256, partial).ok());
}

TEST(PublicKey, RejectsMalformedDnskeyFields) {
    // ECDSA: wrong length, and a point that is not on the curve.
    EXPECT_FALSE(PublicKey::from_dnskey(algorithm::ECDSAP256SHA256, Bytes(63, 1)).ok());
    EXPECT_FALSE(PublicKey::from_dnskey(algorithm::ECDSAP256SHA256, Bytes(64, 1)).ok());
    EXPECT_FALSE(PublicKey::from_dnskey(algorithm::ECDSAP384SHA384, Bytes(64, 1)).ok());
    // EdDSA: wrong lengths.
    EXPECT_FALSE(PublicKey::from_dnskey(algorithm::ED25519, Bytes(31, 1)).ok());
    EXPECT_FALSE(PublicKey::from_dnskey(algorithm::ED448, Bytes(32, 1)).ok());
    // RSA: empty, exponent running past the end, 3-octet length form truncated, modulus too small.
    EXPECT_FALSE(PublicKey::from_dnskey(algorithm::RSASHA256, Bytes{}).ok());
    EXPECT_FALSE(PublicKey::from_dnskey(algorithm::RSASHA256, Bytes{3, 1, 0}).ok());
    EXPECT_FALSE(PublicKey::from_dnskey(algorithm::RSASHA256, Bytes{0, 1}).ok());
    EXPECT_FALSE(PublicKey::from_dnskey(algorithm::RSASHA256, Bytes{0, 0, 0, 1}).ok());
    Bytes tiny = {3, 1, 0, 1};
    tiny.insert(tiny.end(), 32, 0xC3);  // a 256-bit modulus
    EXPECT_FALSE(PublicKey::from_dnskey(algorithm::RSASHA256, tiny).ok());
    // Unknown algorithms.
    auto unknown = PublicKey::from_dnskey(99, Bytes(32, 1));
    ASSERT_FALSE(unknown.ok());
    EXPECT_NE(unknown.error().what.find("not supported"), std::string::npos);
}

TEST(PublicKey, RsaThreeOctetExponentLength) {
    auto key = PrivateKey::generate(algorithm::RSASHA256, 1024);
    ASSERT_TRUE(key.ok());
    Bytes field = key->dnskey_public_key();
    ASSERT_EQ(field[0], 3);  // e = 65537 in three octets: AQAB
    Bytes long_form = {0, 0, 3};
    long_form.insert(long_form.end(), field.begin() + 1, field.end());
    auto public_key = PublicKey::from_dnskey(algorithm::RSASHA256, long_form);
    ASSERT_TRUE(public_key.ok()) << public_key.error().to_string();
    const Bytes data = message("three-octet exponent length");
    EXPECT_TRUE(public_key->verify(data, key->sign(data).value()));
}

TEST(Algorithm, NamesAndCapabilities) {
    EXPECT_EQ(algorithm_from_name("ecdsap256"), algorithm::ECDSAP256SHA256);
    EXPECT_EQ(algorithm_from_name("ECDSAP256SHA256"), algorithm::ECDSAP256SHA256);
    EXPECT_EQ(algorithm_from_name("EcdsaP384"), algorithm::ECDSAP384SHA384);
    EXPECT_EQ(algorithm_from_name("rsasha256"), algorithm::RSASHA256);
    EXPECT_EQ(algorithm_from_name("ed25519"), algorithm::ED25519);
    EXPECT_EQ(algorithm_from_name("13"), algorithm::ECDSAP256SHA256);
    EXPECT_FALSE(algorithm_from_name("ecdsa").has_value());
    EXPECT_FALSE(algorithm_from_name("").has_value());
    for (uint8_t alg : kSigningAlgorithms) EXPECT_TRUE(can_sign(alg) && can_verify(alg));
    for (uint8_t alg : {5, 7, 10, 16}) EXPECT_TRUE(!can_sign(alg) && can_verify(alg));
    EXPECT_FALSE(can_verify(1) || can_verify(3) || can_verify(12));
}

double thread_cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// Throughput of one thread's SigningContext over RRset-sized data, per second of this thread's CPU time (as
// `openssl speed` counts by default, so a busy machine does not skew the comparison). A report, not an
// assertion.
TEST(SigningThroughput, DISABLED_Report) {
    const Bytes data(200, 0x5A);
    for (uint8_t alg : kSigningAlgorithms) {
        auto key = PrivateKey::generate(alg);
        ASSERT_TRUE(key.ok());
        SigningContext context(*key);
        int count = 0;
        const double start = thread_cpu_seconds();
        double elapsed = 0;
        do {
            for (int i = 0; i < 50; ++i) ASSERT_TRUE(context.sign(data).ok());
            count += 50;
            elapsed = thread_cpu_seconds() - start;
        } while (elapsed < 3.0);
        std::printf("algorithm %3u: %9.0f signatures per CPU second (SigningContext, one thread)\n",
                    static_cast<unsigned>(alg), count / elapsed);
    }
}

}  // namespace
}  // namespace danemail::dnssec

// Known-answer tests copied from the RFCs: NSEC3 hashes (RFC 5155 Appendix A), key tags and DS (RFC 4034
// §5.4, Appendix B), RSA/SHA-256 and RSA/SHA-512 (RFC 5702 §6), ECDSA (RFC 6605 §6) and EdDSA (RFC 8080 §6
// with verified erratum 4935: the published RRSIGs lack the algorithm field and carry label count 3 for the
// two-label owner example.com., which RFC 4035 §5.3.1 makes invalid; the corrected RRSIGs say "15 2" / "16
// 2").
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dns/rdata.h"
#include "dnssec/crypto_key.h"
#include "dnssec/key.h"
#include "dnssec/nsec3_hash.h"
#include "dnssec/signed_data.h"

namespace danemail::dnssec {
namespace {

dns::Name name(const std::string& text) {
    return dns::Name::from_text(text).value();
}

Bytes rdata(dns::RRType type, const std::string& text) {
    auto r = dns::rdata_from_text(type, text, dns::Name());
    EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().to_string());
    return r.ok() ? *r : Bytes{};
}

Bytes b64(const std::string& text) {
    return from_base64(text).value();
}

// An RRset and the RRSIG over it, as an RFC example prints them.
struct SignedExample {
    std::string owner;
    dns::RRType type;
    std::vector<std::string> records;
    std::string rrsig;  // RRSIG RDATA text
};

struct Verified {
    dns::RrsigRdata rrsig;
    Bytes signed_data;
};

Verified prepare(const SignedExample& example) {
    auto rrsig = dns::RrsigRdata::decode(rdata(dns::type::RRSIG, example.rrsig)).value();
    std::vector<Bytes> rrs;
    for (const auto& r : example.records) rrs.push_back(rdata(example.type, r));
    auto sorted = canonical_rdatas(example.type, rrs);
    return {rrsig, rrset_signed_data(rrsig, name(example.owner), dns::rrclass::IN, sorted)};
}

std::string ds_text(const dns::DsRdata& ds) {
    return std::to_string(ds.key_tag) + " " + std::to_string(ds.algorithm) + " " +
           std::to_string(ds.digest_type) + " " + to_hex(ds.digest);
}

// ---- RFC 5155 Appendix A ----

TEST(Rfc5155, AppendixANsec3Hashes) {
    const Bytes salt = from_hex("aabbccdd").value();
    const std::pair<const char*, const char*> vectors[] = {
        {"example.", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"},
        {"a.example.", "35mthgpgcu1qg68fab165klnsnk3dpvl"},
        {"ai.example.", "gjeqe526plbf1g8mklp59enfd789njgi"},
        {"ns1.example.", "2t7b4g4vsa5smi47k61mv5bv1a22bojr"},
        {"ns2.example.", "q04jkcevqvmu85r014c7dkba38o0ji5r"},
        {"w.example.", "k8udemvp1j2f7eg6jebps17vp3n8i58h"},
        {"*.w.example.", "r53bq7cc2uvmubfu5ocmm6pers9tk9en"},
        {"x.w.example.", "b4um86eghhds6nea196smvmlo4ors995"},
        {"y.w.example.", "ji6neoaepv8b5o6k4ev33abha8ht9fgc"},
        {"x.y.w.example.", "2vptu5timamqttgl4luu9kg21e0aor3s"},
        {"xx.example.", "t644ebqk9bibcna874givr6joj62mlhv"},
        {"2t7b4g4vsa5smi47k61mv5bv1a22bojr.example.", "kohar7mbb8dc2ce8a9qvl8hon4k53uhi"},
    };
    for (const auto& [owner, hash] : vectors) {
        std::string got = to_base32hex(nsec3_hash(name(owner), salt, 12));
        for (char& c : got) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        EXPECT_EQ(got, hash) << owner;
    }
    // Upper-case input hashes the same (the name is lower-cased first).
    EXPECT_EQ(nsec3_hash(name("EXAMPLE."), salt, 12), nsec3_hash(name("example."), salt, 12));
}

// ---- RFC 4034 ----

TEST(Rfc4034, Section5_4KeyTagAndSha1Ds) {
    const Bytes dnskey =
        rdata(dns::type::DNSKEY,
              "256 3 5 AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/2pHm822aJ5iI9BMzNXxeYCmZ"
              "DRD99WYwYqUSdjMmmAphXdvxegXd/M5+X7OrzKBaMbCVdFLUUh6DhweJBjEVv5f2wwjM9XzcnOf+EPbt"
              "G9DMBmADjFDc2w/rljwvFw==");
    EXPECT_EQ(key_tag(dnskey), 60485);
    auto ds = make_ds(name("dskey.example.com."), dnskey, digest::SHA1);
    ASSERT_TRUE(ds.ok()) << ds.error().to_string();
    EXPECT_EQ(ds_text(*ds), "60485 5 1 2bb183af5f22588179a53b0a98631fad1a292118");
    // The public key is a valid RSA key that the verifier accepts.
    EXPECT_TRUE(PublicKey::from_dnskey(5, dns::DnskeyRdata::decode(dnskey)->public_key).ok());
}

TEST(Rfc4034, Section2_3AndRfc5155KeyTags) {
    // RFC 4034 §2.3's example.com. key signs §3.3's RRSIG, which names key tag 2642.
    EXPECT_EQ(
        key_tag(rdata(dns::type::DNSKEY,
                      "256 3 5 AQPSKmynfzW4kyBv015MUG2DeIQ3Cbl+BBZH4b/0PY1kxkmvHjcZc8nokfzj31GajIQKY+5CptLr3"
                      "buXA10hWqTkF7H6RfoRqXQeogmMHfpftf6zMv1LyBUgia7za6ZEzOJBOztyvhjL742iU/TpPSEDhm2SNKLi"
                      "jfUppn1UaNvv4w==")),
        2642);
    // RFC 5155 Appendix A: the ZSK's RRSIGs name tag 40430, the KSK's 12708.
    EXPECT_EQ(
        key_tag(rdata(dns::type::DNSKEY,
                      "256 3 7 AwEAAaetidLzsKWUt4swWR8yu0wPHPiUi8LUsAD0QPWU+wzt89epO6tHzkMBVDkC7qphQO2hTY4h"
                      "Hn9npWFRw5BYubE=")),
        40430);
    EXPECT_EQ(
        key_tag(rdata(dns::type::DNSKEY,
                      "257 3 7 AwEAAcUlFV1vhmqx6NSOUOq2R/dsR7Xm3upJj7IommWSpJABVfW8Q0rOvXdM6kzt+TAu92L9AbsU"
                      "dblMFin8CVF3n4s=")),
        12708);
}

TEST(Rfc4034, AppendixB1Algorithm1KeyTag) {
    // Algorithm 1: the most significant 16 bits of the least significant 24 bits of the modulus.
    const Bytes dnskey = {0x01, 0x00, 0x03, 0x01, 0x01, 0x03, 0x11, 0x22, 0x33, 0xAB, 0xCD, 0xEF};
    EXPECT_EQ(key_tag(dnskey), 0xABCD);
    EXPECT_EQ(key_tag(Bytes{0x01, 0x00, 0x03, 0x01, 0x01}), 0);  // too short to hold a modulus
}

// ---- RFC 5702 §6 ----

PrivateKeyMaterial rfc5702_section_6_1_key() {
    PrivateKeyMaterial m;
    m.modulus =
        b64("wVwaxrHF2CK64aYKRUibLiH30KpPuPBjel7E8ZydQW1HYWHfoGmidzC2RnhwCC293hCzw+TFR2nqn8OVSY5t2Q==");
    m.public_exponent = b64("AQAB");
    m.private_exponent =
        b64("UR44xX6zB3eaeyvTRzmskHADrPCmPWnr8dxsNwiDGHzrMKLN+i/HAam+97HxIKVWNDH2ba9Mf1SA8xu9dcHZAQ==");
    m.prime1 = b64("4c8IvFu1AVXGWeFLLFh5vs7fbdzdC6U82fduE6KkSWk=");
    m.prime2 = b64("2zZpBE8ZXVnL74QjG4zINlDfH+EOEtjJJ3RtaYDugvE=");
    m.exponent1 = b64("G2xAPFfK0KGxGANDVNxd1K1c9wOmmJ51mGbzKFFNMFk=");
    m.exponent2 = b64("GYxP1Pa7CAwtHm8SAGX594qZVofOMhgd6YFCNyeVpKE=");
    m.coefficient = b64("icQdNRjlZGPmuJm2TIadubcO8X7V4y07aVhX464tx8Q=");
    return m;
}

TEST(Rfc5702, Section6_1RsaSha256VerifiesAndResignsIdentically) {
    const std::string public_key =
        "AwEAAcFcGsaxxdgiuuGmCkVImy4h99CqT7jwY3pexPGcnUFtR2Fh36BponcwtkZ4cAgtvd4Qs8PkxUdp6p/DlUmObdk=";
    EXPECT_EQ(key_tag(rdata(dns::type::DNSKEY, "256 3 8 " + public_key)), 9033);
    const Verified example =
        prepare({"www.example.net.",
                 dns::type::A,
                 {"192.0.2.91"},
                 "A 8 3 3600 20300101000000 20000101000000 9033 example.net. "
                 "kRCOH6u7l0QGy9qpC9l1sLncJcOKFLJ7GhiUOibu4teYp5VE9RncriShZNz85mwlMgNEacFYK/"
                 "lPtPiVYP4bwg=="});
    auto key = PublicKey::from_dnskey(8, b64(public_key));
    ASSERT_TRUE(key.ok()) << key.error().to_string();
    EXPECT_TRUE(key->verify(example.signed_data, example.rrsig.signature));

    auto private_key = PrivateKey::from_material(8, rfc5702_section_6_1_key());
    ASSERT_TRUE(private_key.ok()) << private_key.error().to_string();
    EXPECT_EQ(to_base64(private_key->dnskey_public_key()), public_key);
    // RSASSA-PKCS1-v1_5 is deterministic: the same key and data give the RFC's signature byte for byte.
    auto signature = private_key->sign(example.signed_data);
    ASSERT_TRUE(signature.ok()) << signature.error().to_string();
    EXPECT_EQ(*signature, example.rrsig.signature);
    SigningContext context(*private_key);
    EXPECT_EQ(context.sign(example.signed_data).value(), example.rrsig.signature);
}

TEST(Rfc5702, Section6_2RsaSha512Verifies) {
    const std::string public_key =
        "AwEAAdHoNTOW+et86KuJOWRDp1pndvwb6Y83nSVXXyLA3DLroROUkN6X0O6pnWnjJQujX/AyhqFDxj13tOnD9u/"
        "1kTg7cV6rklMrZDtJ"
        "CQ5PCl/D7QNPsgVsMu1J2Q8gpMpztNFLpPBz1bWXjDtaR7ZQBlZ3PFY12ZTSncorffcGmhOL";
    EXPECT_EQ(key_tag(rdata(dns::type::DNSKEY, "256 3 10 " + public_key)), 3740);
    const Verified example = prepare({"www.example.net.",
                                      dns::type::A,
                                      {"192.0.2.91"},
                                      "A 10 3 3600 20300101000000 20000101000000 3740 example.net. "
                                      "tsb4wnjRUDnB1BUi+t6TMTXThjVnG+eCkWqjvvjhzQL"
                                      "1d0YRoOe0CbxrVDYd0xDtsuJRaeUw1ep94PzEWzr0iGYgZBWm/"
                                      "zpq+9fOuagYJRfDqfReKBzMweOLDiNa8iP5g9vMhpuv6OPlvpX"
                                      "wm9Sa9ZXIbNl1MBGk0fthPgxdDLw="});
    auto key = PublicKey::from_dnskey(10, b64(public_key));
    ASSERT_TRUE(key.ok()) << key.error().to_string();
    EXPECT_TRUE(key->verify(example.signed_data, example.rrsig.signature));
    EXPECT_FALSE(
        PublicKey::from_dnskey(8, b64(public_key))->verify(example.signed_data, example.rrsig.signature));
}

// ---- RFC 6605 §6 ----

TEST(Rfc6605, Section6_1P256) {
    const std::string public_key =
        "GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA==";
    PrivateKeyMaterial m;
    m.private_key = b64("GU6SnQ/Ou+xC5RumuIUIuJZteXT2z0O/ok1s38Et6mQ=");
    auto private_key = PrivateKey::from_material(13, m);
    ASSERT_TRUE(private_key.ok()) << private_key.error().to_string();
    EXPECT_EQ(to_base64(private_key->dnskey_public_key()), public_key);

    const Bytes dnskey = rdata(dns::type::DNSKEY, "257 3 13 " + public_key);
    EXPECT_EQ(key_tag(dnskey), 55648);
    EXPECT_EQ(ds_text(make_ds(name("example.net."), dnskey, digest::SHA256).value()),
              "55648 13 2 b4c8c1fe2e7477127b27115656ad6256f424625bf5c1e2770ce6d6e37df61d17");

    const Verified example =
        prepare({"www.example.net.",
                 dns::type::A,
                 {"192.0.2.1"},
                 "A 13 3 3600 20100909100439 20100812100439 55648 example.net. "
                 "qx6wLYqmh+l9oCKTN6qIc+bw6ya+KJ8oMz0YP107epXAyGmt+3SNruPFKG7tZoLBLlUzGGus7Zwm"
                 "wWep666VCw=="});
    auto key = PublicKey::from_dnskey(13, b64(public_key));
    ASSERT_TRUE(key.ok()) << key.error().to_string();
    EXPECT_TRUE(key->verify(example.signed_data, example.rrsig.signature));
    // ECDSA signatures are randomised: ours differ from the RFC's but verify with the same key.
    auto ours = private_key->sign(example.signed_data);
    ASSERT_TRUE(ours.ok()) << ours.error().to_string();
    EXPECT_EQ(ours->size(), 64u);
    EXPECT_TRUE(key->verify(example.signed_data, *ours));
}

TEST(Rfc6605, Section6_2P384) {
    const std::string public_key =
        "xKYaNhWdGOfJ+nPrL8/arkwf2EY3MDJ+SErKivBVSum1w/egsXvSADtNJhyem5RCOpgQ6K8X1DRSEkrbYQ+OB+v8/"
        "uX45NBwY8rp65F6"
        "Glur8I/mlVNgF6W/qTI37m40";
    const Bytes dnskey = rdata(dns::type::DNSKEY, "257 3 14 " + public_key);
    EXPECT_EQ(key_tag(dnskey), 10771);
    EXPECT_EQ(
        ds_text(make_ds(name("example.net."), dnskey, digest::SHA384).value()),
        "10771 14 4 "
        "72d7b62976ce06438e9c0bf319013cf801f09ecc84b8d7e9495f27e305c6a9b0563a9b5f4d288405c3008a946df983d6");
    const Verified example =
        prepare({"www.example.net.",
                 dns::type::A,
                 {"192.0.2.1"},
                 "A 14 3 3600 20100909102025 20100812102025 10771 example.net. "
                 "/L5hDKIvGDyI1fcARX3z65qrmPsVz73QD1Mr5CEq"
                 "OiLP95hxQouuroGCeZOvzFaxsT8Glr74hbavRKayJNuydCuzWTSSPdz7wnqXL5bdcJzusdnI0RSMROxxwGipWcJm"});
    auto key = PublicKey::from_dnskey(14, b64(public_key));
    ASSERT_TRUE(key.ok()) << key.error().to_string();
    EXPECT_TRUE(key->verify(example.signed_data, example.rrsig.signature));
}

// ---- RFC 8080 §6 (erratum 4935) ----

struct EddsaExample {
    uint8_t algorithm;
    std::string private_key, public_key;
    uint16_t tag;
    std::string ds_sha256, rrsig_signature;
};

const EddsaExample kRfc8080Examples[] = {
    {15, "ODIyNjAzODQ2MjgwODAxMjI2NDUxOTAyMDQxNDIyNjI=", "l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=", 3613,
     "3aa5ab37efce57f737fc1627013fee07bdf241bd10f3b1964ab55c78e79a304b",
     "oL9krJun7xfBOIWcGHi7mag5/hdZrKWw15jPGrHpjQeRAvTdszaPD+QLs3fx8A4M3e23mRZ9VrbpMngwcrqNAg=="},
    {15, "DSSF3o0s0f+ElWzj9E/Osxw8hLpk55chkmx0LYN5WiY=", "zPnZ/QwEe7S8C5SPz2OfS5RR40ATk2/rYnE9xHIEijs=",
     35217, "401781b934e392de492ec77ae2e15d70f6575a1c0bc59c5275c04ebe80c6614c",
     "zXQ0bkYgQTEFyfLyi9QoiY6D8ZdYo4wyUhVioYZXFdT410QPRITQSqJSnzQoSm5poJ7gD7AQR0O7KuI5k2pcBg=="},
    {16, "xZ+5Cgm463xugtkY5B0Jx6erFTXp13rYegst0qRtNsOYnaVpMx0Z/c5EiA9x8wWbDDct/U3FhYWA",
     "3kgROaDjrh0H2iuixWBrc8g2EpBBLCdGzHmn+G2MpTPhpj/OiBVHHSfPodx1FYYUcJKm1MDpJtIA", 9713,
     "6ccf18d5bc5d7fc2fceb1d59d17321402f2aa8d368048db93dd811f5cb2b19c7",
     "3cPAHkmlnxcDHMyg7vFC34l0blBhuG1qpwLmjInI8w1CMB29FkEAIJUA0amxWndkmnBZ6SKiwZSAxGILn/NBtOXft0+Gj7FSvOKxE/"
     "07+4RQ"
     "vE581N3Aj/JtIyaiYVdnYtyMWbSNyGEY2213WKsJlwEA"},
    {16, "WEykD3ht3MHkU8iH4uVOLz8JLwtRBSqiBoM6fF72+Mrp/u5gjxuB1DV6NnPO2BlZdz4hdSTkOdOA",
     "kkreGWoccSDmUBGAe7+zsbG6ZAFQp+syPmYUurBRQc3tDjeMCJcVMRDmgcNLp5HlHAMy12VoISsA", 38353,
     "645ff078b3568f5852b70cb60e8e696cc77b75bfaaffc118cf79cbda1ba28af4",
     "E1/oLjSGIbmLny/4fcgM1z4oL6aqo+izT3urCyHyvEp4Sp8Syg1eI+lJ57CSnZqjJP41O/"
     "9l4m0AsQ4f7qI1gVnML8vWWiyW2KXhT9kuAICU"
     "Sxv5OWbf81Rq7Yu60npabODB0QFPb/rkW3kUZmQ0YQUA"},
};

TEST(Rfc8080, Section6ExamplesWithErratum4935) {
    for (const EddsaExample& e : kRfc8080Examples) {
        SCOPED_TRACE(e.tag);
        const std::string alg = std::to_string(e.algorithm);
        const Bytes dnskey = rdata(dns::type::DNSKEY, "257 3 " + alg + " " + e.public_key);
        EXPECT_EQ(key_tag(dnskey), e.tag);
        EXPECT_EQ(ds_text(make_ds(name("example.com."), dnskey, digest::SHA256).value()),
                  std::to_string(e.tag) + " " + alg + " 2 " + e.ds_sha256);

        PrivateKeyMaterial m;
        m.private_key = b64(e.private_key);
        auto private_key = PrivateKey::from_material(e.algorithm, m);
        ASSERT_TRUE(private_key.ok()) << private_key.error().to_string();
        EXPECT_EQ(to_base64(private_key->dnskey_public_key()), e.public_key);

        const Verified example = prepare({"example.com.",
                                          dns::type::MX,
                                          {"10 mail.example.com."},
                                          "MX " + alg + " 2 3600 1440021600 1438207200 " +
                                              std::to_string(e.tag) + " example.com. " + e.rrsig_signature});
        auto key = PublicKey::from_dnskey(e.algorithm, b64(e.public_key));
        ASSERT_TRUE(key.ok()) << key.error().to_string();
        EXPECT_TRUE(key->verify(example.signed_data, example.rrsig.signature));

        if (e.algorithm == 15) {
            // Ed25519 is deterministic: re-signing reproduces the corrected RRSIG exactly.
            EXPECT_EQ(to_base64(private_key->sign(example.signed_data).value()), e.rrsig_signature);
            SigningContext context(*private_key);
            for (int i = 0; i < 3; ++i)
                EXPECT_EQ(to_base64(context.sign(example.signed_data).value()), e.rrsig_signature);
        } else {
            EXPECT_FALSE(private_key->sign(example.signed_data).ok());  // Ed448: verify only
        }
    }
}

}  // namespace
}  // namespace danemail::dnssec

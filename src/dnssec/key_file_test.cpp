// Tests of BIND key files: write/read round trips for every signing algorithm, file names and modes (0600
// for .private), files as dnssec-keygen 9.18 writes them, tolerated variations, and the errors for damaged
// or mismatched files (untrusted input: each must name file and line).
#include "dnssec/key_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <random>

#include "base/file_io.h"
#include "base/time.h"
#include "dnssec/algorithm.h"

namespace danemail::dnssec {
namespace {

namespace fs = std::filesystem;

dns::Name name(const std::string& text) {
    return dns::Name::from_text(text).value();
}

class KeyFiles : public ::testing::Test {
public:
    std::string path(const std::string& file) const { return (dir_ / file).string(); }

protected:
    void SetUp() override {
        std::random_device random;
        dir_ = fs::temp_directory_path() / ("danemail-key-file-test-" + std::to_string(random()));
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    void write(const std::string& file, const std::string& text) const {
        ASSERT_TRUE(write_file_atomic(path(file), text, 0600).ok());
    }

    fs::path dir_;
};

// A key pair as dnssec-keygen 9.18 wrote it (`-a ECDSAP256SHA256 -f KSK example.com`).
const char* kBindEcdsaKey =
    "; This is a key-signing key, keyid 7624, for example.com.\n"
    "; Created: 20261123125127 (Mon Nov 23 12:51:27 2026)\n"
    "; Publish: 20261123125127 (Mon Nov 23 12:51:27 2026)\n"
    "; Activate: 20261123125127 (Mon Nov 23 12:51:27 2026)\n"
    "example.com. IN DNSKEY 257 3 13 SHoLgrd002Mi4yigIUwtYoecI70MUyLPGtxScxvdzSCsBGFNrOLVEVNF "
    "0Ihgjurfx2XBTL0iRlXFQicp47YVGg==\n";
const char* kBindEcdsaPrivate =
    "Private-key-format: v1.3\n"
    "Algorithm: 13 (ECDSAP256SHA256)\n"
    "PrivateKey: NJdFeuZ+Oy3nKdCiHraprfCPyA5JtVJh3ZAQEotHsdU=\n"
    "Created: 20261123125127\n"
    "Publish: 20261123125127\n"
    "Activate: 20261123125127\n";
// dnssec-keygen -a ED25519 Example.COM: the file name is lower case, the record keeps the case given.
const char* kBindEd25519Key =
    "; This is a zone-signing key, keyid 51555, for Example.COM.\n"
    "; Created: 20261123125127 (Mon Nov 23 12:51:27 2026)\n"
    "Example.COM. IN DNSKEY 256 3 15 xcWxYHFBnDVdtzynhb9f0IoPigLZKsCtHO1dvjibX5c=\n";
const char* kBindEd25519Private =
    "Private-key-format: v1.3\n"
    "Algorithm: 15 (ED25519)\n"
    "PrivateKey: KHScv5W60dBhnh3Ka3aOLZ0hgrMntHTTAFWCfKZhko8=\n"
    "Created: 20261123125127\n";

void expect_same_key(const ZoneKey& a, const ZoneKey& b) {
    EXPECT_EQ(a.zone, b.zone);
    EXPECT_EQ(a.dnskey.encode(), b.dnskey.encode());
    EXPECT_EQ(a.tag, b.tag);
    EXPECT_EQ(a.created, b.created);
    EXPECT_EQ(a.publish, b.publish);
    EXPECT_EQ(a.activate, b.activate);
    EXPECT_EQ(a.inactive, b.inactive);
    EXPECT_EQ(a.remove, b.remove);
    ASSERT_EQ(a.private_key.has_value(), b.private_key.has_value());
    if (a.private_key) {
        EXPECT_EQ(a.private_key->algorithm(), b.private_key->algorithm());
        EXPECT_EQ(a.private_key->dnskey_public_key(), b.private_key->dnskey_public_key());
        auto ma = a.private_key->material().value(), mb = b.private_key->material().value();
        EXPECT_EQ(ma.private_key, mb.private_key);
        EXPECT_EQ(ma.private_exponent, mb.private_exponent);
        EXPECT_EQ(ma.coefficient, mb.coefficient);
    }
}

class KeyFilesRoundTrip : public KeyFiles, public ::testing::WithParamInterface<uint8_t> {};

TEST_P(KeyFilesRoundTrip, WrittenThenReadBackEqual) {
    const uint8_t alg = GetParam();
    auto key = generate_key(name("example.com."), KeyRole::Ksk, alg, 1024);
    ASSERT_TRUE(key.ok()) << key.error().to_string();
    key->inactive = *key->created + 86400 * 30;
    key->remove = *key->created + 86400 * 40;
    auto base = write_key_files(*key, dir_.string());
    ASSERT_TRUE(base.ok()) << base.error().to_string();

    char expected_name[64];
    std::snprintf(expected_name, sizeof expected_name, "Kexample.com.+%03u+%05u", alg, key->tag);
    EXPECT_EQ(key_file_base(*key), expected_name);
    EXPECT_EQ(*base, path(expected_name));

    struct stat st {};
    ASSERT_EQ(stat((*base + ".private").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    ASSERT_EQ(stat((*base + ".key").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0644u);

    const std::string private_text = read_file(*base + ".private").value();
    EXPECT_EQ(private_text.rfind("Private-key-format: v1.3\nAlgorithm: " + std::to_string(alg) + " (", 0),
              0u);
    EXPECT_NE(private_text.find("\nInactive: " + format_dnssec_time(*key->inactive) + "\n"),
              std::string::npos);
    EXPECT_NE(private_text.find("\nDelete: " + format_dnssec_time(*key->remove) + "\n"), std::string::npos);
    EXPECT_NE(read_file(*base + ".key")
                  .value()
                  .find("; This is a key-signing key, keyid " + std::to_string(key->tag)),
              std::string::npos);

    for (const std::string& name_given : {*base, *base + ".key", *base + ".private"}) {
        auto read_back = read_key_files(name_given);
        ASSERT_TRUE(read_back.ok()) << read_back.error().to_string();
        expect_same_key(*key, *read_back);
    }
    // The key read back signs like the original.
    auto read_back = read_key_files(*base).value();
    const Bytes data = {1, 2, 3};
    auto public_key = PublicKey::from_dnskey(alg, key->dnskey.public_key).value();
    EXPECT_TRUE(public_key.verify(data, read_back.private_key->sign(data).value()));
}

INSTANTIATE_TEST_SUITE_P(SigningAlgorithms, KeyFilesRoundTrip,
                         ::testing::Values(algorithm::RSASHA256, algorithm::ECDSAP256SHA256,
                                           algorithm::ECDSAP384SHA384, algorithm::ED25519),
                         [](const auto& param_info) {
                             return "Algorithm" + std::to_string(param_info.param);
                         });

TEST_F(KeyFiles, PublicOnlyKeyKeepsTimingFromComments) {
    auto key = generate_key(name("example.com."), KeyRole::Zsk, algorithm::ED25519).value();
    auto base = write_key_files(key, dir_.string()).value();
    fs::remove(*&base + ".private");
    auto read_back = read_key_files(base);
    ASSERT_TRUE(read_back.ok()) << read_back.error().to_string();
    EXPECT_FALSE(read_back->private_key.has_value());
    EXPECT_EQ(read_back->created, key.created);
    EXPECT_EQ(read_back->activate, key.activate);
    EXPECT_FALSE(read_back->inactive.has_value());
}

TEST_F(KeyFiles, ReadsFilesWrittenByBind) {
    write("Kexample.com.+013+07624.key", kBindEcdsaKey);
    write("Kexample.com.+013+07624.private", kBindEcdsaPrivate);
    write("Kexample.com.+015+51555.key", kBindEd25519Key);
    write("Kexample.com.+015+51555.private", kBindEd25519Private);
    // Not keys of this zone, or not key files at all: ignored.
    write("Kexample.org.+013+07624.key", "garbage");
    write("Kexample.com.+013+07624.key.bak", "garbage");
    write("Kexample.com.+13+7624.key", "garbage");
    write("example.com.zone", "garbage");

    auto keys = read_zone_keys(dir_.string(), name("EXAMPLE.com."));
    ASSERT_TRUE(keys.ok()) << keys.error().to_string();
    ASSERT_EQ(keys->size(), 2u);
    const ZoneKey& ksk = (*keys)[0];
    EXPECT_EQ(ksk.tag, 7624);
    EXPECT_EQ(ksk.dnskey.flags, 257);
    EXPECT_TRUE(ksk.is_ksk());
    ASSERT_TRUE(ksk.private_key.has_value());
    EXPECT_EQ(ksk.created, parse_dnssec_time("20261123125127"));
    EXPECT_EQ(ksk.activate, parse_dnssec_time("20261123125127"));
    const ZoneKey& zsk = (*keys)[1];
    EXPECT_EQ(zsk.tag, 51555);
    EXPECT_EQ(zsk.dnskey.algorithm, algorithm::ED25519);
    EXPECT_EQ(zsk.zone.to_text(), "Example.COM.");
    EXPECT_EQ(zsk.zone, name("example.com."));
    ASSERT_TRUE(zsk.private_key.has_value());
    EXPECT_EQ(key_file_base(zsk), "Kexample.com.+015+51555");

    EXPECT_TRUE(read_zone_keys(dir_.string(), name("example.net."))->empty());
    auto missing = read_zone_keys(path("no-such-dir"), name("example.com."));
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().to_string().find("no-such-dir"), std::string::npos);
}

TEST_F(KeyFiles, AcceptsTtlLowerCaseClassParenthesesAndComments) {
    write("K1.key",
          "; comment\n\n"
          "example.com. 3600 in DNSKEY 257 3 13 (\n"
          "    SHoLgrd002Mi4yigIUwtYoecI70MUyLPGtxScxvdzSCsBGFNrOLVEVNF\n"
          "    0Ihgjurfx2XBTL0iRlXFQicp47YVGg== ) ; key id = 7624\n");
    write("K1.private", kBindEcdsaPrivate);
    auto key = read_key_files(path("K1"));
    ASSERT_TRUE(key.ok()) << key.error().to_string();
    EXPECT_EQ(key->tag, 7624);
    EXPECT_TRUE(key->private_key.has_value());

    write("K2.key",
          "example.com. IN 300 DNSKEY 257 3 ECDSAP256SHA256 "
          "SHoLgrd002Mi4yigIUwtYoecI70MUyLPGtxScxvdzSCsBGFNrOLVEVNF0Ihgjurfx2XBTL0iRlXFQicp47YVGg==\r\n");
    auto key2 = read_key_files(path("K2.key"));
    ASSERT_TRUE(key2.ok()) << key2.error().to_string();
    EXPECT_EQ(key2->tag, 7624);
}

// The error for files `key_text` / `private_text`, which must mention every string in `expected`.
void expect_error(const KeyFiles& test, const std::string& key_text, const std::string& private_text,
                  std::initializer_list<std::string> expected) {
    const std::string base = test.path("Kbad");
    ASSERT_TRUE(write_file_atomic(base + ".key", key_text, 0644).ok());
    if (!private_text.empty()) {
        ASSERT_TRUE(write_file_atomic(base + ".private", private_text, 0600).ok());
    }
    auto key = read_key_files(base);
    ASSERT_FALSE(key.ok()) << "accepted:\n" << key_text << private_text;
    const std::string message = key.error().to_string();
    for (const std::string& e : expected) EXPECT_NE(message.find(e), std::string::npos) << message;
    std::filesystem::remove(base + ".private");
}

TEST_F(KeyFiles, MismatchedOrDamagedFilesAreErrors) {
    const std::string ecdsa_key = kBindEcdsaKey;
    const std::string ecdsa_private = kBindEcdsaPrivate;
    // A private key belonging to a different public key.
    auto other = generate_key(name("example.com."), KeyRole::Ksk, algorithm::ECDSAP256SHA256).value();
    std::string other_private = ecdsa_private;
    other_private.replace(other_private.find("NJdF"), 44,
                          to_base64(other.private_key->material()->private_key));
    expect_error(*this, ecdsa_key, other_private, {"private key does not match public key in", "Kbad.key"});
    // Algorithms that disagree.
    std::string wrong_algorithm = ecdsa_private;
    wrong_algorithm.replace(wrong_algorithm.find("13 (ECDSAP256SHA256)"), 20, "15 (ED25519)");
    expect_error(*this, ecdsa_key, wrong_algorithm,
                 {"Kbad.private", "algorithm 15 does not match algorithm 13"});
    // Corrupt base64, in either file.
    std::string corrupt = ecdsa_private;
    corrupt.replace(corrupt.find("NJdF"), 4, "NJ*F");
    expect_error(*this, ecdsa_key, corrupt, {"Kbad.private:3", "invalid base64 in PrivateKey"});
    std::string corrupt_key = ecdsa_key;
    corrupt_key.replace(corrupt_key.find("SHoL"), 4, "SH!L");
    expect_error(*this, corrupt_key, "", {"Kbad.key:5", "base64"});
    // A public key of the wrong length for its algorithm.
    expect_error(*this, "example.com. IN DNSKEY 257 3 13 AAAA\n", "", {"Kbad.key:1", "64 bytes"});
    // Structural damage to the .key file.
    expect_error(*this, "; only comments\n", "", {"Kbad.key", "no DNSKEY record"});
    expect_error(*this, ecdsa_key + ecdsa_key.substr(ecdsa_key.find("example.com. IN")), "",
                 {"Kbad.key:6", "second"});
    expect_error(*this, "example.com. IN DS 1 13 2 AABB\n", "", {"Kbad.key:1", "DNSKEY"});
    expect_error(*this, "example.com. CH DNSKEY 257 3 13 AAAA\n", "", {"Kbad.key:1", "class must be IN"});
    expect_error(*this, "example.com IN DNSKEY 257 3 13 AAAA\n", "", {"Kbad.key:1", "absolute"});
    expect_error(*this, "example.com. IN DNSKEY 257 2 13 AAAA\n", "", {"Kbad.key:1", "protocol must be 3"});
    expect_error(*this, "example.com. IN DNSKEY 1 3 13 AAAA\n", "", {"Kbad.key:1", "Zone Key"});
    expect_error(*this, "example.com. IN DNSKEY 257 3 13 ( AAAA\n", "", {"Kbad.key:1", "parentheses"});
    // Structural damage to the .private file.
    expect_error(*this, ecdsa_key, "Algorithm: 13\nPrivateKey: AAAA\n",
                 {"Kbad.private:1", "Private-key-format"});
    expect_error(*this, ecdsa_key, "Private-key-format: v2.0\n", {"Kbad.private:1", "v2.0"});
    expect_error(*this, ecdsa_key, "Private-key-format: v1.3\nAlgorithm: 13\n",
                 {"Kbad.private", "PrivateKey"});
    expect_error(*this, ecdsa_key, "Private-key-format: v1.3\nPrivateKey: AAAA\n",
                 {"Kbad.private", "Algorithm"});
    expect_error(*this, ecdsa_key, ecdsa_private + "Algorithm: 13\n", {"Kbad.private:7", "twice"});
    expect_error(*this, ecdsa_key, ecdsa_private + "Delete: tomorrow\n",
                 {"Kbad.private:7", "YYYYMMDDHHMMSS"});
    expect_error(*this, ecdsa_key, ecdsa_private + "no colon here\n", {"Kbad.private:7", "colon"});
    expect_error(*this, ecdsa_key, "Private-key-format: v1.3\nAlgorithm: 13\nEngine: pkcs11\nLabel: x\n",
                 {"Kbad.private:3", "hardware security module"});
    // A missing .key file.
    auto missing = read_key_files(path("Kmissing"));
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().to_string().find("Kmissing.key"), std::string::npos);
}

TEST_F(KeyFiles, DamagedRsaNumbersAreCaught) {
    auto key = generate_key(name("example.com."), KeyRole::Zsk, algorithm::RSASHA256, 1024).value();
    auto base = write_key_files(key, dir_.string()).value();
    std::string text = read_file(base + ".private").value();
    const size_t prime1 = text.find("Prime1: ") + 8;
    text[prime1 + 10] = text[prime1 + 10] == 'A' ? 'B' : 'A';
    ASSERT_TRUE(write_file_atomic(base + ".private", text, 0600).ok());
    auto damaged = read_key_files(base);
    ASSERT_FALSE(damaged.ok());
    EXPECT_NE(damaged.error().to_string().find(".private"), std::string::npos);
    EXPECT_NE(damaged.error().to_string().find("inconsistent"), std::string::npos)
        << damaged.error().to_string();
}

TEST_F(KeyFiles, ZoneKeysOfAnotherZoneInsideTheFileAreAnError) {
    std::string other_zone = kBindEcdsaKey;
    other_zone.replace(other_zone.find("example.com. IN"), 12, "example.net.");
    write("Kexample.com.+013+07624.key", other_zone);
    auto keys = read_zone_keys(dir_.string(), name("example.com."));
    ASSERT_FALSE(keys.ok());
    EXPECT_NE(keys.error().to_string().find("not for example.com."), std::string::npos)
        << keys.error().to_string();
}

TEST_F(KeyFiles, WriteRefusesInconsistentKeysAndEscapesSlashes) {
    auto key = generate_key(name("example.com."), KeyRole::Ksk, algorithm::ED25519).value();
    ZoneKey wrong_tag = key;
    wrong_tag.tag ^= 1;
    EXPECT_FALSE(write_key_files(wrong_tag, dir_.string()).ok());
    ZoneKey wrong_private = key;
    wrong_private.private_key = PrivateKey::generate(algorithm::ED25519).value();
    EXPECT_FALSE(write_key_files(wrong_private, dir_.string()).ok());
    EXPECT_FALSE(fs::exists(path(key_file_base(key) + ".key")));

    auto slash = name("a/b.example.");
    key.zone = slash;
    EXPECT_EQ(key_file_base(key).find('/'), std::string::npos);
    auto base = write_key_files(key, dir_.string());
    ASSERT_TRUE(base.ok()) << base.error().to_string();
    auto keys = read_zone_keys(dir_.string(), slash);
    ASSERT_TRUE(keys.ok()) << keys.error().to_string();
    EXPECT_EQ(keys->size(), 1u);
}

}  // namespace
}  // namespace danemail::dnssec

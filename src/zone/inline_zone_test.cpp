// Inline signing version by version: the first version, an unchanged zone staying put, a change signed
// incrementally with its journal diff, periodic re-signing, a restart from the state directory, and
// presigned and unsigned zones.
#include "zone/inline_zone.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "base/file_io.h"
#include "dnssec/zone_verifier.h"
#include "zone/zone_test_util.h"

namespace danemail::zone {
namespace {

const dns::Name kApex = *dns::Name::from_text("example.");

std::vector<dns::Record> small_zone(uint32_t serial, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> lines = {
        "@ 3600 SOA ns1 hostmaster " + std::to_string(serial) + " 7200 3600 1209600 300",
        "@ 3600 NS ns1",
        "@ 3600 MX 10 mx",
        "ns1 3600 A 192.0.2.1",
        "mx 3600 A 192.0.2.2",
        "www 3600 A 192.0.2.3",
    };
    lines.insert(lines.end(), extra.begin(), extra.end());
    return testing::parse_zone(lines, kApex);
}

class InlineZoneTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("danemail-inline-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
        for (auto role : {dnssec::KeyRole::Ksk, dnssec::KeyRole::Zsk}) {
            auto key = dnssec::generate_key(kApex, role, 13);
            ASSERT_TRUE(key);
            key->publish = key->activate = now_ - 86400;
            keys_.push_back(std::move(*key));
        }
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    InlineZoneSettings settings(SigningMode mode = SigningMode::Inline) const {
        InlineZoneSettings s;
        s.apex = kApex;
        s.mode = mode;
        s.state_dir = dir_.string();
        return s;
    }

    void expect_valid(const InlineZone& zone, UnixTime at) {
        dnssec::VerifyOptions options;
        options.time = at;
        auto report = dnssec::verify_zone(zone.current()->records(), kApex, options);
        std::string problems;
        for (const auto& p : report.problems) problems += p.to_string() + "\n";
        EXPECT_TRUE(report.ok()) << problems;
    }

    std::filesystem::path dir_;
    std::vector<dnssec::ZoneKey> keys_;
    UnixTime now_ = now_unix();
};

TEST_F(InlineZoneTest, SignsThenChangesOnlyWhatChanged) {
    auto zone = InlineZone::open(settings());
    ASSERT_TRUE(zone) << zone.error().to_string();
    EXPECT_EQ(zone->current(), nullptr);

    auto first = zone->update(now_, small_zone(10), keys_, {});
    ASSERT_TRUE(first) << first.error().to_string();
    EXPECT_TRUE(first->changed);
    EXPECT_EQ(first->serial, 10u);
    EXPECT_EQ(first->signatures_reused, 0u);
    EXPECT_GT(first->next_resign, now_ + 5 * 86400);
    EXPECT_LT(first->next_resign, now_ + 8 * 86400);
    expect_valid(*zone, now_);

    // The same zone an hour later (a reload without edits): nothing changes, the serial stays.
    auto same = zone->update(now_ + 3600, small_zone(10), keys_, {});
    ASSERT_TRUE(same);
    EXPECT_FALSE(same->changed);
    EXPECT_EQ(zone->current()->serial, 10u);

    // One new record, the operator forgot the serial: one more than served; the journal has the step.
    auto changed = zone->update(now_ + 7200, small_zone(10, {"new 3600 A 192.0.2.9"}), keys_, {});
    ASSERT_TRUE(changed);
    EXPECT_TRUE(changed->changed);
    EXPECT_EQ(changed->serial, 11u);
    EXPECT_LE(changed->signatures - changed->signatures_reused, 4u);  // new A, its NSEC, the prior NSEC, SOA
    EXPECT_LT(changed->added, 10u);
    ASSERT_EQ(zone->current()->journal->diffs().size(), 1u);
    EXPECT_EQ(zone->current()->journal->diffs()[0].old_serial(), 10u);
    EXPECT_EQ(zone->current()->journal->diffs()[0].new_serial(), 11u);
    expect_valid(*zone, now_ + 7200);

    // The operator raises the serial past ours: theirs wins.
    auto bumped = zone->update(now_ + 7300, small_zone(100, {"new 3600 A 192.0.2.9"}), keys_, {});
    ASSERT_TRUE(bumped);
    EXPECT_TRUE(bumped->changed);
    EXPECT_EQ(bumped->serial, 100u);
}

TEST_F(InlineZoneTest, ResignsBeforeExpiryAndRestartsFromState) {
    {
        auto zone = InlineZone::open(settings());
        ASSERT_TRUE(zone);
        ASSERT_TRUE(zone->update(now_, small_zone(1), keys_, {}));
    }
    std::vector<std::string> warnings;
    auto zone = InlineZone::open(settings(), &warnings);
    ASSERT_TRUE(zone);
    EXPECT_TRUE(warnings.empty()) << warnings.front();
    ASSERT_NE(zone->current(), nullptr);
    EXPECT_EQ(zone->current()->serial, 1u);

    // Eight days on, every signature has less than the refresh interval (7 days) left: all made anew, no
    // fresh zone data needed.
    const UnixTime later = now_ + 8 * 86400;
    auto resigned = zone->update(later, small_zone(1), keys_, {});
    ASSERT_TRUE(resigned) << resigned.error().to_string();
    EXPECT_TRUE(resigned->changed);
    EXPECT_EQ(resigned->serial, 2u);
    EXPECT_EQ(resigned->signatures_reused, 0u);
    expect_valid(*zone, later + 6 * 86400);
    EXPECT_GT(zone->current()->earliest_expiry, later + 12 * 86400);
}

TEST_F(InlineZoneTest, DamagedStateIsIgnoredWithAWarning) {
    std::filesystem::create_directories(dir_);
    ASSERT_TRUE(write_file_atomic((dir_ / "example.served.zone").string(), "@ 3600 IN SOA broken\n"));
    std::vector<std::string> warnings;
    auto zone = InlineZone::open(settings(), &warnings);
    ASSERT_TRUE(zone);
    EXPECT_EQ(zone->current(), nullptr);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("example.served.zone:1"), std::string::npos) << warnings[0];
}

TEST_F(InlineZoneTest, MissingKeysKeepTheServedVersion) {
    auto zone = InlineZone::open(settings());
    ASSERT_TRUE(zone);
    ASSERT_TRUE(zone->update(now_, small_zone(1), keys_, {}));
    auto failed = zone->update(now_ + 60, small_zone(2, {"x 3600 A 192.0.2.7"}), {}, {});
    EXPECT_FALSE(failed);
    EXPECT_EQ(zone->current()->serial, 1u);  // never unsigned: the last signed version stays
}

TEST_F(InlineZoneTest, UnsignedZoneGetsSerialsButNoSignatures) {
    auto zone = InlineZone::open(settings(SigningMode::Unsigned));
    ASSERT_TRUE(zone);
    ASSERT_TRUE(zone->update(now_, small_zone(5), {}, {}));
    auto same = zone->update(now_ + 1, small_zone(5), {}, {});
    ASSERT_TRUE(same);
    EXPECT_FALSE(same->changed);
    auto changed = zone->update(now_ + 2, small_zone(5, {"x 3600 A 192.0.2.7"}), {}, {});
    ASSERT_TRUE(changed);
    EXPECT_TRUE(changed->changed);
    EXPECT_EQ(changed->serial, 6u);
    for (const auto& r : zone->current()->records()) EXPECT_NE(r.type, dns::type::RRSIG);
}

TEST_F(InlineZoneTest, PresignedZoneIsServedAsItIs) {
    dnssec::SigningPolicy policy;
    auto signed_zone = dnssec::sign_zone(small_zone(7), kApex, keys_, policy);
    ASSERT_TRUE(signed_zone);
    auto zone = InlineZone::open(settings(SigningMode::Presigned));
    ASSERT_TRUE(zone);
    auto first = zone->update(now_, *signed_zone, {}, {});
    ASSERT_TRUE(first) << first.error().to_string();
    EXPECT_EQ(first->serial, 7u);
    EXPECT_EQ(zone->current()->records().size(), signed_zone->size());
    auto again = zone->update(now_ + 1, *signed_zone, {}, {});
    ASSERT_TRUE(again);
    EXPECT_FALSE(again->changed);
}

}  // namespace
}  // namespace danemail::zone

// Tests of the lab's files (lab_zone_files.h, lab_resolver_files.h, lab_keys.h): every zone file passes the
// zone checks, each server's config loads and finds the keys the lab made, DS records sit where the chain
// of trust needs them (none for the insecure child), the bogus zone fails verification at exactly the one
// broken RRSIG, and a second `up` re-uses keys and certificates so the trust anchor and TLSA stay the same.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "app/config.h"
#include "app/lab_layout.h"
#include "app/lab_resolver_files.h"
#include "app/lab_zone_files.h"
#include "base/file_io.h"
#include "dns/zone_file.h"
#include "dnssec/key_file.h"
#include "dnssec/zone_verifier.h"

namespace danemail::app::lab {
namespace {

class LabFilesTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = (std::filesystem::temp_directory_path() / ("danemail-lab-test-" + std::to_string(::getpid())))
                   .string();
        auto anchor = write_zone_files(dir_);
        ASSERT_TRUE(anchor.ok()) << anchor.error().to_string();
        anchor_ = new LabAnchor(std::move(*anchor));
    }
    static void TearDownTestSuite() {
        delete anchor_;
        std::filesystem::remove_all(dir_);
    }

    static const LabZone& zone_named(const std::string& name) {
        for (const LabZone& zone : lab_zones())
            if (zone.name == name) return zone;
        throw std::logic_error("no lab zone " + name);
    }
    static std::string file_of(const std::string& name) {
        auto text = read_file(zone_paths(dir_, zone_named(name)).zone_file);
        return text ? *text : "";
    }

    static std::string dir_;
    static LabAnchor* anchor_;
};
std::string LabFilesTest::dir_;
LabAnchor* LabFilesTest::anchor_ = nullptr;

TEST_F(LabFilesTest, EveryZoneFileIsCleanAndEveryConfigFindsItsKeys) {
    for (const LabZone& zone : lab_zones()) {
        SCOPED_TRACE(zone.name);
        const ZonePaths paths = zone_paths(dir_, zone);
        auto apex = dns::Name::from_text(absolute_name(zone));
        ASSERT_TRUE(apex.ok());
        dns::ZoneFileOptions options;
        options.origin = *apex;
        dns::ParsedZone parsed = dns::parse_zone_file(paths.zone_file, options);
        if (parsed.ok()) dns::check_zone(parsed, *apex);
        ASSERT_TRUE(parsed.ok()) << parsed.errors.front().to_string();
        EXPECT_TRUE(parsed.warnings.empty()) << parsed.warnings.front().to_string();

        auto config = load_config(paths.config);
        ASSERT_TRUE(config.ok()) << config.error().to_string();
        ASSERT_EQ(config->dns.zones.size(), 1u);
        EXPECT_EQ(config->dns.listen, std::vector<std::string>{zone.address + ":53"});
        EXPECT_EQ(config->dns.zones[0].file, paths.zone_file);
        if (zone.signing == LabSigning::Nsec || zone.signing == LabSigning::Nsec3) {
            EXPECT_EQ(config->dns.zones[0].signing, ZoneSigning::Inline);
            EXPECT_EQ(config->dns.zones[0].nsec3, zone.signing == LabSigning::Nsec3);
            EXPECT_EQ(config->dns.zones[0].keys, paths.keys);
            auto keys = dnssec::read_zone_keys(config->dns.zones[0].keys, *apex);
            ASSERT_TRUE(keys.ok());
            EXPECT_EQ(keys->size(), 2u);
        }
    }
    EXPECT_EQ(load_config(zone_paths(dir_, zone_named("plain.test")).config)->dns.zones[0].signing,
              ZoneSigning::Off);
    EXPECT_EQ(load_config(zone_paths(dir_, zone_named("broken.test")).config)->dns.zones[0].signing,
              ZoneSigning::Presigned);
}

TEST_F(LabFilesTest, DelegationsCarryDsExceptForTheInsecureChild) {
    const std::string tld = file_of("test");
    for (const char* child : {"alpha.test.", "beta.test.", "broken.test."})
        EXPECT_NE(tld.find(std::string(child) + " 300 IN DS "), std::string::npos) << child;
    EXPECT_NE(tld.find("plain.test. 300 IN NS ns.plain.test."), std::string::npos);
    EXPECT_NE(tld.find("ns.plain.test. 300 IN A 127.1.3.1"), std::string::npos);
    EXPECT_EQ(tld.find("plain.test. 300 IN DS"), std::string::npos);
    EXPECT_NE(file_of(".").find("test. 300 IN DS "), std::string::npos);
    const std::string alpha = file_of("alpha.test");
    EXPECT_NE(alpha.find("_25._tcp.mx.alpha.test. 300 IN TLSA 3 1 1 "), std::string::npos);
    EXPECT_NE(alpha.find("*.wild.alpha.test. 300 IN TXT \"wildcard\""), std::string::npos);
    EXPECT_NE(alpha.find("alpha.test. 300 IN MX 10 mx.alpha.test."), std::string::npos);
    EXPECT_NE(alpha.find("mx.alpha.test. 300 IN A 127.1.1.25"), std::string::npos);
}

TEST_F(LabFilesTest, TheBogusZoneFailsAtExactlyTheBrokenSignature) {
    const LabZone& broken = zone_named("broken.test");
    auto apex = dns::Name::from_text("broken.test.");
    dns::ZoneFileOptions options;
    options.origin = *apex;
    dns::ParsedZone parsed = dns::parse_zone_file(zone_paths(dir_, broken).zone_file, options);
    ASSERT_TRUE(parsed.ok());
    dnssec::VerifyReport report = dnssec::verify_zone(parsed.records, *apex, {});
    ASSERT_EQ(report.problems.size(), 1u);
    EXPECT_EQ(report.problems[0].owner, *dns::Name::from_text("mx.broken.test."));
    EXPECT_EQ(report.problems[0].type, dns::type::A);
}

TEST_F(LabFilesTest, ASecondRunKeepsKeysCertificatesAndTheTrustAnchor) {
    const std::string alpha_before = file_of("alpha.test");
    const std::string tlsa_before = alpha_before.substr(alpha_before.find("TLSA"), 80);
    auto again = write_zone_files(dir_);
    ASSERT_TRUE(again.ok()) << again.error().to_string();
    ASSERT_EQ(again->root_ds.size(), 1u);
    EXPECT_EQ(again->root_ds[0].zone_line(300), anchor_->root_ds[0].zone_line(300));
    const std::string alpha_after = file_of("alpha.test");
    EXPECT_EQ(alpha_after.substr(alpha_after.find("TLSA"), 80), tlsa_before);
}

TEST_F(LabFilesTest, ResolverFilesPointAtTheLabRootWithItsAnchor) {
    ASSERT_TRUE(write_resolver_files(dir_, anchor_->root_ds).ok());
    const ResolverPaths paths = resolver_paths(dir_);
    const LabDs& ds = anchor_->root_ds.front();
    EXPECT_NE(read_file(paths.root_key)
                  ->find(". 3600 IN DS " + std::to_string(ds.key_tag) + " 13 2 " + ds.digest_hex),
              std::string::npos);
    EXPECT_NE(read_file(paths.delv_conf)
                  ->find(". static-ds " + std::to_string(ds.key_tag) + " 13 2 \"" + ds.digest_hex + "\";"),
              std::string::npos);
    EXPECT_NE(read_file(paths.root_hints)->find("ns.\t3600000\tIN\tA\t127.1.0.1"), std::string::npos);
    const std::string unbound = *read_file(paths.unbound_conf);
    for (const char* setting : {"interface: 127.1.0.53", "do-not-query-localhost: no",
                                "local-zone: \"test.\" nodefault", "module-config: \"validator iterator\""})
        EXPECT_NE(unbound.find(setting), std::string::npos) << setting;
    EXPECT_EQ(unbound.find("domain-insecure"), std::string::npos);
}

}  // namespace
}  // namespace danemail::app::lab

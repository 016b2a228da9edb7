// Tests of the files `danemail init` writes: the configuration loads with the reader `serve` uses, and the
// zone parses and passes the zone checks with the records a mail domain needs.
#include "app/init_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "app/config.h"
#include "dns/record.h"
#include "dns/zone_file.h"

namespace danemail::app {
namespace {

const std::string kTlsa = "3 1 1 " + std::string(64, 'a');
const std::string kTlsaPrinted = "3 1 1 " + std::string(64, 'A');  // the zone printer writes upper-case hex

InitSettings settings(std::string host = "mx.example.test") {
    InitSettings s;
    s.domain = "example.test";
    s.host = std::move(host);
    s.ipv4 = {"192.0.2.25"};
    s.ipv6 = {"2001:db8::25"};
    s.date = "20260102";
    return s;
}

// The zone's records as "owner TTL IN TYPE rdata" lines, after the checks `zone check` runs.
std::vector<std::string> zone_lines(const InitSettings& s) {
    dns::ZoneFileOptions options;
    options.origin = *dns::Name::from_text(s.domain + ".");
    dns::ParsedZone zone = dns::parse_zone_text(zone_text(s, kTlsa), "init.zone", options);
    EXPECT_TRUE(zone.ok()) << zone.errors.front().to_string();
    dns::check_zone(zone, options.origin);
    EXPECT_TRUE(zone.ok()) << (zone.errors.empty() ? "" : zone.errors.front().to_string());
    EXPECT_TRUE(zone.warnings.empty()) << zone.warnings.front().to_string();
    std::vector<std::string> lines;
    for (const dns::Record& record : zone.records) lines.push_back(dns::record_to_text(record));
    return lines;
}

bool has_line(const std::vector<std::string>& lines, const std::string& owner, const std::string& type,
              const std::string& rdata) {
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& line) {
        return line.starts_with(owner + "\t") &&
               line.find("\tIN\t" + type + "\t" + rdata) != std::string::npos;
    });
}

TEST(InitFiles, ZoneHoldsWhatAMailDomainNeeds) {
    const auto lines = zone_lines(settings());
    EXPECT_TRUE(
        has_line(lines, "example.test.", "SOA", "ns1.example.test. hostmaster.example.test. 2026010201"));
    EXPECT_TRUE(has_line(lines, "example.test.", "NS", "ns1.example.test."));
    EXPECT_TRUE(has_line(lines, "ns1.example.test.", "A", "192.0.2.25"));
    EXPECT_TRUE(has_line(lines, "ns1.example.test.", "AAAA", "2001:db8::25"));
    EXPECT_TRUE(has_line(lines, "example.test.", "MX", "10 mx.example.test."));
    EXPECT_TRUE(has_line(lines, "mx.example.test.", "A", "192.0.2.25"));
    EXPECT_TRUE(has_line(lines, "mx.example.test.", "AAAA", "2001:db8::25"));
    for (const char* port : {"25", "465", "587"})
        EXPECT_TRUE(has_line(lines, std::string("_") + port + "._tcp.mx.example.test.", "TLSA", kTlsaPrinted))
            << port;
    EXPECT_TRUE(has_line(lines, "example.test.", "TXT", "\"v=spf1 mx -all\""));
    EXPECT_TRUE(has_line(lines, "_dmarc.example.test.", "TXT", "\"v=DMARC1; p=reject\""));
    EXPECT_EQ(lines.size(), 12u);
}

TEST(InitFiles, HostOutsideTheDomainIsLeftToItsOwnZone) {
    InitSettings s = settings("mail.provider.example");
    EXPECT_FALSE(host_in_domain(s));
    const auto lines = zone_lines(s);
    EXPECT_TRUE(has_line(lines, "example.test.", "MX", "10 mail.provider.example."));
    EXPECT_FALSE(std::any_of(lines.begin(), lines.end(),
                             [](const std::string& line) { return line.find("TLSA") != std::string::npos; }));
    const std::string records = host_records(s, kTlsa);
    EXPECT_NE(records.find("mail.provider.example. IN A 192.0.2.25\n"), std::string::npos);
    EXPECT_NE(records.find("_465._tcp.mail.provider.example. IN TLSA " + kTlsa + "\n"), std::string::npos);
}

TEST(InitFiles, HostAtTheApexOrAsNameServer) {
    EXPECT_TRUE(host_in_domain(settings("example.test")));
    EXPECT_FALSE(host_in_domain(settings("badexample.test")));
    const auto apex = zone_lines(settings("example.test"));
    EXPECT_TRUE(has_line(apex, "example.test.", "MX", "10 example.test."));
    EXPECT_TRUE(has_line(apex, "_25._tcp.example.test.", "TLSA", kTlsaPrinted));
    const auto ns = zone_lines(settings("ns1.example.test"));  // no repeated A/AAAA
    EXPECT_EQ(std::count_if(ns.begin(), ns.end(),
                            [](const std::string& line) { return line.starts_with("ns1.example.test.\t"); }),
              2);
}

TEST(InitFiles, ConfigurationLoadsAsServeReadsIt) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("danemail-init-files-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "danemail.toml") << config_text(settings());
    auto config = load_config((dir / "danemail.toml").string());
    std::filesystem::remove_all(dir);
    ASSERT_TRUE(config) << config.error().to_string();
    EXPECT_EQ(config->state, (dir / "state").string());
    EXPECT_EQ(config->dns.listen, (std::vector<std::string>{"192.0.2.25:53", "[2001:db8::25]:53"}));
    ASSERT_EQ(config->dns.zones.size(), 1u);
    EXPECT_EQ(config->dns.zones[0].name, "example.test");
    EXPECT_EQ(config->dns.zones[0].file, (dir / "zones/example.test.zone").string());
    EXPECT_EQ(config->dns.zones[0].signing, ZoneSigning::Inline);
    EXPECT_TRUE(config->dns.zones[0].nsec3);
    EXPECT_EQ(config->dns.zones[0].keys, (dir / "state/keys/example.test").string());
    EXPECT_TRUE(config->smtp.enabled);
    EXPECT_EQ(config->smtp.hostname, "mx.example.test");
    EXPECT_EQ(config->smtp.certificate, (dir / "tls/mx.example.test.crt").string());
    EXPECT_EQ(config->smtp.private_key, (dir / "tls/mx.example.test.key").string());
    EXPECT_EQ(config->smtp.listen, (std::vector<std::string>{"192.0.2.25:25", "[2001:db8::25]:25"}));
    EXPECT_EQ(config->smtp.submission, (std::vector<std::string>{"192.0.2.25:587", "[2001:db8::25]:587"}));
    EXPECT_EQ(config->smtp.submissions, (std::vector<std::string>{"192.0.2.25:465", "[2001:db8::25]:465"}));
}

}  // namespace
}  // namespace danemail::app

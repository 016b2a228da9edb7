// Tests of the configuration reader: a valid [dns] section, relative paths, and errors that name file:line.
#include "app/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace danemail::app {
namespace {

class ConfigTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ =
            std::filesystem::temp_directory_path() / ("danemail-config-test-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    Result<Config> load(const std::string& text) {
        std::ofstream(dir_ / "danemail.toml") << text;
        return load_config(path());
    }
    std::string path() const { return (dir_ / "danemail.toml").string(); }

    std::filesystem::path dir_;
};

constexpr const char* kValid = R"([dns]
listen = ["127.0.0.1:5353", "[::1]:5353"]
workers = 2
state = "state"
tsig_keys = "tsig.keys"

[[dns.secondary]]
address = "127.0.0.2"
key = "xfr"

[[dns.secondary]]
address = "::1"
port = 5300
key = "xfr"
notify = false

[[dns.zone]]
name = "example.com"
file = "zones/example.com.zone"
keys = "/var/lib/danemail/keys"
nsec3 = true
validity = "21d"
refresh = "10d"
zsk_lifetime = "30d"
ksk_lifetime = 0
parents = ["127.0.0.9:53"]
signing = "inline"
algorithm = "ed25519"

[[dns.zone]]
name = "example.net"
file = "example.net.zone"
signing = "presigned"
)";

TEST_F(ConfigTest, ReadsTheDnsSection) {
    auto config = load(kValid);
    ASSERT_TRUE(config) << config.error().to_string();
    EXPECT_EQ(config->dns.listen, (std::vector<std::string>{"127.0.0.1:5353", "[::1]:5353"}));
    EXPECT_EQ(config->dns.workers, 2u);
    EXPECT_EQ(config->dns.state, (dir_ / "state").string());
    EXPECT_EQ(config->dns.control, (dir_ / "state" / "control.sock").string());
    EXPECT_EQ(config->dns.tsig_keys, (dir_ / "tsig.keys").string());
    ASSERT_EQ(config->dns.secondaries.size(), 2u);
    EXPECT_EQ(config->dns.secondaries[0].address, "127.0.0.2");
    EXPECT_EQ(config->dns.secondaries[0].port, 53);
    EXPECT_TRUE(config->dns.secondaries[0].notify);
    EXPECT_EQ(config->dns.secondaries[1].port, 5300);
    EXPECT_FALSE(config->dns.secondaries[1].notify);
    EXPECT_EQ(config->dns.secondaries[1].key, "xfr");
    ASSERT_EQ(config->dns.zones.size(), 2u);
    const DnsZoneConfig& first = config->dns.zones[0];
    EXPECT_EQ(first.name, "example.com");
    EXPECT_EQ(first.file, (dir_ / "zones/example.com.zone").string());
    EXPECT_EQ(first.keys, "/var/lib/danemail/keys");
    EXPECT_TRUE(first.nsec3);
    EXPECT_EQ(first.validity, 21u * 86400);
    EXPECT_EQ(first.refresh, 10u * 86400);
    EXPECT_EQ(first.zsk_lifetime, 30u * 86400);
    EXPECT_EQ(first.ksk_lifetime, 0u);
    EXPECT_EQ(first.parents, (std::vector<std::string>{"127.0.0.9:53"}));
    EXPECT_EQ(first.algorithm, 15);
    EXPECT_EQ(first.signing, ZoneSigning::Inline);
    EXPECT_EQ(first.where, path() + ":17");
    const DnsZoneConfig& second = config->dns.zones[1];
    EXPECT_FALSE(second.nsec3);
    EXPECT_EQ(second.signing, ZoneSigning::Presigned);
    EXPECT_EQ(second.keys, (dir_ / "state" / "keys" / "example.net").string());
    EXPECT_EQ(second.validity, 14u * 86400);
    EXPECT_EQ(second.refresh, 7u * 86400);
}

TEST_F(ConfigTest, ErrorsNameFileAndLine) {
    struct Case {
        std::string text;
        std::string where;
        std::string what;
    };
    const Case cases[] = {
        {"[dns]\nlisten = [\"127.0.0.1:53\"]\nworkers = \"two\"\n", ":3", "workers"},
        {"[dns]\nlisten = \"127.0.0.1:53\"\n", ":2", "listen: expected a non-empty array"},
        {"[dns]\nlisten = [\"127.0.0.1:53\"]\nlisen = 1\n", ":3", "unknown key 'lisen'"},
        {"[dns]\nlisten = [\"127.0.0.1:53\"]\n[[dns.zone]]\nname = \"a.test\"\n", ":3", "missing key 'file'"},
        {"[dns]\nlisten = [\"127.0.0.1:53\"]\n[[dns.zone]]\nname = \"a\"\nfile = \"z\"\nkeys = \"k\"\n"
         "validity = \"0d\"\n",
         ":7", "validity"},
        {"[dns]\nlisten = [\"127.0.0.1:53\"]\n[[dns.zone]]\nname = \"a\"\nfile = \"z\"\nrefresh = \"20d\"\n",
         ":6", "refresh: must be more than 0 and less than validity"},
        {"[dns]\nlisten = [\"127.0.0.1:53\"]\n[[dns.zone]]\nname = \"a\"\nfile = \"z\"\nzsk_lifetime = "
         "\"3x\"\n",
         ":6", "zsk_lifetime: expected a duration"},
        {"[dns]\nlisten = [\"127.0.0.1:53\"]\n[[dns.zone]]\nname = \"a\"\nfile = \"z\"\nsigning = \"yes\"\n",
         ":6", "signing: expected"},
        {"[dns]\nlisten = [\"127.0.0.1:53\"]\ntsig_keys = \"k\"\n[[dns.secondary]]\naddress = "
         "\"127.0.0.2\"\n",
         ":4", "missing key 'key'"},
        {"[dns]\nlisten = [\"127.0.0.1:53\"]\n[[dns.secondary]]\naddress = \"127.0.0.2\"\nkey = \"x\"\n",
         ":3", "set tsig_keys"},
        {"[dns]\nlisten = [\"127.0.0.1:53\"\n", ":2", ""},  // TOML syntax error
        {"[mail]\n", ":1", "unknown key 'mail'"},
        {"[dns]\nlisten = [\"127.0.0.1:53\"]\ntsig_keys = \"k\"\n[[dns.secondary]]\naddress = "
         "\"ns2.example\"\nkey = \"x\"\n",
         ":5", "address: expected a numeric"},
    };
    for (const Case& c : cases) {
        auto config = load(c.text);
        ASSERT_FALSE(config) << c.text;
        EXPECT_NE(config.error().where.find(path() + c.where), std::string::npos)
            << c.text << " -> " << config.error().to_string();
        EXPECT_NE(config.error().what.find(c.what), std::string::npos) << config.error().to_string();
    }
}

TEST(ParseDuration, UnitsAndErrors) {
    EXPECT_EQ(*parse_duration("45s"), 45u);
    EXPECT_EQ(*parse_duration("30m"), 1800u);
    EXPECT_EQ(*parse_duration("12h"), 43200u);
    EXPECT_EQ(*parse_duration("14d"), 14u * 86400);
    EXPECT_EQ(*parse_duration("2w"), 14u * 86400);
    EXPECT_EQ(*parse_duration("3600"), 3600u);
    for (const char* bad : {"", "d", "3x", "1.5d", "-1d", "99999999999", "50000d", "1dd"})
        EXPECT_FALSE(parse_duration(bad)) << bad;
}

TEST_F(ConfigTest, MissingFileIsAnError) {
    auto config = load_config((dir_ / "absent.toml").string());
    ASSERT_FALSE(config);
    EXPECT_NE(config.error().to_string().find("absent.toml"), std::string::npos);
}

}  // namespace
}  // namespace danemail::app

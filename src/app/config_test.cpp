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
allow_transfer = ["127.0.0.2", "::1"]

[[dns.zone]]
name = "example.com"
file = "zones/example.com.zone"
keys = "/var/lib/danemail/keys"
nsec3 = true
validity_days = 21

[[dns.zone]]
name = "example.net"
file = "example.net.zone"
keys = "keys"
)";

TEST_F(ConfigTest, ReadsTheDnsSection) {
    auto config = load(kValid);
    ASSERT_TRUE(config) << config.error().to_string();
    EXPECT_EQ(config->dns.listen, (std::vector<std::string>{"127.0.0.1:5353", "[::1]:5353"}));
    EXPECT_EQ(config->dns.workers, 2u);
    EXPECT_EQ(config->dns.allow_transfer, (std::vector<std::string>{"127.0.0.2", "::1"}));
    ASSERT_EQ(config->dns.zones.size(), 2u);
    const DnsZoneConfig& first = config->dns.zones[0];
    EXPECT_EQ(first.name, "example.com");
    EXPECT_EQ(first.file, (dir_ / "zones/example.com.zone").string());
    EXPECT_EQ(first.keys, "/var/lib/danemail/keys");
    EXPECT_TRUE(first.nsec3);
    EXPECT_EQ(first.validity_days, 21u);
    EXPECT_EQ(first.where, path() + ":6");
    EXPECT_FALSE(config->dns.zones[1].nsec3);
    EXPECT_EQ(config->dns.zones[1].validity_days, 14u);
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
        {"[dns]\nlisten = [\"127.0.0.1:53\"]\n[[dns.zone]]\nname = \"a.test\"\nfile = \"z\"\n", ":3",
         "missing key 'keys'"},
        {"[dns]\nlisten = [\"127.0.0.1:53\"]\n[[dns.zone]]\nname = \"a\"\nfile = \"z\"\nkeys = \"k\"\n"
         "validity_days = 0\n",
         ":7", "validity_days"},
        {"[dns]\nlisten = [\"127.0.0.1:53\"\n", ":2", ""},  // TOML syntax error
        {"[mail]\n", ":1", "unknown key 'mail'"},
        {"[dns]\nlisten = [\"127.0.0.1:53\"]\nallow_transfer = [\"secondary.example\"]\n", ":3",
         "allow_transfer: expected numeric"},
    };
    for (const Case& c : cases) {
        auto config = load(c.text);
        ASSERT_FALSE(config) << c.text;
        EXPECT_NE(config.error().where.find(path() + c.where), std::string::npos)
            << c.text << " -> " << config.error().to_string();
        EXPECT_NE(config.error().what.find(c.what), std::string::npos) << config.error().to_string();
    }
}

TEST_F(ConfigTest, MissingFileIsAnError) {
    auto config = load_config((dir_ / "absent.toml").string());
    ASSERT_FALSE(config);
    EXPECT_NE(config.error().to_string().find("absent.toml"), std::string::npos);
}

}  // namespace
}  // namespace danemail::app

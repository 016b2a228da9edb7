// Tests of the configuration reader: valid [dns] and [smtp] sections, the state directory, relative paths,
// and errors that name file:line.
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
        {"[dns]\nlisten = [\"127.0.0.1:53\",\n  \"localhost:53\"]\n", ":3", "listen address 'localhost:53'"},
        {"stat = \"s\"\n[smtp]\nhostname = \"mx.a.test\"\nlisten = [\"127.0.0.1:25\"]\n", ":1",
         "unknown key 'stat'"},
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

constexpr const char* kSmtp = R"(state = "state"

[smtp]
hostname = "MX.Example.org."
certificate = "tls/mx.crt"
private_key = "/etc/danemail/mx.key"
listen = ["192.0.2.1:25", "[2001:db8::1]:25"]
submission = ["192.0.2.1:587"]
submissions = ["[::1]:465"]
threads = 4
max_message_size = "10M"
max_recipients = 50
max_connections = 300
max_connections_per_client = 5
bare_line_endings = "normalize"
command_timeout = "10m"
data_timeout = 60
)";

TEST_F(ConfigTest, ReadsTheSmtpSectionWithoutDns) {
    auto config = load(kSmtp);
    ASSERT_TRUE(config) << config.error().to_string();
    const SmtpConfig& smtp = config->smtp;
    EXPECT_TRUE(smtp.enabled);
    EXPECT_EQ(smtp.hostname, "mx.example.org");
    EXPECT_EQ(smtp.certificate, (dir_ / "tls/mx.crt").string());
    EXPECT_EQ(smtp.private_key, "/etc/danemail/mx.key");
    EXPECT_EQ(smtp.listen, (std::vector<std::string>{"192.0.2.1:25", "[2001:db8::1]:25"}));
    EXPECT_EQ(smtp.submission, (std::vector<std::string>{"192.0.2.1:587"}));
    EXPECT_EQ(smtp.submissions, (std::vector<std::string>{"[::1]:465"}));
    EXPECT_EQ(smtp.threads, 4u);
    EXPECT_EQ(smtp.max_message_size, 10u << 20);
    EXPECT_EQ(smtp.max_recipients, 50u);
    EXPECT_EQ(smtp.max_connections, 300u);
    EXPECT_EQ(smtp.max_connections_per_client, 5u);
    EXPECT_TRUE(smtp.normalize_line_endings);
    EXPECT_EQ(smtp.command_timeout, 600u);
    EXPECT_EQ(smtp.data_timeout, 60u);
    EXPECT_EQ(smtp.where, path() + ":3");
    // No [dns]: no DNS service, but state and the control socket are there for the mail side.
    EXPECT_TRUE(config->dns.listen.empty());
    EXPECT_TRUE(config->dns.zones.empty());
    EXPECT_EQ(config->state, (dir_ / "state").string());
    EXPECT_EQ(config->dns.state, config->state);
    EXPECT_EQ(config->dns.control, (dir_ / "state" / "control.sock").string());
}

TEST_F(ConfigTest, SmtpDefaults) {
    auto config = load("[smtp]\nhostname = \"mx.a.test\"\nlisten = [\"127.0.0.1:25\"]\n");
    ASSERT_TRUE(config) << config.error().to_string();
    const SmtpConfig& smtp = config->smtp;
    EXPECT_TRUE(smtp.certificate.empty());
    EXPECT_TRUE(smtp.private_key.empty());
    EXPECT_EQ(smtp.max_message_size, 50u << 20);
    EXPECT_EQ(smtp.max_recipients, 100u);
    EXPECT_EQ(smtp.threads, 0u);
    EXPECT_FALSE(smtp.normalize_line_endings);
    EXPECT_EQ(smtp.command_timeout, 300u);
    EXPECT_EQ(smtp.data_timeout, 180u);
    EXPECT_EQ(config->state, "/var/lib/danemail");
    EXPECT_EQ(config->dns.state, "/var/lib/danemail");
}

TEST_F(ConfigTest, DnsOnlyFileHasNoSmtp) {
    auto config = load(kValid);
    ASSERT_TRUE(config) << config.error().to_string();
    EXPECT_FALSE(config->smtp.enabled);
    EXPECT_EQ(config->state, (dir_ / "state").string());  // from [dns] state
}

TEST_F(ConfigTest, MessageSizeForms) {
    const std::pair<const char*, uint64_t> cases[] = {{"1000", 1000},       {"\"10k\"", 10240},
                                                      {"\"10K\"", 10240},   {"\"50M\"", 50u << 20},
                                                      {"\"1G\"", 1u << 30}, {"\"512\"", 512}};
    for (const auto& [text, bytes] : cases) {
        auto config = load(std::string("[smtp]\nhostname = \"mx.a.test\"\nlisten = [\"127.0.0.1:25\"]\n") +
                           "max_message_size = " + text + "\n");
        ASSERT_TRUE(config) << text << ": " << config.error().to_string();
        EXPECT_EQ(config->smtp.max_message_size, bytes) << text;
    }
}

TEST_F(ConfigTest, TopLevelStateAndDnsStateMustAgree) {
    const std::string zone = "listen = [\"127.0.0.1:53\"]\n[[dns.zone]]\nname = \"a.test\"\nfile = \"z\"\n";
    auto same = load("state = \"s\"\n[dns]\nstate = \"./s/\"\n" + zone);
    ASSERT_TRUE(same) << same.error().to_string();
    EXPECT_EQ(same->state, (dir_ / "s").string());
    EXPECT_EQ(same->dns.state, same->state);
    EXPECT_EQ(same->dns.zones[0].keys, (dir_ / "s" / "keys" / "a.test").string());

    auto top_only = load("state = \"/srv/mail\"\n[dns]\n" + zone);
    ASSERT_TRUE(top_only) << top_only.error().to_string();
    EXPECT_EQ(top_only->dns.state, "/srv/mail");
    EXPECT_EQ(top_only->dns.control, "/srv/mail/control.sock");
    EXPECT_EQ(top_only->dns.zones[0].keys, "/srv/mail/keys/a.test");

    auto differ = load("state = \"s\"\n[dns]\nstate = \"t\"\n" + zone);
    ASSERT_FALSE(differ);
    EXPECT_NE(differ.error().where.find(path() + ":3"), std::string::npos) << differ.error().to_string();
    EXPECT_NE(differ.error().what.find("differs from the top-level state"), std::string::npos);
}

TEST_F(ConfigTest, SmtpErrorsNameFileAndLine) {
    struct Case {
        std::string text;
        std::string where;
        std::string what;
    };
    const std::string head = "[smtp]\nhostname = \"mx.a.test\"\n";         // lines 1-2
    const std::string tls = "certificate = \"c\"\nprivate_key = \"k\"\n";  // lines 3-4 when it follows head
    const Case cases[] = {
        {"[smtp]\nlisten = [\"127.0.0.1:25\"]\n", ":1", "missing key 'hostname'"},
        {"[smtp]\nhostname = \"mx\"\nlisten = [\"127.0.0.1:25\"]\n", ":2", "fully qualified"},
        {"[smtp]\nhostname = \"mx_1.a.test\"\nlisten = [\"127.0.0.1:25\"]\n", ":2", "not a host name"},
        {"[smtp]\nhostname = \"-mx.a.test\"\nlisten = [\"127.0.0.1:25\"]\n", ":2", "starts or ends"},
        {head, ":1", "no listeners"},
        {head + "listen = []\n", ":1", "no listeners"},
        {head + "listen = [\"127.0.0.1\"]\n", ":3", "listen: '127.0.0.1': expected"},
        {head + "listen = [\"::1:25\"]\n", ":3", "listen: '::1:25': expected"},
        {head + "listen = [\"localhost:25\"]\n", ":3", "expected \"IPv4:port\""},
        {head + "submission = [\"127.0.0.1:0\"]\n", ":3", "port must be a number from 1 to 65535"},
        {head + "submission = [\"127.0.0.1:587\",\n  \"[::1]:99999\"]\n", ":4", "submission: '[::1]:99999'"},
        {head + "listen = \"127.0.0.1:25\"\n", ":3", "listen: expected an array"},
        {head + "submissions = [\"127.0.0.1:465\"]\n", ":3", "submissions: implicit TLS"},
        {head + "submission = [\"127.0.0.1:587\"]\n", ":3", "submission: AUTH needs STARTTLS first"},
        {head + "certificate = \"c\"\nlisten = [\"127.0.0.1:25\"]\n", ":3", "give both or neither"},
        {head + tls + "listen = [\"127.0.0.1:25\"]\nmax_message_size = \"10x\"\n", ":6", "max_message_size"},
        {head + tls + "listen = [\"127.0.0.1:25\"]\nmax_message_size = 0\n", ":6", "max_message_size"},
        {head + tls + "listen = [\"127.0.0.1:25\"]\nmax_message_size = \"2G\"\n", ":6", "at most"},
        {head + tls + "listen = [\"127.0.0.1:25\"]\nbare_line_endings = \"fix\"\n", ":6",
         "expected \"reject\" or \"normalize\""},
        {head + tls + "listen = [\"127.0.0.1:25\"]\ncommand_timeout = \"5y\"\n", ":6",
         "command_timeout: expected a duration"},
        {head + tls + "listen = [\"127.0.0.1:25\"]\ndata_timeout = 0\n", ":6", "data_timeout: must be more"},
        {head + tls + "listen = [\"127.0.0.1:25\"]\nmax_recipients = 0\n", ":6", "max_recipients: expected"},
        {head + tls + "listen = [\"127.0.0.1:25\"]\nthreads = -1\n", ":6", "threads: expected"},
        {head + tls + "listen = [\"127.0.0.1:25\"]\nmax_conections = 9\n", ":6",
         "unknown key 'max_conections'"},
        {"smtp = 1\n", ":1", "expected a table"},
        {"state = \"s\"\n", "", "nothing to serve"},
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

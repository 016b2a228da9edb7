// Tests of key state files: round trips of every field, and the file:line errors for the damage an
// operator's editor can do (unknown or repeated fields, bad values, a role contradicting the SEP flag).
#include "zone/key_state_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "base/file_io.h"
#include "dnssec/algorithm.h"

namespace danemail::zone {
namespace {

namespace fs = std::filesystem;

dnssec::ZoneKey make_key(dnssec::KeyRole role) {
    auto key = dnssec::generate_key(dns::Name::from_text("example.").value(), role,
                                    dnssec::algorithm::ECDSAP256SHA256);
    EXPECT_TRUE(key);
    return *key;
}

TEST(KeyStateFile, RoundTripsEveryField) {
    dnssec::ZoneKey key = make_key(dnssec::KeyRole::Ksk);
    KeyState state;
    state.role = dnssec::KeyRole::Ksk;
    state.ds = DsState::Withdrawn;
    state.ds_changed = 1'800'000'000;
    state.ds_seen = 1'800'003'600;
    state.ds_ttl = 7200;
    state.predecessor = 4242;
    state.phase_ttl = 3600;
    const std::string text = format_key_state(state, key);
    auto parsed = parse_key_state(text, "K.state");
    ASSERT_TRUE(parsed) << parsed.error().to_string();
    EXPECT_EQ(*parsed, state);
    EXPECT_NE(text.find("DS: withdrawn"), std::string::npos) << text;

    KeyState zsk;  // the minimal file
    auto minimal = parse_key_state(format_key_state(zsk, make_key(dnssec::KeyRole::Zsk)), "K.state");
    ASSERT_TRUE(minimal) << minimal.error().to_string();
    EXPECT_EQ(*minimal, zsk);
}

TEST(KeyStateFile, ErrorsNameFileAndLine) {
    struct Case {
        const char* text;
        const char* where;
        const char* what;
    } cases[] = {
        {"Role: KSK\nDS: seen\nColour: blue\n", "K.state:3", "unknown field 'Colour'"},
        {"; comment\nRole: KSK\nRole: ZSK\nDS: seen\n", "K.state:3", "appears twice (first at line 2)"},
        {"Role: CSK\nDS: none\n", "K.state:1", "Role must be KSK or ZSK"},
        {"Role: KSK\nDS: maybe\n", "K.state:2", "DS must be"},
        {"Role: KSK\nDS: seen\nDSSeen: 2026-01-01\n", "K.state:3", "YYYYMMDDHHMMSS"},
        {"Role: KSK\nDS: seen\nDSTTL: -5\n", "K.state:3", "number of seconds"},
        {"Role: KSK\nDS: seen\nPredecessor: 70000\n", "K.state:3", "key tag"},
        {"Role: KSK\nDS seen\n", "K.state:2", "expected 'Name: value'"},
        {"Role: ZSK\nDS: seen\n", "K.state:2", "a ZSK has no DS"},
        {"Role: KSK\nDS: none\n", "K.state:2", "pending, submitted"},
        {"DS: none\n", "K.state", "missing 'Role:'"},
    };
    for (const Case& c : cases) {
        auto parsed = parse_key_state(c.text, "K.state");
        ASSERT_FALSE(parsed) << c.text;
        EXPECT_EQ(parsed.error().where, c.where) << c.text;
        EXPECT_NE(parsed.error().what.find(c.what), std::string::npos) << parsed.error().what;
    }
}

TEST(KeyStateFile, ReadChecksTheRoleAgainstTheKey) {
    std::random_device random;
    const fs::path dir = fs::temp_directory_path() / ("danemail-key-state-test-" + std::to_string(random()));
    fs::create_directories(dir);
    dnssec::ZoneKey zsk = make_key(dnssec::KeyRole::Zsk);

    auto absent = read_key_state(dir.string(), zsk);
    ASSERT_TRUE(absent);
    EXPECT_FALSE(*absent);

    KeyState state;
    ASSERT_TRUE(write_key_state(dir.string(), zsk, state));
    auto read = read_key_state(dir.string(), zsk);
    ASSERT_TRUE(read) << read.error().to_string();
    ASSERT_TRUE(*read);
    EXPECT_EQ(**read, state);

    const std::string path = (dir / key_state_file_name(zsk)).string();
    ASSERT_TRUE(write_file_atomic(path, "Role: KSK\nDS: seen\n"));
    auto contradicting = read_key_state(dir.string(), zsk);
    ASSERT_FALSE(contradicting);
    EXPECT_EQ(contradicting.error().where, path);
    EXPECT_NE(contradicting.error().what.find("contradicts"), std::string::npos);
    fs::remove_all(dir);
}

}  // namespace
}  // namespace danemail::zone

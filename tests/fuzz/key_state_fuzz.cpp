// libFuzzer target for key state files (zone/key_state_file.h: K<zone>+<alg>+<tag>.state beside BIND's key
// files, RFC 7583 rollover timing, RFC 7344 DS states): arbitrary bytes parsed as a user-edited state file.
// Nothing may crash; a file that parses must format (format_key_state) to text that parses back to the same
// state, and that text must format to itself.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dnssec/algorithm.h"
#include "dnssec/key.h"
#include "zone/key_state_file.h"

namespace {

using namespace danemail;

[[noreturn]] void fail(const char* what, const std::string& detail = {}) {
    std::fprintf(stderr, "key_state_fuzz: %s %s\n", what, detail.c_str());
    std::abort();
}

// format_key_state only reads the key's zone, tag and role for its comment line; one fixed key will do.
const dnssec::ZoneKey& fixed_key() {
    static const dnssec::ZoneKey key = [] {
        auto made = dnssec::generate_key(*dns::Name::from_text("example."), dnssec::KeyRole::Ksk,
                                         dnssec::algorithm::ECDSAP256SHA256);
        if (!made) fail("key generation failed:", made.error().to_string());
        return std::move(*made);
    }();
    return key;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    (void)fixed_key();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto state = zone::parse_key_state(text, "fuzz.state");
    if (!state) {
        if (state.error().to_string().empty()) fail("an error without a message");
        return 0;
    }
    const std::string formatted = zone::format_key_state(*state, fixed_key());
    auto again = zone::parse_key_state(formatted, "formatted.state");
    if (!again) fail("a formatted state does not parse:", again.error().to_string() + "\n" + formatted);
    if (!(*again == *state)) fail("a formatted state parses to another state:", formatted);
    if (zone::format_key_state(*again, fixed_key()) != formatted)
        fail("formatting is not stable:", formatted);
    return 0;
}

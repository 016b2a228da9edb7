// The rollover state of one managed key, kept beside BIND's key files as K<zone>+<alg>+<tag>.state: the
// key's role, where its DS stands with the parent (RFC 7344 CDS/CDNSKEY, RFC 8078) and the times the
// rollover waits count from (RFC 7583). Key timing (Publish, Activate, Inactive, Delete) stays in the key
// files. The file is user-editable, hence untrusted input: parsed strictly, every error names file:line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/time.h"
#include "dnssec/key.h"

namespace danemail::zone {

// Where a KSK's DS stands with the parent.
enum class DsState {
    None,       // a ZSK: no DS
    Pending,    // a new KSK of a zone without DS: CDS withheld until the signed zone has spread to caches
    Submitted,  // CDS/CDNSKEY published: the parent should add the DS
    Seen,       // the parent's DS set holds it (seen by a query or confirmed by the operator)
    Withdrawn,  // CDS/CDNSKEY no longer name it: the parent should drop the DS
};

std::string_view ds_state_to_text(DsState state);  // "none", "pending", "submitted", "seen", "withdrawn"
std::optional<DsState> ds_state_from_text(std::string_view text);

struct KeyState {
    dnssec::KeyRole role = dnssec::KeyRole::Zsk;  // Ksk or Zsk (a CSK policy is not supported)
    DsState ds = DsState::None;
    std::optional<UnixTime> ds_changed;   // when `ds` took its value (submitted, withdrawn, ...)
    std::optional<UnixTime> ds_seen;      // Seen: when the parent was seen to hold the DS;
                                          // Withdrawn: when it was seen to have dropped it
    uint32_t ds_ttl = 0;                  // the parent's DS TTL to wait out after ds_seen
    std::optional<uint16_t> predecessor;  // the key this one replaces in a rollover
    // The TTL whose caches the key's current phase waits out (DNSKEY TTL while pre-published, the zone's
    // largest TTL once a ZSK is retired), as it stood when the phase began: a TTL lowered later must not
    // shorten the wait for records cached under the old one.
    uint32_t phase_ttl = 0;

    bool operator==(const KeyState&) const = default;
};

// "Kexample.com.+013+12345.state".
std::string key_state_file_name(const dnssec::ZoneKey& key);

// The file's text; `key` supplies the comment naming zone, tag and role.
std::string format_key_state(const KeyState& state, const dnssec::ZoneKey& key);

// Parses the text of a state file; `path` is used in errors ("path:line").
Result<KeyState> parse_key_state(std::string_view text, const std::string& path);

// Reads the state file of `key` in `dir`; nullopt when there is none. Checks that the role matches the
// key's SEP flag.
Result<std::optional<KeyState>> read_key_state(const std::string& dir, const dnssec::ZoneKey& key);

// Writes the state file of `key` into `dir` atomically.
Status write_key_state(const std::string& dir, const dnssec::ZoneKey& key, const KeyState& state);

}  // namespace danemail::zone

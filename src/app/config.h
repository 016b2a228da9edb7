// The danemail configuration file (TOML, read with toml++): for now the [dns] section — listen addresses,
// worker threads, the state directory, TSIG keys, the secondaries, and the served zones with their signing
// and key policy. The file is operator input: every error names file:line, what was found and what was
// expected. Relative paths are taken from the file's folder. Durations are written "14d", "12h", "30m",
// "45s", "2w" or as plain seconds.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"

namespace danemail::app {

// How a zone is made ready for serving.
enum class ZoneSigning {
    Inline,     // danemail signs the operator's unsigned file, re-signs and rolls keys (the default)
    Presigned,  // the file is already signed elsewhere: served as it is
    Off,        // served unsigned (an insecure zone)
};

struct DnsZoneConfig {
    std::string name;  // the apex, e.g. "example.com"
    std::string file;  // the operator's zone file (unsigned unless signing = "presigned")
    ZoneSigning signing = ZoneSigning::Inline;
    std::string keys;        // the zone's BIND-format key files; default <state>/keys/<zone>
    bool nsec3 = false;      // NSEC3 (RFC 5155, RFC 9276 parameters) instead of NSEC
    uint8_t algorithm = 13;  // for keys danemail generates (ECDSA P-256 SHA-256)

    // Signature timing: each RRSIG is valid for `validity` (expiry jittered back by up to a tenth) and made
    // anew once less than `refresh` of it remains.
    uint32_t validity = 14 * 86400;
    uint32_t refresh = 7 * 86400;

    // Key lifetimes for the unattended rollovers; 0: never rolled.
    uint32_t zsk_lifetime = 90 * 86400;
    uint32_t ksk_lifetime = 365 * 86400;
    // The parent's servers ("address[:port]"), asked for the zone's DS RRset during a KSK rollover; without
    // them the rollover waits for `danemail dns ds-seen ZONE`.
    std::vector<std::string> parents;
    // The TTL of the parent's DS RRset, waited after the change is seen (the parent's answer tells it when
    // a parent is configured).
    uint32_t ds_ttl = 86400;

    std::string where;  // "danemail.toml:12" for messages about this zone
};

// A secondary server: allowed to transfer every zone (AXFR, IXFR) when its queries come from `address`
// signed with the TSIG key `key` (RFC 8945), and sent a NOTIFY (RFC 1996) after every change.
struct SecondaryConfig {
    std::string address;  // numeric IPv4 or IPv6 address
    uint16_t port = 53;   // where NOTIFY goes
    std::string key;      // the TSIG key's name, from tsig_keys
    bool notify = true;
    std::string where;
};

struct DnsConfig {
    std::vector<std::string> listen;          // "127.0.0.1:53", "[::1]:53": UDP and TCP
    unsigned workers = 0;                     // UDP worker threads; 0: one per core
    std::string state = "/var/lib/danemail";  // keys, signed zones, journals, the control socket
    std::string control;                      // the control socket; default <state>/control.sock
    std::string tsig_keys;                    // TSIG keys in BIND syntax (tsig-keygen's output)
    std::vector<SecondaryConfig> secondaries;
    std::vector<DnsZoneConfig> zones;
};

struct Config {
    std::string path;
    DnsConfig dns;
};

Result<Config> load_config(const std::string& path);

// "14d", "12h", "30m", "45s", "2w" or "3600": seconds. Errors say what was expected.
Result<uint32_t> parse_duration(const std::string& text);

}  // namespace danemail::app

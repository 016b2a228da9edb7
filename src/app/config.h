// The danemail configuration file (TOML, read with toml++): the state directory; the [dns] section — listen
// addresses, worker threads, TSIG keys, the secondaries, and the served zones with their signing and key
// policy; the [smtp] section — the mail host's name, certificate, listeners for 25/587/465 and limits. The
// file is operator input: every error names file:line, what was found and what was expected. Relative paths
// are taken from the file's folder. Durations are written "14d", "12h", "30m", "45s", "2w" or as plain
// seconds.
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

// [smtp]: receiving (25) and submission (587 with STARTTLS, 465 with implicit TLS, RFC 8314). Absent: no
// SMTP service. Example:
//   [smtp]
//   hostname = "mx.example.org"
//   certificate = "tls/mx.example.org.crt"   # PEM chain, leaf first
//   private_key = "tls/mx.example.org.key"
//   listen = ["0.0.0.0:25", "[::]:25"]
//   submission = ["0.0.0.0:587"]
//   submissions = ["0.0.0.0:465"]
struct SmtpConfig {
    bool enabled = false;  // the [smtp] table is present
    std::string hostname;  // required: greeting, EHLO, Received
    std::string certificate;
    std::string private_key;
    std::vector<std::string> listen;          // port 25 service: "address:port"
    std::vector<std::string> submission;      // 587
    std::vector<std::string> submissions;     // 465
    unsigned threads = 0;                     // I/O threads; 0: one per core
    uint64_t max_message_size = 50ull << 20;  // bytes
    unsigned max_recipients = 100;
    unsigned max_connections = 2000;
    unsigned max_connections_per_client = 50;
    bool normalize_line_endings = false;  // bare_line_endings = "reject" (default) | "normalize"
    uint32_t command_timeout = 300;       // seconds ("5m")
    uint32_t data_timeout = 180;
    std::string where;
};

struct Config {
    std::string path;
    // Top-level `state = "..."`: keys, zones, journals, the mail database and message files, the control
    // socket. `[dns] state` is still read for DNS-only files; default /var/lib/danemail.
    std::string state = "/var/lib/danemail";
    DnsConfig dns;  // dns.state is always equal to `state` after loading
    SmtpConfig smtp;
};

Result<Config> load_config(const std::string& path);

// "14d", "12h", "30m", "45s", "2w" or "3600": seconds. Errors say what was expected.
Result<uint32_t> parse_duration(const std::string& text);

}  // namespace danemail::app

// The danemail configuration file (TOML, read with toml++): for now the [dns] section — listen addresses,
// worker threads and the served zones with their signing policy. The file is operator input: every error
// names file:line, what was found and what was expected. Relative paths are taken from the file's folder.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace danemail::app {

struct DnsZoneConfig {
    std::string name;    // the apex, e.g. "example.com"
    std::string file;    // the operator's unsigned zone file
    std::string keys;    // directory with the zone's BIND-format key files
    bool nsec3 = false;  // NSEC3 (RFC 5155, RFC 9276 parameters) instead of NSEC
    unsigned validity_days = 14;
    std::string where;  // "danemail.toml:12" for messages about this zone
};

struct DnsConfig {
    std::vector<std::string> listen;          // "127.0.0.1:53", "[::1]:53": UDP and TCP
    unsigned workers = 0;                     // UDP worker threads; 0: one per core
    std::vector<std::string> allow_transfer;  // client addresses that may AXFR every zone (RFC 5936 §5)
    std::vector<DnsZoneConfig> zones;
};

struct Config {
    std::string path;
    DnsConfig dns;
};

Result<Config> load_config(const std::string& path);

}  // namespace danemail::app

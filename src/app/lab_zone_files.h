// Writes every zone server's files of the lab: the zone files (SOA, NS and glue, delegations with glue and
// DS, and in each provider zone MX, the mail host's A and TLSA records, a wildcard and an apex TXT), each
// server's danemail.toml, and for the bogus zone a zone the lab signs itself and then breaks (one RRSIG
// corrupted, so validators must answer SERVFAIL for that name: RFC 4035 §5.5). Keys and certificates are
// re-used from the lab directory (lab_keys.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "app/lab_keys.h"
#include "app/lab_layout.h"
#include "base/result.h"
#include "dnssec/key.h"

namespace danemail::app::lab {

inline constexpr uint32_t kLabTtl = 300;
// SOA minimum, the TTL of negative answers and of NSEC/NSEC3 (RFC 2308, RFC 9077). Equal to kLabTtl, so that
// every RRSIG at the apex has one TTL (the zone checks would even it out otherwise); unbound.conf caps
// negative caching at 60 s instead.
inline constexpr uint32_t kNegativeTtl = kLabTtl;

// Records a parent zone holds for one child: NS, glue A, and the DS lines (none for an insecure child).
struct Delegation {
    const LabZone* child = nullptr;
    std::vector<LabDs> ds;
};

// The unsigned zone file text of `zone`, with `delegations` to its children and, for provider zones, the
// TLSA record (`tlsa_rdata`, "3 1 1 hex") of mx.<zone>.
std::string zone_text(const LabZone& zone, uint32_t serial, const std::vector<Delegation>& delegations,
                      const std::string& tlsa_rdata);

// `text` signed with `keys` (NSEC) and then made bogus: the RRSIG over mx.<zone> A gets a wrong signature.
Result<std::string> signed_broken_zone(const std::string& text, const LabZone& zone,
                                       const std::vector<dnssec::ZoneKey>& keys);

// danemail.toml for the zone's server: listen on its address, one worker, its state folder, the zone.
std::string server_config(const LabZone& zone, const ZonePaths& paths);

// What the resolver and validator files need from the zone files: the root's DS (the trust anchor).
struct LabAnchor {
    std::vector<LabDs> root_ds;
};

// Creates or re-uses keys and certificates and (re)writes every zone's files under `dir` (absolute).
Result<LabAnchor> write_zone_files(const std::string& dir);

}  // namespace danemail::app::lab

// The lab's long-lived material, made once and re-used on every `lab up` so that the root's trust anchor
// and the TLSA records stay stable: each signed zone's DNSSEC keys (a KSK and a ZSK, ECDSA P-256), the DS
// records the parent publishes for them (RFC 4034 §5, SHA-256 per RFC 4509), and each mail host's
// self-signed certificate with its DANE-EE TLSA record (RFC 7672 §3.1.1). Reads key and certificate
// files from the lab directory (files the lab wrote, checked like any key file).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "dns/name.h"
#include "dnssec/key.h"

namespace danemail::app::lab {

// The zone's keys in `keys_dir`; when there are none, a new KSK and ZSK (algorithm 13) written there first.
Result<std::vector<dnssec::ZoneKey>> ensure_zone_keys(const std::string& keys_dir, const dns::Name& apex);

// A DS record as the lab writes it into parent zones and trust-anchor files.
struct LabDs {
    std::string owner;  // "alpha.test.", "."
    uint16_t key_tag = 0;
    uint8_t algorithm = 0;
    uint8_t digest_type = 0;
    std::string digest_hex;  // upper case

    // "alpha.test. 300 IN DS 12345 13 2 ABCD..."
    std::string zone_line(uint32_t ttl) const;
};

// The DS (SHA-256) of each KSK among `keys`; an error when there is none.
Result<std::vector<LabDs>> ds_records(const std::vector<dnssec::ZoneKey>& keys);

// The RDATA text "3 1 1 <hex>" of the TLSA record for `host`'s certificate in `mail_dir` (cert.pem, and
// key.pem with mode 0600); a new key and self-signed certificate are made when either file is missing.
Result<std::string> ensure_mail_credentials(const std::string& mail_dir, const std::string& host);

}  // namespace danemail::app::lab

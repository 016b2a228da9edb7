// Signs a whole zone (RFC 4033–4035, RFC 5155, RFC 9276): adds the DNSKEY RRset, an RRSIG for every
// authoritative RRset (none for delegation NS or glue; DS at delegations signed), the NSEC or NSEC3 chain,
// NSEC3PARAM, and applies the SOA serial policy. KSKs sign DNSKEY/CDS/CDNSKEY, ZSKs the rest, CSKs all.
// Signing runs on every core with per-thread OpenSSL contexts.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "base/result.h"
#include "base/time.h"
#include "dns/record.h"
#include "dnssec/denial_chain.h"
#include "dnssec/key.h"
#include "dnssec/signature_reuse.h"

namespace danemail::dnssec {

enum class SerialPolicy { Keep, Increment, UnixTime, Date };

struct SigningPolicy {
    bool use_nsec3 = false;
    Nsec3Parameters nsec3;
    uint32_t validity = 14 * 86400;      // signature lifetime from now
    uint32_t jitter = 0;                 // expiry spread back by up to this (0: validity / 10)
    uint32_t inception_offset = 3600;    // inception back-dated against clock skew
    std::optional<uint32_t> dnskey_ttl;  // default: the SOA's TTL
    bool publish_cds = false;            // CDS (SHA-256) and CDNSKEY for each published KSK (RFC 7344 §4)
    // CDS and CDNSKEY for exactly these published keys (the key manager's choice during a KSK rollover);
    // used when publish_cds is false.
    std::vector<uint16_t> cds_key_tags;
    // Signatures of the previous version to keep for unchanged RRsets (inline signing); null: sign all.
    const SignatureReuse* reuse = nullptr;
    SerialPolicy serial = SerialPolicy::Keep;
    UnixTime now = 0;      // 0: the current time
    unsigned threads = 0;  // 0: one per core
};

struct SigningStats {
    size_t rrsets_signed = 0;
    size_t signatures = 0;
    size_t denial_records = 0;     // NSEC or NSEC3
    size_t signatures_reused = 0;  // of `signatures`, kept from policy.reuse
    uint32_t serial = 0;
};

// Receives the signed zone record by record, in order; an error stops the signing.
using RecordSink = std::function<Status(const dns::Record&)>;

// `records`: the unsigned zone (old RRSIG/NSEC/NSEC3/NSEC3PARAM records are dropped and rebuilt).
// `keys`: the zone's keys; every key is published, keys with a private part that are active sign.
// Returns the signed zone, owners in canonical order, each RRset followed by its RRSIGs, NSEC3 last.
// Signing runs in windows of RRsets and hands each finished part to `sink`, so memory stays near the size
// of the unsigned zone. sign_zone() collects the same records into a vector.
Status sign_zone_to(std::vector<dns::Record> records, const dns::Name& apex, std::span<const ZoneKey> keys,
                    const SigningPolicy& policy, const RecordSink& sink, SigningStats* stats = nullptr);
Result<std::vector<dns::Record>> sign_zone(std::vector<dns::Record> records, const dns::Name& apex,
                                           std::span<const ZoneKey> keys, const SigningPolicy& policy,
                                           SigningStats* stats = nullptr);

// The new SOA serial under `policy` (RFC 1982 arithmetic; Date is YYYYMMDDnn).
uint32_t next_serial(uint32_t current, SerialPolicy policy, UnixTime now);

}  // namespace danemail::dnssec

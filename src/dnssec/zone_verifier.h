// Verifies a signed zone as dnssec-verify does (RFC 4035 §2, §5.3; RFC 5155 §7–8): every authoritative
// RRset carries a valid signature of every algorithm in the apex DNSKEY RRset, signatures are within their
// validity at the given time, no signatures over glue or delegation NS, the NSEC or NSEC3 chain is complete
// with correct type bitmaps, and optionally the DNSKEY RRset is signed by a key matching a trust anchor (DS).
// The zone is untrusted input: every problem is reported with owner, type and reason.
#pragma once

#include <string>
#include <vector>

#include "base/time.h"
#include "dns/dnssec_rdata.h"
#include "dns/record.h"

namespace danemail::dnssec {

struct VerifyOptions {
    UnixTime time = 0;                  // 0: now
    std::vector<dns::DsRdata> anchors;  // DS records the zone's KSK must match (empty: not checked)
    size_t max_problems = 200;          // stop collecting after this many
    unsigned threads = 0;               // 0: one per core
};

struct VerifyProblem {
    dns::Name owner;
    dns::RRType type;
    std::string reason;

    std::string to_string() const;  // "owner TYPE: reason"
};

struct VerifyReport {
    std::vector<VerifyProblem> problems;
    size_t rrsets_checked = 0;
    size_t signatures_checked = 0;
    size_t denial_records = 0;
    bool uses_nsec3 = false;
    std::vector<std::string> notes;  // facts worth printing: algorithms, keys, chain type, anchor match

    bool ok() const { return problems.empty(); }
};

VerifyReport verify_zone(std::vector<dns::Record> records, const dns::Name& apex,
                         const VerifyOptions& options);

}  // namespace danemail::dnssec

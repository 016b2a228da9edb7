// Does a TLSA RRset authenticate a certificate chain? Matching per RFC 6698 §2.1 and RFC 7671 §5, the
// SMTP rules of RFC 7672 §3.1; used by monitoring to check what a server presents against what DNS says.
// Untrusted input: the records (from DNS) and the chain (from a TLS peer); neither is assumed well formed.
// PKIX validation against a CA store (usages 0 and 1) and name checks (RFC 7672 §3.2.2) are not done here.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/time.h"
#include "tls/certificate.h"
#include "tls/tlsa.h"

namespace danemail::tls {

// Ok when a record can be used at all: known usage, selector and matching type (RFC 6698 §7.2–7.4), and
// association data of the length the matching type fixes (RFC 6698 §2.1.3: 32 bytes for SHA2-256, 64 for
// SHA2-512, non-empty for Full). Anything else is "unusable" and is skipped, not an error of the chain.
Status check_usable(const TlsaRecord& record);
// Usable by an SMTP client: also usage DANE-TA(2) or DANE-EE(3); RFC 7672 §3.1.3 makes 0 and 1 unusable.
bool usable_for_smtp(const TlsaRecord& record);

// True when the record's association data equals what its selector and matching type give for `cert`;
// the usage is not looked at.
bool association_matches(const TlsaRecord& record, const Certificate& cert);

// The record that authenticated a chain, and the certificate it matched (depth 0 = leaf).
struct TlsaMatch {
    size_t record_index = 0;
    size_t depth = 0;
};

struct TlsaChainCheck {
    std::optional<TlsaMatch> match;  // set when some record authenticates the chain
    std::vector<std::string> notes;  // why each other record did not, "record 2 (2 0 1 ab12…): …"
};

// Checks `records` in order against `chain` (leaf first) and stops at the first that authenticates it:
//  - usages 3 and 1 compare the leaf only; DANE-EE(3) needs nothing more: no names, no dates
//    (RFC 7671 §5.1);
//  - usages 2 and 0 compare the certificates above the leaf (depth ≥ 1), as RFC 7671 §5.2 lets the trust
//    anchor be any issuer the server sends; for DANE-TA(2) the chain from the leaf up to the matched
//    certificate must then verify with that certificate as trust anchor: issuer names, signatures, CA
//    constraints and validity at time `when` (RFC 7671 §5.2, RFC 5280 §6). A "2 1 x" record whose anchor
//    the server leaves out of the chain is not matched (RFC 7671 §5.2.2 asks servers to send it);
//  - usages 0 and 1 are matched only: the PKIX validation they also require is the caller's.
// With `smtp_only`, records RFC 7672 §3.1.3 makes unusable for SMTP are skipped.
TlsaChainCheck check_tlsa_chain(std::span<const TlsaRecord> records, const CertificateChain& chain,
                                UnixTime when, bool smtp_only = true);

}  // namespace danemail::tls

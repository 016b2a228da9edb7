// Internal to the verifier: checks a zone's NSEC chain (RFC 4034 §4, RFC 4035 §2.3) or NSEC3 chain
// (RFC 5155 §7.1, §8) against the chain the zone's names require.
#pragma once

#include "dnssec/zone_index.h"
#include "dnssec/zone_verifier.h"

namespace danemail::dnssec {

// Appends every chain problem to report.problems and sets report.uses_nsec3 / denial_records.
void verify_denial(const ZoneIndex& zone, VerifyReport& report);

}  // namespace danemail::dnssec

// One served zone as inline signing keeps it (issue 3): the operator's unsigned records, the version being
// served (records, the ServedZone snapshot, the IXFR journal), and the step from one version to the next.
// update() signs the zone again, keeping every signature of an unchanged RRset that is still far enough
// from expiry (dnssec/signature_reuse.h), so a reload re-signs only what changed and periodic re-signing
// spreads over time; it raises the SOA serial (RFC 1982) when anything changed, records the difference in
// the journal (RFC 1995 §4) and saves the version and journal in the state directory, so a restart serves
// at once and IXFR continues. Presigned zones are served as they are (their operator's file is the saved
// version; only the journal is kept); unsigned zones without signatures.
// The saved files are read back as untrusted input (a damaged file is ignored with a warning).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/time.h"
#include "dns/record.h"
#include "dnssec/key.h"
#include "zone/journal.h"
#include "zone/served_zone.h"

namespace danemail::zone {

enum class SigningMode { Inline, Presigned, Unsigned };

struct InlineZoneSettings {
    dns::Name apex;
    SigningMode mode = SigningMode::Inline;
    bool nsec3 = false;
    uint32_t validity = 14 * 86400;
    uint32_t refresh = 7 * 86400;
    std::string state_dir;  // where <zone>.served.zone and <zone>.journal live; empty: nothing saved
    size_t min_journal_records = 10'000;  // the journal keeps at least this, or the zone's size if larger
};

// What is being served: shared with the listeners until the next version replaces it.
struct ZoneVersion {
    std::shared_ptr<const ServedZone> served;
    std::shared_ptr<const Journal> journal;
    uint32_t serial = 0;
    UnixTime earliest_expiry = 0;  // of any RRSIG (0: none)

    // The records served, SOA included, read back from the snapshot: the version keeps no record vector
    // beside it (that would take more memory than the snapshot). Diffs, transfers and the saved file use
    // this, so all of them see exactly what is served.
    std::vector<dns::Record> records() const { return served->to_records(); }
};

struct ZoneUpdate {
    bool changed = false;  // a new version with a new serial
    uint32_t serial = 0;
    size_t signatures = 0, signatures_reused = 0;
    size_t removed = 0, added = 0;  // records in the journal's new diff
    UnixTime next_resign = 0;       // when update() must run again to refresh signatures (0: never)
};

class InlineZone {
public:
    // Reads the saved version and journal from the state directory when present. Warnings (a damaged or
    // stale saved file that was ignored) go to `warnings`.
    static Result<InlineZone> open(InlineZoneSettings settings, std::vector<std::string>* warnings = nullptr);

    InlineZone(InlineZone&&) = default;
    InlineZone& operator=(InlineZone&&) = default;

    // The version being served, or null before the first successful update() (or saved version).
    const ZoneVersion* current() const { return current_ ? &*current_ : nullptr; }
    const InlineZoneSettings& settings() const { return settings_; }

    // Makes the next version at `now`. `fresh` replaces the operator's records when given (a reload);
    // `keys` and `cds_key_tags` come from the key manager (ignored unless mode is Inline). On error the
    // current version stays.
    Result<ZoneUpdate> update(UnixTime now, std::optional<std::vector<dns::Record>> fresh,
                              std::span<const dnssec::ZoneKey> keys, std::span<const uint16_t> cds_key_tags);

    // Of the operator's records (0 before the first update): the SOA's TTL and the largest TTL.
    uint32_t soa_ttl() const { return soa_ttl_; }
    uint32_t max_ttl() const { return max_ttl_; }

    // Paths of the saved files.
    std::string saved_zone_path() const;
    std::string journal_path() const;

private:
    explicit InlineZone(InlineZoneSettings settings) : settings_(std::move(settings)) {}
    Status save(const ZoneVersion& version, const std::vector<dns::Record>& records) const;

    InlineZoneSettings settings_;
    std::shared_ptr<const std::vector<dns::Record>> unsigned_;  // inline signing only: what to sign again
    std::shared_ptr<const Journal> saved_journal_;  // a journal read at open() without a saved version
    std::optional<ZoneVersion> current_;
    uint32_t soa_ttl_ = 0, max_ttl_ = 0;
};

// The earliest expiry of the RRSIGs among `records` (0: none), read relative to `now` (RFC 4034 §3.1.5).
UnixTime earliest_signature_expiry(std::span<const dns::Record> records, UnixTime now);

}  // namespace danemail::zone

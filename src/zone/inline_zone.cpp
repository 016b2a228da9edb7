// Inline signing of one zone, version by version (see inline_zone.h).
#include "zone/inline_zone.h"

#include <algorithm>
#include <filesystem>

#include "base/byte_order.h"
#include "base/file_io.h"
#include "dns/dnssec_rdata.h"
#include "dns/zone_file.h"
#include "dnssec/signature_reuse.h"
#include "dnssec/zone_signer.h"

namespace danemail::zone {
namespace {

// Re-signing never runs more often than this, however the expiries fall.
constexpr uint32_t kMinResignInterval = 60;

std::string file_stem(const dns::Name& apex) {
    std::string text = apex.lowercased().to_text();
    if (text == ".") return "root";
    text.pop_back();
    return text;
}

Status set_soa_serial(std::vector<dns::Record>& records, const dns::Name& apex, uint32_t serial) {
    for (dns::Record& record : records) {
        if (record.type != dns::type::SOA || !(record.owner == apex)) continue;
        auto soa = dns::SoaRdata::decode(record.rdata);
        if (!soa) return make_error(apex.to_text(), "bad SOA RDATA: " + soa.error().what);
        soa->serial = serial;
        record.rdata = soa->encode();
        return {};
    }
    return make_error(apex.to_text(), "zone has no SOA record at its apex");
}

// True when a diff holds nothing but the new signature over the SOA: the zone did not really change.
bool only_soa_signature(const ZoneDiff& diff) {
    auto is_soa_signature = [](const dns::Record& record) {
        if (record.type != dns::type::RRSIG) return false;
        auto rrsig = dns::RrsigRdata::decode(record.rdata);
        return rrsig && rrsig->type_covered == dns::type::SOA;
    };
    return std::all_of(diff.removed.begin(), diff.removed.end(), is_soa_signature) &&
           std::all_of(diff.added.begin(), diff.added.end(), is_soa_signature);
}

Result<ZoneVersion> make_version(std::vector<dns::Record> records, const dns::Name& apex,
                                 std::shared_ptr<const Journal> journal, UnixTime now) {
    auto soa = find_soa(records);
    if (!soa) return soa.error();
    ZoneVersion version;
    version.serial = soa_serial(**soa);
    version.earliest_expiry = earliest_signature_expiry(records, now);
    auto served = ServedZone::build(std::move(records), apex);
    if (!served) return served.error();
    version.served = std::move(*served);
    version.journal = journal ? std::move(journal) : std::make_shared<const Journal>();
    return version;
}

}  // namespace

UnixTime earliest_signature_expiry(std::span<const dns::Record> records, UnixTime now) {
    UnixTime earliest = 0;
    const uint32_t wire_now = to_wire_time(now);
    for (const dns::Record& record : records) {
        // RFC 4034 §3.1: the Signature Expiration field is bytes 8 to 11 of the RDATA.
        if (record.type != dns::type::RRSIG || record.rdata.size() < 12) continue;
        const uint32_t expiration = get32(record.rdata, 8);
        UnixTime expiry = now + static_cast<int32_t>(expiration - wire_now);
        if (earliest == 0 || expiry < earliest) earliest = expiry;
    }
    return earliest;
}

std::string InlineZone::saved_zone_path() const {
    return (std::filesystem::path(settings_.state_dir) / (file_stem(settings_.apex) + ".served.zone"))
        .string();
}

std::string InlineZone::journal_path() const {
    return (std::filesystem::path(settings_.state_dir) / (file_stem(settings_.apex) + ".journal")).string();
}

Result<InlineZone> InlineZone::open(InlineZoneSettings settings, std::vector<std::string>* warnings) {
    InlineZone zone(std::move(settings));
    if (zone.settings_.state_dir.empty()) return zone;
    std::error_code ignored;
    auto warn = [&](const std::string& text) {
        if (warnings) warnings->push_back(text);
    };
    if (zone.settings_.mode == SigningMode::Presigned ||
        !std::filesystem::exists(zone.saved_zone_path(), ignored)) {
        // No saved version (a presigned zone's is its operator's file): the journal alone may still continue
        // IXFR, when the first version has the serial it ends at.
        if (std::filesystem::exists(zone.journal_path(), ignored)) {
            auto loaded = Journal::load(zone.journal_path());
            if (!loaded)
                warn(loaded.error().to_string() + " (journal ignored: secondaries get AXFR)");
            else
                zone.saved_journal_ = std::make_shared<const Journal>(std::move(*loaded));
        }
        return zone;
    }

    dns::ZoneFileOptions options;
    options.origin = zone.settings_.apex;
    options.allow_include = false;
    dns::ParsedZone parsed = dns::parse_zone_file(zone.saved_zone_path(), options);
    if (!parsed.ok()) {
        warn(parsed.errors.front().to_string() + " (saved zone ignored; the zone is signed afresh)");
        return zone;
    }
    std::shared_ptr<const Journal> journal;
    if (std::filesystem::exists(zone.journal_path(), ignored)) {
        auto loaded = Journal::load(zone.journal_path());
        if (!loaded) {
            warn(loaded.error().to_string() + " (journal ignored: secondaries get AXFR)");
        } else {
            journal = std::make_shared<const Journal>(std::move(*loaded));
        }
    }
    auto version = make_version(std::move(parsed.records), zone.settings_.apex, nullptr, now_unix());
    if (!version) {
        warn(zone.saved_zone_path() + ": " + version.error().to_string() + " (saved zone ignored)");
        return zone;
    }
    if (journal && !journal->empty() && journal->newest_serial() != version->serial) {
        warn(zone.journal_path() + ": ends at serial " +
             std::to_string(journal->newest_serial().value_or(0)) + ", not the saved zone's " +
             std::to_string(version->serial) + " (journal ignored)");
        journal.reset();
    }
    if (journal) version->journal = std::move(journal);
    zone.current_ = std::move(*version);
    return zone;
}

Result<ZoneUpdate> InlineZone::update(UnixTime now, std::optional<std::vector<dns::Record>> fresh,
                                      std::span<const dnssec::ZoneKey> keys,
                                      std::span<const uint16_t> cds_key_tags) {
    const dns::Name& apex = settings_.apex;
    const ZoneVersion* previous = current();
    ZoneUpdate result;
    if (!fresh && settings_.mode != SigningMode::Inline) {
        if (!previous) return make_error(apex.to_text(), "no zone data loaded");
        result.serial = previous->serial;  // nothing to refresh: signed elsewhere, or not at all
        return result;
    }
    std::shared_ptr<const std::vector<dns::Record>> unsigned_records = unsigned_;
    std::vector<dns::Record> records;
    if (fresh && settings_.mode != SigningMode::Inline) {
        records = std::move(*fresh);  // served as it is: no copy kept
    } else {
        if (fresh) unsigned_records = std::make_shared<const std::vector<dns::Record>>(std::move(*fresh));
        if (!unsigned_records) return make_error(apex.to_text(), "no zone data loaded");
        records = *unsigned_records;
    }

    auto operator_soa = find_soa(records);
    if (!operator_soa) return make_error(apex.to_text(), operator_soa.error().what);
    const uint32_t operator_serial = soa_serial(**operator_soa);
    const uint32_t soa_ttl = (*operator_soa)->ttl;
    uint32_t max_ttl = 0;
    for (const dns::Record& record : records) max_ttl = std::max(max_ttl, record.ttl);
    auto keep_inputs = [&] {
        if (settings_.mode == SigningMode::Inline) unsigned_ = std::move(unsigned_records);
        soa_ttl_ = soa_ttl;
        max_ttl_ = max_ttl;
    };

    // RFC 1982: the operator's serial when it moved on, else one more than the version being served.
    uint32_t serial = operator_serial;
    bool operator_moved = true;
    if (previous && !serial_less(previous->serial, operator_serial)) {
        serial = previous->serial + 1;
        operator_moved = false;
    }
    if (settings_.mode == SigningMode::Presigned)
        serial = operator_serial;  // signed elsewhere: SOA untouched
    if (previous && previous->serial == serial) {
        // A presigned zone whose serial did not move: the same version stays.
        keep_inputs();
        result.serial = serial;
        return result;
    }

    std::vector<dns::Record> previous_records;
    if (previous) previous_records = previous->records();
    std::vector<dns::Record> output;
    if (settings_.mode == SigningMode::Presigned) {
        output = std::move(records);
    } else {
        if (auto s = set_soa_serial(records, apex, serial); !s) return s.error();
        if (settings_.mode == SigningMode::Unsigned) {
            output = std::move(records);
        } else {
            dnssec::SignatureReuse reuse;
            if (previous) reuse = dnssec::SignatureReuse::from_zone(previous_records, now, settings_.refresh);
            dnssec::SigningPolicy policy;
            policy.use_nsec3 = settings_.nsec3;
            policy.validity = settings_.validity;
            policy.now = now;
            policy.reuse = &reuse;
            policy.cds_key_tags.assign(cds_key_tags.begin(), cds_key_tags.end());
            dnssec::SigningStats stats;
            auto signed_zone = dnssec::sign_zone(std::move(records), apex, keys, policy, &stats);
            if (!signed_zone)
                return make_error(apex.to_text(), "signing: " + signed_zone.error().to_string());
            output = std::move(*signed_zone);
            result.signatures = stats.signatures;
            result.signatures_reused = stats.signatures_reused;
        }
    }

    auto version = make_version(std::move(output), apex, nullptr, now);
    if (!version) return make_error(apex.to_text(), version.error().to_string());
    // What is served, read back from the snapshot: diffs and the saved file describe exactly that. A
    // presigned zone's first version needs neither (its saved version is the operator's file).
    std::vector<dns::Record> served_records;
    if (previous || settings_.mode != SigningMode::Presigned) served_records = version->records();

    std::shared_ptr<const Journal> journal;
    if (previous) {
        auto diff = diff_zones(previous_records, served_records);
        if (!diff) return make_error(apex.to_text(), diff.error().what);
        if (!operator_moved && only_soa_signature(*diff)) {
            keep_inputs();
            result.serial = previous->serial;
            UnixTime expiry = previous->earliest_expiry;
            if (settings_.mode == SigningMode::Inline && expiry)
                result.next_resign = std::max<UnixTime>(expiry - settings_.refresh, now + kMinResignInterval);
            return result;
        }
        result.removed = diff->removed.size();
        result.added = diff->added.size();
        auto next_journal = std::make_shared<Journal>(*previous->journal);
        if (next_journal->newest_serial() && *next_journal->newest_serial() != previous->serial)
            *next_journal = Journal();  // an ignored journal file: start again from this version
        if (auto s = next_journal->append(std::move(*diff)); !s)
            return make_error(apex.to_text(), s.error().what);
        next_journal->trim(std::max(settings_.min_journal_records, served_records.size()));
        journal = std::move(next_journal);
    } else if (saved_journal_ && saved_journal_->newest_serial() == version->serial) {
        journal = saved_journal_;  // a restart at the version the journal ends at: IXFR goes on
    }
    saved_journal_.reset();
    version->journal = journal ? std::move(journal) : std::make_shared<const Journal>();

    if (auto s = save(*version, served_records); !s) return s.error();
    current_ = std::move(*version);
    keep_inputs();
    result.changed = true;
    result.serial = current_->serial;
    if (settings_.mode == SigningMode::Inline && current_->earliest_expiry)
        result.next_resign =
            std::max<UnixTime>(current_->earliest_expiry - settings_.refresh, now + kMinResignInterval);
    return result;
}

Status InlineZone::save(const ZoneVersion& version, const std::vector<dns::Record>& records) const {
    if (settings_.state_dir.empty()) return {};
    std::error_code error;
    std::filesystem::create_directories(settings_.state_dir, error);
    if (error)
        return make_error(settings_.state_dir, "cannot create the state directory: " + error.message());
    if (settings_.mode != SigningMode::Presigned) {
        if (auto s = write_file_atomic(saved_zone_path(), dns::zone_to_text(records, settings_.apex)); !s)
            return s;
    }
    return version.journal->save(journal_path());
}

}  // namespace danemail::zone

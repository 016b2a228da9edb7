// Zone differences for incremental transfer (RFC 1995 §4): the ZoneDiff between two versions of a zone,
// computing, applying and condensing diffs, and the Journal that keeps a zone's recent diffs in memory and
// in a file (a small length-prefixed binary format, written atomically). The file is read back as untrusted
// input: every length and count is checked, and errors name the byte offset.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/encoding.h"
#include "base/result.h"
#include "dns/record.h"

namespace danemail::zone {

// One step from a zone version to the next: the records removed and added, framed by the two SOA records
// (the SOA change itself is not listed in removed/added).
struct ZoneDiff {
    dns::Record old_soa;
    std::vector<dns::Record> removed;
    dns::Record new_soa;
    std::vector<dns::Record> added;

    uint32_t old_serial() const;
    uint32_t new_serial() const;
    size_t record_count() const { return removed.size() + added.size() + 2; }
};

// The SERIAL field of SOA RDATA (RFC 1035 §3.3.13); 0 when the RDATA is too short.
uint32_t soa_serial(const dns::Record& soa);

// The zone's one SOA record. Errors when there is none or more than one.
Result<const dns::Record*> find_soa(std::span<const dns::Record> zone);

// True when the records are the same RR: owner (case-insensitive), type, class and canonical RDATA
// (RFC 4034 §6.2); the TTL is not compared.
bool same_rr(const dns::Record& a, const dns::Record& b);

// What changed from `old_zone` to `new_zone`, both with exactly one SOA. A TTL change is a removal and an
// addition. Errors unless the new serial follows the old one (RFC 1982).
Result<ZoneDiff> diff_zones(std::span<const dns::Record> old_zone, std::span<const dns::Record> new_zone);

// Applies `diff` to `zone`: the zone's SOA serial must be the diff's old serial, every removed RR must be
// present and no added RR already present (a secondary that finds otherwise has diverged and needs AXFR).
// The zone's SOA becomes the diff's new SOA. Record order is kept; added records go to the end.
Status apply_diff(std::vector<dns::Record>& zone, const ZoneDiff& diff);

// One diff equivalent to a consecutive run of diffs: from the first old SOA to the last new SOA, with records
// that were added and removed again (such as signatures replaced twice) cancelled out.
Result<ZoneDiff> condense_diffs(std::span<const ZoneDiff> diffs);

// A zone's recent diffs, oldest first, each starting at the serial the one before it ended at.
class Journal {
public:
    // Appends the next diff: its old serial must be the journal's newest serial (any serial when empty).
    Status append(ZoneDiff diff);

    // The diffs from `serial` up to the newest; nullopt when no diff starts at `serial` (the journal does
    // not reach back that far, or `serial` is not a version this journal knows).
    std::optional<std::span<const ZoneDiff>> diffs_since(uint32_t serial) const;

    // Drops the oldest diffs while more than `max_records` records are kept (RFC 1995 §5: a server may purge
    // old diffs; clients it no longer covers get AXFR). The newest diff always stays.
    void trim(size_t max_records);

    std::span<const ZoneDiff> diffs() const { return diffs_; }
    bool empty() const { return diffs_.empty(); }
    size_t record_count() const { return record_count_; }
    std::optional<uint32_t> oldest_serial() const;  // the old serial of the first diff
    std::optional<uint32_t> newest_serial() const;  // the new serial of the last diff

    // File form: the 8-byte magic "DMJRNL01", then per diff a 4-byte length and the diff's body (old SOA,
    // count + removed records, new SOA, count + added records; each record as uncompressed owner, type,
    // class, TTL, RDLENGTH, RDATA). All integers big-endian.
    Bytes encode() const;
    static Result<Journal> decode(ByteView data, std::string_view source = "journal");

    // Writes the file atomically (base/file_io.h), mode 0600; reads it back.
    Status save(const std::string& path) const;
    static Result<Journal> load(const std::string& path);

private:
    std::vector<ZoneDiff> diffs_;
    size_t record_count_ = 0;
};

}  // namespace danemail::zone

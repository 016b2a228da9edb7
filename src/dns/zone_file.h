// Master files (RFC 1035 §5; RFC 2308 §4 for $TTL): reading, with every location kept so that errors and
// later semantic checks can name file:line:column, and printing in a form that parses back to the same zone.
// Zone files are untrusted user input: every error is reported, nothing crashes, nothing is half-loaded.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "dns/name.h"
#include "dns/record.h"

namespace danemail::dns {

struct SourceLocation {
    uint32_t file = 0;  // index into ParsedZone::files
    uint32_t line = 0;
    uint32_t column = 0;
};

struct ZoneFileOptions {
    Name origin;                    // initial $ORIGIN and the zone apex
    uint32_t default_ttl = 3600;    // used when neither $TTL nor an earlier TTL applies (RFC 2308 §4)
    size_t max_errors = 50;         // stop after this many errors
    size_t max_include_depth = 16;  // files open at once, the main file included
    bool allow_include = true;      // false: $INCLUDE is an error (fuzzing, text from the network)
};

struct ParsedZone {
    std::vector<Record> records;            // in file order
    std::vector<SourceLocation> locations;  // one per record
    std::vector<std::string> files;         // the main file first, then each $INCLUDE
    std::vector<Error> errors;              // Error::where is "file:line:column"
    std::vector<Error> warnings;            // from check_zone: things it accepted and repaired

    bool ok() const { return errors.empty(); }
    std::string where(size_t record_index) const;  // "file:line:column" of a record
};

// A record without a TTL takes, as BIND does: $TTL if one is in force, else the previous record's TTL,
// else options.default_ttl. $TTL stays in force across $INCLUDE; $ORIGIN and the previous owner do not
// leak out of an included file. Only class IN is accepted. Parsing goes on after an error, up to
// options.max_errors; records that parsed are kept, so callers must look at ok().
//
// Parses a file from disk; $INCLUDE paths are relative to the including file's directory.
ParsedZone parse_zone_file(const std::string& path, const ZoneFileOptions& options);
// Parses text; `display_name` stands for the file in messages; $INCLUDE is relative to the current directory.
ParsedZone parse_zone_text(std::string_view text, const std::string& display_name,
                           const ZoneFileOptions& options);

// Semantic checks of a parsed zone for `origin` (RFC 1034 §4.2.1, RFC 2181 §10.1, RFC 1035 §3.3.13):
// exactly one SOA at the apex, NS at the apex, no data outside the zone, CNAME beside no other data
// (except DNSSEC types), no data below a DNAME, TTLs in range, one TTL per RRset (warned and evened).
// Errors are appended to zone.errors, in file order, warnings to zone.warnings. Exact repeats of a record
// (same owner, type and canonical RDATA) are removed silently, keeping the first, as BIND merges them.
void check_zone(ParsedZone& zone, const Name& origin);

// The zone as master-file text: $ORIGIN line, then one record per line with owner names relative to
// `origin` (absolute where that keeps the letters' case). Parsing the output gives identical records;
// RDATA that has no presentation form that would parse back prints in the RFC 3597 "\#" form.
std::string zone_to_text(const std::vector<Record>& records, const Name& origin);
// Appends one record as a master-file line (absolute owner) to `out`; used to stream large zones.
void append_record_line(std::string& out, const Record& record);

}  // namespace danemail::dns

// libFuzzer target for the master-file parser, checker and printer (RFC 1035 §5): any input must parse
// without crashing, and whenever it parses cleanly the printed zone must parse back cleanly to as many
// records. Input is wholly untrusted; $INCLUDE is disabled so the fuzzer never reads the file system.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "dns/zone_file.h"

using namespace danemail::dns;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > 64 * 1024) return 0;  // long inputs only slow the search down
    static const Name origin = *Name::from_text("example.");
    ZoneFileOptions options;
    options.origin = origin;
    options.allow_include = false;

    std::string_view text(reinterpret_cast<const char*>(data), size);
    ParsedZone zone = parse_zone_text(text, "fuzz.db", options);
    const bool parsed_cleanly = zone.ok();
    check_zone(zone, origin);
    (void)zone.where(0);

    std::string printed = zone_to_text(zone.records, origin);
    ParsedZone again = parse_zone_text(printed, "printed.db", options);
    if (parsed_cleanly && (!again.ok() || again.records.size() != zone.records.size())) std::abort();
    for (size_t i = 0; parsed_cleanly && i < zone.records.size(); ++i) {
        const Record& a = zone.records[i];
        const Record& b = again.records[i];
        if (!a.owner.identical(b.owner) || a.type != b.type || a.ttl != b.ttl || a.rdata != b.rdata)
            std::abort();
    }
    return 0;
}

// Master-file printer (RFC 1035 §5.1, RFC 3597 §5 for types without a presentation format): one record per
// line, every field escaped so that parse_zone_text reads back exactly the same records.
#include "dns/rdata.h"
#include "dns/zone_file.h"

namespace danemail::dns {
namespace {

void append_fields(std::string& out, const Record& record) {
    append_record_fields(out, record);
    out += '\n';
}

// Relative to `origin` only when the owner ends in exactly the origin's bytes, so that the case of every
// letter survives the round trip (names compare case-blind, but printing should not change them).
std::string owner_text(const Name& owner, const Name& origin) {
    const std::string& wire = owner.wire();
    const std::string& suffix = origin.wire();
    bool same_case_suffix =
        wire.size() >= suffix.size() && wire.compare(wire.size() - suffix.size(), suffix.size(), suffix) == 0;
    return same_case_suffix ? owner.to_text_relative(origin) : owner.to_text();
}

}  // namespace

std::string zone_to_text(const std::vector<Record>& records, const Name& origin) {
    std::string out = "$ORIGIN " + origin.to_text() + "\n";
    out.reserve(records.size() * 64);
    for (const Record& record : records) {
        out += owner_text(record.owner, origin);
        append_fields(out, record);
    }
    return out;
}

void append_record_line(std::string& out, const Record& record) {
    out += record.owner.to_text();
    append_fields(out, record);
}

}  // namespace danemail::dns

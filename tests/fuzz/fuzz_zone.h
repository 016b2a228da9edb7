// Shared by the fuzz targets that need a small zone: its records from "owner ttl TYPE rdata" lines, read
// by the project's own zone-file parser (a test zone that does not parse is a bug in the target).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "dns/zone_file.h"

namespace danemail::fuzz {

inline std::vector<dns::Record> parse_zone_lines(const std::vector<std::string>& lines,
                                                 const dns::Name& origin) {
    std::string text;
    for (const std::string& line : lines) text += line + "\n";
    dns::ZoneFileOptions options;
    options.origin = origin;
    options.allow_include = false;
    dns::ParsedZone parsed = dns::parse_zone_text(text, "fuzz zone", options);
    if (!parsed.ok()) {
        std::fprintf(stderr, "bad test zone: %s\n", parsed.errors.front().to_string().c_str());
        std::abort();
    }
    return std::move(parsed.records);
}

}  // namespace danemail::fuzz

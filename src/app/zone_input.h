// Loading a zone file for a subcommand: parse, optionally run the semantic checks, print every error as
// "file:line:column: error: what" on stderr. Shared by `zone check`, `zone sign` and `zone verify`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dns/name.h"
#include "dns/record.h"

namespace danemail::app {

// Parses `zone_name` (absolute or relative to the root) into a Name, printing an error if it is bad.
std::optional<dns::Name> parse_zone_name(const std::string& zone_name);

// The zone's records, or nullopt after printing the errors.
std::optional<std::vector<dns::Record>> load_zone(const std::string& path, const dns::Name& origin,
                                                  bool run_checks);

}  // namespace danemail::app

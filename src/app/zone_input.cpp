// Zone-file loading with error reporting for the subcommands.
#include "app/zone_input.h"

#include <fmt/core.h>

#include "dns/zone_file.h"

namespace danemail::app {

std::optional<dns::Name> parse_zone_name(const std::string& zone_name) {
    dns::Name root;
    auto name = dns::Name::from_text(zone_name, &root);
    if (!name) {
        fmt::print(stderr, "error: bad zone name '{}': {}\n", zone_name, name.error().what);
        return std::nullopt;
    }
    return *name;
}

std::optional<std::vector<dns::Record>> load_zone(const std::string& path, const dns::Name& origin,
                                                  bool run_checks) {
    dns::ZoneFileOptions options;
    options.origin = origin;
    dns::ParsedZone zone = dns::parse_zone_file(path, options);
    if (zone.ok() && run_checks) dns::check_zone(zone, origin);
    if (!zone.ok()) {
        for (const auto& error : zone.errors) fmt::print(stderr, "{}: error: {}\n", error.where, error.what);
        fmt::print(stderr, "{}: {} error{}; nothing written\n", path, zone.errors.size(),
                   zone.errors.size() == 1 ? "" : "s");
        return std::nullopt;
    }
    return std::move(zone.records);
}

}  // namespace danemail::app

// The lab's zones and addresses, and the paths of each server's files under the lab directory.
#include "app/lab_layout.h"

#include <filesystem>

namespace danemail::app::lab {

const std::vector<LabZone>& lab_zones() {
    static const std::vector<LabZone> zones = {
        {".", "root", "127.1.0.1", "", LabSigning::Nsec, ""},
        {"test", "test", "127.1.0.2", ".", LabSigning::Nsec, ""},
        {"alpha.test", "alpha.test", "127.1.1.1", "test", LabSigning::Nsec, "127.1.1.25"},
        {"beta.test", "beta.test", "127.1.2.1", "test", LabSigning::Nsec3, "127.1.2.25"},
        {"plain.test", "plain.test", "127.1.3.1", "test", LabSigning::Unsigned, "127.1.3.25"},
        {"broken.test", "broken.test", "127.1.4.1", "test", LabSigning::Bogus, "127.1.4.25"},
    };
    return zones;
}

std::string absolute_name(const LabZone& zone) {
    return zone.name == "." ? "." : zone.name + ".";
}

std::string name_server(const LabZone& zone) {
    return zone.name == "." ? "ns." : "ns." + zone.name + ".";
}

ZonePaths zone_paths(const std::string& dir, const LabZone& zone) {
    const std::filesystem::path root = std::filesystem::path(dir) / zone.directory;
    const std::string keys_folder = zone.name == "." ? "root" : zone.name;  // as config.cpp names it
    return {root.string(),
            (root / "danemail.toml").string(),
            (root / (zone.directory + ".zone")).string(),
            (root / "state").string(),
            (root / "state" / "keys" / keys_folder).string(),
            (root / "serve.log").string(),
            (root / "serve.pid").string(),
            (root / "mx").string()};
}

ResolverPaths resolver_paths(const std::string& dir) {
    const std::filesystem::path d(dir);
    return {(d / "unbound.conf").string(), (d / "root.hints").string(),  (d / "root.key").string(),
            (d / "delv.conf").string(),    (d / "unbound.log").string(), (d / "unbound.pid").string()};
}

}  // namespace danemail::app::lab

// Reads danemail.toml with toml++ and checks it: unknown keys, wrong types and out-of-range values are
// errors with file:line, never silently ignored. Operator input, not network input.
#include "app/config.h"

#include <arpa/inet.h>
#include <toml++/toml.h>

#include <filesystem>
#include <set>

namespace danemail::app {
namespace {

bool numeric_address(const std::string& text) {
    in6_addr v6{};
    in_addr v4{};
    return inet_pton(AF_INET, text.c_str(), &v4) == 1 || inet_pton(AF_INET6, text.c_str(), &v6) == 1;
}

class ConfigReader {
public:
    explicit ConfigReader(std::string path) : path_(std::move(path)) {
        base_ = std::filesystem::path(path_).parent_path();
    }

    Error error_at(const toml::node* node, const std::string& what) const {
        if (node == nullptr || !node->source().begin) return make_error(path_, what);
        return make_error(path_ + ":" + std::to_string(node->source().begin.line), what);
    }
    std::string where(const toml::node& node) const {
        return path_ + ":" + std::to_string(node.source().begin.line);
    }

    // Unknown keys are typos: reject them.
    Status only_keys(const toml::table& table, std::initializer_list<const char*> allowed,
                     const std::string& section) const {
        std::set<std::string> known(allowed.begin(), allowed.end());
        for (const auto& [key, value] : table)
            if (!known.contains(std::string(key.str())))
                return error_at(&value, "unknown key '" + std::string(key.str()) + "' in " + section);
        return {};
    }

    Result<std::string> string(const toml::table& table, const char* key, const std::string& section,
                               bool required) const {
        const toml::node* node = table.get(key);
        if (node == nullptr) {
            if (required) return error_at(&table, section + ": missing key '" + key + "' (a string)");
            return std::string();
        }
        auto value = node->value<std::string>();
        if (!value || value->empty())
            return error_at(node, section + "." + key + ": expected a non-empty string");
        return *value;
    }

    std::string resolve(const std::string& path) const {
        std::filesystem::path p(path);
        return p.is_absolute() || base_.empty() ? path : (base_ / p).string();
    }

    Result<DnsZoneConfig> zone(const toml::node& node) const {
        const toml::table* table = node.as_table();
        if (table == nullptr) return error_at(&node, "[[dns.zone]]: expected a table");
        if (auto s = only_keys(*table, {"name", "file", "keys", "nsec3", "validity_days"}, "[[dns.zone]]");
            !s)
            return s.error();
        DnsZoneConfig zone;
        zone.where = where(node);
        auto name = string(*table, "name", "[[dns.zone]]", true);
        if (!name) return name.error();
        zone.name = *name;
        auto file = string(*table, "file", "[[dns.zone]] " + zone.name, true);
        if (!file) return file.error();
        zone.file = resolve(*file);
        auto keys = string(*table, "keys", "[[dns.zone]] " + zone.name, true);
        if (!keys) return keys.error();
        zone.keys = resolve(*keys);
        if (const toml::node* nsec3 = table->get("nsec3")) {
            auto value = nsec3->value<bool>();
            if (!nsec3->is_boolean() || !value) return error_at(nsec3, "nsec3: expected true or false");
            zone.nsec3 = *value;
        }
        if (const toml::node* validity = table->get("validity_days")) {
            auto value = validity->value<int64_t>();
            if (!validity->is_integer() || !value || *value < 1 || *value > 3650)
                return error_at(validity, "validity_days: expected an integer from 1 to 3650");
            zone.validity_days = static_cast<unsigned>(*value);
        }
        return zone;
    }

    Result<DnsConfig> dns(const toml::node& node) const {
        const toml::table* table = node.as_table();
        if (table == nullptr) return error_at(&node, "dns: expected a table ([dns])");
        if (auto s = only_keys(*table, {"listen", "workers", "allow_transfer", "zone"}, "[dns]"); !s)
            return s.error();
        DnsConfig config;
        const toml::node* listen = table->get("listen");
        if (listen == nullptr)
            return error_at(table, "[dns]: missing key 'listen' (an array of \"address:port\")");
        const toml::array* addresses = listen->as_array();
        if (addresses == nullptr || addresses->empty())
            return error_at(listen,
                            "listen: expected a non-empty array such as [\"127.0.0.1:53\", \"[::1]:53\"]");
        for (const toml::node& address : *addresses) {
            auto text = address.value<std::string>();
            if (!address.is_string() || !text)
                return error_at(&address, "listen: expected strings \"address:port\"");
            config.listen.push_back(*text);
        }
        if (const toml::node* workers = table->get("workers")) {
            auto value = workers->value<int64_t>();
            if (!workers->is_integer() || !value || *value < 0 || *value > 256)
                return error_at(workers, "workers: expected an integer from 0 (one per core) to 256");
            config.workers = static_cast<unsigned>(*value);
        }
        if (const toml::node* allow = table->get("allow_transfer")) {
            const toml::array* list = allow->as_array();
            if (list == nullptr)
                return error_at(allow,
                                "allow_transfer: expected an array of addresses such as [\"127.0.0.1\"]");
            for (const toml::node& address : *list) {
                auto text = address.value<std::string>();
                if (!address.is_string() || !text || !numeric_address(*text))
                    return error_at(&address, "allow_transfer: expected numeric IPv4 or IPv6 addresses");
                config.allow_transfer.push_back(*text);
            }
        }
        const toml::node* zones = table->get("zone");
        if (zones == nullptr) return error_at(table, "[dns]: no zones: add a [[dns.zone]] table");
        const toml::array* list = zones->as_array();
        if (list == nullptr) return error_at(zones, "dns.zone: expected [[dns.zone]] tables");
        std::set<std::string> names;
        for (const toml::node& entry : *list) {
            auto zone = this->zone(entry);
            if (!zone) return zone.error();
            if (!names.insert(zone->name).second)
                return error_at(&entry, "[[dns.zone]] " + zone->name + ": zone listed twice");
            config.zones.push_back(std::move(*zone));
        }
        return config;
    }

private:
    std::string path_;
    std::filesystem::path base_;
};

}  // namespace

Result<Config> load_config(const std::string& path) {
    toml::table root;
    try {
        root = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        const auto& begin = e.source().begin;
        std::string where = path;
        if (begin) where += ":" + std::to_string(begin.line) + ":" + std::to_string(begin.column);
        return make_error(where, std::string(e.description()));
    }
    ConfigReader reader(path);
    if (auto s = reader.only_keys(root, {"dns"}, "the top level"); !s) return s.error();
    Config config;
    config.path = path;
    const toml::node* dns = root.get("dns");
    if (dns == nullptr) return make_error(path, "no [dns] section: nothing to serve");
    auto dns_config = reader.dns(*dns);
    if (!dns_config) return dns_config.error();
    config.dns = std::move(*dns_config);
    return config;
}

}  // namespace danemail::app

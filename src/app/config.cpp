// Reads danemail.toml with toml++ and checks it: unknown keys, wrong types and out-of-range values are
// errors with file:line, never silently ignored. Operator input, not network input.
#include "app/config.h"

#include <arpa/inet.h>
#include <toml++/toml.h>

#include <filesystem>
#include <set>

#include "dns/rdata.h"

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

    Result<bool> boolean(const toml::table& table, const char* key, bool fallback) const {
        const toml::node* node = table.get(key);
        if (node == nullptr) return fallback;
        if (!node->is_boolean()) return error_at(node, std::string(key) + ": expected true or false");
        return *node->value<bool>();
    }

    // A duration: "14d", "12h", "30m", "45s", "2w", or an integer number of seconds.
    Result<uint32_t> duration(const toml::table& table, const char* key, uint32_t fallback,
                              uint32_t minimum) const {
        const toml::node* node = table.get(key);
        if (node == nullptr) return fallback;
        Result<uint32_t> value = make_error(key, "");
        if (auto number = node->value<int64_t>(); node->is_integer() && number) {
            if (*number < 0 || *number > UINT32_MAX)
                return error_at(node, std::string(key) + ": out of range");
            value = static_cast<uint32_t>(*number);
        } else if (auto text = node->value<std::string>(); node->is_string() && text) {
            value = parse_duration(*text);
        } else {
            return error_at(node,
                            std::string(key) + ": expected a duration such as \"14d\", \"12h\" or 3600");
        }
        if (!value) return error_at(node, std::string(key) + ": " + value.error().what);
        if (*value != 0 && *value < minimum)
            return error_at(node, std::string(key) + ": at least " + std::to_string(minimum) + " seconds");
        return value;
    }

    Result<std::vector<std::string>> strings(const toml::table& table, const char* key,
                                             const char* example) const {
        std::vector<std::string> out;
        const toml::node* node = table.get(key);
        if (node == nullptr) return out;
        const toml::array* list = node->as_array();
        if (list == nullptr)
            return error_at(node, std::string(key) + ": expected an array such as " + example);
        for (const toml::node& item : *list) {
            auto text = item.value<std::string>();
            if (!item.is_string() || !text || text->empty())
                return error_at(&item, std::string(key) + ": expected strings such as " + example);
            out.push_back(*text);
        }
        return out;
    }

    Result<DnsZoneConfig> zone(const toml::node& node, const std::string& state) const {
        const toml::table* table = node.as_table();
        if (table == nullptr) return error_at(&node, "[[dns.zone]]: expected a table");
        if (auto s = only_keys(*table,
                               {"name", "file", "signing", "keys", "nsec3", "algorithm", "validity",
                                "refresh", "zsk_lifetime", "ksk_lifetime", "parents", "ds_ttl"},
                               "[[dns.zone]]");
            !s)
            return s.error();
        DnsZoneConfig zone;
        zone.where = where(node);
        auto name = string(*table, "name", "[[dns.zone]]", true);
        if (!name) return name.error();
        zone.name = *name;
        const std::string section = "[[dns.zone]] " + zone.name;
        auto file = string(*table, "file", section, true);
        if (!file) return file.error();
        zone.file = resolve(*file);
        auto signing = string(*table, "signing", section, false);
        if (!signing) return signing.error();
        if (*signing == "presigned") {
            zone.signing = ZoneSigning::Presigned;
        } else if (*signing == "off") {
            zone.signing = ZoneSigning::Off;
        } else if (!signing->empty() && *signing != "inline") {
            return error_at(
                table->get("signing"),
                "signing: expected \"inline\", \"presigned\" or \"off\", not \"" + *signing + "\"");
        }
        auto keys = string(*table, "keys", section, false);
        if (!keys) return keys.error();
        std::string apex = zone.name;
        if (!apex.empty() && apex.back() == '.') apex.pop_back();
        zone.keys = keys->empty()
                        ? (std::filesystem::path(state) / "keys" / (apex.empty() ? "root" : apex)).string()
                        : resolve(*keys);
        auto nsec3 = boolean(*table, "nsec3", false);
        if (!nsec3) return nsec3.error();
        zone.nsec3 = *nsec3;
        auto algorithm = string(*table, "algorithm", section, false);
        if (!algorithm) return algorithm.error();
        if (*algorithm == "rsasha256") {
            zone.algorithm = 8;
        } else if (*algorithm == "ecdsap384sha384") {
            zone.algorithm = 14;
        } else if (*algorithm == "ed25519") {
            zone.algorithm = 15;
        } else if (!algorithm->empty() && *algorithm != "ecdsap256sha256") {
            return error_at(table->get("algorithm"),
                            "algorithm: expected ecdsap256sha256, ecdsap384sha384, ed25519 or rsasha256");
        }
        auto validity = duration(*table, "validity", zone.validity, 3600);
        if (!validity) return validity.error();
        auto refresh = duration(*table, "refresh", zone.refresh, 600);
        if (!refresh) return refresh.error();
        if (*validity == 0) return error_at(table->get("validity"), "validity: must not be 0");
        if (*refresh == 0 || *refresh >= *validity)
            return error_at(table->get("refresh") ? table->get("refresh") : table->get("validity"),
                            "refresh: must be more than 0 and less than validity");
        zone.validity = *validity;
        zone.refresh = *refresh;
        auto zsk = duration(*table, "zsk_lifetime", zone.zsk_lifetime, 3600);
        if (!zsk) return zsk.error();
        zone.zsk_lifetime = *zsk;
        auto ksk = duration(*table, "ksk_lifetime", zone.ksk_lifetime, 3600);
        if (!ksk) return ksk.error();
        zone.ksk_lifetime = *ksk;
        auto parents = strings(*table, "parents", "[\"192.0.2.53\", \"[2001:db8::53]:53\"]");
        if (!parents) return parents.error();
        zone.parents = std::move(*parents);
        auto ds_ttl = duration(*table, "ds_ttl", zone.ds_ttl, 0);
        if (!ds_ttl) return ds_ttl.error();
        zone.ds_ttl = *ds_ttl;
        return zone;
    }

    Result<SecondaryConfig> secondary(const toml::node& node) const {
        const toml::table* table = node.as_table();
        if (table == nullptr) return error_at(&node, "[[dns.secondary]]: expected a table");
        if (auto s = only_keys(*table, {"address", "port", "key", "notify"}, "[[dns.secondary]]"); !s)
            return s.error();
        SecondaryConfig secondary;
        secondary.where = where(node);
        auto address = string(*table, "address", "[[dns.secondary]]", true);
        if (!address) return address.error();
        if (!numeric_address(*address))
            return error_at(table->get("address"), "address: expected a numeric IPv4 or IPv6 address");
        secondary.address = *address;
        if (const toml::node* port = table->get("port")) {
            auto value = port->value<int64_t>();
            if (!port->is_integer() || !value || *value < 1 || *value > 65535)
                return error_at(port, "port: expected an integer from 1 to 65535");
            secondary.port = static_cast<uint16_t>(*value);
        }
        auto key = string(*table, "key", "[[dns.secondary]] " + secondary.address, true);
        if (!key)
            return error_at(table, "[[dns.secondary]] " + secondary.address +
                                       ": missing key 'key' (transfers need a TSIG key, RFC 8945)");
        secondary.key = *key;
        auto notify = boolean(*table, "notify", true);
        if (!notify) return notify.error();
        secondary.notify = *notify;
        return secondary;
    }

    Result<DnsConfig> dns(const toml::node& node) const {
        const toml::table* table = node.as_table();
        if (table == nullptr) return error_at(&node, "dns: expected a table ([dns])");
        if (auto s = only_keys(
                *table, {"listen", "workers", "state", "control", "tsig_keys", "secondary", "zone"}, "[dns]");
            !s)
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
        auto state = string(*table, "state", "[dns]", false);
        if (!state) return state.error();
        if (!state->empty()) config.state = resolve(*state);
        auto control = string(*table, "control", "[dns]", false);
        if (!control) return control.error();
        config.control = control->empty() ? (std::filesystem::path(config.state) / "control.sock").string()
                                          : resolve(*control);
        auto tsig_keys = string(*table, "tsig_keys", "[dns]", false);
        if (!tsig_keys) return tsig_keys.error();
        if (!tsig_keys->empty()) config.tsig_keys = resolve(*tsig_keys);
        if (const toml::node* secondaries = table->get("secondary")) {
            const toml::array* list = secondaries->as_array();
            if (list == nullptr)
                return error_at(secondaries, "dns.secondary: expected [[dns.secondary]] tables");
            for (const toml::node& entry : *list) {
                auto secondary = this->secondary(entry);
                if (!secondary) return secondary.error();
                if (config.tsig_keys.empty())
                    return error_at(&entry, "[[dns.secondary]] " + secondary->address + ": key '" +
                                                secondary->key +
                                                "' needs a key file: set tsig_keys in [dns]");
                config.secondaries.push_back(std::move(*secondary));
            }
        }
        const toml::node* zones = table->get("zone");
        if (zones == nullptr) return error_at(table, "[dns]: no zones: add a [[dns.zone]] table");
        const toml::array* list = zones->as_array();
        if (list == nullptr) return error_at(zones, "dns.zone: expected [[dns.zone]] tables");
        std::set<std::string> names;
        for (const toml::node& entry : *list) {
            auto zone = this->zone(entry, config.state);
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

Result<uint32_t> parse_duration(const std::string& text) {
    // The units of a zone file's TTLs (BIND's "1w2d", RFC 2308 §4 style), up to 2^31 - 1 seconds.
    if (auto seconds = dns::parse_ttl(text)) return *seconds;
    return make_error(text, "expected a duration such as \"14d\", \"12h\", \"30m\", \"45s\", \"2w\"");
}

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

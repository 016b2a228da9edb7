// Reads danemail.toml with toml++ and checks it: unknown keys, wrong types and out-of-range values are
// errors with file:line, never silently ignored. Operator input, not network input.
#include "app/config.h"

#include <toml++/toml.h>

#include <filesystem>
#include <set>

#include "app/config_values.h"
#include "dns/rdata.h"

namespace danemail::app {
namespace {

bool numeric_address(const std::string& text) {
    return is_ipv4_address(text) || is_ipv6_address(text);
}

// Messages are held in memory while they are received: a bound well above what any provider accepts.
constexpr uint64_t kMaxMessageSizeLimit = uint64_t{1} << 30;

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

    // An unsigned integer from `minimum` to `maximum`.
    Result<unsigned> count(const toml::table& table, const char* key, unsigned fallback, unsigned minimum,
                           unsigned maximum) const {
        const toml::node* node = table.get(key);
        if (node == nullptr) return fallback;
        auto value = node->value<int64_t>();
        if (!node->is_integer() || !value || *value < minimum || *value > maximum)
            return error_at(node, std::string(key) + ": expected an integer from " + std::to_string(minimum) +
                                      " to " + std::to_string(maximum));
        return static_cast<unsigned>(*value);
    }

    // The top-level `state`, or `[dns] state` for DNS-only files; both given must name the same folder.
    Result<std::string> state(const toml::table& root) const {
        auto top = string(root, "state", "the top level", false);
        if (!top) return top.error();
        std::string dns_state;
        const toml::node* dns_state_node = nullptr;
        if (const toml::table* dns = root.get_as<toml::table>("dns")) {
            auto value = string(*dns, "state", "[dns]", false);
            if (!value) return value.error();
            dns_state = *value;
            dns_state_node = dns->get("state");
        }
        const std::string resolved_top = top->empty() ? "" : resolve(*top);
        const std::string resolved_dns = dns_state.empty() ? "" : resolve(dns_state);
        auto normal = [](const std::string& path) {
            std::string text = std::filesystem::path(path).lexically_normal().string();
            while (text.size() > 1 && text.back() == '/') text.pop_back();
            return text;
        };
        if (!resolved_top.empty() && !resolved_dns.empty() && normal(resolved_top) != normal(resolved_dns))
            return error_at(dns_state_node, "[dns] state \"" + dns_state +
                                                "\" differs from the top-level state \"" + *top +
                                                "\": keep only the top-level one");
        if (!resolved_top.empty()) return resolved_top;
        if (!resolved_dns.empty()) return resolved_dns;
        return Config{}.state;
    }

    Result<std::vector<std::string>> listen_addresses(const toml::table& table, const char* key) const {
        auto list = strings(table, key, "[\"192.0.2.1:25\", \"[2001:db8::1]:25\"]");
        if (!list) return list.error();
        const toml::array* items = table.get(key) ? table.get(key)->as_array() : nullptr;
        for (size_t i = 0; i < list->size(); ++i)
            if (auto parsed = parse_listen_address((*list)[i]); !parsed)
                return error_at(items->get(i), std::string(key) + ": " + parsed.error().what);
        return list;
    }

    Result<SmtpConfig> smtp(const toml::node& node) const {
        const toml::table* table = node.as_table();
        if (table == nullptr) return error_at(&node, "smtp: expected a table ([smtp])");
        if (auto s = only_keys(
                *table,
                {"hostname", "certificate", "private_key", "listen", "submission", "submissions", "threads",
                 "max_message_size", "max_recipients", "max_connections", "max_connections_per_client",
                 "bare_line_endings", "command_timeout", "data_timeout"},
                "[smtp]");
            !s)
            return s.error();
        SmtpConfig config;
        config.enabled = true;
        config.where = where(node);
        auto hostname = string(*table, "hostname", "[smtp]", true);
        if (!hostname) return hostname.error();
        auto host = parse_host_name(*hostname);
        if (!host) return error_at(table->get("hostname"), "hostname: " + host.error().what);
        config.hostname = *host;

        if (auto s = smtp_listeners(*table, config); !s) return s.error();
        if (auto s = smtp_limits(*table, config); !s) return s.error();
        return config;
    }

    // The certificate files and the three lists of listeners.
    Status smtp_listeners(const toml::table& table, SmtpConfig& config) const {
        auto certificate = string(table, "certificate", "[smtp]", false);
        if (!certificate) return certificate.error();
        auto private_key = string(table, "private_key", "[smtp]", false);
        if (!private_key) return private_key.error();
        if (certificate->empty() != private_key->empty())
            return error_at(table.get(certificate->empty() ? "private_key" : "certificate"),
                            "[smtp]: certificate and private_key go together: give both or neither");
        if (!certificate->empty()) {
            config.certificate = resolve(*certificate);
            config.private_key = resolve(*private_key);
        }

        for (auto [key, list] :
             {std::pair{"listen", &config.listen}, std::pair{"submission", &config.submission},
              std::pair{"submissions", &config.submissions}}) {
            auto addresses = listen_addresses(table, key);
            if (!addresses) return addresses.error();
            *list = std::move(*addresses);
        }
        if (config.listen.empty() && config.submission.empty() && config.submissions.empty())
            return error_at(&table,
                            "[smtp]: no listeners: add listen (port 25), submission (587) or "
                            "submissions (465), e.g. listen = [\"192.0.2.1:25\"]");
        // RFC 8314 §3: port 465 speaks TLS from the first byte; it cannot run without a certificate.
        if (!config.submissions.empty() && config.certificate.empty())
            return error_at(
                table.get("submissions"),
                "submissions: implicit TLS (RFC 8314) needs certificate and private_key in [smtp]");
        // RFC 8314 §3.3 / the seeds: submission authenticates only inside TLS, so 587 without a certificate
        // could never log anyone in.
        if (!config.submission.empty() && config.certificate.empty())
            return error_at(
                table.get("submission"),
                "submission: AUTH needs STARTTLS first (RFC 8314), so certificate and private_key "
                "are required in [smtp]");

        return {};
    }

    // Threads, size and count limits, the line-ending policy and the timeouts (RFC 5321 §4.5.3).
    Status smtp_limits(const toml::table& table, SmtpConfig& config) const {
        auto threads = count(table, "threads", config.threads, 0, 256);
        if (!threads) return threads.error();
        config.threads = *threads;
        if (const toml::node* size = table.get("max_message_size")) {
            Result<uint64_t> bytes = make_error("");
            if (auto number = size->value<int64_t>(); size->is_integer() && number && *number > 0)
                bytes = static_cast<uint64_t>(*number);
            else if (auto text = size->value<std::string>(); size->is_string() && text)
                bytes = parse_byte_size(*text);
            else
                bytes = make_error("expected a size in bytes such as 52428800, \"50M\" or \"10k\"");
            if (!bytes) return error_at(size, "max_message_size: " + bytes.error().what);
            if (*bytes == 0 || *bytes > kMaxMessageSizeLimit)
                return error_at(size, "max_message_size: expected more than 0 and at most \"1G\"");
            config.max_message_size = *bytes;
        }
        auto recipients = count(table, "max_recipients", config.max_recipients, 1, 100000);
        if (!recipients) return recipients.error();
        config.max_recipients = *recipients;
        auto connections = count(table, "max_connections", config.max_connections, 1, 1000000);
        if (!connections) return connections.error();
        config.max_connections = *connections;
        auto per_client =
            count(table, "max_connections_per_client", config.max_connections_per_client, 1, 1000000);
        if (!per_client) return per_client.error();
        config.max_connections_per_client = *per_client;

        auto line_endings = string(table, "bare_line_endings", "[smtp]", false);
        if (!line_endings) return line_endings.error();
        if (*line_endings == "normalize") {
            config.normalize_line_endings = true;
        } else if (!line_endings->empty() && *line_endings != "reject") {
            return error_at(
                table.get("bare_line_endings"),
                "bare_line_endings: expected \"reject\" or \"normalize\", not \"" + *line_endings + "\"");
        }
        for (auto [key, seconds] : {std::pair{"command_timeout", &config.command_timeout},
                                    std::pair{"data_timeout", &config.data_timeout}}) {
            auto value = duration(table, key, *seconds, 1);
            if (!value) return value.error();
            if (*value == 0) return error_at(table.get(key), std::string(key) + ": must be more than 0");
            *seconds = *value;
        }
        return {};
    }

    Result<DnsConfig> dns(const toml::node& node, const std::string& state) const {
        const toml::table* table = node.as_table();
        if (table == nullptr) return error_at(&node, "dns: expected a table ([dns])");
        if (auto s = only_keys(
                *table, {"listen", "workers", "state", "control", "tsig_keys", "secondary", "zone"}, "[dns]");
            !s)
            return s.error();
        DnsConfig config;
        config.state = state;
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
            if (auto parsed = parse_listen_address(*text); !parsed)
                return error_at(&address, "listen address " + parsed.error().what);
            config.listen.push_back(*text);
        }
        if (const toml::node* workers = table->get("workers")) {
            auto value = workers->value<int64_t>();
            if (!workers->is_integer() || !value || *value < 0 || *value > 256)
                return error_at(workers, "workers: expected an integer from 0 (one per core) to 256");
            config.workers = static_cast<unsigned>(*value);
        }
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
    if (auto s = reader.only_keys(root, {"state", "dns", "smtp"}, "the top level"); !s) return s.error();
    Config config;
    config.path = path;
    auto state = reader.state(root);
    if (!state) return state.error();
    config.state = *state;
    const toml::node* dns = root.get("dns");
    const toml::node* smtp = root.get("smtp");
    if (dns == nullptr && smtp == nullptr)
        return make_error(path, "neither [dns] nor [smtp]: nothing to serve");
    if (dns != nullptr) {
        auto dns_config = reader.dns(*dns, config.state);
        if (!dns_config) return dns_config.error();
        config.dns = std::move(*dns_config);
    } else {
        // No DNS service; the control socket still answers (for the mail side and a clear "no DNS").
        config.dns.control = (std::filesystem::path(config.state) / "control.sock").string();
    }
    config.dns.state = config.state;
    if (smtp != nullptr) {
        auto smtp_config = reader.smtp(*smtp);
        if (!smtp_config) return smtp_config.error();
        config.smtp = std::move(*smtp_config);
    }
    return config;
}

}  // namespace danemail::app

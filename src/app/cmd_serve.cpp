// `danemail serve -c danemail.toml`: loads and signs every configured zone in memory, serves them over UDP
// (SO_REUSEPORT workers) and TCP (Boost.Asio coroutines) on the configured addresses until SIGINT or
// SIGTERM, and on SIGHUP re-reads the zones, swapping in the new snapshot only if all of them load and sign
// (a broken zone file keeps the old zones serving). AXFR (RFC 5936) over TCP to the addresses in
// allow_transfer. Zone files and keys are operator input.
#include <fmt/core.h>
#include <fmt/format.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <memory>

#include "app/commands.h"
#include "app/config.h"
#include "app/zone_input.h"
#include "base/file_io.h"
#include "dnssec/key_file.h"
#include "dnssec/zone_signer.h"
#include "dnsserver/server.h"
#include "dnsserver/tcp_listener.h"
#include "dnsserver/udp_listener.h"
#include "zone/served_zone.h"
#include "zone/zone_set.h"

namespace danemail::app {
namespace {

struct LoadedZone {
    std::shared_ptr<const zone::ServedZone> served;
    dnsserver::TransferZones::Zone transfer;  // the signed records, for AXFR
};

// Loads, signs (RFC 4035, RFC 5155 with RFC 9276 parameters) and lays out one zone for serving.
Result<LoadedZone> load_served_zone(const DnsZoneConfig& config) {
    auto apex = parse_zone_name(config.name);
    if (!apex) return make_error(config.where, "zone name '" + config.name + "' is not a domain name");
    auto records = load_zone(config.file, *apex, true);
    if (!records) return make_error(config.where, "zone file " + config.file + " has errors (see above)");
    std::vector<dns::Record> served_records;
    if (config.signing == ZoneSigning::Inline) {
        auto keys = dnssec::read_zone_keys(config.keys, *apex);
        if (!keys) return make_error(config.where, keys.error().to_string());
        if (keys->empty())
            return make_error(config.where, "no keys for " + apex->to_text() + " in " + config.keys +
                                                " (create them with `danemail key generate`)");
        dnssec::SigningPolicy policy;
        policy.use_nsec3 = config.nsec3;
        policy.validity = config.validity;
        auto signed_zone = dnssec::sign_zone(std::move(*records), *apex, *keys, policy);
        if (!signed_zone) return make_error(config.where, "signing: " + signed_zone.error().to_string());
        served_records = std::move(*signed_zone);
    } else {
        served_records = std::move(*records);  // presigned elsewhere, or served unsigned
    }
    auto served = zone::ServedZone::build(served_records, *apex);
    if (!served) return make_error(config.where, served.error().to_string());
    return LoadedZone{
        std::move(*served),
        {*apex, std::make_shared<const std::vector<dns::Record>>(std::move(served_records)), nullptr}};
}

struct LoadedZones {
    std::shared_ptr<const zone::ZoneSet> zones;
    std::shared_ptr<const dnsserver::TransferZones> transfers;
};

Result<LoadedZones> load_zone_set(const DnsConfig& config) {
    auto zones = std::make_shared<zone::ZoneSet>();
    auto transfers = std::make_shared<dnsserver::TransferZones>();
    if (!config.tsig_keys.empty()) {
        auto text = read_file(config.tsig_keys);
        if (!text) return text.error();
        auto keys = dnsserver::parse_tsig_keys(*text, config.tsig_keys);
        if (!keys) return keys.error();
        transfers->keys = std::move(*keys);
    }
    for (const SecondaryConfig& secondary : config.secondaries) {
        auto key = dns::Name::from_text(secondary.key.back() == '.' ? secondary.key : secondary.key + ".");
        if (!key || !dnsserver::find_tsig_key(transfers->keys, *key))
            return make_error(secondary.where,
                              "TSIG key '" + secondary.key + "' is not in " + config.tsig_keys);
        transfers->peers.push_back({secondary.address, *key});
    }
    for (const DnsZoneConfig& zone_config : config.zones) {
        auto loaded = load_served_zone(zone_config);
        if (!loaded) return loaded.error();
        zones->add(std::move(loaded->served));
        transfers->zones.push_back(std::move(loaded->transfer));
    }
    return LoadedZones{std::move(zones), std::move(transfers)};
}

struct Listeners {
    std::vector<std::unique_ptr<dnsserver::UdpListener>> udp;
    std::unique_ptr<dnsserver::TcpListener> tcp;

    void stop() {
        if (tcp) tcp->stop();
        for (auto& listener : udp) listener->stop();
    }
};

int run_serve(const std::string& config_path) {
    // Signals go to this thread's sigwait only: block them before any worker thread exists.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    auto config = load_config(config_path);
    if (!config) {
        fmt::print(stderr, "error: {}\n", config.error().to_string());
        return 2;
    }
    std::vector<dnsserver::Endpoint> endpoints;
    for (const std::string& text : config->dns.listen) {
        auto endpoint = dnsserver::parse_endpoint(text);
        if (!endpoint) {
            fmt::print(stderr, "error: {}: {}\n", config_path, endpoint.error().to_string());
            return 2;
        }
        endpoints.push_back(std::move(*endpoint));
    }
    auto zones = load_zone_set(config->dns);
    if (!zones) {
        fmt::print(stderr, "error: {}\n", zones.error().to_string());
        return 1;
    }
    dnsserver::ZoneSource source(std::move(zones->zones));
    dnsserver::TransferSource transfers(std::move(zones->transfers));

    unsigned workers = config->dns.workers;
    if (workers == 0) workers = std::max(1u, std::thread::hardware_concurrency());
    Listeners listeners;
    for (const dnsserver::Endpoint& endpoint : endpoints) {
        auto udp = dnsserver::UdpListener::open(endpoint, workers, source, dns::Edns::kDefaultUdpPayloadSize);
        if (!udp) {
            fmt::print(stderr, "error: {}\n", udp.error().to_string());
            return 1;
        }
        listeners.udp.push_back(std::move(*udp));
    }
    auto tcp = dnsserver::TcpListener::open(endpoints, source, {}, &transfers);
    if (!tcp) {
        fmt::print(stderr, "error: {}\n", tcp.error().to_string());
        return 1;
    }
    listeners.tcp = std::move(*tcp);
    for (auto& listener : listeners.udp) listener->start();
    listeners.tcp->start();
    fmt::print(stderr, "danemail: serving {} zone(s) on {} (UDP with {} workers each, TCP)\n",
               source.load()->size(), fmt::join(config->dns.listen, ", "), workers);

    for (;;) {
        int signal = 0;
        if (sigwait(&signals, &signal) != 0) continue;
        if (signal == SIGHUP) {
            auto reloaded = load_config(config_path);
            if (!reloaded) {
                fmt::print(stderr, "reload failed, still serving the old zones: {}\n",
                           reloaded.error().to_string());
                continue;
            }
            auto fresh = load_zone_set(reloaded->dns);
            if (!fresh) {
                fmt::print(stderr, "reload failed, still serving the old zones: {}\n",
                           fresh.error().to_string());
                continue;
            }
            source.store(std::move(fresh->zones));
            transfers.store(std::move(fresh->transfers));
            fmt::print(stderr, "danemail: reloaded {} zone(s) (listen addresses stay as they were)\n",
                       source.load()->size());
            continue;
        }
        fmt::print(stderr, "danemail: stopping on {}\n", signal == SIGINT ? "SIGINT" : "SIGTERM");
        break;
    }
    listeners.stop();
    return 0;
}

}  // namespace

void add_serve_command(CLI::App& app) {
    auto config = std::make_shared<std::string>("danemail.toml");
    CLI::App* cmd = app.add_subcommand("serve", "Serve the configured zones, signed, over UDP and TCP");
    cmd->add_option("-c,--config", *config, "Configuration file (TOML)")->capture_default_str();
    cmd->callback([config] { exit_status() = run_serve(*config); });
}

}  // namespace danemail::app

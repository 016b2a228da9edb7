// `danemail serve -c danemail.toml`: the process skeleton. Opens the zones (DnsService: inline signing,
// re-signing, rollovers, reloads), serves them over UDP (SO_REUSEPORT workers) and TCP (Boost.Asio
// coroutines, zone transfers to the configured secondaries) on the configured addresses until SIGINT or
// SIGTERM; SIGHUP reloads (a broken zone file keeps its old version serving).
#include <fmt/core.h>
#include <fmt/format.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <memory>

#include "app/commands.h"
#include "app/config.h"
#include "app/control_socket.h"
#include "app/dns_service.h"
#include "dnsserver/server.h"
#include "dnsserver/tcp_listener.h"
#include "dnsserver/udp_listener.h"

namespace danemail::app {
namespace {

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
    auto service = DnsService::open(*config);
    if (!service) {
        fmt::print(stderr, "error: {}\n", service.error().to_string());
        return 1;
    }
    dnsserver::ZoneSource& source = (*service)->zones();
    dnsserver::TransferSource& transfers = (*service)->transfers();

    unsigned workers = config->dns.workers;
    if (workers == 0) workers = std::max(1u, std::thread::hardware_concurrency());
    Listeners listeners;
    for (const dnsserver::Endpoint& endpoint : endpoints) {
        auto udp = dnsserver::UdpListener::open(endpoint, workers, source, dns::Edns::kDefaultUdpPayloadSize,
                                                &transfers);
        if (!udp) {
            fmt::print(stderr, "error: {}\n", udp.error().to_string());
            return 1;
        }
        listeners.udp.push_back(std::move(*udp));
    }
    dnsserver::TcpLimits tcp_limits;
    tcp_limits.threads = workers;  // as many TCP threads as UDP workers: one per core by default
    auto tcp = dnsserver::TcpListener::open(endpoints, source, tcp_limits, &transfers);
    if (!tcp) {
        fmt::print(stderr, "error: {}\n", tcp.error().to_string());
        return 1;
    }
    listeners.tcp = std::move(*tcp);
    for (auto& listener : listeners.udp) listener->start();
    listeners.tcp->start();
    if (auto started = (*service)->start(); !started) {
        fmt::print(stderr, "error: {}\n", started.error().to_string());
        listeners.stop();
        return 1;
    }
    DnsService* dns_service = service->get();
    auto control =
        ControlServer::open(config->dns.control, [dns_service](const std::vector<std::string>& words) {
            ServiceReply reply = dns_service->handle(words);
            return ControlReply{reply.ok, reply.text};
        });
    if (!control) {
        fmt::print(stderr, "error: control socket: {}\n", control.error().to_string());
        listeners.stop();
        return 1;
    }
    (*control)->start();
    fmt::print(stderr, "danemail: serving {} zone(s) on {} (UDP with {} workers each, TCP)\n",
               source.load()->size(), fmt::join(config->dns.listen, ", "), workers);

    for (;;) {
        int signal = 0;
        if (sigwait(&signals, &signal) != 0) continue;
        if (signal == SIGHUP) {
            ServiceReply reply = (*service)->reload();
            fmt::print(stderr, "danemail: {}\n", reply.text);
            continue;
        }
        fmt::print(stderr, "danemail: stopping on {}\n", signal == SIGINT ? "SIGINT" : "SIGTERM");
        break;
    }
    (*control)->stop();
    listeners.stop();
    (*service)->stop();
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

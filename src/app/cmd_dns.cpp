// `danemail dns reload|status|keys ZONE|ds-seen ZONE|sign-now ZONE`: asks the running server over its
// control socket (found through the config file, operator input) and prints its reply, which it treats as
// text. Exit status: 0 when the server says ok, 1 when it says error, 2 for usage and config errors, 3 when
// no server is listening.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <memory>

#include "app/commands.h"
#include "app/config.h"
#include "app/control_socket.h"

namespace danemail::app {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitServerError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitNoServer = 3;

struct DnsCommandOptions {
    std::string config = "danemail.toml";
    std::string zone;
    unsigned timeout = 60;  // seconds; signing a large zone takes a while
};

int run_dns_request(const DnsCommandOptions& options, std::vector<std::string> words) {
    auto config = load_config(options.config);
    if (!config) {
        fmt::print(stderr, "error: {}\n", config.error().to_string());
        return kExitUsage;
    }
    ControlFailure failure = ControlFailure::Transport;
    auto reply = control_request(config->dns.control, words, std::chrono::seconds(options.timeout), &failure);
    if (!reply) {
        fmt::print(stderr, "error: {}\n", reply.error().to_string());
        switch (failure) {
            case ControlFailure::NotListening:
                return kExitNoServer;
            case ControlFailure::BadRequest:
                return kExitUsage;
            case ControlFailure::Transport:
                return kExitServerError;
        }
        return kExitServerError;
    }
    if (reply->ok) {
        if (!reply->text.empty()) fmt::print("{}\n", reply->text);
        return kExitOk;
    }
    fmt::print(stderr, "error: {}\n", reply->text.empty() ? "the server refused the request" : reply->text);
    return kExitServerError;
}

// Adds `danemail dns NAME [ZONE]`, sending `request` (and the zone when `takes_zone`).
void add_request_command(CLI::App& dns, const std::string& name, const std::string& description,
                         const std::string& request, bool takes_zone) {
    auto options = std::make_shared<DnsCommandOptions>();
    CLI::App* cmd = dns.add_subcommand(name, description);
    cmd->add_option("-c,--config", options->config, "The configuration file (finds the control socket)")
        ->capture_default_str();
    cmd->add_option("--timeout", options->timeout, "Seconds to wait for the server's reply")
        ->capture_default_str()
        ->check(CLI::Range(1u, 86400u));
    if (takes_zone) cmd->add_option("zone", options->zone, "The zone's name, e.g. example.com")->required();
    cmd->callback([options, request, takes_zone] {
        std::vector<std::string> words{request};
        if (takes_zone) words.push_back(options->zone);
        exit_status() = run_dns_request(*options, std::move(words));
    });
}

}  // namespace

void add_dns_command(CLI::App& app) {
    CLI::App* dns = app.add_subcommand("dns", "Ask the running DNS server: reload, status, keys, rollovers");
    dns->require_subcommand(1);
    add_request_command(*dns, "reload", "Re-read the configuration and zone files", "reload", false);
    add_request_command(*dns, "status", "Show the served zones and their signing state", "status", false);
    add_request_command(*dns, "keys", "Show a zone's keys and where their rollovers stand", "keys", true);
    add_request_command(*dns, "ds-seen", "Tell the server the parent now publishes the new DS for a zone",
                        "ds-seen", true);
    add_request_command(*dns, "sign-now", "Re-sign a zone immediately", "sign", true);
}

}  // namespace danemail::app

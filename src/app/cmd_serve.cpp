// `danemail serve -c danemail.toml`: the process skeleton. Runs the DNS side (serve_dns.h: the signed zones
// over UDP and TCP) when [dns] is configured and the mail side (mail_service.h: SMTP on 25, 587 and 465
// with the store) when [smtp] is, either alone or both; answers the control socket; until SIGINT or
// SIGTERM. SIGHUP reloads the zones (a broken zone file keeps its old version serving) and the certificate.
#include <fmt/core.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <memory>

#include "app/commands.h"
#include "app/config.h"
#include "app/control_socket.h"
#include "app/mail_service.h"
#include "app/serve_dns.h"

namespace danemail::app {
namespace {

// Everything the process runs; stopped in reverse order of starting.
struct Services {
    std::unique_ptr<DnsServing> dns;
    std::unique_ptr<MailService> mail;
    std::unique_ptr<ControlServer> control;

    void stop() {
        if (control) control->stop();
        if (mail) mail->stop();
        if (dns) dns->stop();
    }
};

// Control requests go to the DNS service; without one they get an error that says why.
ControlReply handle_control(DnsServing* dns, const std::vector<std::string>& words) {
    if (dns == nullptr) return {false, "no DNS service runs here: danemail.toml has no [dns] section"};
    ServiceReply reply = dns->service().handle(words);
    return {reply.ok, reply.text};
}

// SIGHUP: zones and keys read again, and the mail certificate.
void reload(Services& services) {
    if (services.dns) {
        ServiceReply reply = services.dns->service().reload();
        fmt::print(stderr, "danemail: {}\n", reply.text);
    }
    if (services.mail) {
        if (auto reloaded = services.mail->reload_certificate(); !reloaded)
            fmt::print(stderr, "danemail: smtp: certificate not reloaded, keeping the old one: {}\n",
                       reloaded.error().to_string());
    }
}

int fail(Services& services, const std::string& message) {
    fmt::print(stderr, "error: {}\n", message);
    services.stop();
    return 1;
}

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
    // Keys, journals, the mail database and messages live here: only the server's user may look inside.
    std::error_code error;
    std::filesystem::create_directories(config->state, error);
    if (error) {
        fmt::print(stderr, "error: {}: cannot create the state directory: {}\n", config->state,
                   error.message());
        return 1;
    }
    std::filesystem::permissions(config->state, std::filesystem::perms::owner_all, error);

    Services services;
    if (!config->dns.listen.empty()) {
        auto dns = DnsServing::open(*config);
        if (!dns) return fail(services, dns.error().to_string());
        services.dns = std::move(*dns);
    }
    if (config->smtp.enabled) {
        auto mail = MailService::open(*config);
        if (!mail) return fail(services, mail.error().to_string());
        services.mail = std::move(*mail);
    }
    if (services.dns)
        if (auto started = services.dns->start(); !started)
            return fail(services, started.error().to_string());
    if (services.mail) services.mail->start();

    DnsServing* dns = services.dns.get();
    auto control = ControlServer::open(config->dns.control, [dns](const std::vector<std::string>& words) {
        return handle_control(dns, words);
    });
    if (!control) return fail(services, "control socket: " + control.error().to_string());
    services.control = std::move(*control);
    services.control->start();
    if (services.dns) fmt::print(stderr, "danemail: {}\n", services.dns->describe());
    if (services.mail) fmt::print(stderr, "danemail: smtp on {}\n", describe_listeners(config->smtp));

    for (;;) {
        int signal = 0;
        if (sigwait(&signals, &signal) != 0) continue;
        if (signal == SIGHUP) {
            reload(services);
            continue;
        }
        fmt::print(stderr, "danemail: stopping on {}\n", signal == SIGINT ? "SIGINT" : "SIGTERM");
        break;
    }
    services.stop();
    return 0;
}

}  // namespace

void add_serve_command(CLI::App& app) {
    auto config = std::make_shared<std::string>("danemail.toml");
    CLI::App* cmd = app.add_subcommand("serve", "Serve the configured zones (DNS, signed) and mail (SMTP)");
    cmd->add_option("-c,--config", *config, "Configuration file (TOML)")->capture_default_str();
    cmd->callback([config] { exit_status() = run_serve(*config); });
}

}  // namespace danemail::app

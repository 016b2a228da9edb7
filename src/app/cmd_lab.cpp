// `danemail lab up|down|status --dir D`: a small DNS Internet on loopback (DESIGN.md "The lab"). `up`
// writes the zones, keys, certificates, server configs, trust anchors and an unbound.conf under D (keys and
// certificates already there are re-used, so the trust anchor stays the same across up/down/up), starts one
// detached `danemail serve` per zone and a validating unbound, and waits until each answers. `down` stops
// them and leaves the files; `status` says per server whether it runs and answers. Only 127.0.0.0/8.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <thread>

#include "app/commands.h"
#include "app/lab_layout.h"
#include "app/lab_probe.h"
#include "app/lab_process.h"
#include "app/lab_resolver_files.h"
#include "app/lab_zone_files.h"

namespace danemail::app {
namespace {

using namespace std::chrono_literals;
using namespace lab;

constexpr int kExitFailure = 1;
constexpr int kExitNotRunning = 3;  // `status` when no server of the lab runs (as LSB init scripts say)
constexpr auto kProbeInterval = 100ms;

// One daemon of the lab: a zone's server or the resolver.
struct LabServer {
    std::string label;              // "alpha.test." or "unbound"
    std::string address;            // listens on address:53
    std::string what;               // "signed, NSEC"
    std::optional<dns::Name> apex;  // for zone servers: asked for its SOA
    std::string log, pid_file, marker;
    Daemon daemon;
};

std::string describe(LabSigning signing) {
    switch (signing) {
        case LabSigning::Nsec:
            return "signed, NSEC";
        case LabSigning::Nsec3:
            return "signed, NSEC3";
        case LabSigning::Unsigned:
            return "unsigned: delegated without DS (insecure)";
        case LabSigning::Bogus:
            return "bogus: RRSIG over mx A broken";
    }
    return "";
}

// The lab's servers in start order: every zone, then the resolver.
std::vector<LabServer> lab_servers(const std::string& dir) {
    std::vector<LabServer> servers;
    for (const LabZone& zone : lab_zones()) {
        const ZonePaths paths = zone_paths(dir, zone);
        LabServer server{absolute_name(zone),
                         zone.address,
                         describe(zone.signing),
                         dns::Name::from_text(absolute_name(zone)).value(),
                         paths.log,
                         paths.pid,
                         paths.config,
                         Daemon{"/proc/self/exe",
                                {self_executable(), "serve", "-c", paths.config},
                                paths.root,
                                paths.log,
                                paths.pid,
                                paths.config}};
        servers.push_back(std::move(server));
    }
    // unbound runs in the foreground (-d) under the lab's pid file; -p: it writes none itself, so it neither
    // warns about the lab's nor removes it.
    const ResolverPaths paths = resolver_paths(dir);
    const std::string unbound = find_program("unbound");
    servers.push_back({"unbound", kResolverAddress, "validating resolver, trust anchor " + paths.root_key,
                       std::nullopt, paths.log, paths.pid, paths.unbound_conf,
                       Daemon{unbound,
                              {unbound, "-d", "-p", "-c", paths.unbound_conf},
                              dir,
                              paths.log,
                              paths.pid,
                              paths.unbound_conf}});
    return servers;
}

bool is_resolver(const LabServer& server) {
    return !server.apex.has_value();
}

// True when the server answers: a zone server its SOA (authoritatively), the resolver any recursive query.
bool server_answers(const LabServer& server, std::chrono::milliseconds timeout) {
    if (!is_resolver(server)) return answers_soa(server.address, *server.apex, timeout);
    Probe probe{server.address, kDnsPort, dns::Name(), dns::type::SOA, true, false, timeout};
    return ask(probe).ok();
}

std::string absolute_dir(const std::string& dir) {
    std::error_code ec;
    auto path = std::filesystem::absolute(dir, ec);
    return (ec ? std::filesystem::path(dir) : path).lexically_normal().string();
}

void stop_started(const std::vector<std::pair<const LabServer*, pid_t>>& started) {
    for (auto it = started.rbegin(); it != started.rend(); ++it) {
        stop_process(it->second);
        std::filesystem::remove(it->first->pid_file);
    }
}

// Waits until `server` answers; an error naming it and its log when it exits or the deadline passes.
Status wait_until_answering(const LabServer& server, pid_t pid,
                            std::chrono::steady_clock::time_point deadline) {
    for (;;) {
        if (server_answers(server, 300ms)) return {};
        if (has_exited(pid))
            return make_error(server.label, "its server (" + server.daemon.argv.front() + ") exited; see " +
                                                server.log + ":\n" + tail_of_file(server.log, 8));
        if (std::chrono::steady_clock::now() > deadline)
            return make_error(server.label, "no answer on " + server.address + ":53 in time; see " +
                                                server.log + ":\n" + tail_of_file(server.log, 8));
        std::this_thread::sleep_for(kProbeInterval);
    }
}

void print_how_to_query(const std::string& dir, bool with_resolver) {
    fmt::print("\nMail hosts (cert.pem and key.pem in {}/<zone>/mx/, TLSA 3 1 1 at _25._tcp.mx.<zone>):\n",
               dir);
    for (const LabZone& zone : lab_zones())
        if (!zone.mail_address.empty()) fmt::print("  mx.{:<14} {}\n", zone.name, zone.mail_address);
    fmt::print("\nQuery it:\n");
    if (with_resolver) {
        fmt::print("  dig @{} +dnssec mx.alpha.test A          (flags: ad = validated)\n", kResolverAddress);
        fmt::print("  delv -a {} @{} mx.alpha.test A\n", resolver_paths(dir).delv_conf, kResolverAddress);
        fmt::print("  dig @{} +dnssec mx.broken.test A         (SERVFAIL: bogus)\n", kResolverAddress);
    } else {
        fmt::print("  (no resolver: started with --no-resolver; unbound -c {} runs one)\n",
                   resolver_paths(dir).unbound_conf);
        fmt::print("  dig @127.1.1.1 +dnssec mx.alpha.test A\n");
    }
    fmt::print("  danemail lab status --dir {}\n  danemail lab down --dir {}\n", dir, dir);
}

// ---- up ----

struct UpOptions {
    std::string dir;
    bool no_resolver = false;
    int timeout = 30;
};

int run_up(const UpOptions& options) {
    const std::string dir = absolute_dir(options.dir);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
        return fmt::print(stderr, "danemail lab up: cannot create {}: {}\n", dir, ec.message()), kExitFailure;
    const std::vector<LabServer> servers = lab_servers(dir);
    for (const LabServer& server : servers) {
        if (auto pid = running_pid(server.pid_file, server.marker)) {
            fmt::print(stderr,
                       "danemail lab up: the lab in {} is already running ({} has pid {}); "
                       "`danemail lab down --dir {}` stops it\n",
                       dir, server.label, *pid, dir);
            return kExitFailure;
        }
    }
    if (!options.no_resolver && servers.back().daemon.program.empty()) {
        fmt::print(stderr, "danemail lab up: unbound is not installed (or use --no-resolver)\n");
        return kExitFailure;
    }
    auto anchor = write_zone_files(dir);
    if (!anchor) return fmt::print(stderr, "danemail lab up: {}\n", anchor.error().to_string()), kExitFailure;
    if (auto s = write_resolver_files(dir, anchor->root_ds); !s)
        return fmt::print(stderr, "danemail lab up: {}\n", s.error().to_string()), kExitFailure;

    std::vector<std::pair<const LabServer*, pid_t>> started;
    auto fail = [&](const Error& error) {
        fmt::print(stderr, "danemail lab up: {}\nstopping what was started\n", error.to_string());
        stop_started(started);
        return kExitFailure;
    };
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options.timeout);
    // The zone servers start together (signing happens in each), then the resolver once they answer.
    for (const LabServer& server : servers) {
        if (is_resolver(server)) continue;
        auto pid = start_daemon(server.daemon);
        if (!pid) return fail(make_error(server.label, pid.error().to_string()));
        started.emplace_back(&server, *pid);
    }
    for (const auto& [server, pid] : started)
        if (auto s = wait_until_answering(*server, pid, deadline); !s) return fail(s.error());
    if (!options.no_resolver) {
        const LabServer& resolver = servers.back();
        auto pid = start_daemon(resolver.daemon);
        if (!pid) return fail(make_error(resolver.label, pid.error().to_string()));
        started.emplace_back(&resolver, *pid);
        if (auto s = wait_until_answering(resolver, *pid, deadline); !s) return fail(s.error());
    }

    fmt::print("danemail lab: up in {}\n", dir);
    for (const auto& [server, pid] : started)
        fmt::print("  {:<13} {:<14} pid {:<7} {}\n", server->label, server->address + ":53", pid,
                   server->what);
    fmt::print("Trust anchor: {} (unbound), {} (delv -a)\n", resolver_paths(dir).root_key,
               resolver_paths(dir).delv_conf);
    print_how_to_query(dir, !options.no_resolver);
    return 0;
}

// ---- down ----

int run_down(const std::string& dir_option) {
    const std::string dir = absolute_dir(dir_option);
    if (!std::filesystem::is_directory(dir)) {
        fmt::print(stderr, "danemail lab down: {} is not a lab directory\n", dir);
        return kExitFailure;
    }
    std::vector<LabServer> servers = lab_servers(dir);
    size_t stopped = 0;
    for (auto it = servers.rbegin(); it != servers.rend(); ++it) {  // the resolver first
        if (auto pid = running_pid(it->pid_file, it->marker)) {
            const bool in_time = stop_process(*pid);
            fmt::print("stopped {} (pid {}){}\n", it->label, *pid,
                       in_time ? "" : ": killed, it did not end within 5 s of SIGTERM");
            ++stopped;
        }
        std::filesystem::remove(it->pid_file);
    }
    if (stopped == 0)
        fmt::print("danemail lab: nothing was running in {}\n", dir);
    else
        fmt::print("danemail lab: down; the files stay in {}\n", dir);
    return 0;
}

// ---- status ----

int run_status(const std::string& dir_option) {
    const std::string dir = absolute_dir(dir_option);
    if (!std::filesystem::is_directory(dir)) {
        fmt::print(stderr, "danemail lab status: {} is not a lab directory\n", dir);
        return kExitNotRunning;
    }
    size_t running = 0, answering = 0;
    const std::vector<LabServer> servers = lab_servers(dir);
    fmt::print("{:<13} {:<14} {:<20} {}\n", "SERVER", "ADDRESS", "PROCESS", "DNS");
    for (const LabServer& server : servers) {
        auto pid = running_pid(server.pid_file, server.marker);
        const bool answers = server_answers(server, 500ms);
        running += pid ? 1 : 0;
        answering += answers ? 1 : 0;
        fmt::print("{:<13} {:<14} {:<20} {}\n", server.label, server.address + ":53",
                   pid ? "running (pid " + std::to_string(*pid) + ")" : "stopped",
                   answers ? "answers" : "no answer");
    }
    if (running == servers.size() && answering == servers.size()) return 0;
    return running == 0 ? kExitNotRunning : kExitFailure;
}

}  // namespace

void add_lab_command(CLI::App& app) {
    CLI::App* lab = app.add_subcommand(
        "lab", "A DNS Internet on loopback: root, test., signed/NSEC3/insecure/bogus zones, unbound");
    lab->require_subcommand(1);

    auto up = std::make_shared<UpOptions>();
    CLI::App* u = lab->add_subcommand(
        "up", "Write the lab's files into --dir (re-using keys there) and start its servers and unbound");
    u->add_option("--dir", up->dir, "the lab directory; created if missing")->required();
    u->add_flag("--no-resolver", up->no_resolver, "start only the zone servers, not unbound");
    u->add_option("--timeout", up->timeout, "seconds to wait for every server to answer")
        ->capture_default_str()
        ->check(CLI::Range(1, 600));
    u->callback([up] { exit_status() = run_up(*up); });

    auto down_dir = std::make_shared<std::string>();
    CLI::App* d =
        lab->add_subcommand("down", "Stop the lab's servers (SIGTERM, SIGKILL after 5 s); keep the files");
    d->add_option("--dir", *down_dir, "the lab directory")->required();
    d->callback([down_dir] { exit_status() = run_down(*down_dir); });

    auto status_dir = std::make_shared<std::string>();
    CLI::App* s = lab->add_subcommand(
        "status", "Say per server whether it runs and answers (exit 0: all do; 3: none runs; 1: some)");
    s->add_option("--dir", *status_dir, "the lab directory")->required();
    s->callback([status_dir] { exit_status() = run_status(*status_dir); });
}

}  // namespace danemail::app

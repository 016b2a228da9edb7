// `danemail init DOMAIN`: a working provider in one step — danemail.toml, a key and self-signed certificate
// for the mail host, the zone with MX, A/AAAA and the "3 1 1" TLSA records for 25, 465 and 587 computed
// from that key (RFC 7672 §3.1.1), the zone's first DNSSEC keys (made by the same code as `danemail serve`
// on first start) with the DS for the registrar, the store with the domain and an admin account. Untrusted
// input: the command line (names and addresses checked before anything is written).
#include <fmt/core.h>
#include <fmt/format.h>
#include <sys/random.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <memory>

#include "app/commands.h"
#include "app/config.h"
#include "app/config_values.h"
#include "app/dns_service.h"
#include "app/init_files.h"
#include "base/encoding.h"
#include "base/file_io.h"
#include "base/time.h"
#include "dns/zone_file.h"
#include "dnssec/key.h"
#include "dnssec/key_file.h"
#include "smtp/address.h"
#include "store/store.h"
#include "tls/certificate_loader.h"
#include "tls/self_signed.h"
#include "tls/tlsa.h"

namespace danemail::app {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kCertificateDays = 365;
// The admin's first password: 20 characters from 55 that cannot be mistaken for each other (~115 bits).
constexpr size_t kPasswordLength = 20;
constexpr std::string_view kPasswordAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

struct InitOptions {
    std::string domain;
    std::string dir = ".";
    std::string host;
    std::vector<std::string> addresses;
    std::vector<std::string> addresses6;
    std::string admin;
    bool force = false;
};

int usage(const std::string& message) {
    fmt::print(stderr, "danemail init: {}\n", message);
    return kExitUsage;
}

int failure(const std::string& message) {
    fmt::print(stderr, "danemail init: {}\n", message);
    return kExitFailure;
}

Result<std::string> random_password() {
    std::string password;
    while (password.size() < kPasswordLength) {
        uint8_t bytes[32];
        if (getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes))
            return make_error("getrandom", "no random bytes for the admin password");
        // Rejection sampling: only bytes below the largest multiple of the alphabet size, so every
        // character is equally likely.
        const unsigned limit = 256 - 256 % kPasswordAlphabet.size();
        for (uint8_t byte : bytes)
            if (byte < limit && password.size() < kPasswordLength)
                password += kPasswordAlphabet[byte % kPasswordAlphabet.size()];
    }
    return password;
}

// The settings from the command line, checked: a usage error names the option.
Result<InitSettings> check_options(InitOptions& options) {
    InitSettings settings;
    auto domain = parse_host_name(options.domain);
    if (!domain) return make_error("DOMAIN", domain.error().what);
    settings.domain = *domain;
    auto host = parse_host_name(options.host.empty() ? "mx." + settings.domain : options.host);
    if (!host) return make_error("--host", host.error().what);
    settings.host = *host;
    for (const std::string& address : options.addresses) {
        if (!is_ipv4_address(address))
            return make_error("--address", "'" + address + "' is not an IPv4 address (IPv6: --address6)");
        if (std::find(settings.ipv4.begin(), settings.ipv4.end(), address) == settings.ipv4.end())
            settings.ipv4.push_back(address);
    }
    for (const std::string& address : options.addresses6) {
        if (!is_ipv6_address(address))
            return make_error("--address6", "'" + address + "' is not an IPv6 address");
        if (std::find(settings.ipv6.begin(), settings.ipv6.end(), address) == settings.ipv6.end())
            settings.ipv6.push_back(address);
    }
    if (settings.ipv4.empty() && settings.ipv6.empty()) settings.ipv4.push_back("127.0.0.1");
    if (options.admin.empty()) options.admin = "admin@" + settings.domain;
    auto admin = smtp::parse_path("<" + options.admin + ">");
    if (!admin) return make_error("--admin", "'" + options.admin + "': " + admin.error().what);
    if (admin->domain != settings.domain)
        return make_error("--admin", "'" + options.admin + "' must be an address at " + settings.domain);
    options.admin = admin->to_string();  // the domain lower-cased, as the store keeps it
    settings.date = format_dnssec_time(now_unix()).substr(0, 8);
    return settings;
}

struct InitPaths {
    std::filesystem::path config, certificate, private_key, zone, state;
};

InitPaths paths_for(const std::filesystem::path& dir, const InitSettings& settings) {
    return {dir / "danemail.toml", dir / certificate_file_name(settings),
            dir / private_key_file_name(settings), dir / zone_file_name(settings), dir / "state"};
}

// Nothing is overwritten without --force: an operator's key or zone is never lost to a second init.
Status check_nothing_there(const InitPaths& paths) {
    for (const auto& path : {paths.config, paths.certificate, paths.private_key, paths.zone})
        if (std::filesystem::exists(path))
            return make_error(path.string(), "already exists (use --force to overwrite)");
    std::error_code error;
    if (std::filesystem::exists(paths.state) && !std::filesystem::is_empty(paths.state, error))
        return make_error(paths.state.string(), "holds a state already (use --force to reuse it)");
    return {};
}

Status make_directories(const InitPaths& paths) {
    std::error_code error;
    for (const auto& dir : {paths.certificate.parent_path(), paths.zone.parent_path(), paths.state}) {
        std::filesystem::create_directories(dir, error);
        if (error) return make_error(dir.string(), "cannot create: " + error.message());
    }
    std::filesystem::permissions(paths.state, std::filesystem::perms::owner_all, error);
    if (error) return make_error(paths.state.string(), "cannot restrict to its owner: " + error.message());
    return {};
}

// A new key and self-signed certificate; returns the "3 1 1" TLSA data computed from the files as written,
// which are what `danemail serve` will load.
Result<std::string> write_credentials(const InitPaths& paths, const InitSettings& settings) {
    auto credentials = tls::make_self_signed(settings.host, kCertificateDays);
    if (!credentials) return credentials.error();
    if (auto s = write_file_atomic(paths.private_key.string(), credentials->private_key_pem, 0600); !s)
        return s.error();
    if (auto s = write_file_atomic(paths.certificate.string(), credentials->certificate_pem, 0644); !s)
        return s.error();
    auto key = tls::load_private_key(paths.private_key.string());
    if (!key) return key.error();
    auto public_key = key->public_key();
    if (!public_key) return public_key.error();
    auto from_key = tls::tlsa_for_public_key(*public_key, tls::TlsaParameters{});
    if (!from_key) return from_key.error();
    auto certificate = tls::load_certificate(paths.certificate.string());
    if (!certificate) return certificate.error();
    auto from_certificate = tls::tlsa_for_certificate(*certificate, tls::TlsaParameters{});
    if (!from_certificate) return from_certificate.error();
    if (!(*from_key == *from_certificate))
        return make_error(paths.certificate.string(),
                          "does not hold the key in " + paths.private_key.string());
    return from_key->rdata_text();
}

// The zone as written must load as `danemail serve` loads it.
Status write_zone(const InitPaths& paths, const InitSettings& settings, const std::string& tlsa_rdata) {
    if (auto s = write_file_atomic(paths.zone.string(), zone_text(settings, tlsa_rdata), 0644); !s) return s;
    auto origin = dns::Name::from_text(settings.domain + ".");
    if (!origin) return origin.error();
    dns::ZoneFileOptions options;
    options.origin = *origin;
    dns::ParsedZone zone = dns::parse_zone_file(paths.zone.string(), options);
    if (zone.ok()) dns::check_zone(zone, *origin);
    if (!zone.ok()) return zone.errors.front();
    return {};
}

// The domain and the admin account with a new password; an admin already there (--force) gets a new one.
Result<std::string> set_up_store(const Config& config, const InitSettings& settings,
                                 const std::string& admin) {
    auto store = store::open_sqlite_store(config.state);
    if (!store) return store.error();
    auto has_domain = (*store)->has_domain(settings.domain);
    if (!has_domain) return has_domain.error();
    if (!*has_domain)
        if (auto s = (*store)->add_domain(settings.domain); !s) return s.error();
    auto password = random_password();
    if (!password) return password.error();
    auto accounts = (*store)->accounts();
    if (!accounts) return accounts.error();
    const bool exists =
        std::any_of(accounts->begin(), accounts->end(),
                    [&](const store::AccountInfo& account) { return account.address == admin; });
    Status set = exists ? (*store)->set_password(admin, *password) : (*store)->add_account(admin, *password);
    if (!set) return set.error();
    // RFC 5321 §4.5.1 requires postmaster@ for every mail domain, RFC 2142 §2 abuse@ for a provider: both
    // go to the admin unless they already go somewhere.
    for (const char* role : {"postmaster", "abuse"}) {
        const std::string address = std::string(role) + "@" + settings.domain;
        auto resolved = (*store)->resolve(address);
        if (!resolved) return resolved.error();
        if (resolved->kind != store::Resolution::Kind::Unknown) continue;
        if (auto added = (*store)->add_alias(address, admin); !added) return added.error();
    }
    return password;
}

// The zone's first KSK and ZSK, made and the zone signed exactly as `danemail serve` does on its first
// start (DnsService); returns the DS records of the KSK for the parent (RFC 4509: SHA-256).
Result<std::vector<std::string>> make_zone_keys(const Config& config) {
    auto service = DnsService::open(config);
    if (!service) return service.error();
    (*service)->stop();
    const DnsZoneConfig& zone = config.dns.zones.front();
    auto apex = dns::Name::from_text(zone.name + ".");
    if (!apex) return apex.error();
    auto keys = dnssec::read_zone_keys(zone.keys, *apex);
    if (!keys) return keys.error();
    std::vector<std::string> ds_lines;
    for (const auto& key : *keys) {
        if (!key.is_ksk() || (key.dnskey.flags & dns::DnskeyRdata::kRevokeFlag)) continue;
        auto ds = dnssec::make_ds(key.zone, key.dnskey_rdata(), dnssec::digest::SHA256);
        if (!ds) return ds.error();
        ds_lines.push_back(fmt::format("{} IN DS {} {} {} {}", key.zone.to_text(), ds->key_tag, ds->algorithm,
                                       ds->digest_type, to_hex(ds->digest, true)));
    }
    if (ds_lines.empty()) return make_error(zone.keys, "no KSK was made");
    return ds_lines;
}

void print_next_steps(const InitSettings& settings, const InitPaths& paths, const std::string& admin,
                      const std::string& password, const std::vector<std::string>& ds_lines,
                      const std::string& tlsa_rdata, bool default_address) {
    fmt::print("danemail init: {} is ready in {}\n", settings.domain, paths.config.parent_path().string());
    fmt::print("  {}\n  {}\n  {}\n  {}\n  {}/\n", paths.config.string(), paths.zone.string(),
               paths.certificate.string(), paths.private_key.string(), paths.state.string());
    fmt::print(
        "\nadmin account: {}\nadmin password: {}\n(shown only now; change it with `danemail user passwd "
        "{} -c {}`)\n",
        admin, password, admin, paths.config.string());
    fmt::print("\nDS record(s) for the registrar of {} (the parent zone):\n", settings.domain);
    for (const std::string& line : ds_lines) fmt::print("  {}\n", line);
    fmt::print("\nNext steps:\n");
    int step = 1;
    if (default_address)
        fmt::print(
            "  {}. No --address was given: everything listens on 127.0.0.1 only. Put the server's public\n"
            "     addresses into {} (listen, submission, submissions) and the zone file.\n",
            step++, paths.config.string());
    fmt::print("  {}. Start the server: danemail serve -c {}\n", step++, paths.config.string());
    fmt::print("  {}. Open the ports 53 (UDP and TCP), 25, 465 and 587 (TCP) in the firewall.\n", step++);
    fmt::print("  {}. At the registrar: name server {} with glue {}, and the DS record above.\n", step++,
               name_server(settings), [&] {
                   std::vector<std::string> all = settings.ipv4;
                   all.insert(all.end(), settings.ipv6.begin(), settings.ipv6.end());
                   return fmt::format("{}", fmt::join(all, ", "));
               }());
    if (!host_in_domain(settings))
        fmt::print("  {}. {} is outside {}: publish these records in its own (DNSSEC-signed) zone:\n{}",
                   step++, settings.host, settings.domain, [&] {
                       std::string indented;
                       std::string records = host_records(settings, tlsa_rdata);
                       size_t start = 0;
                       while (start < records.size()) {
                           size_t end = records.find('\n', start);
                           indented += "       " + records.substr(start, end - start + 1);
                           start = end + 1;
                       }
                       return indented;
                   }());
    fmt::print(
        "  {}. The certificate is self-signed: DANE (the TLSA \"3 1 1\" records) vouches for it. A "
        "CA-issued\n"
        "     certificate may replace it, issued for the same key:\n"
        "       {}\n"
        "     The TLSA records stay valid only while that key stays; a new key needs new TLSA records\n"
        "     published (beside the old ones, for a TTL) before it is used.\n",
        step++, paths.private_key.string());
}

int run_init(InitOptions options) {
    auto settings = check_options(options);
    if (!settings) return usage(settings.error().to_string());
    const std::filesystem::path dir(options.dir);
    const InitPaths paths = paths_for(dir, *settings);
    if (!options.force)
        if (auto s = check_nothing_there(paths); !s) return failure(s.error().to_string());
    if (auto s = make_directories(paths); !s) return failure(s.error().to_string());

    auto tlsa_rdata = write_credentials(paths, *settings);
    if (!tlsa_rdata) return failure(tlsa_rdata.error().to_string());
    if (auto s = write_zone(paths, *settings, *tlsa_rdata); !s) return failure(s.error().to_string());
    if (auto s = write_file_atomic(paths.config.string(), config_text(*settings), 0644); !s)
        return failure(s.error().to_string());
    auto config = load_config(paths.config.string());
    if (!config) return failure(config.error().to_string());

    auto password = set_up_store(*config, *settings, options.admin);
    if (!password) return failure("mail store: " + password.error().to_string());
    auto ds_lines = make_zone_keys(*config);
    if (!ds_lines) return failure("DNSSEC keys: " + ds_lines.error().to_string());
    print_next_steps(*settings, paths, options.admin, *password, *ds_lines, *tlsa_rdata,
                     options.addresses.empty() && options.addresses6.empty());
    return 0;
}

}  // namespace

void add_init_command(CLI::App& app) {
    auto options = std::make_shared<InitOptions>();
    CLI::App* cmd = app.add_subcommand(
        "init", "Write a working configuration, certificate, signed zone and admin account for DOMAIN");
    cmd->add_option("DOMAIN", options->domain, "the mail domain, e.g. example.org")->required();
    cmd->add_option("--dir", options->dir, "where to write danemail.toml, tls/, zones/ and state/")
        ->capture_default_str();
    cmd->add_option("--host", options->host, "the mail host's name (default mx.DOMAIN)");
    cmd->add_option("--address", options->addresses,
                    "an IPv4 address of the server (repeatable; default 127.0.0.1)");
    cmd->add_option("--address6", options->addresses6, "an IPv6 address of the server (repeatable)");
    cmd->add_option("--admin", options->admin, "the admin account (default admin@DOMAIN)");
    cmd->add_flag("--force", options->force, "overwrite files that are already there");
    cmd->callback([options] { exit_status() = run_init(*options); });
}

}  // namespace danemail::app

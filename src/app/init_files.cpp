// Texts of the files `danemail init` writes (see init_files.h).
#include "app/init_files.h"

#include <fmt/format.h>

#include "app/config_values.h"

namespace danemail::app {
namespace {

// TTLs and SOA timers of the new zone (RFC 1912 §2.2, RIPE-203 in spirit, shorter so that a fresh setup
// can still be corrected within the hour): refresh, retry, expire, negative-caching TTL (RFC 2308 §4).
constexpr int kDefaultTtl = 3600;
constexpr int kSoaRefresh = 7200;
constexpr int kSoaRetry = 3600;
constexpr int kSoaExpire = 1209600;
constexpr int kSoaMinimum = 3600;

std::string quoted_list(const std::vector<std::string>& items) {
    std::vector<std::string> quoted;
    for (const std::string& item : items) quoted.push_back("\"" + item + "\"");
    return "[" + fmt::format("{}", fmt::join(quoted, ", ")) + "]";
}

std::vector<std::string> listen_on(const InitSettings& settings, uint16_t port) {
    std::vector<std::string> out;
    for (const std::string& address : settings.ipv4) out.push_back(format_listen_address(address, port));
    for (const std::string& address : settings.ipv6) out.push_back(format_listen_address(address, port));
    return out;
}

// "2026-01-02" for the comments.
std::string readable_date(const InitSettings& settings) {
    const std::string& d = settings.date;
    return d.size() == 8 ? d.substr(0, 4) + "-" + d.substr(4, 2) + "-" + d.substr(6, 2) : d;
}

std::string address_records(const std::string& owner, const InitSettings& settings) {
    std::string out;
    for (const std::string& address : settings.ipv4) out += fmt::format("{} IN A {}\n", owner, address);
    for (const std::string& address : settings.ipv6) out += fmt::format("{} IN AAAA {}\n", owner, address);
    return out;
}

}  // namespace

std::string name_server(const InitSettings& settings) {
    return "ns1." + settings.domain;
}

bool host_in_domain(const InitSettings& settings) {
    return settings.host == settings.domain ||
           (settings.host.size() > settings.domain.size() && settings.host.ends_with("." + settings.domain));
}

const std::vector<int>& tlsa_ports() {
    static const std::vector<int> ports{25, 465, 587};
    return ports;
}

std::string zone_file_name(const InitSettings& settings) {
    return "zones/" + settings.domain + ".zone";
}
std::string certificate_file_name(const InitSettings& settings) {
    return "tls/" + settings.host + ".crt";
}
std::string private_key_file_name(const InitSettings& settings) {
    return "tls/" + settings.host + ".key";
}

std::string config_text(const InitSettings& settings) {
    return fmt::format(
        R"(# danemail configuration for {domain}, written by `danemail init` on {date}.
# Relative paths are taken from this file's folder. SIGHUP to `danemail serve` reloads the zones and the
# certificate (`danemail dns reload -c danemail.toml` reloads the zones); other changes, listen addresses
# among them, take effect at the next start.

# Everything danemail keeps: the mail database and messages, the DNSSEC keys (keys/{domain}), the signed
# zones and their journals, and the control socket. Only danemail's user may read it; back it up.
state = "state"

# DNS: danemail is the authoritative name server of {domain}. It signs the zone file below inline (DNSSEC
# with NSEC3), re-signs before signatures expire and rolls its keys unattended. Give the DS record that
# `danemail init` printed to the registrar. Edit the zone file, then reload.
[dns]
listen = {dns_listen}

[[dns.zone]]
name = "{domain}"
file = "{zone_file}"
signing = "inline"
nsec3 = true

# SMTP: mail from the world on port 25 (STARTTLS offered), and from this domain's users on 587 (STARTTLS
# required before they log in) and 465 (TLS from the first byte, RFC 8314). The certificate's key is
# pinned by the "3 1 1" TLSA records in the zone (DANE, RFC 7672): a new certificate must keep this key,
# or new TLSA records must be published (and old ones kept) for a TTL before the key changes.
[smtp]
hostname = "{host}"
certificate = "{certificate}"
private_key = "{private_key}"
listen = {mx_listen}
submission = {submission_listen}
submissions = {submissions_listen}
# Optional limits, with their defaults:
# max_message_size = "50M"
# max_recipients = 100
# max_connections = 2000
# max_connections_per_client = 20
# bare_line_endings = "reject"   # or "normalize"
# command_timeout = "5m"
# data_timeout = "3m"
)",
        fmt::arg("domain", settings.domain), fmt::arg("date", readable_date(settings)),
        fmt::arg("host", settings.host), fmt::arg("dns_listen", quoted_list(listen_on(settings, 53))),
        fmt::arg("zone_file", zone_file_name(settings)),
        fmt::arg("certificate", certificate_file_name(settings)),
        fmt::arg("private_key", private_key_file_name(settings)),
        fmt::arg("mx_listen", quoted_list(listen_on(settings, 25))),
        fmt::arg("submission_listen", quoted_list(listen_on(settings, 587))),
        fmt::arg("submissions_listen", quoted_list(listen_on(settings, 465))));
}

std::string host_records(const InitSettings& settings, const std::string& tlsa_rdata) {
    const std::string host = settings.host + ".";
    std::string out = address_records(host, settings);
    for (int port : tlsa_ports()) out += fmt::format("_{}._tcp.{} IN TLSA {}\n", port, host, tlsa_rdata);
    return out;
}

std::string zone_text(const InitSettings& settings, const std::string& tlsa_rdata) {
    const std::string apex = settings.domain + ".";
    const std::string ns = name_server(settings) + ".";
    std::string out = fmt::format(
        R"(; The zone {domain}, written by `danemail init` on {date}. danemail signs it when serving (DNSSEC):
; keep this file unsigned, raise the serial when you change it, then reload.
$ORIGIN {apex}
$TTL {ttl}
; The serial is a date and a counter; then refresh, retry, expire and the negative-caching TTL.
@ IN SOA {ns} hostmaster.{apex} {serial} {refresh} {retry} {expire} {minimum}

; The name server is danemail itself, on the server's addresses (the glue the registrar needs too).
@ IN NS {ns}
)",
        fmt::arg("domain", settings.domain), fmt::arg("date", readable_date(settings)),
        fmt::arg("apex", apex), fmt::arg("ttl", kDefaultTtl), fmt::arg("ns", ns),
        fmt::arg("serial", settings.date + "01"), fmt::arg("refresh", kSoaRefresh),
        fmt::arg("retry", kSoaRetry), fmt::arg("expire", kSoaExpire), fmt::arg("minimum", kSoaMinimum));
    if (settings.host != name_server(settings)) out += address_records(ns, settings);
    out += fmt::format(
        "\n; Mail for {domain} goes to {host}.\n"
        "@ IN MX 10 {host}.\n",
        fmt::arg("domain", settings.domain), fmt::arg("host", settings.host));
    if (host_in_domain(settings)) {
        out += fmt::format(
            "\n; The mail host, and the TLSA records that pin its key for SMTP (25) and submission (465, "
            "587):\n"
            "; DANE-EE, SubjectPublicKeyInfo, SHA-256 (\"3 1 1\", RFC 7672 §3.1.1). They stay valid while "
            "the\n"
            "; key in {key} stays; a new key needs new TLSA records first.\n",
            fmt::arg("key", private_key_file_name(settings)));
        out += host_records(settings, tlsa_rdata);
    }
    out += fmt::format(
        "\n; Only the MX may send mail for {domain} (SPF, RFC 7208); receivers reject what fails (DMARC, RFC "
        "7489).\n"
        "@ IN TXT \"v=spf1 mx -all\"\n"
        "_dmarc IN TXT \"v=DMARC1; p=reject\"\n",
        fmt::arg("domain", settings.domain));
    return out;
}

}  // namespace danemail::app

// `danemail tlsa`: prints the TLSA records (RFC 6698 §2.2 presentation form) that pin a server's
// certificate or key, and optionally its issuing CA (DANE-TA, RFC 7671 §5.2, RFC 7672 §3.1.2).
// Untrusted input: the certificate/key file (parsed by src/tls) and the host name (checked, RFC 1035 §2.3.1).
#include <CLI/CLI.hpp>

#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "app/commands.h"
#include "dns/name.h"
#include "tls/certificate_loader.h"
#include "tls/tlsa.h"

namespace danemail::app {
namespace {

struct TlsaOptions {
    std::string cert_file;
    std::string key_file;
    std::string host;
    int port = 25;
    std::string proto = "tcp";
    int usage = tls::kDaneEe;
    int selector = tls::kSelectSpki;
    int matching = tls::kMatchSha256;
    bool with_issuer = false;
    size_t issuer_depth = tls::kDefaultIssuerDepth;
    int issuer_selector = tls::kDefaultIssuerParameters.selector;
    int issuer_matching = tls::kDefaultIssuerParameters.matching;
    // Set by CLI11 when the user gave the option; giving any issuer option asks for the issuer record.
    CLI::Option* issuer_depth_option = nullptr;
    CLI::Option* issuer_selector_option = nullptr;
    CLI::Option* issuer_matching_option = nullptr;
};

int fail(const std::string& message) {
    std::cerr << "danemail tlsa: " << message << "\n";
    return 1;
}

// Letters, digits, '-' and '_' in dot-separated labels (RFC 1035 §2.3.1, plus '_' for service names);
// internationalised names are given as A-labels ("xn--..."). A trailing dot is optional.
bool is_host_name_text(const std::string& host) {
    if (host.empty()) return false;
    for (char c : host) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                  c == '_' || c == '.';
        if (!ok) return false;
    }
    return true;
}

// "_25._tcp.mail.example.com." — absolute and lower-cased; length limits checked by dns::Name.
Result<std::string> owner_name(const std::string& host, uint16_t port, tls::TlsaTransport transport) {
    if (!is_host_name_text(host)) {
        return make_error("--host '" + host +
                          "' is not a host name (letters, digits, '-', '.'; IDNs as xn--)");
    }
    const dns::Name root;
    auto host_name = dns::Name::from_text(host, &root);
    if (!host_name) return make_error("--host '" + host + "': " + host_name.error().what);
    if (host_name->is_root()) return make_error("--host must name a host, not the root");
    auto owner = dns::Name::from_text(tls::tlsa_owner_prefix(port, transport), &*host_name);
    if (!owner) return make_error("--host '" + host + "': " + owner.error().what);
    return owner->lowercased().to_text();
}

// Refuses a file whose certificates are not leaf first, each followed by its issuer, up to `depth`: a
// DANE-TA record for a certificate out of order would name the wrong CA.
Status check_chain_order(const tls::CertificateChain& chain, size_t depth, const std::string& file) {
    for (size_t i = 1; i <= depth && i < chain.size(); ++i) {
        if (!chain[i].is_issuer_of(chain[i - 1])) {
            return make_error(
                file, "certificate " + std::to_string(i + 1) + " (" + chain[i].subject() +
                          ") did not issue certificate " + std::to_string(i) + " (" + chain[i - 1].subject() +
                          "); list the server certificate first, then " + "each issuer in turn");
        }
    }
    return {};
}

int run_tlsa(const TlsaOptions& options) {
    if (options.cert_file.empty() == options.key_file.empty())
        return fail("give one of --cert FILE or --key FILE");
    bool with_issuer = options.with_issuer || options.issuer_depth_option->count() > 0 ||
                       options.issuer_selector_option->count() > 0 ||
                       options.issuer_matching_option->count() > 0;
    if (with_issuer && !options.key_file.empty()) {
        return fail("--with-issuer needs the certificate chain (--cert FILE), not a key");
    }
    auto transport = tls::parse_tlsa_transport(options.proto);
    if (!transport) return fail("--proto must be tcp, udp or sctp");
    auto owner = owner_name(options.host, static_cast<uint16_t>(options.port), *transport);
    if (!owner) return fail(owner.error().to_string());

    tls::TlsaParameters parameters{static_cast<uint8_t>(options.usage),
                                   static_cast<uint8_t>(options.selector),
                                   static_cast<uint8_t>(options.matching)};
    if (auto ok = tls::check_parameters(parameters); !ok) return fail(ok.error().to_string());

    if (!options.key_file.empty()) {
        if (parameters.selector != tls::kSelectSpki) {
            return fail(
                "--selector 0 (full certificate) needs --cert; a key only gives --selector 1 (public key)");
        }
        auto key = tls::load_public_key(options.key_file);
        if (!key) return fail(key.error().to_string());
        auto record = tls::tlsa_for_public_key(*key, parameters);
        if (!record) return fail(record.error().to_string());
        std::cout << record->presentation_line(*owner) << "\n";
        return 0;
    }

    auto chain = tls::load_certificate_chain(options.cert_file);
    if (!chain) return fail(chain.error().to_string());
    const tls::Certificate& leaf = chain->front();
    if ((parameters.usage == tls::kDaneTa || parameters.usage == tls::kPkixTa) && !leaf.is_ca()) {
        std::cerr << "danemail tlsa: warning: usage " << options.usage << " names a CA certificate, but "
                  << options.cert_file << " starts with " << leaf.subject()
                  << ", which is not a CA; for the issuer's record use --with-issuer\n";
    }
    if (options.port == 25 && (parameters.usage == tls::kPkixTa || parameters.usage == tls::kPkixEe)) {
        std::cerr << "danemail tlsa: warning: SMTP clients treat usages 0 and 1 as unusable "
                     "(RFC 7672 §3.1.3); use 3 or 2\n";
    }
    auto record = tls::tlsa_for_certificate(leaf, parameters);
    if (!record) return fail(options.cert_file + ": " + record.error().what);

    std::optional<tls::TlsaRecord> issuer_record;
    if (with_issuer) {
        if (auto ordered = check_chain_order(*chain, options.issuer_depth, options.cert_file); !ordered) {
            return fail(ordered.error().to_string());
        }
        tls::TlsaParameters issuer_parameters{tls::kDaneTa, static_cast<uint8_t>(options.issuer_selector),
                                              static_cast<uint8_t>(options.issuer_matching)};
        auto issuer = tls::tlsa_for_issuer(*chain, options.issuer_depth, issuer_parameters);
        if (!issuer) return fail(options.cert_file + ": " + issuer.error().what);
        issuer_record = std::move(*issuer);
    }
    std::cout << record->presentation_line(*owner) << "\n";
    if (issuer_record) std::cout << issuer_record->presentation_line(*owner) << "\n";
    return 0;
}

}  // namespace

void add_tlsa_command(CLI::App& app) {
    auto options = std::make_shared<TlsaOptions>();
    CLI::App* cmd =
        app.add_subcommand("tlsa", "Print the TLSA record that pins a server's certificate or key");
    cmd->footer(
        "Prints one line per record, ready for a zone file:\n"
        "  _25._tcp.mail.example.com. IN TLSA 3 1 1 <lower-case hex>\n"
        "Usage 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE; selector 0 whole certificate, 1 public key "
        "(SPKI);\n"
        "match 0 exact bytes, 1 SHA-256, 2 SHA-512. For mail, publish 3 1 1 (RFC 7672 §3.1.1), and "
        "optionally\n"
        "a 2 x 1 record for the issuing CA so that a new certificate from the same CA keeps matching.\n"
        "\n"
        "--cert FILE holds one certificate, or a chain in server order (PEM or DER): the server's "
        "certificate\n"
        "first, then its issuers. The main record is for the first certificate. --with-issuer (or --chain)\n"
        "adds a DANE-TA record \"2 0 1\" for the certificate at --issuer-depth (default 1: the immediate\n"
        "issuer, which servers send; the root, often not sent, is the last one). The issuer record's "
        "selector\n"
        "and match come from --issuer-selector and --issuer-match; giving any --issuer-* option implies\n"
        "--with-issuer. --key FILE (a public or unencrypted private key, PEM or DER) works with selector 1 "
        "only.");
    auto* cert = cmd->add_option("--cert", options->cert_file, "Certificate or chain file (PEM or DER)")
                     ->type_name("FILE");
    auto* key = cmd->add_option("--key", options->key_file, "Public or private key file (PEM or DER)")
                    ->type_name("FILE");
    cert->excludes(key);
    cmd->add_option("--host", options->host, "Server host name, e.g. mail.example.com")
        ->type_name("HOST")
        ->required();
    cmd->add_option("--port", options->port, "TCP/UDP port of the service")
        ->check(CLI::Range(1, 65535))
        ->capture_default_str();
    cmd->add_option("--proto", options->proto, "Transport protocol label: tcp, udp or sctp")
        ->check(CLI::IsMember({"tcp", "udp", "sctp"}, CLI::ignore_case))
        ->capture_default_str();
    cmd->add_option("--usage", options->usage, "Certificate usage 0-3")
        ->check(CLI::Range(0, 3))
        ->capture_default_str();
    cmd->add_option("--selector", options->selector, "Selector 0 (certificate) or 1 (public key)")
        ->check(CLI::Range(0, 1))
        ->capture_default_str();
    cmd->add_option("--match", options->matching, "Matching type 0 (exact), 1 (SHA-256), 2 (SHA-512)")
        ->check(CLI::Range(0, 2))
        ->capture_default_str();
    cmd->add_flag("--with-issuer,--chain", options->with_issuer,
                  "Also print the DANE-TA record of the issuer");
    options->issuer_depth_option =
        cmd->add_option("--issuer-depth", options->issuer_depth,
                        "Issuer record for the Nth certificate after the server's (1 = immediate issuer)")
            ->check(CLI::Range(1, 63))
            ->capture_default_str();
    options->issuer_selector_option =
        cmd->add_option("--issuer-selector", options->issuer_selector, "Selector of the issuer record")
            ->check(CLI::Range(0, 1))
            ->capture_default_str();
    options->issuer_matching_option =
        cmd->add_option("--issuer-match", options->issuer_matching, "Matching type of the issuer record")
            ->check(CLI::Range(0, 2))
            ->capture_default_str();
    cmd->callback([options] { exit_status() = run_tlsa(*options); });
}

}  // namespace danemail::app

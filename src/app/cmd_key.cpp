// `danemail key`: generate DNSSEC keys into BIND key files, print the DS records for the parent zone
// (RFC 4034 §5, RFC 4509, RFC 6605 §2) and list a zone's keys. Reads key files from the given directory,
// which are untrusted input (see dnssec/key_file.h); the zone name and options come from the user.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "app/commands.h"
#include "dns/rdata.h"
#include "dnssec/algorithm.h"
#include "dnssec/key.h"
#include "dnssec/key_file.h"

namespace danemail::app {
namespace {

constexpr int kExitFailure = 1;
// Attempts at a key whose tag (also with the REVOKE bit set) differs from the zone's other keys.
constexpr int kTagCollisionAttempts = 16;

int fail(const std::string& command, const std::string& message) {
    std::fprintf(stderr, "danemail key %s: %s\n", command.c_str(), message.c_str());
    return kExitFailure;
}

Result<dns::Name> zone_name(const std::string& text) {
    const dns::Name root;
    auto zone = dns::Name::from_text(text, &root);  // "example.com" and "example.com." alike
    if (!zone) return make_error("invalid zone name '" + text + "': " + zone.error().to_string());
    return zone;
}

uint16_t tag_with_flags(const dns::DnskeyRdata& dnskey, uint16_t flags) {
    dns::DnskeyRdata copy = dnskey;
    copy.flags = flags;
    return dnssec::key_tag(copy.encode());
}

// RFC 5011 §7: revoking a key changes its tag, so a new key must collide with neither form of any key.
bool tags_collide(const dnssec::ZoneKey& a, const dnssec::ZoneKey& b) {
    const uint16_t revoke = dns::DnskeyRdata::kRevokeFlag;
    const uint16_t a_tags[] = {tag_with_flags(a.dnskey, a.dnskey.flags & ~revoke),
                               tag_with_flags(a.dnskey, a.dnskey.flags | revoke)};
    const uint16_t b_tags[] = {tag_with_flags(b.dnskey, b.dnskey.flags & ~revoke),
                               tag_with_flags(b.dnskey, b.dnskey.flags | revoke)};
    for (uint16_t x : a_tags)
        for (uint16_t y : b_tags)
            if (x == y && a.dnskey.algorithm == b.dnskey.algorithm) return true;
    return false;
}

// ---- generate ----

struct GenerateOptions {
    std::string zone, role, algorithm = "ecdsap256", dir;
    int bits = 0;
};

int run_generate(const GenerateOptions& options) {
    auto zone = zone_name(options.zone);
    if (!zone) return fail("generate", zone.error().to_string());
    const dnssec::KeyRole role = options.role == "ksk"   ? dnssec::KeyRole::Ksk
                                 : options.role == "zsk" ? dnssec::KeyRole::Zsk
                                                         : dnssec::KeyRole::Csk;
    auto algorithm = dnssec::algorithm_from_name(options.algorithm);
    if (!algorithm)
        return fail("generate", "unknown algorithm '" + options.algorithm +
                                    "': use ecdsap256, ecdsap384, rsasha256 or ed25519");
    if (!dnssec::can_sign(*algorithm))
        return fail("generate", dnssec::PrivateKey::generate(*algorithm).error().to_string());
    if (options.bits != 0 && *algorithm != dnssec::algorithm::RSASHA256)
        return fail("generate", "--bits applies to rsasha256 keys only");
    const int bits = options.bits != 0 ? options.bits : 2048;
    if (bits < 1024 || bits > 4096) return fail("generate", "--bits must be from 1024 to 4096");

    std::error_code ec;
    std::filesystem::create_directories(options.dir, ec);
    if (ec) return fail("generate", "cannot create directory " + options.dir + ": " + ec.message());
    auto existing = dnssec::read_zone_keys(options.dir, *zone);
    if (!existing) return fail("generate", "cannot check the existing keys: " + existing.error().to_string());

    for (int attempt = 0; attempt < kTagCollisionAttempts; ++attempt) {
        auto key = dnssec::generate_key(*zone, role, *algorithm, bits);
        if (!key) return fail("generate", key.error().to_string());
        bool collides = false;
        for (const auto& other : *existing) collides = collides || tags_collide(*key, other);
        if (collides) continue;
        auto base = dnssec::write_key_files(*key, options.dir);
        if (!base) return fail("generate", base.error().to_string());
        std::printf("%s\n", dnssec::key_file_base(*key).c_str());
        return 0;
    }
    return fail("generate", "could not find a key tag unused in " + options.dir);
}

// ---- ds ----

struct DsOptions {
    std::string zone, dir, digest = "sha256";
};

int run_ds(const DsOptions& options) {
    auto zone = zone_name(options.zone);
    if (!zone) return fail("ds", zone.error().to_string());
    std::vector<uint8_t> digests;
    if (options.digest == "sha256" || options.digest == "all") digests.push_back(dnssec::digest::SHA256);
    if (options.digest == "sha384" || options.digest == "all") digests.push_back(dnssec::digest::SHA384);
    auto keys = dnssec::read_zone_keys(options.dir, *zone);
    if (!keys) return fail("ds", keys.error().to_string());
    int printed = 0;
    for (const auto& key : *keys) {
        // The parent's DS points at the keys that sign the DNSKEY RRset; a revoked key is on its way out.
        if (!key.is_ksk() || (key.dnskey.flags & dns::DnskeyRdata::kRevokeFlag)) continue;
        for (uint8_t digest : digests) {
            auto ds = dnssec::make_ds(key.zone, key.dnskey_rdata(), digest);
            if (!ds) return fail("ds", dnssec::key_file_base(key) + ": " + ds.error().to_string());
            std::printf("%s IN DS %u %u %u %s\n", key.zone.to_text().c_str(), ds->key_tag, ds->algorithm,
                        ds->digest_type, to_hex(ds->digest, true).c_str());
            ++printed;
        }
    }
    if (printed == 0)
        return fail("ds", "no KSK or CSK (DNSKEY flags 257) for " + zone->to_text() + " in " + options.dir);
    return 0;
}

// ---- list ----

struct ListOptions {
    std::string zone, dir;
};

// Key files do not record a role: a SEP key (flags 257) is a CSK when no ZSK of its algorithm exists.
std::string role_of(const dnssec::ZoneKey& key, const std::vector<dnssec::ZoneKey>& all) {
    if (!key.is_ksk()) return "zsk";
    for (const auto& other : all)
        if (!other.is_ksk() && other.dnskey.algorithm == key.dnskey.algorithm) return "ksk";
    return "csk";
}

int run_list(const ListOptions& options) {
    auto zone = zone_name(options.zone);
    if (!zone) return fail("list", zone.error().to_string());
    auto keys = dnssec::read_zone_keys(options.dir, *zone);
    if (!keys) return fail("list", keys.error().to_string());
    if (keys->empty()) return fail("list", "no keys for " + zone->to_text() + " in " + options.dir);
    std::printf("%-5s  %-4s  %-22s  %-5s  %-7s  %s\n", "TAG", "ROLE", "ALGORITHM", "FLAGS", "PRIVATE",
                "FILE");
    for (const auto& key : *keys) {
        std::string role = role_of(key, *keys);
        if (key.dnskey.flags & dns::DnskeyRdata::kRevokeFlag) role += ",revoked";
        const std::string algorithm =
            std::to_string(key.dnskey.algorithm) + " (" + dns::algorithm_to_text(key.dnskey.algorithm) + ")";
        std::printf("%-5u  %-4s  %-22s  %-5u  %-7s  %s\n", key.tag, role.c_str(), algorithm.c_str(),
                    key.dnskey.flags, key.private_key ? "yes" : "no", dnssec::key_file_base(key).c_str());
    }
    return 0;
}

}  // namespace

void add_key_command(CLI::App& app) {
    CLI::App* key =
        app.add_subcommand("key", "DNSSEC keys in BIND key-file format: generate, list, DS records");
    key->require_subcommand(1);

    auto generate = std::make_shared<GenerateOptions>();
    CLI::App* g = key->add_subcommand(
        "generate",
        "Create a key pair and write K<zone>+<alg>+<tag>.key and .private (mode 0600) into --dir; "
        "prints the file base name");
    g->add_option("--zone", generate->zone, "zone the key signs, e.g. example.com")->required();
    g->add_option("--role", generate->role,
                  "ksk: signs the DNSKEY RRset (flags 257); zsk: signs the zone data (flags 256); "
                  "csk: both (flags 257)")
        ->required()
        ->transform(CLI::IsMember({"ksk", "zsk", "csk"}, CLI::ignore_case));
    g->add_option("--algorithm", generate->algorithm,
                  "ecdsap256 (13, default), ecdsap384 (14), rsasha256 (8) or ed25519 (15)")
        ->capture_default_str();
    g->add_option("--bits", generate->bits, "RSA modulus size in bits, 1024 to 4096 (default 2048)");
    g->add_option("--dir", generate->dir, "directory for the key files; created if missing")->required();
    g->callback([generate] { exit_status() = run_generate(*generate); });

    auto ds = std::make_shared<DsOptions>();
    CLI::App* d = key->add_subcommand("ds",
                                      "Print the DS records of the zone's KSKs and CSKs, for the parent zone "
                                      "(\"Z. IN DS tag alg type HEX\")");
    d->add_option("--zone", ds->zone, "zone whose keys to read")->required();
    d->add_option("--dir", ds->dir, "directory holding the key files")->required();
    d->add_option("--digest", ds->digest, "sha256 (default), sha384, or all (both)")
        ->transform(CLI::IsMember({"sha256", "sha384", "all"}, CLI::ignore_case))
        ->capture_default_str();
    d->callback([ds] { exit_status() = run_ds(*ds); });

    auto list = std::make_shared<ListOptions>();
    CLI::App* l =
        key->add_subcommand("list", "List the zone's keys: tag, role, algorithm, flags, private part, file");
    l->add_option("--zone", list->zone, "zone whose keys to list")->required();
    l->add_option("--dir", list->dir, "directory holding the key files")->required();
    l->callback([list] { exit_status() = run_list(*list); });
}

}  // namespace danemail::app

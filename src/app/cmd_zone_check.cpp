// `danemail zone check [--zone NAME] FILE`: parses a master file (RFC 1035 §5) and runs the semantic checks
// of check_zone, printing each problem as "file:line:column: error: what" — the zone file is untrusted user
// input. Exit status 0 only when the zone has no errors; warnings alone do not fail it.
#include <CLI/CLI.hpp>
#include <cctype>
#include <cstdio>
#include <memory>
#include <optional>
#include <unordered_set>

#include "app/commands.h"
#include "base/file_io.h"
#include "dns/dnssec_rdata.h"
#include "dns/rdata.h"
#include "dns/zone_file.h"
#include "dns/zone_lexer.h"

namespace danemail::app {
namespace {

struct ZoneCheckOptions {
    std::string zone;
    std::string file;
    size_t max_errors = 50;
};

bool is_origin_directive(std::string_view word) {
    constexpr std::string_view kOrigin = "$ORIGIN";
    if (word.size() != kOrigin.size()) return false;
    for (size_t i = 0; i < word.size(); ++i)
        if (std::toupper(static_cast<unsigned char>(word[i])) != kOrigin[i]) return false;
    return true;
}

// The zone's name when --zone is not given: the owner of the first SOA record, read with the $ORIGIN in
// force there; failing that, the first $ORIGIN. Only the lexer runs, and only up to the SOA record.
Result<dns::Name> guess_origin(const std::string& file) {
    auto text = read_file(file);
    if (!text) return text.error();
    dns::ZoneLexer lexer(*text);
    dns::ZoneEntry entry;
    Error error;
    std::optional<dns::Name> origin, first_origin;
    dns::ZoneLexer::Next next;
    while ((next = lexer.next(entry, error)) != dns::ZoneLexer::Next::kEnd) {
        if (next == dns::ZoneLexer::Next::kError) continue;
        auto tokens = entry.tokens();
        const std::string& first = tokens[0].text;
        if (!entry.owner_omitted && is_origin_directive(first)) {
            if (tokens.size() < 2) continue;
            auto name = dns::Name::from_text(tokens[1].text, origin ? &*origin : nullptr);
            if (!name) continue;  // the real parse reports it
            origin = std::move(*name);
            if (!first_origin) first_origin = origin;
            continue;
        }
        size_t i = entry.owner_omitted ? 0 : 1;  // skip TTL and class to reach the type
        while (i < tokens.size() && (dns::parse_ttl(tokens[i].text) || dns::class_from_text(tokens[i].text)))
            ++i;
        if (i >= tokens.size() || dns::type_from_text(tokens[i].text) != dns::type::SOA) continue;
        if (entry.owner_omitted) break;
        auto owner = dns::Name::from_text(first, origin ? &*origin : nullptr);
        if (!owner)
            return make_error(file, "cannot tell the zone's name from the SOA owner '" + first + "' (" +
                                        owner.error().what + "); give it with --zone");
        return std::move(*owner);
    }
    if (first_origin) return std::move(*first_origin);
    return make_error(file, "no SOA record or $ORIGIN to take the zone's name from; give it with --zone");
}

void print_problem(const Error& e, const char* severity) {
    std::fprintf(stderr, "%s: %s: %s\n", e.where.c_str(), severity, e.what.c_str());
}

int run_zone_check(const ZoneCheckOptions& options) {
    dns::Name origin;
    if (!options.zone.empty()) {
        std::string text = options.zone;
        if (text.back() != '.') text += '.';  // --zone example.com means the absolute name
        auto name = dns::Name::from_text(text);
        if (!name) {
            std::fprintf(stderr, "--zone %s: error: %s\n", options.zone.c_str(), name.error().what.c_str());
            return 1;
        }
        origin = std::move(*name);
    } else {
        auto guessed = guess_origin(options.file);
        if (!guessed) {
            print_problem(guessed.error(), "error");
            return 1;
        }
        origin = std::move(*guessed);
    }

    dns::ZoneFileOptions parse_options;
    parse_options.origin = origin;
    parse_options.max_errors = options.max_errors;
    dns::ParsedZone zone = dns::parse_zone_file(options.file, parse_options);
    // Semantic checks are only meaningful once the whole file has been read.
    if (zone.errors.size() < options.max_errors) dns::check_zone(zone, origin);
    for (const auto& e : zone.errors) print_problem(e, "error");
    for (const auto& w : zone.warnings) print_problem(w, "warning");
    if (zone.errors.size() >= options.max_errors)
        std::fprintf(stderr, "%s: stopped after %zu errors\n", options.file.c_str(), zone.errors.size());

    std::string zone_name = origin.is_root() ? "." : origin.to_text().substr(0, origin.to_text().size() - 1);
    if (!zone.ok()) {
        std::fprintf(stderr, "zone %s: %zu error%s: FAILED\n", zone_name.c_str(), zone.errors.size(),
                     zone.errors.size() == 1 ? "" : "s");
        return 1;
    }
    std::unordered_set<dns::Name, dns::NameHash> names;
    uint32_t serial = 0;
    for (const auto& record : zone.records) {
        names.insert(record.owner);
        if (record.type == dns::type::SOA)
            if (auto soa = dns::SoaRdata::decode(record.rdata)) serial = soa->serial;
    }
    std::printf("zone %s: %zu records, %zu names, serial %u: OK\n", zone_name.c_str(), zone.records.size(),
                names.size(), serial);
    return 0;
}

}  // namespace

void add_zone_check_command(CLI::App& zone) {
    auto options = std::make_shared<ZoneCheckOptions>();
    CLI::App* check = zone.add_subcommand("check", "Parse a zone file and check it; print every error found");
    check->add_option("--zone,-z", options->zone,
                      "Zone name (default: the owner of its SOA record, else its first $ORIGIN)");
    check->add_option("--max-errors", options->max_errors, "Stop after this many errors")
        ->check(CLI::PositiveNumber);
    check->add_option("file", options->file, "Zone file (RFC 1035 master file)")->required();
    check->callback([options]() { exit_status() = run_zone_check(*options); });
}

}  // namespace danemail::app

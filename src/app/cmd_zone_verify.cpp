// `danemail zone verify`: checks a signed zone as dnssec-verify does and reports every problem with owner,
// type and reason. Exit status 0 only when the zone is valid at the given time.
#include <fmt/core.h>

#include <CLI/CLI.hpp>

#include "app/commands.h"
#include "app/zone_input.h"
#include "base/time.h"
#include "dns/dnssec_rdata.h"
#include "dnssec/key.h"
#include "dnssec/zone_verifier.h"

namespace danemail::app {
namespace {

struct VerifyArguments {
    std::string zone;
    std::string file;
    std::string time;
    std::string anchor;
    unsigned threads = 0;
};

// DS records from a trust-anchor file; DNSKEY records in it are turned into SHA-256 DS records.
std::optional<std::vector<dns::DsRdata>> load_anchors(const std::string& path, const dns::Name& apex) {
    auto records = load_zone(path, apex, false);
    if (!records) return std::nullopt;
    std::vector<dns::DsRdata> anchors;
    for (const auto& r : *records) {
        if (!(r.owner == apex)) continue;
        if (r.type == dns::type::DS) {
            if (auto ds = dns::DsRdata::decode(r.rdata)) anchors.push_back(*ds);
        } else if (r.type == dns::type::DNSKEY) {
            if (auto ds = dnssec::make_ds(apex, r.rdata, dnssec::digest::SHA256)) anchors.push_back(*ds);
        }
    }
    if (anchors.empty()) {
        fmt::print(stderr, "error: {} holds no DS or DNSKEY record for {}\n", path, apex.to_text());
        return std::nullopt;
    }
    return anchors;
}

int run_verify(const VerifyArguments& args) {
    auto apex = parse_zone_name(args.zone);
    if (!apex) return 2;
    dnssec::VerifyOptions options;
    options.threads = args.threads;
    if (!args.time.empty()) {
        auto t = parse_dnssec_time(args.time);
        if (!t) {
            fmt::print(stderr, "error: --time must be YYYYMMDDHHMMSS\n");
            return 2;
        }
        options.time = *t;
    }
    if (!args.anchor.empty()) {
        auto anchors = load_anchors(args.anchor, *apex);
        if (!anchors) return 1;
        options.anchors = std::move(*anchors);
    }
    auto records = load_zone(args.file, *apex, false);
    if (!records) return 1;

    dnssec::VerifyReport report = dnssec::verify_zone(std::move(*records), *apex, options);
    for (const auto& note : report.notes) fmt::print("{}\n", note);
    for (const auto& problem : report.problems) fmt::print(stderr, "error: {}\n", problem.to_string());
    std::string summary = fmt::format("zone {}: {} RRsets, {} signatures checked, {} chain of {} records",
                                      apex->to_text(), report.rrsets_checked, report.signatures_checked,
                                      report.uses_nsec3 ? "NSEC3" : "NSEC", report.denial_records);
    if (report.ok()) {
        fmt::print("{}: valid\n", summary);
        return 0;
    }
    fmt::print("{}: {} problem{}\n", summary, report.problems.size(), report.problems.size() == 1 ? "" : "s");
    return 1;
}

}  // namespace

void add_zone_verify_command(CLI::App& zone) {
    auto args = std::make_shared<VerifyArguments>();
    CLI::App* cmd =
        zone.add_subcommand("verify", "Verify a signed zone: signatures, validity, NSEC/NSEC3 chain");
    cmd->add_option("--zone", args->zone, "Zone name (the apex)")->required();
    cmd->add_option("FILE", args->file, "Signed zone file")->required();
    cmd->add_option("--time", args->time, "Check validity at this time (YYYYMMDDHHMMSS, UTC; default now)");
    cmd->add_option(
        "--anchor", args->anchor,
        "File with the zone's DS (or DNSKEY) records: a KSK matching one must sign the DNSKEY RRset");
    cmd->add_option("--threads", args->threads, "Verification threads (default: one per core)");
    cmd->callback([args] { exit_status() = run_verify(*args); });
}

}  // namespace danemail::app

// `danemail zone sign`: signs a zone file with the zone's keys from a key directory (BIND key files) and
// writes the signed zone atomically (temporary file, fsync, rename): on any error no output file appears.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <chrono>

#include "app/commands.h"
#include "app/zone_input.h"
#include "base/file_io.h"
#include "dns/zone_file.h"
#include "dnssec/key_file.h"
#include "dnssec/zone_signer.h"

namespace danemail::app {
namespace {

struct SignArguments {
    std::string zone;
    std::string keys;
    std::string out;
    std::string file;
    bool nsec3 = false;
    unsigned iterations = 0;
    std::string salt = "-";
    bool opt_out = false;
    bool cds = false;
    unsigned validity_days = 14;
    unsigned jitter_hours = 0;
    std::string serial = "keep";
    std::string time;
    unsigned threads = 0;
};

// Streams records into a file that appears, fsynced, only when everything was written.
class SignedZoneWriter {
public:
    Status open(const std::string& path) {
        buffer_.reserve(kFlushSize + 4096);
        return file_.open(path);
    }
    Status write(const dns::Record& record) {
        dns::append_record_line(buffer_, record);
        if (buffer_.size() < kFlushSize) return {};
        Status s = file_.write(buffer_);
        buffer_.clear();
        return s;
    }
    Status commit() {
        if (auto s = file_.write(buffer_); !s) return s;
        return file_.commit();
    }

private:
    static constexpr size_t kFlushSize = 1 << 20;
    AtomicFile file_;
    std::string buffer_;
};

int run_sign(const SignArguments& args) {
    auto apex = parse_zone_name(args.zone);
    if (!apex) return 2;

    dnssec::SigningPolicy policy;
    policy.use_nsec3 = args.nsec3;
    if (args.iterations > 65535 || (!args.nsec3 && (args.iterations || args.opt_out || args.salt != "-"))) {
        fmt::print(stderr,
                   "error: --iterations, --salt and --opt-out need --nsec3 (iterations at most 65535)\n");
        return 2;
    }
    policy.nsec3.iterations = static_cast<uint16_t>(args.iterations);
    policy.nsec3.opt_out = args.opt_out;
    if (args.salt != "-" && !args.salt.empty()) {
        auto salt = from_hex(args.salt);
        if (!salt || salt->size() > 255) {
            fmt::print(stderr, "error: --salt must be hex of at most 255 bytes, or '-' for none\n");
            return 2;
        }
        policy.nsec3.salt = std::move(*salt);
    }
    if (args.validity_days == 0 || args.validity_days > 3650) {
        fmt::print(stderr, "error: --validity must be 1..3650 days\n");
        return 2;
    }
    policy.validity = args.validity_days * 86400u;
    policy.jitter = args.jitter_hours * 3600u;
    if (policy.jitter >= policy.validity) {
        fmt::print(stderr, "error: --jitter must be shorter than --validity\n");
        return 2;
    }
    static const std::pair<const char*, dnssec::SerialPolicy> kSerials[] = {
        {"keep", dnssec::SerialPolicy::Keep},
        {"increment", dnssec::SerialPolicy::Increment},
        {"unixtime", dnssec::SerialPolicy::UnixTime},
        {"date", dnssec::SerialPolicy::Date}};
    bool serial_known = false;
    for (const auto& [name, value] : kSerials)
        if (args.serial == name) policy.serial = value, serial_known = true;
    if (!serial_known) {
        fmt::print(stderr, "error: --serial must be keep, increment, unixtime or date\n");
        return 2;
    }
    if (!args.time.empty()) {
        auto t = parse_dnssec_time(args.time);
        if (!t) {
            fmt::print(stderr, "error: --time must be YYYYMMDDHHMMSS\n");
            return 2;
        }
        policy.now = *t;
    }
    policy.threads = args.threads;
    policy.publish_cds = args.cds;

    auto keys = dnssec::read_zone_keys(args.keys, *apex);
    if (!keys) {
        fmt::print(stderr, "error: {}\n", keys.error().to_string());
        return 1;
    }
    if (keys->empty()) {
        fmt::print(stderr, "error: no keys for {} in {} (create them with `danemail key generate`)\n",
                   apex->to_text(), args.keys);
        return 1;
    }

    auto started = std::chrono::steady_clock::now();
    auto records = load_zone(args.file, *apex, true);
    if (!records) return 1;
    SignedZoneWriter writer;
    if (auto s = writer.open(args.out); !s) {
        fmt::print(stderr, "error: {}\n", s.error().to_string());
        return 1;
    }
    dnssec::SigningStats stats;
    auto write = [&writer](const dns::Record& r) { return writer.write(r); };
    Status signed_zone = dnssec::sign_zone_to(std::move(*records), *apex, *keys, policy, write, &stats);
    if (signed_zone) signed_zone = writer.commit();
    if (!signed_zone) {  // the writer's destructor removes the temporary file: no output appears
        fmt::print(stderr, "error: {}\n", signed_zone.error().to_string());
        return 1;
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    fmt::print("signed {}: {} RRsets, {} signatures, {} {} records, serial {}, {:.2f} s -> {}\n",
               apex->to_text(), stats.rrsets_signed, stats.signatures, stats.denial_records,
               args.nsec3 ? "NSEC3" : "NSEC", stats.serial, seconds, args.out);
    return 0;
}

}  // namespace

void add_zone_sign_command(CLI::App& zone) {
    auto args = std::make_shared<SignArguments>();
    CLI::App* cmd = zone.add_subcommand("sign", "Sign a zone file with the zone's keys (NSEC or NSEC3)");
    cmd->add_option("--zone", args->zone, "Zone name (the apex), e.g. example.com")->required();
    cmd->add_option("--keys", args->keys,
                    "Directory with the zone's BIND-format key files (K<zone>+*.key/.private)")
        ->required();
    cmd->add_option("--out", args->out, "Signed zone file to write (atomically)")->required();
    cmd->add_option("FILE", args->file, "Unsigned zone file")->required();
    auto* nsec3 = cmd->add_flag("--nsec3", args->nsec3, "Use NSEC3 (RFC 5155) instead of NSEC");
    cmd->add_option("--iterations", args->iterations, "NSEC3 extra hash iterations (RFC 9276: 0)")
        ->needs(nsec3);
    cmd->add_option("--salt", args->salt, "NSEC3 salt in hex, '-' for none (RFC 9276: none)")->needs(nsec3);
    cmd->add_flag("--opt-out", args->opt_out, "NSEC3 opt-out: leave insecure delegations out of the chain")
        ->needs(nsec3);
    cmd->add_flag("--cds", args->cds, "Publish CDS and CDNSKEY for the KSKs (RFC 7344), signed by the KSKs");
    cmd->add_option("--validity", args->validity_days, "Signature validity in days (default 14)");
    cmd->add_option("--jitter", args->jitter_hours,
                    "Spread expiry times back by up to this many hours (default: a tenth of the validity)");
    cmd->add_option("--serial", args->serial,
                    "SOA serial policy: keep, increment, unixtime or date (default keep)");
    cmd->add_option("--time", args->time, "Sign as of this time (YYYYMMDDHHMMSS, UTC) instead of now");
    cmd->add_option("--threads", args->threads, "Signing threads (default: one per core)");
    cmd->callback([args] { exit_status() = run_sign(*args); });
}

}  // namespace danemail::app

// The zone files and server configurations of the lab, written under the lab directory.
#include "app/lab_zone_files.h"

#include <ctime>
#include <filesystem>
#include <map>

#include "app/lab_keys.h"
#include "base/file_io.h"
#include "dns/dnssec_rdata.h"
#include "dns/zone_file.h"
#include "dnssec/zone_signer.h"

namespace danemail::app::lab {
namespace {

bool is_signed(const LabZone& zone) {
    return zone.signing != LabSigning::Unsigned;
}

Result<dns::Name> apex_of(const LabZone& zone) {
    return dns::Name::from_text(absolute_name(zone));
}

std::string line(const std::string& owner, const std::string& type, const std::string& rdata) {
    return owner + " " + std::to_string(kLabTtl) + " IN " + type + " " + rdata + "\n";
}

// The bogus zone's file: a presigned zone, because an inline signer would (rightly) never serve a bad
// signature.
Status write_broken_zone(const LabZone& zone, const ZonePaths& paths, const std::string& text,
                         const std::vector<dnssec::ZoneKey>& keys) {
    auto signed_text = signed_broken_zone(text, zone, keys);
    if (!signed_text) return signed_text.error();
    return write_file_atomic(paths.zone_file, *signed_text);
}

}  // namespace

std::string zone_text(const LabZone& zone, uint32_t serial, const std::vector<Delegation>& delegations,
                      const std::string& tlsa_rdata) {
    const std::string apex = absolute_name(zone);
    const std::string ns = name_server(zone);
    const std::string hostmaster = zone.name == "." ? "hostmaster." : "hostmaster." + apex;
    std::string text = "; danemail lab: " + apex + " (written by `danemail lab up`; edits are overwritten)\n";
    text += line(apex, "SOA",
                 ns + " " + hostmaster + " " + std::to_string(serial) + " 1800 900 604800 " +
                     std::to_string(kNegativeTtl));
    text += line(apex, "NS", ns);
    text += line(ns, "A", zone.address);
    if (!zone.mail_address.empty()) {
        const std::string mx = "mx." + apex;
        text += line(apex, "MX", "10 " + mx);
        text += line(apex, "TXT", "\"danemail lab provider " + zone.name + "\"");
        text += line(mx, "A", zone.mail_address);
        text += line("_25._tcp." + mx, "TLSA", tlsa_rdata);
        text += line("*.wild." + apex, "TXT", "\"wildcard\"");
    }
    for (const Delegation& delegation : delegations) {
        const std::string child = absolute_name(*delegation.child);
        const std::string child_ns = name_server(*delegation.child);
        text += "; delegation to " + child + (delegation.ds.empty() ? " (no DS: insecure)" : "") + "\n";
        text += line(child, "NS", child_ns);
        text += line(child_ns, "A", delegation.child->address);
        for (const LabDs& ds : delegation.ds) text += ds.zone_line(kLabTtl) + "\n";
    }
    return text;
}

Result<std::string> signed_broken_zone(const std::string& text, const LabZone& zone,
                                       const std::vector<dnssec::ZoneKey>& keys) {
    auto apex = apex_of(zone);
    if (!apex) return apex.error();
    dns::ZoneFileOptions options;
    options.origin = *apex;
    options.allow_include = false;
    dns::ParsedZone parsed = dns::parse_zone_text(text, zone.directory + ".zone", options);
    if (parsed.ok()) dns::check_zone(parsed, *apex);
    if (!parsed.ok()) return parsed.errors.front();
    dnssec::SigningPolicy policy;  // NSEC, 14 days: `lab up` signs it anew each time
    auto signed_records = dnssec::sign_zone(std::move(parsed.records), *apex, keys, policy);
    if (!signed_records) return signed_records.error();

    auto victim = dns::Name::from_text("mx." + absolute_name(zone));
    if (!victim) return victim.error();
    bool broken = false;
    for (dns::Record& record : *signed_records) {
        if (record.type != dns::type::RRSIG || !(record.owner == *victim)) continue;
        auto rrsig = dns::RrsigRdata::decode(record.rdata);
        if (!rrsig || rrsig->type_covered != dns::type::A || rrsig->signature.empty()) continue;
        rrsig->signature.back() ^= 0xff;  // still well-formed, no longer a valid signature
        record.rdata = rrsig->encode();
        broken = true;
    }
    if (!broken) return make_error(zone.name, "no RRSIG over " + victim->to_text() + " A to break");
    return "; danemail lab: " + apex->to_text() +
           " signed by `danemail lab up`, the RRSIG over mx A deliberately broken (bogus)\n" +
           dns::zone_to_text(*signed_records, *apex);
}

std::string server_config(const LabZone& zone, const ZonePaths& paths) {
    const std::string signing = zone.signing == LabSigning::Unsigned ? "off"
                                : zone.signing == LabSigning::Bogus  ? "presigned"
                                                                     : "inline";
    std::string text = "# danemail lab: the server of " + absolute_name(zone) +
                       " (written by `danemail lab up`; edits are overwritten)\n";
    text += "[dns]\nlisten = [\"" + zone.address + ":53\"]\nworkers = 1\nstate = \"state\"\n\n";
    text += "[[dns.zone]]\nname = \"" + zone.name + "\"\n";
    text += "file = \"" + std::filesystem::path(paths.zone_file).filename().string() + "\"\n";
    text += "signing = \"" + signing + "\"\n";
    if (zone.signing != LabSigning::Unsigned && zone.signing != LabSigning::Bogus)
        text += std::string("nsec3 = ") + (zone.signing == LabSigning::Nsec3 ? "true" : "false") + "\n";
    return text;
}

Result<LabAnchor> write_zone_files(const std::string& dir) {
    const uint32_t serial = static_cast<uint32_t>(std::time(nullptr));
    // Keys first: a parent's zone file carries its children's DS records.
    std::map<std::string, std::vector<dnssec::ZoneKey>> keys;
    std::map<std::string, std::vector<LabDs>> ds;
    for (const LabZone& zone : lab_zones()) {
        if (!is_signed(zone)) continue;
        auto apex = apex_of(zone);
        if (!apex) return apex.error();
        auto zone_keys = ensure_zone_keys(zone_paths(dir, zone).keys, *apex);
        if (!zone_keys) return zone_keys.error();
        auto records = ds_records(*zone_keys);
        if (!records) return make_error(zone.name, records.error().to_string());
        keys[zone.name] = std::move(*zone_keys);
        ds[zone.name] = std::move(*records);
    }
    for (const LabZone& zone : lab_zones()) {
        const ZonePaths paths = zone_paths(dir, zone);
        std::error_code ec;
        std::filesystem::create_directories(paths.state, ec);
        if (ec) return make_error(paths.state, "cannot create the folder: " + ec.message());
        std::string tlsa;
        if (!zone.mail_address.empty()) {
            auto made = ensure_mail_credentials(paths.mail, "mx." + zone.name);
            if (!made) return made.error();
            tlsa = std::move(*made);
        }
        std::vector<Delegation> delegations;
        for (const LabZone& child : lab_zones())
            if (child.parent == zone.name) delegations.push_back({&child, ds[child.name]});
        const std::string text = zone_text(zone, serial, delegations, tlsa);
        Status written = zone.signing == LabSigning::Bogus
                             ? write_broken_zone(zone, paths, text, keys[zone.name])
                             : write_file_atomic(paths.zone_file, text);
        if (!written) return written.error();
        if (auto s = write_file_atomic(paths.config, server_config(zone, paths)); !s) return s.error();
    }
    return LabAnchor{ds["."]};
}

}  // namespace danemail::app::lab

// Key state files: "Name: value" lines in the manner of BIND's .state files, ';' comments, times as
// YYYYMMDDHHMMSS (UTC, as RFC 4034 §3.2 writes RRSIG times and BIND writes key timing). The file is
// user-editable input: unknown names, repeated names, malformed values and a role that contradicts the
// key's SEP flag (RFC 4034 §2.1.1) are errors naming file:line.
#include "zone/key_state_file.h"

#include <charconv>
#include <filesystem>
#include <limits>
#include <map>

#include "base/file_io.h"
#include "dnssec/key_file.h"

namespace danemail::zone {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kRole = "Role", kDs = "DS", kDsChanged = "DSChanged", kDsSeen = "DSSeen",
                           kDsTtl = "DSTTL", kPredecessor = "Predecessor", kPhaseTtl = "PhaseTTL";

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

std::optional<uint64_t> parse_number(std::string_view text, uint64_t max) {
    uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value > max)
        return std::nullopt;
    return value;
}

std::string role_text(dnssec::KeyRole role) {
    return role == dnssec::KeyRole::Ksk ? "KSK" : "ZSK";
}

}  // namespace

std::string_view ds_state_to_text(DsState state) {
    switch (state) {
        case DsState::None:
            return "none";
        case DsState::Pending:
            return "pending";
        case DsState::Submitted:
            return "submitted";
        case DsState::Seen:
            return "seen";
        case DsState::Withdrawn:
            return "withdrawn";
    }
    return "none";
}

std::optional<DsState> ds_state_from_text(std::string_view text) {
    for (DsState s : {DsState::None, DsState::Pending, DsState::Submitted, DsState::Seen, DsState::Withdrawn})
        if (ds_state_to_text(s) == text) return s;
    return std::nullopt;
}

std::string key_state_file_name(const dnssec::ZoneKey& key) {
    return dnssec::key_file_base(key) + ".state";
}

std::string format_key_state(const KeyState& state, const dnssec::ZoneKey& key) {
    std::string out = "; danemail key state: " + role_text(state.role) + " " + std::to_string(key.tag) +
                      " of " + key.zone.to_text() + ". Timing is in the .key and .private files.\n";
    out += std::string(kRole) + ": " + role_text(state.role) + "\n";
    out += std::string(kDs) + ": " + std::string(ds_state_to_text(state.ds)) + "\n";
    if (state.ds_changed)
        out += std::string(kDsChanged) + ": " + format_dnssec_time(*state.ds_changed) + "\n";
    if (state.ds_seen) out += std::string(kDsSeen) + ": " + format_dnssec_time(*state.ds_seen) + "\n";
    if (state.ds_ttl) out += std::string(kDsTtl) + ": " + std::to_string(state.ds_ttl) + "\n";
    if (state.predecessor)
        out += std::string(kPredecessor) + ": " + std::to_string(*state.predecessor) + "\n";
    if (state.phase_ttl) out += std::string(kPhaseTtl) + ": " + std::to_string(state.phase_ttl) + "\n";
    return out;
}

Result<KeyState> parse_key_state(std::string_view text, const std::string& path) {
    KeyState state;
    std::map<std::string, size_t, std::less<>> seen;
    size_t line_number = 0;
    while (!text.empty()) {
        ++line_number;
        const size_t end = text.find('\n');
        std::string_view line = trim(text.substr(0, end));
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        if (line.empty() || line.front() == ';') continue;
        const std::string where = path + ":" + std::to_string(line_number);
        const size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0)
            return make_error(where, "expected 'Name: value', found '" + std::string(line) + "'");
        const std::string_view name = trim(line.substr(0, colon)), value = trim(line.substr(colon + 1));
        if (auto first = seen.find(name); first != seen.end())
            return make_error(where, std::string(name) + " appears twice (first at line " +
                                         std::to_string(first->second) + ")");
        seen.emplace(std::string(name), line_number);

        auto time_value = [&](std::optional<UnixTime>& out) -> Status {
            auto t = parse_dnssec_time(value);
            if (!t)
                return make_error(where, std::string(name) + " must be a UTC time YYYYMMDDHHMMSS, found '" +
                                             std::string(value) + "'");
            out = *t;
            return {};
        };
        auto ttl_value = [&](uint32_t& out) -> Status {
            auto n = parse_number(value, std::numeric_limits<uint32_t>::max());
            if (!n)
                return make_error(where, std::string(name) + " must be a number of seconds, found '" +
                                             std::string(value) + "'");
            out = static_cast<uint32_t>(*n);
            return {};
        };

        Status parsed;
        if (name == kRole) {
            if (value == "KSK")
                state.role = dnssec::KeyRole::Ksk;
            else if (value == "ZSK")
                state.role = dnssec::KeyRole::Zsk;
            else
                return make_error(where, "Role must be KSK or ZSK, found '" + std::string(value) + "'");
        } else if (name == kDs) {
            auto ds = ds_state_from_text(value);
            if (!ds)
                return make_error(where, "DS must be none, pending, submitted, seen or withdrawn, found '" +
                                             std::string(value) + "'");
            state.ds = *ds;
        } else if (name == kDsChanged) {
            parsed = time_value(state.ds_changed);
        } else if (name == kDsSeen) {
            parsed = time_value(state.ds_seen);
        } else if (name == kDsTtl) {
            parsed = ttl_value(state.ds_ttl);
        } else if (name == kPhaseTtl) {
            parsed = ttl_value(state.phase_ttl);
        } else if (name == kPredecessor) {
            auto tag = parse_number(value, std::numeric_limits<uint16_t>::max());
            if (!tag)
                return make_error(
                    where, "Predecessor must be a key tag (0-65535), found '" + std::string(value) + "'");
            state.predecessor = static_cast<uint16_t>(*tag);
        } else {
            return make_error(where, "unknown field '" + std::string(name) +
                                         "' (expected Role, DS, DSChanged, DSSeen, DSTTL, Predecessor, "
                                         "PhaseTTL)");
        }
        if (!parsed) return parsed.error();
    }
    if (!seen.count(kRole)) return make_error(path, "missing 'Role:' line");
    if (!seen.count(kDs)) return make_error(path, "missing 'DS:' line");
    if (state.role == dnssec::KeyRole::Zsk && state.ds != DsState::None)
        return make_error(path + ":" + std::to_string(seen.find(kDs)->second),
                          "a ZSK has no DS: DS must be none");
    if (state.role == dnssec::KeyRole::Ksk && state.ds == DsState::None)
        return make_error(path + ":" + std::to_string(seen.find(kDs)->second),
                          "a KSK's DS must be pending, submitted, seen or withdrawn");
    return state;
}

Result<std::optional<KeyState>> read_key_state(const std::string& dir, const dnssec::ZoneKey& key) {
    const std::string path = (fs::path(dir) / key_state_file_name(key)).string();
    std::error_code ec;
    if (!fs::exists(path, ec)) {
        if (ec) return make_error(path, "cannot check the key state file: " + ec.message());
        return std::optional<KeyState>();
    }
    auto text = read_file(path);
    if (!text) return text.error();
    auto state = parse_key_state(*text, path);
    if (!state) return state.error();
    const bool sep = key.is_ksk();
    if (sep != (state->role == dnssec::KeyRole::Ksk))
        return make_error(path, "Role " + role_text(state->role) + " contradicts the key's DNSKEY flags " +
                                    std::to_string(key.dnskey.flags) + " (SEP bit " +
                                    (sep ? "set" : "clear") + ")");
    return std::optional<KeyState>(std::move(*state));
}

Status write_key_state(const std::string& dir, const dnssec::ZoneKey& key, const KeyState& state) {
    return write_file_atomic((fs::path(dir) / key_state_file_name(key)).string(),
                             format_key_state(state, key), 0644);
}

}  // namespace danemail::zone

// BIND key files (the format of dnssec-keygen, read by dnssec-signzone, ldns and Knot's keymgr import):
// K<zone>+<alg>+<tag>.key holds comment lines and one DNSKEY record; .private holds "Name: value" lines
// (Private-key-format v1.3, base64 key numbers, YYYYMMDDHHMMSS timing as in RFC 4034 §3.2). Both files are
// untrusted input: every line is checked and errors name file:line. Private files are written 0600.
#include "dnssec/key_file.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>

#include "base/file_io.h"
#include "base/time.h"
#include "dns/rdata.h"
#include "dnssec/algorithm.h"

namespace danemail::dnssec {
namespace {

namespace fs = std::filesystem;

// Names BIND prints after the number on the "Algorithm:" line.
std::string bind_algorithm_name(uint8_t algorithm) {
    switch (algorithm) {
        case algorithm::RSASHA1_NSEC3_SHA1:
            return "NSEC3RSASHA1";
        default:
            return dns::algorithm_to_text(algorithm);
    }
}

std::string lower_ascii(std::string text) {
    for (char& c : text) c = static_cast<char>(dns::dns_tolower(static_cast<uint8_t>(c)));
    return text;
}

// The zone as it appears in file names: lower case (as BIND writes it), '/' escaped so a zone name can
// never reach into another directory.
std::string zone_file_text(const dns::Name& zone) {
    std::string out;
    for (char c : lower_ascii(zone.to_text())) {
        if (c == '/')
            out += "\\047";
        else
            out += c;
    }
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

std::string at_line(const std::string& path, size_t line) {
    return path + ":" + std::to_string(line);
}

// The timing fields, as BIND names them in both files.
struct TimingField {
    const char* name;
    std::optional<int64_t> ZoneKey::*member;
};
constexpr TimingField kTimingFields[] = {
    {"Created", &ZoneKey::created},   {"Publish", &ZoneKey::publish}, {"Activate", &ZoneKey::activate},
    {"Inactive", &ZoneKey::inactive}, {"Delete", &ZoneKey::remove},
};

std::string human_time(int64_t t) {
    std::time_t when = static_cast<std::time_t>(t);
    std::tm tm{};
    char text[64] = "";
    if (gmtime_r(&when, &tm)) std::strftime(text, sizeof text, "%a %b %e %H:%M:%S %Y UTC", &tm);
    return text;
}

// ---- .key ----

std::string key_file_text(const ZoneKey& key) {
    const char* kind = key.is_ksk() ? "key-signing" : "zone-signing";
    std::string out = "; This is a " + std::string(kind) + " key, keyid " + std::to_string(key.tag) +
                      ", for " + key.zone.to_text() + "\n";
    for (const TimingField& f : kTimingFields)
        if (const auto& t = key.*f.member)
            out += "; " + std::string(f.name) + ": " + format_dnssec_time(*t) + " (" + human_time(*t) + ")\n";
    // Numeric algorithm, as dnssec-keygen writes it: every reader accepts that.
    out += key.zone.to_text() + " IN DNSKEY " + std::to_string(key.dnskey.flags) + " " +
           std::to_string(key.dnskey.protocol) + " " + std::to_string(key.dnskey.algorithm) + " " +
           to_base64(key.dnskey.public_key) + "\n";
    return out;
}

// "; Created: 20261123125127 (...)" comments carry the timing of a key whose .private is absent.
void read_timing_comment(std::string_view comment, ZoneKey& key) {
    comment = trim(comment.substr(1));
    for (const TimingField& f : kTimingFields) {
        std::string prefix = std::string(f.name) + ": ";
        if (comment.substr(0, prefix.size()) != prefix) continue;
        if (auto t = parse_dnssec_time(comment.substr(prefix.size(), 14))) key.*f.member = *t;
    }
}

std::vector<dns::TextToken> tokenize(std::string_view line, size_t line_number) {
    std::vector<dns::TextToken> tokens;
    size_t pos = 0;
    while (pos < line.size()) {
        while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t' || line[pos] == '(' ||
                                     line[pos] == ')' || line[pos] == '\r'))
            ++pos;
        size_t start = pos;
        while (pos < line.size() && line[pos] != ' ' && line[pos] != '\t' && line[pos] != '(' &&
               line[pos] != ')' && line[pos] != '\r')
            ++pos;
        if (pos > start)
            tokens.push_back({std::string(line.substr(start, pos - start)), false,
                              static_cast<uint32_t>(line_number), static_cast<uint32_t>(start + 1)});
    }
    return tokens;
}

Result<ZoneKey> parse_key_file(const std::string& path, std::string_view text) {
    ZoneKey key;
    std::vector<dns::TextToken> record;
    size_t record_line = 0;
    bool in_parentheses = false;
    auto lines = split_lines(text);
    for (size_t i = 0; i < lines.size(); ++i) {
        std::string_view line = trim(lines[i]);
        if (!in_parentheses && line.empty()) continue;
        if (!in_parentheses && line.front() == ';') {
            read_timing_comment(line, key);
            continue;
        }
        line = line.substr(0, line.find(';'));  // a trailing comment, such as "; key id = 3613"
        if (!in_parentheses) {
            if (record_line != 0)
                return make_error(at_line(path, i + 1),
                                  "a .key file holds one DNSKEY record; found a second record");
            record_line = i + 1;
        }
        if (line.find('(') != std::string_view::npos) in_parentheses = true;
        if (line.find(')') != std::string_view::npos) in_parentheses = false;
        auto tokens = tokenize(line, i + 1);
        record.insert(record.end(), tokens.begin(), tokens.end());
    }
    if (in_parentheses)
        return make_error(at_line(path, record_line), "unbalanced parentheses in the DNSKEY record");
    if (record.empty()) return make_error(path, "no DNSKEY record found");

    const std::string where = at_line(path, record_line);
    auto owner = dns::Name::from_text(record[0].text);
    if (!owner) return make_error(where, "owner name must be absolute (end in '.'): " + owner.error().what);
    size_t i = 1;
    for (int optional_fields = 0; optional_fields < 2 && i < record.size(); ++optional_fields) {
        const std::string& t = record[i].text;
        if (lower_ascii(t) == "dnskey") break;
        if (dns::parse_ttl(t)) {
            ++i;
        } else if (auto rclass = dns::class_from_text(t)) {
            if (*rclass != dns::rrclass::IN) return make_error(where, "class must be IN, found " + t);
            ++i;
        }
    }
    if (i >= record.size() || lower_ascii(record[i].text) != "dnskey")
        return make_error(where, "expected '<zone>. [TTL] IN DNSKEY flags 3 algorithm key'");
    std::span<const dns::TextToken> rdata_tokens(record.data() + i + 1, record.size() - i - 1);
    auto rdata = dns::rdata_from_text(dns::type::DNSKEY, rdata_tokens, dns::Name());
    if (!rdata) return make_error(path + ":" + rdata.error().where, rdata.error().what);
    auto dnskey = dns::DnskeyRdata::decode(*rdata);
    if (!dnskey) return make_error(where, dnskey.error().what);
    if (dnskey->protocol != 3)
        return make_error(
            where, "DNSKEY protocol must be 3 (RFC 4034 §2.1.2), found " + std::to_string(dnskey->protocol));
    if (!(dnskey->flags & dns::DnskeyRdata::kZoneKeyFlag))
        return make_error(where, "DNSKEY flags " + std::to_string(dnskey->flags) +
                                     " lack the Zone Key bit (RFC 4034 §2.1.1): not a zone key");
    if (can_verify(dnskey->algorithm)) {
        auto public_key = PublicKey::from_dnskey(dnskey->algorithm, dnskey->public_key);
        if (!public_key) return make_error(where, public_key.error().what);
    }
    key.zone = std::move(*owner);
    key.tag = key_tag(*rdata);
    key.dnskey = std::move(*dnskey);
    return key;
}

// ---- .private ----

struct NumberField {
    const char* name;
    Bytes PrivateKeyMaterial::*member;
};
constexpr NumberField kRsaFields[] = {
    {"Modulus", &PrivateKeyMaterial::modulus},
    {"PublicExponent", &PrivateKeyMaterial::public_exponent},
    {"PrivateExponent", &PrivateKeyMaterial::private_exponent},
    {"Prime1", &PrivateKeyMaterial::prime1},
    {"Prime2", &PrivateKeyMaterial::prime2},
    {"Exponent1", &PrivateKeyMaterial::exponent1},
    {"Exponent2", &PrivateKeyMaterial::exponent2},
    {"Coefficient", &PrivateKeyMaterial::coefficient},
};
constexpr NumberField kPrivateKeyField = {"PrivateKey", &PrivateKeyMaterial::private_key};

bool is_rsa(uint8_t algorithm) {
    return algorithm == algorithm::RSASHA1 || algorithm == algorithm::RSASHA1_NSEC3_SHA1 ||
           algorithm == algorithm::RSASHA256 || algorithm == algorithm::RSASHA512;
}

Result<std::string> private_file_text(const ZoneKey& key) {
    auto material = key.private_key->material();
    if (!material) return material.error();
    const uint8_t alg = key.dnskey.algorithm;
    std::string out = "Private-key-format: v1.3\n";
    out += "Algorithm: " + std::to_string(alg) + " (" + bind_algorithm_name(alg) + ")\n";
    auto put = [&](const NumberField& f) {
        std::string value = to_base64(material.value().*f.member);
        out += std::string(f.name) + ": " + value + "\n";
        wipe_secret(value);
    };
    if (is_rsa(alg)) {
        for (const NumberField& f : kRsaFields) put(f);
    } else {
        put(kPrivateKeyField);
    }
    for (const TimingField& f : kTimingFields)
        if (const auto& t = key.*f.member) out += std::string(f.name) + ": " + format_dnssec_time(*t) + "\n";
    return out;
}

struct PrivateFile {
    uint8_t algorithm = 0;
    PrivateKeyMaterial material;
    std::map<std::string, int64_t> times;
};

Result<PrivateFile> parse_private_file(const std::string& path, std::string_view text) {
    PrivateFile file;
    bool have_format = false, have_algorithm = false;
    std::map<std::string, size_t> seen;
    auto lines = split_lines(text);
    for (size_t i = 0; i < lines.size(); ++i) {
        std::string_view line = trim(lines[i]);
        if (line.empty()) continue;
        const std::string where = at_line(path, i + 1);
        size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0)
            return make_error(where, "expected 'Name: value', found a line without a colon");
        const std::string name(trim(line.substr(0, colon)));
        const std::string_view value = trim(line.substr(colon + 1));
        if (!have_format && name != "Private-key-format")
            return make_error(where,
                              "not a BIND private key file: it must start with 'Private-key-format: v1.x'");
        if (seen.count(name))
            return make_error(where,
                              name + " appears twice (first at line " + std::to_string(seen[name]) + ")");
        seen[name] = i + 1;
        if (name == "Private-key-format") {
            if (value.substr(0, 3) != "v1.")
                return make_error(
                    where, "unsupported Private-key-format '" + std::string(value) + "', expected v1.x");
            have_format = true;
        } else if (name == "Algorithm") {
            auto number = dns::algorithm_from_text(value.substr(0, value.find(' ')));
            if (!number) return make_error(where, "invalid algorithm '" + std::string(value) + "'");
            file.algorithm = *number;
            have_algorithm = true;
        } else if (name == "Engine" || name == "Label") {
            return make_error(where,
                              "keys kept in a hardware security module (" + name + ") are not supported");
        } else {
            const NumberField* number = name == kPrivateKeyField.name ? &kPrivateKeyField : nullptr;
            for (const NumberField& f : kRsaFields)
                if (name == f.name) number = &f;
            const TimingField* timing = nullptr;
            for (const TimingField& f : kTimingFields)
                if (name == f.name) timing = &f;
            if (number) {
                auto bytes = from_base64(value);
                if (!bytes || bytes->empty()) return make_error(where, "invalid base64 in " + name);
                file.material.*number->member = std::move(*bytes);
            } else if (timing) {
                auto t = parse_dnssec_time(value);
                if (!t)
                    return make_error(
                        where, name + " must be a time YYYYMMDDHHMMSS, found '" + std::string(value) + "'");
                file.times[name] = *t;
            }
            // Anything else (Revoke, SyncPublish, DSPublish, ...) is BIND's own key-state metadata.
        }
    }
    if (!have_format) return make_error(path, "empty file: not a BIND private key file");
    if (!have_algorithm) return make_error(path, "missing 'Algorithm:' line");
    if (!is_rsa(file.algorithm) && file.material.private_key.empty())
        return make_error(path, "missing 'PrivateKey:' line");
    return file;
}

std::string strip_extension(const std::string& base) {
    for (std::string_view ext : {".key", ".private"})
        if (base.size() > ext.size() && base.compare(base.size() - ext.size(), ext.size(), ext) == 0)
            return base.substr(0, base.size() - ext.size());
    return base;
}

// "Kexample.com.+013+12345.key" → ("example.com.", true) when it has the shape of a key file name.
std::optional<std::string> zone_part_of_key_file_name(const std::string& file) {
    if (file.size() < 1 + 1 + 4 + 6 + 4 || file[0] != 'K' || file.compare(file.size() - 4, 4, ".key") != 0)
        return std::nullopt;
    const std::string stem = file.substr(0, file.size() - 4);
    const size_t tag_plus = stem.size() - 6, alg_plus = stem.size() - 10;
    if (stem[tag_plus] != '+' || stem[alg_plus] != '+') return std::nullopt;
    for (size_t i = alg_plus + 1; i < stem.size(); ++i)
        if (i != tag_plus && (stem[i] < '0' || stem[i] > '9')) return std::nullopt;
    return stem.substr(1, alg_plus - 1);
}

}  // namespace

std::string key_file_base(const ZoneKey& key) {
    char numbers[16];
    std::snprintf(numbers, sizeof numbers, "+%03u+%05u", static_cast<unsigned>(key.dnskey.algorithm),
                  static_cast<unsigned>(key.tag));
    return "K" + zone_file_text(key.zone) + numbers;
}

Result<std::string> write_key_files(const ZoneKey& key, const std::string& dir) {
    if (key.tag != key_tag(key.dnskey_rdata()))
        return make_error("key tag " + std::to_string(key.tag) + " does not match the DNSKEY (its tag is " +
                          std::to_string(key_tag(key.dnskey_rdata())) + ")");
    const std::string base = (fs::path(dir) / key_file_base(key)).string();
    // The private file first: a .key that is visible always has its .private beside it.
    if (key.private_key) {
        if (key.private_key->algorithm() != key.dnskey.algorithm)
            return make_error("private key algorithm does not match the DNSKEY algorithm");
        if (key.private_key->dnskey_public_key() != key.dnskey.public_key)
            return make_error("private key does not match the DNSKEY public key");
        auto text = private_file_text(key);
        if (!text) return text.error();
        Status written = write_file_atomic(base + ".private", *text, 0600);
        wipe_secret(*text);
        if (!written) return written.error();
    }
    if (auto written = write_file_atomic(base + ".key", key_file_text(key), 0644); !written)
        return written.error();
    return base;
}

Result<ZoneKey> parse_key_texts(std::string_view key_text, const std::string& key_path,
                                const std::string_view* private_text, const std::string& private_path) {
    auto key = parse_key_file(key_path, key_text);
    if (!key || !private_text) return key;
    auto parsed = parse_private_file(private_path, *private_text);
    if (!parsed) return parsed.error();
    if (parsed->algorithm != key->dnskey.algorithm)
        return make_error(private_path, "algorithm " + std::to_string(parsed->algorithm) +
                                            " does not match algorithm " +
                                            std::to_string(key->dnskey.algorithm) + " in " + key_path);
    auto private_key = PrivateKey::from_material(parsed->algorithm, parsed->material);
    if (!private_key) return make_error(private_path, private_key.error().what);
    if (private_key->dnskey_public_key() != key->dnskey.public_key)
        return make_error(private_path, "private key does not match public key in " + key_path);
    key->private_key = std::move(*private_key);
    for (const TimingField& f : kTimingFields) {
        auto t = parsed->times.find(f.name);
        if (t != parsed->times.end()) (*key).*f.member = t->second;
    }
    return key;
}

Result<ZoneKey> read_key_files(const std::string& base_or_file) {
    const std::string base = strip_extension(base_or_file);
    const std::string key_path = base + ".key", private_path = base + ".private";
    auto key_text = read_file(key_path);
    if (!key_text) return key_text.error();
    std::error_code ec;
    if (!fs::exists(private_path, ec)) return parse_key_texts(*key_text, key_path, nullptr, private_path);
    auto private_text = read_file(private_path);
    if (!private_text) return private_text.error();
    std::string_view private_view = *private_text;
    auto key = parse_key_texts(*key_text, key_path, &private_view, private_path);
    wipe_secret(*private_text);
    return key;
}

Result<std::vector<ZoneKey>> read_zone_keys(const std::string& dir, const dns::Name& zone) {
    const std::string wanted = zone_file_text(zone);
    std::vector<std::string> files;
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec) return make_error(dir, "cannot read key directory: " + ec.message());
    for (; it != fs::directory_iterator(); it.increment(ec)) {
        if (ec) return make_error(dir, "cannot read key directory: " + ec.message());
        const std::string file = it->path().filename().string();
        auto zone_part = zone_part_of_key_file_name(file);
        if (zone_part && lower_ascii(*zone_part) == wanted) files.push_back(file);
    }
    std::sort(files.begin(), files.end());  // a stable order for equal tags
    std::vector<ZoneKey> keys;
    for (const std::string& file : files) {
        auto key = read_key_files((fs::path(dir) / file).string());
        if (!key) return key.error();
        if (!(key->zone == zone))
            return make_error((fs::path(dir) / file).string(),
                              "holds a key for " + key->zone.to_text() + ", not for " + zone.to_text());
        keys.push_back(std::move(*key));
    }
    std::stable_sort(keys.begin(), keys.end(),
                     [](const ZoneKey& a, const ZoneKey& b) { return a.tag < b.tag; });
    return keys;
}

}  // namespace danemail::dnssec

// SVCB/HTTPS SvcParams (RFC 9460). Keys: mandatory(0), alpn(1), no-default-alpn(2), port(3), ipv4hint(4),
// ech(5), ipv6hint(6), dohpath(7, RFC 9461), ohttp(8, RFC 9540), and keyNNNNN for the rest.
#include "dns/svcb.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <map>

#include "dns/rdata.h"
#include "dns/rdata_wire.h"

namespace danemail::dns {
namespace {

constexpr std::string_view kKeyNames[] = {"mandatory", "alpn",     "no-default-alpn", "port", "ipv4hint",
                                          "ech",       "ipv6hint", "dohpath",         "ohttp"};

std::optional<uint16_t> key_from_text(std::string_view text) {
    for (size_t k = 0; k < std::size(kKeyNames); ++k)
        if (kKeyNames[k] == text) return static_cast<uint16_t>(k);
    if (text.size() > 3 && text.substr(0, 3) == "key") {
        unsigned v = 0;
        auto digits = text.substr(3);
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
        if (ec == std::errc() && end == digits.data() + digits.size() && v < 65535)
            return static_cast<uint16_t>(v);
    }
    return std::nullopt;
}

std::string key_to_text(uint16_t key) {
    if (key < std::size(kKeyNames)) return std::string(kKeyNames[key]);
    return "key" + std::to_string(key);
}

// Splits a comma-separated value; "\," is a literal comma inside an item (RFC 9460 Appendix A.1).
std::vector<std::string> split_list(std::string_view value) {
    std::vector<std::string> items(1);
    for (size_t i = 0; i < value.size(); ++i) {
        if (value[i] == '\\' && i + 1 < value.size() && (value[i + 1] == ',' || value[i + 1] == '\\')) {
            items.back().push_back(value[++i]);
        } else if (value[i] == ',') {
            items.emplace_back();
        } else {
            items.back().push_back(value[i]);
        }
    }
    return items;
}

Error error_at(const TextToken& t, std::string what) {
    return make_error(std::to_string(t.line) + ":" + std::to_string(t.column), std::move(what));
}

Result<Bytes> value_from_text(uint16_t key, std::string_view raw, const TextToken& t) {
    Bytes out;
    switch (key) {
        case 0: {  // mandatory: list of keys
            std::vector<uint16_t> keys;
            for (const auto& item : split_list(raw)) {
                auto k = key_from_text(item);
                if (!k || *k == 0) return error_at(t, "bad key '" + item + "' in mandatory");
                keys.push_back(*k);
            }
            std::sort(keys.begin(), keys.end());
            if (std::adjacent_find(keys.begin(), keys.end()) != keys.end())
                return error_at(t, "duplicate key in mandatory");
            for (uint16_t k : keys)
                out.insert(out.end(), {static_cast<uint8_t>(k >> 8), static_cast<uint8_t>(k)});
            return out;
        }
        case 1: {  // alpn: length-prefixed protocol ids
            auto unescaped = unescape_text(raw);
            if (!unescaped) return error_at(t, unescaped.error().what);
            for (const auto& item : split_list(*unescaped)) {
                if (item.empty() || item.size() > 255) return error_at(t, "bad alpn id length");
                out.push_back(static_cast<uint8_t>(item.size()));
                out.insert(out.end(), item.begin(), item.end());
            }
            return out;
        }
        case 2:
        case 8:
            if (!raw.empty()) return error_at(t, key_to_text(key) + " takes no value");
            return out;
        case 3: {
            unsigned port = 0;
            auto [end, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), port);
            if (ec != std::errc() || end != raw.data() + raw.size() || port > 65535)
                return error_at(t, "bad port '" + std::string(raw) + "'");
            out = {static_cast<uint8_t>(port >> 8), static_cast<uint8_t>(port)};
            return out;
        }
        case 4:
        case 6: {
            int family = key == 4 ? AF_INET : AF_INET6;
            for (const auto& item : split_list(raw)) {
                uint8_t buffer[16];
                if (inet_pton(family, item.c_str(), buffer) != 1)
                    return error_at(t, "bad address '" + item + "' in " + key_to_text(key));
                out.insert(out.end(), buffer, buffer + (key == 4 ? 4 : 16));
            }
            return out;
        }
        case 5: {
            auto data = from_base64(raw);
            if (!data) return error_at(t, "bad base64 in ech");
            return std::move(*data);
        }
        default: {
            auto unescaped = unescape_text(raw);
            if (!unescaped) return error_at(t, unescaped.error().what);
            return Bytes(unescaped->begin(), unescaped->end());
        }
    }
}

// One item of a comma-separated value (RFC 9460 Appendix A.1): ',' and '\' are escaped for the list first and
// the result is then escaped as a character-string, so the item a,b prints as a\\,b and a\b as a\\\\b.
std::string escape_list_item(std::string_view item) {
    std::string listed;
    for (char c : item) {
        if (c == ',' || c == '\\') listed += '\\';
        listed += c;
    }
    std::string quoted = quote_text(listed);
    return quoted.substr(1, quoted.size() - 2);
}

std::string value_to_text(uint16_t key, ByteView v) {
    std::string out;
    auto join = [&](const std::string& item) {
        if (!out.empty()) out += ',';
        out += item;
    };
    switch (key) {
        case 0:
            for (size_t p = 0; p + 1 < v.size(); p += 2)
                join(key_to_text(static_cast<uint16_t>(v[p] << 8 | v[p + 1])));
            return out;
        case 1:
            for (size_t p = 0; p < v.size(); p += 1 + v[p])
                join(escape_list_item(std::string_view(reinterpret_cast<const char*>(&v[p + 1]), v[p])));
            return "\"" + out + "\"";
        case 3:
            return std::to_string(v[0] << 8 | v[1]);
        case 4:
        case 6: {
            size_t n = key == 4 ? 4 : 16;
            for (size_t p = 0; p + n <= v.size(); p += n) {
                char buffer[INET6_ADDRSTRLEN];
                inet_ntop(key == 4 ? AF_INET : AF_INET6, &v[p], buffer, sizeof buffer);
                join(buffer);
            }
            return out;
        }
        case 5:
            return to_base64(v);
        default:
            return quote_text(std::string_view(reinterpret_cast<const char*>(v.data()), v.size()));
    }
}

// Checks a known key's value layout (RFC 9460 §7).
bool value_well_formed(uint16_t key, ByteView v) {
    switch (key) {
        case 0:
            if (v.empty() || v.size() % 2) return false;
            for (size_t p = 2; p + 1 < v.size(); p += 2)
                if ((v[p - 2] << 8 | v[p - 1]) >= (v[p] << 8 | v[p + 1])) return false;
            // §8: "mandatory" never lists itself; key 65535 is reserved (§14.3.2). Sorted: check the ends.
            return (v[0] << 8 | v[1]) != 0 && (v[v.size() - 2] << 8 | v[v.size() - 1]) != 65535;
        case 1: {
            if (v.empty()) return false;
            size_t p = 0;
            while (p < v.size()) {
                if (v[p] == 0 || p + 1 + v[p] > v.size()) return false;
                p += 1 + v[p];
            }
            return true;
        }
        case 2:
        case 8:
            return v.empty();
        case 3:
            return v.size() == 2;
        case 4:
            return !v.empty() && v.size() % 4 == 0;
        case 6:
            return !v.empty() && v.size() % 16 == 0;
        default:
            return true;
    }
}

// RFC 9460 §8: every key that "mandatory" lists must itself be present (Appendix D.3). `params` is otherwise
// valid: keys in increasing order, lengths in bounds, mandatory (key 0, if any) first.
Status check_mandatory_keys_present(ByteView params) {
    if (params.size() < 4 || params[0] != 0 || params[1] != 0) return {};
    ByteView listed = params.subspan(4, static_cast<size_t>(params[2] << 8 | params[3]));
    for (size_t k = 0; k + 1 < listed.size(); k += 2) {
        int wanted = listed[k] << 8 | listed[k + 1];
        bool present = false;
        for (size_t pos = 0; pos + 4 <= params.size() && !present;
             pos += 4 + static_cast<size_t>(params[pos + 2] << 8 | params[pos + 3]))
            present = (params[pos] << 8 | params[pos + 1]) == wanted;
        if (!present)
            return make_error("mandatory SvcParam " + key_to_text(static_cast<uint16_t>(wanted)) +
                              " is missing");
    }
    return {};
}

}  // namespace

Status validate_svc_params(ByteView params) {
    size_t pos = 0;
    int last_key = -1;
    while (pos < params.size()) {
        if (pos + 4 > params.size()) return make_error("truncated SvcParam header");
        int key = params[pos] << 8 | params[pos + 1];
        size_t len = static_cast<size_t>(params[pos + 2] << 8 | params[pos + 3]);
        if (key <= last_key) return make_error("SvcParam keys not in strictly increasing order");
        if (key == 65535) return make_error("reserved SvcParam key 65535");
        if (pos + 4 + len > params.size()) return make_error("SvcParam value runs past the end of the RDATA");
        if (!value_well_formed(static_cast<uint16_t>(key), params.subspan(pos + 4, len)))
            return make_error("malformed value for SvcParam " + key_to_text(static_cast<uint16_t>(key)));
        last_key = key;
        pos += 4 + len;
    }
    return check_mandatory_keys_present(params);
}

Result<Bytes> svc_params_from_text(std::span<const TextToken> tokens) {
    std::map<uint16_t, Bytes> params;
    for (const auto& t : tokens) {
        std::string_view text = t.text;
        auto eq = text.find('=');
        auto key = key_from_text(text.substr(0, eq));
        if (!key) return error_at(t, "unknown SvcParam key '" + std::string(text.substr(0, eq)) + "'");
        std::string_view raw = eq == std::string_view::npos ? std::string_view() : text.substr(eq + 1);
        // Keys whose value is a list or a number cannot be empty; "key65000=\"\"" is an empty opaque value.
        if (eq != std::string_view::npos && raw.empty() && (*key <= 1 || *key == 3 || *key == 4 || *key == 6))
            return error_at(t, "empty value for " + key_to_text(*key));
        auto value = value_from_text(*key, raw, t);
        if (!value) return value.error();
        if (!params.emplace(*key, std::move(*value)).second)
            return error_at(t, "SvcParam key " + key_to_text(*key) + " given twice");
    }
    Bytes out;
    for (const auto& [key, value] : params) {
        if (value.size() > 65535) return make_error("SvcParam value too long");
        out.insert(out.end(), {static_cast<uint8_t>(key >> 8), static_cast<uint8_t>(key),
                               static_cast<uint8_t>(value.size() >> 8), static_cast<uint8_t>(value.size())});
        out.insert(out.end(), value.begin(), value.end());
    }
    if (auto s = validate_svc_params(out); !s)
        return tokens.empty() ? s.error() : error_at(tokens[0], s.error().what);
    return out;
}

std::string svc_params_to_text(ByteView params) {
    std::string out;
    size_t pos = 0;
    while (pos + 4 <= params.size()) {
        uint16_t key = static_cast<uint16_t>(params[pos] << 8 | params[pos + 1]);
        size_t len = static_cast<size_t>(params[pos + 2] << 8 | params[pos + 3]);
        if (!out.empty()) out += ' ';
        out += key_to_text(key);
        // An empty value prints as the bare key, which is how it parses back (RFC 9460 §2.1).
        if (key != 2 && key != 8 && len > 0) out += "=" + value_to_text(key, params.subspan(pos + 4, len));
        pos += 4 + len;
    }
    return out;
}

}  // namespace danemail::dns

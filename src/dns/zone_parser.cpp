// Master-file parser (RFC 1035 §5.1, RFC 2308 §4 for $TTL): directives, owner/TTL/class/type fields and
// RDATA, turning untrusted zone-file text into Records with file:line:column for each, and reporting as
// many errors as options.max_errors allows in one run. $INCLUDE loops and depth are bounded.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>

#include "base/file_io.h"
#include "dns/rdata.h"
#include "dns/zone_file.h"
#include "dns/zone_lexer.h"

namespace danemail::dns {
namespace {

constexpr uint32_t kMaxTtl = 0x7FFFFFFF;  // RFC 2181 §8

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (dns_tolower(static_cast<uint8_t>(a[i])) != dns_tolower(static_cast<uint8_t>(b[i]))) return false;
    return true;
}

std::string directory_of(const std::string& path) {
    auto slash = path.rfind('/');
    if (slash == std::string::npos) return "";
    return path.substr(0, slash + 1);
}

// The canonical path of an existing file, for $INCLUDE loop detection; empty if it cannot be resolved.
std::string real_path(const std::string& path) {
    std::unique_ptr<char, decltype(&std::free)> resolved(::realpath(path.c_str(), nullptr), &std::free);
    return resolved ? std::string(resolved.get()) : std::string();
}

// Why `text` is not a TTL: out of range, or not a number with units at all.
std::string ttl_error(std::string_view text) {
    bool ttl_shaped = !text.empty() && is_digit(text[0]);
    for (char c : text)
        if (!is_digit(c) && std::string_view("smhdwSMHDW").find(c) == std::string_view::npos)
            ttl_shaped = false;
    if (ttl_shaped)
        return "TTL '" + std::string(text) + "' is above the maximum of 2147483647 seconds (RFC 2181 §8)";
    return "invalid TTL '" + std::string(text) + "'; expected seconds or units such as 1h30m";
}

// Error text quotes the user's tokens: control bytes become \DDD so that a message cannot rewrite the
// terminal, and a huge token (a base64 blob) is cut short.
std::string printable(std::string_view what) {
    constexpr size_t kMaxLength = 400;
    std::string out;
    for (unsigned char c : what.substr(0, kMaxLength)) {
        if (c < 0x20 || c == 0x7f) {
            out += '\\';
            out += static_cast<char>('0' + c / 100);
            out += static_cast<char>('0' + c / 10 % 10);
            out += static_cast<char>('0' + c % 10);
        } else {
            out += static_cast<char>(c);
        }
    }
    if (what.size() > kMaxLength) out += "...";
    return out;
}

class ZoneParser {
public:
    ZoneParser(const ZoneFileOptions& options, ParsedZone& zone) : options_(options), zone_(zone) {}

    // Parses one file's text; `directory` is where its relative $INCLUDE paths start ("" for the current
    // one).
    void parse(std::string_view text, uint32_t file, const std::string& directory, Name origin);

    std::vector<std::string> open_files;  // canonical paths of the files being read, outermost first

private:
    struct FileState {
        uint32_t file;
        const std::string& directory;
        Name origin;
        std::optional<Name> owner;  // the previous record's owner, for entries that omit it
    };

    bool stopped() const { return zone_.errors.size() >= options_.max_errors; }
    std::string where(const FileState& state, uint32_t line, uint32_t column) const {
        return zone_.files[state.file] + ":" + std::to_string(line) + ":" + std::to_string(column);
    }
    void error(const FileState& state, const TextToken& at, std::string what) {
        add_error(where(state, at.line, at.column), what);
    }
    void add_error(std::string at, std::string_view what) {
        if (!stopped()) zone_.errors.push_back(make_error(std::move(at), printable(what)));
    }

    void directive(FileState& state, std::span<const TextToken> tokens);
    void include(FileState& state, std::span<const TextToken> tokens);
    void record(FileState& state, std::span<const TextToken> tokens, bool owner_omitted);

    const ZoneFileOptions& options_;
    ParsedZone& zone_;
    ZoneEntry entry_;                     // one token buffer reused by every entry of every file
    std::optional<uint32_t> dollar_ttl_;  // $TTL, which stays in force across $INCLUDE as in BIND
    std::optional<uint32_t> last_ttl_;    // the previous record's TTL
};

void ZoneParser::parse(std::string_view text, uint32_t file, const std::string& directory, Name origin) {
    FileState state{file, directory, std::move(origin), std::nullopt};
    ZoneLexer lexer(text);
    Error lex_error;
    while (!stopped()) {
        ZoneLexer::Next next = lexer.next(entry_, lex_error);
        if (next == ZoneLexer::Next::kEnd) break;
        if (next == ZoneLexer::Next::kError) {
            add_error(zone_.files[file] + ":" + lex_error.where, lex_error.what);
            continue;
        }
        std::span<const TextToken> tokens = entry_.tokens();
        const TextToken& first = tokens[0];
        if (!first.quoted && !first.text.empty() && first.text[0] == '$') {
            if (entry_.owner_omitted) {
                error(state, first, "directive '" + first.text + "' must start at the beginning of its line");
                continue;
            }
            directive(state, tokens);
            continue;
        }
        record(state, tokens, entry_.owner_omitted);
    }
}

void ZoneParser::directive(FileState& state, std::span<const TextToken> tokens) {
    const TextToken& name = tokens[0];
    if (iequals(name.text, "$INCLUDE")) return include(state, tokens);

    bool is_origin = iequals(name.text, "$ORIGIN"), is_ttl = iequals(name.text, "$TTL");
    if (!is_origin && !is_ttl) {
        error(state, name, "unknown directive '" + name.text + "'; expected $ORIGIN, $TTL or $INCLUDE");
        return;
    }
    if (tokens.size() < 2) {
        error(state, name,
              name.text + (is_origin ? " needs a domain name" : " needs a TTL such as 3600 or 1h"));
        return;
    }
    if (tokens.size() > 2) {
        error(state, tokens[2],
              "unexpected '" + tokens[2].text + "' after " + name.text + " " + tokens[1].text);
        return;
    }
    const TextToken& value = tokens[1];
    if (is_origin) {
        // A relative $ORIGIN is relative to the one in force (as in BIND).
        auto origin = Name::from_text(value.text, &state.origin);
        if (!origin) return error(state, value, "bad $ORIGIN: " + origin.error().what);
        state.origin = std::move(*origin);
        return;
    }
    auto ttl = parse_ttl(value.text);
    if (!ttl || value.quoted) return error(state, value, ttl_error(value.text));
    dollar_ttl_ = *ttl;
}

// $INCLUDE <file> [<origin>] (RFC 1035 §5.1): the included file starts with the given (or current) origin
// and no previous owner; neither change leaks back into the including file.
void ZoneParser::include(FileState& state, std::span<const TextToken> tokens) {
    const TextToken& directive_token = tokens[0];
    if (!options_.allow_include) return error(state, directive_token, "$INCLUDE is not allowed here");
    if (tokens.size() < 2) return error(state, directive_token, "$INCLUDE needs a file name");
    if (tokens.size() > 3)
        return error(state, tokens[3], "unexpected '" + tokens[3].text + "' after $INCLUDE file and origin");
    const TextToken& path_token = tokens[1];
    Name origin = state.origin;
    if (tokens.size() == 3) {
        auto parsed = Name::from_text(tokens[2].text, &state.origin);
        if (!parsed) return error(state, tokens[2], "bad $INCLUDE origin: " + parsed.error().what);
        origin = std::move(*parsed);
    }
    // The path is copied: the token buffer is reused while the included file is read.
    std::string path = path_token.text;
    if (path.empty()) return error(state, path_token, "$INCLUDE needs a file name");
    if (path[0] != '/') path = state.directory + path;

    if (open_files.size() >= options_.max_include_depth)
        return error(state, path_token,
                     "$INCLUDE nested deeper than " + std::to_string(options_.max_include_depth) + " files");
    // Only regular files: a device or FIFO (/dev/zero) would never end.
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return error(state, path_token, "cannot $INCLUDE '" + path + "': " + std::strerror(errno));
    if (!S_ISREG(st.st_mode))
        return error(state, path_token, "cannot $INCLUDE '" + path + "': not a regular file");
    std::string canonical = real_path(path);
    for (const auto& open : open_files) {
        if (open == canonical) {
            std::string chain;
            for (const auto& f : open_files) chain += f + " -> ";
            return error(state, path_token,
                         "$INCLUDE loop: '" + path + "' is already being read (" + chain + canonical + ")");
        }
    }
    auto text = read_file(path);
    if (!text) return error(state, path_token, "cannot $INCLUDE '" + path + "': " + text.error().what);

    zone_.files.push_back(path);
    uint32_t file = static_cast<uint32_t>(zone_.files.size() - 1);
    open_files.push_back(canonical);
    parse(*text, file, directory_of(path), std::move(origin));
    open_files.pop_back();
}

void ZoneParser::record(FileState& state, std::span<const TextToken> tokens, bool owner_omitted) {
    const TextToken& first = tokens[0];
    size_t i = 0;
    if (owner_omitted) {
        if (!state.owner)
            return error(
                state, first,
                "the line starts with white space, so it takes the previous record's owner, but there "
                "is no previous record in this file");
    } else {
        auto owner = Name::from_text(first.text, &state.origin);
        if (!owner) return error(state, first, "bad owner name: " + owner.error().what);
        state.owner = std::move(*owner);
        i = 1;
    }

    // [TTL] [class] in either order (RFC 1035 §5.1), then the type.
    std::optional<uint32_t> ttl;
    bool have_class = false;
    while (i < tokens.size() && !tokens[i].quoted) {
        const TextToken& t = tokens[i];
        if (!ttl && !t.text.empty() && is_digit(t.text[0])) {
            ttl = parse_ttl(t.text);
            if (!ttl) return error(state, t, ttl_error(t.text));
            ++i;
        } else if (auto rclass = have_class ? std::nullopt : class_from_text(t.text)) {
            if (*rclass != rrclass::IN)
                return error(state, t, "class " + class_to_text(*rclass) + " is not supported; expected IN");
            have_class = true;
            ++i;
        } else {
            break;
        }
    }
    if (i >= tokens.size())
        return error(state, tokens.back(),
                     "missing RR type after '" + tokens.back().text + "'; expected [TTL] [class] type RDATA");
    const TextToken& type_token = tokens[i];
    auto type = type_token.quoted ? std::nullopt : type_from_text(type_token.text);
    if (!type)
        return error(state, type_token,
                     "unknown RR type '" + type_token.text + "'; expected a type such as A, MX or TYPE65534");
    if (is_meta_type(*type))
        return error(state, type_token,
                     "type " + type_to_text(*type) + " is a meta or question type and cannot be in a zone");

    auto rdata = rdata_from_text(*type, tokens.subspan(i + 1), state.origin);
    if (!rdata) {
        const Error& e = rdata.error();
        std::string at = e.where.empty() ? where(state, type_token.line, type_token.column)
                                         : zone_.files[state.file] + ":" + e.where;
        add_error(std::move(at), "bad " + type_to_text(*type) + " RDATA: " + e.what);
        return;
    }

    // RFC 2308 §4 as BIND applies it: an explicit TTL, else $TTL, else the previous record's, else the
    // default.
    uint32_t record_ttl = ttl           ? *ttl
                          : dollar_ttl_ ? *dollar_ttl_
                          : last_ttl_   ? *last_ttl_
                                        : options_.default_ttl;
    if (record_ttl > kMaxTtl)
        return error(state, first, "default TTL above 2147483647 seconds (RFC 2181 §8)");
    last_ttl_ = record_ttl;

    zone_.records.push_back(Record{*state.owner, *type, rrclass::IN, record_ttl, std::move(*rdata)});
    zone_.locations.push_back(SourceLocation{state.file, first.line, first.column});
}

}  // namespace

std::string ParsedZone::where(size_t record_index) const {
    if (record_index >= locations.size()) return {};
    const SourceLocation& at = locations[record_index];
    std::string file = at.file < files.size() ? files[at.file] : std::string();
    return file + ":" + std::to_string(at.line) + ":" + std::to_string(at.column);
}

ParsedZone parse_zone_file(const std::string& path, const ZoneFileOptions& options) {
    ParsedZone zone;
    zone.files.push_back(path);
    auto text = read_file(path);
    if (!text) {
        zone.errors.push_back(make_error(path, text.error().what));
        return zone;
    }
    // One record a line is the common layout of large (signed) zone files: room for that many records
    // saves growing the vectors step by step. Whatever a layout with many lines per record leaves unused is
    // given back at the end.
    const size_t lines = static_cast<size_t>(std::count(text->begin(), text->end(), '\n')) + 1;
    zone.records.reserve(lines);
    zone.locations.reserve(lines);
    ZoneParser parser(options, zone);
    parser.open_files.push_back(real_path(path));
    parser.parse(*text, 0, directory_of(path), options.origin);
    if (zone.records.capacity() - zone.records.size() > zone.records.size() / 8) {
        zone.records.shrink_to_fit();
        zone.locations.shrink_to_fit();
    }
    return zone;
}

ParsedZone parse_zone_text(std::string_view text, const std::string& display_name,
                           const ZoneFileOptions& options) {
    ParsedZone zone;
    zone.files.push_back(display_name);
    ZoneParser parser(options, zone);
    parser.open_files.push_back("<text>");  // counts toward the depth; never equal to a canonical path
    parser.parse(text, 0, "", options.origin);
    return zone;
}

}  // namespace danemail::dns

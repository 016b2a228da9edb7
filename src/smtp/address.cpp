// SMTP paths (RFC 5321 §4.1.2, RFC 6531 §3.3): the reverse-path of MAIL FROM and the forward-path of RCPT TO,
// read from untrusted client input. The grammar is followed exactly, so "u%ext@local", "ext!u@local" and
// "\"u@ext\"@local" are local parts of our own domain and never relay, while source routes, a second '@'
// outside quotes and address literals are refused with the reason (the text of a 501 reply).
#include "smtp/address.h"

#include "smtp/command.h"

#include <cstdint>

namespace danemail::smtp {

namespace {

constexpr size_t kMaxPath = 256;      // RFC 5321 §4.5.3.1.3, including the angle brackets
constexpr size_t kMaxLocalPart = 64;  // §4.5.3.1.1, as written (quotes included)
constexpr size_t kMaxDomain = 255;    // §4.5.3.1.2
constexpr size_t kMaxLabel = 63;      // RFC 1035 §2.3.4

Error syntax_error(std::string what) {
    return make_error("address", std::move(what));
}

bool is_alpha_digit(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// RFC 5322 §3.2.3 atext, as RFC 5321 §4.1.2 Atom uses it.
bool is_atext(unsigned char c) {
    constexpr std::string_view kSpecials = "!#$%&'*+-/=?^_`{|}~";
    return is_alpha_digit(c) || kSpecials.find(static_cast<char>(c)) != std::string_view::npos;
}

// RFC 5321 §4.1.2 qtextSMTP: printable ASCII except '"' and '\'.
bool is_qtext(unsigned char c) {
    return c >= 32 && c <= 126 && c != '"' && c != '\\';
}

// The length of the well-formed UTF-8 sequence (RFC 3629 §4, no overlongs or surrogates) starting at
// text[at] with a non-ASCII lead byte, or 0.
size_t utf8_sequence(std::string_view text, size_t at) {
    auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
    unsigned char lead = byte(at);
    size_t length = lead >= 0xC2 && lead <= 0xDF   ? 2
                    : lead >= 0xE0 && lead <= 0xEF ? 3
                    : lead >= 0xF0 && lead <= 0xF4 ? 4
                                                   : 0;
    if (length == 0 || at + length > text.size()) return 0;
    for (size_t i = 1; i < length; ++i)
        if ((byte(at + i) & 0xC0) != 0x80) return 0;
    unsigned char second = byte(at + 1);
    if (lead == 0xE0 && second < 0xA0) return 0;  // overlong
    if (lead == 0xED && second > 0x9F) return 0;  // UTF-16 surrogates
    if (lead == 0xF0 && second < 0x90) return 0;  // overlong
    if (lead == 0xF4 && second > 0x8F) return 0;  // above U+10FFFF
    return length;
}

// Dot-string = Atom *("." Atom) (RFC 5321 §4.1.2); with SMTPUTF8, atext includes UTF8-non-ascii
// (RFC 6531 §3.3).
bool is_dot_string(std::string_view text, bool smtputf8) {
    if (text.empty() || text.front() == '.' || text.back() == '.') return false;
    for (size_t i = 0; i < text.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        if (c == '.') {
            if (text[i - 1] == '.') return false;
        } else if (c >= 0x80) {
            size_t length = smtputf8 ? utf8_sequence(text, i) : 0;
            if (length == 0) return false;
            i += length - 1;
        } else if (!is_atext(c)) {
            return false;
        }
    }
    return true;
}

// Reads the local part at the start of `text` up to the '@' (exclusive). Sets `local_part` to its value
// (unquoted) and returns the number of octets read.
Result<size_t> read_local_part(std::string_view text, const PathOptions& options, std::string& local_part) {
    if (!text.empty() && text.front() == '"') {
        // Quoted-string = DQUOTE *QcontentSMTP DQUOTE; quoted-pairSMTP = "\" %d32-126.
        for (size_t i = 1; i < text.size(); ++i) {
            unsigned char c = static_cast<unsigned char>(text[i]);
            if (c == '"') {
                if (local_part.empty()) return syntax_error("empty quoted local part");
                return i + 1;
            }
            if (c == '\\') {
                if (i + 1 >= text.size()) break;
                unsigned char escaped = static_cast<unsigned char>(text[i + 1]);
                if (escaped < 32 || escaped > 126) return syntax_error("invalid quoted pair in local part");
                local_part.push_back(static_cast<char>(escaped));
                ++i;
            } else if (is_qtext(c)) {
                local_part.push_back(static_cast<char>(c));
            } else if (c >= 0x80 && options.smtputf8) {
                size_t length = utf8_sequence(text, i);
                if (length == 0) return syntax_error("invalid UTF-8 in local part");
                local_part.append(text.substr(i, length));
                i += length - 1;
            } else {
                return syntax_error(c >= 0x80 ? "non-ASCII local part without SMTPUTF8"
                                              : "invalid character in quoted local part");
            }
        }
        return syntax_error("unbalanced quote in local part");
    }
    size_t at = text.find('@');
    std::string_view dot_string = text.substr(0, at);
    if (dot_string.empty()) return syntax_error("empty local part");
    if (!is_dot_string(dot_string, options.smtputf8)) {
        for (char c : dot_string)
            if (static_cast<unsigned char>(c) >= 0x80 && !options.smtputf8)
                return syntax_error("non-ASCII local part without SMTPUTF8");
        return syntax_error("invalid local part");
    }
    local_part.assign(dot_string);
    return dot_string.size();
}

// Domain = sub-domain *("." sub-domain); sub-domain = Let-dig [Ldh-str] (RFC 5321 §4.1.2), with U-labels
// under SMTPUTF8 (RFC 6531 §3.3). Returns it lower-cased (ASCII letters only).
Result<std::string> read_domain(std::string_view text, const PathOptions& options) {
    if (text.empty()) return syntax_error("empty domain");
    if (text.front() == '[') return syntax_error("address literals are not accepted");
    if (text.find('@') != std::string_view::npos) return syntax_error("more than one '@' in address");
    if (text.size() > kMaxDomain) return syntax_error("domain too long");
    std::string domain;
    domain.reserve(text.size());
    size_t label_start = 0;
    for (size_t i = 0; i <= text.size(); ++i) {
        if (i == text.size() || text[i] == '.') {
            size_t length = i - label_start;
            if (length == 0) return syntax_error("empty label in domain");
            if (length > kMaxLabel) return syntax_error("label too long in domain");
            if (text[label_start] == '-' || text[i - 1] == '-')
                return syntax_error("domain label starts or ends with '-'");
            if (i < text.size()) domain.push_back('.');
            label_start = i + 1;
            continue;
        }
        unsigned char c = static_cast<unsigned char>(text[i]);
        if (c >= 0x80) {
            if (!options.smtputf8) return syntax_error("non-ASCII domain without SMTPUTF8");
            size_t length = utf8_sequence(text, i);
            if (length == 0) return syntax_error("invalid UTF-8 in domain");
            domain.append(text.substr(i, length));
            i += length - 1;
        } else if (is_alpha_digit(c) || c == '-') {
            domain.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
        } else {
            return syntax_error("invalid character in domain");
        }
    }
    return domain;
}

}  // namespace

std::string Mailbox::to_string() const {
    if (local_part.empty() && domain.empty()) return {};
    if (domain.empty()) return local_part;  // "postmaster" (RFC 5321 §4.1.1.3)
    std::string out;
    // Anything that is no Dot-string goes back into quotes (non-ASCII counts as atext: it can only have
    // been accepted under SMTPUTF8).
    if (is_dot_string(local_part, true)) {
        out = local_part;
    } else {
        out.push_back('"');
        for (char c : local_part) {
            if (c == '"' || c == '\\') out.push_back('\\');
            out.push_back(c);
        }
        out.push_back('"');
    }
    out.push_back('@');
    out += domain;
    return out;
}

Result<Mailbox> parse_path(std::string_view text, const PathOptions& options) {
    if (text.size() > kMaxPath) return syntax_error("path too long");
    if (text.size() < 2 || text.front() != '<' || text.back() != '>')
        return syntax_error("address must be enclosed in <>");
    std::string_view inner = text.substr(1, text.size() - 2);
    if (inner.empty()) return syntax_error("empty address");
    // RFC 5321 §4.1.1.3: "<Postmaster>" without a domain (any case) must be accepted (§4.5.1); the domain is
    // left empty for the receiver to fill in with its own.
    if (equals_ignoring_case(inner, "postmaster")) return Mailbox{"postmaster", ""};
    // RFC 5321 §4.1.1.3 and Appendix C: source routes may be ignored; we refuse them outright.
    if (inner.front() == '@') return syntax_error("source routes are not accepted");

    Mailbox mailbox;
    auto local_length = read_local_part(inner, options, mailbox.local_part);
    if (!local_length) return local_length.error();
    if (*local_length > kMaxLocalPart) return syntax_error("local part too long");
    if (*local_length >= inner.size() || inner[*local_length] != '@') {
        if (*local_length >= inner.size()) return syntax_error("address has no domain");
        return syntax_error("invalid local part");
    }
    auto domain = read_domain(inner.substr(*local_length + 1), options);
    if (!domain) return domain.error();
    mailbox.domain = std::move(*domain);
    return mailbox;
}

Result<Mailbox> parse_reverse_path(std::string_view text, const PathOptions& options) {
    if (text == "<>") return Mailbox{};
    return parse_path(text, options);
}

}  // namespace danemail::smtp

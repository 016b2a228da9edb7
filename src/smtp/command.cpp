// SMTP command-line parsing (RFC 5321 §4.1.1 verbs, §4.1.2 path arguments and ESMTP parameters, RFC 3030
// §2 BDAT): splits one untrusted line into views. Semantics — which parameters a command accepts, what a
// path means — belong to the session; this file only knows the syntax.
#include "smtp/command.h"

#include <array>

namespace danemail::smtp {

namespace {

char to_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

bool is_alpha_digit(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

struct VerbName {
    std::string_view name;
    Verb verb;
};

constexpr std::array<VerbName, 14> kVerbs{{
    {"helo", Verb::Helo},
    {"ehlo", Verb::Ehlo},
    {"mail", Verb::Mail},
    {"rcpt", Verb::Rcpt},
    {"data", Verb::Data},
    {"bdat", Verb::Bdat},
    {"rset", Verb::Rset},
    {"noop", Verb::Noop},
    {"quit", Verb::Quit},
    {"vrfy", Verb::Vrfy},
    {"expn", Verb::Expn},
    {"help", Verb::Help},
    {"starttls", Verb::StartTls},
    {"auth", Verb::Auth},
}};

Error syntax_error(std::string what) {
    return make_error("command", std::move(what));
}

// esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
bool is_esmtp_keyword(std::string_view text) {
    if (text.empty() || !is_alpha_digit(text.front())) return false;
    for (char c : text)
        if (!is_alpha_digit(c) && c != '-') return false;
    return true;
}

// esmtp-value = 1*(%d33-60 / %d62-126), and UTF8-non-ascii under RFC 6531 §3.3.
bool is_esmtp_value(std::string_view text) {
    if (text.empty()) return false;
    for (char c : text) {
        unsigned char u = static_cast<unsigned char>(c);
        if (u < 33 || u == '=' || u == 127) return false;
    }
    return true;
}

}  // namespace

bool equals_ignoring_case(std::string_view text, std::string_view keyword) {
    if (text.size() != keyword.size()) return false;
    for (size_t i = 0; i < text.size(); ++i)
        if (to_lower(text[i]) != to_lower(keyword[i])) return false;
    return true;
}

CommandLine parse_command_line(std::string_view line) {
    CommandLine command;
    size_t space = line.find(' ');
    std::string_view verb = line.substr(0, space);
    for (const auto& entry : kVerbs) {
        if (equals_ignoring_case(verb, entry.name)) {
            command.verb = entry.verb;
            break;
        }
    }
    if (space != std::string_view::npos) {
        std::string_view argument = line.substr(space + 1);
        while (!argument.empty() && is_blank(argument.back())) argument.remove_suffix(1);
        command.argument = argument;
    }
    return command;
}

Result<PathArgument> parse_path_argument(std::string_view argument, std::string_view keyword) {
    if (argument.size() < keyword.size() ||
        !equals_ignoring_case(argument.substr(0, keyword.size()), keyword))
        return syntax_error("expected " + std::string(keyword) + "<address>");
    std::string_view rest = argument.substr(keyword.size());
    if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    if (rest.empty() || rest.front() != '<') return syntax_error("address must be enclosed in <>");

    // The path ends at the first '>' outside a Quoted-string (RFC 5321 §4.1.2); a quoted local part may
    // hold '>' and SP.
    size_t end = std::string_view::npos;
    bool quoted = false;
    for (size_t i = 1; i < rest.size(); ++i) {
        char c = rest[i];
        if (quoted && c == '\\') {
            ++i;
        } else if (c == '"') {
            quoted = !quoted;
        } else if (c == '>' && !quoted) {
            end = i;
            break;
        }
    }
    if (end == std::string_view::npos) return syntax_error("unterminated address (no '>')");

    PathArgument result;
    result.path = rest.substr(0, end + 1);
    std::string_view parameters = rest.substr(end + 1);
    if (!parameters.empty() && parameters.front() != ' ') return syntax_error("garbage after the address");
    // Mail-parameters = esmtp-param *(SP esmtp-param); extra blanks between them are tolerated.
    while (!parameters.empty()) {
        while (!parameters.empty() && parameters.front() == ' ') parameters.remove_prefix(1);
        if (parameters.empty()) break;
        size_t space = parameters.find(' ');
        std::string_view parameter = parameters.substr(0, space);
        parameters.remove_prefix(space == std::string_view::npos ? parameters.size() : space);
        EsmtpParameter parsed;
        size_t equals = parameter.find('=');
        parsed.keyword = parameter.substr(0, equals);
        if (!is_esmtp_keyword(parsed.keyword)) return syntax_error("malformed parameter keyword");
        if (equals != std::string_view::npos) {
            parsed.value = parameter.substr(equals + 1);
            parsed.has_value = true;
            if (!is_esmtp_value(parsed.value)) return syntax_error("malformed parameter value");
        }
        result.parameters.push_back(parsed);
    }
    return result;
}

Result<BdatArgument> parse_bdat_argument(std::string_view argument) {
    BdatArgument result;
    size_t space = argument.find(' ');
    std::string_view digits = argument.substr(0, space);
    // 19 digits always fit in 64 bits; a chunk that large is refused by the size limit anyway.
    if (digits.empty() || digits.size() > 19) return syntax_error("BDAT needs a chunk size");
    for (char c : digits) {
        if (c < '0' || c > '9') return syntax_error("BDAT chunk size must be a number");
        result.size = result.size * 10 + static_cast<uint64_t>(c - '0');
    }
    if (space != std::string_view::npos) {
        if (!equals_ignoring_case(argument.substr(space + 1), "LAST"))
            return syntax_error("BDAT takes a size and optionally LAST");
        result.last = true;
    }
    return result;
}

}  // namespace danemail::smtp

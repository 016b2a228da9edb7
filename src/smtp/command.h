// SMTP command lines as a server reads them (RFC 5321 §4.1.1, §4.1.2): the verb, its argument, the path
// argument of MAIL FROM / RCPT TO with its ESMTP parameters, and the BDAT argument (RFC 3030 §2). Input is
// one untrusted line without its CRLF; the results are views into it, so nothing is copied.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace danemail::smtp {

enum class Verb : uint8_t {
    Helo,
    Ehlo,
    Mail,
    Rcpt,
    Data,
    Bdat,
    Rset,
    Noop,
    Quit,
    Vrfy,
    Expn,
    Help,
    StartTls,
    Auth,
    Unknown
};

struct CommandLine {
    Verb verb = Verb::Unknown;
    std::string_view argument;  // after the verb and one SP, trailing blanks removed; empty when none
};

// Verbs match case-insensitively (RFC 5321 §2.4). The verb ends at the first SP; a verb glued to other
// characters ("MAILFROM:") is Unknown.
CommandLine parse_command_line(std::string_view line);

// An esmtp-param (RFC 5321 §4.1.2): esmtp-keyword ["=" esmtp-value].
struct EsmtpParameter {
    std::string_view keyword;
    std::string_view value;
    bool has_value = false;
};

struct PathArgument {
    std::string_view path;  // "<...>" including the brackets, for parse_path / parse_reverse_path
    std::vector<EsmtpParameter> parameters;
};

// "FROM:<a@b> SIZE=100" for keyword "FROM:" (or "TO:<a@b>" for "TO:"). The keyword matches
// case-insensitively; one SP after the colon is tolerated, as many clients send it. The path ends at the
// first '>' outside a quoted string. Errors: missing keyword, no '<', unterminated path, malformed
// parameters (RFC 6531 §3.3 lets values carry UTF-8).
Result<PathArgument> parse_path_argument(std::string_view argument, std::string_view keyword);

// Whether `text` equals `keyword` ignoring ASCII case.
bool equals_ignoring_case(std::string_view text, std::string_view keyword);

// "BDAT" SP chunk-size [SP end-marker] (RFC 3030 §2): chunk-size = 1*DIGIT, end-marker = "LAST".
struct BdatArgument {
    uint64_t size = 0;
    bool last = false;
};
Result<BdatArgument> parse_bdat_argument(std::string_view argument);

}  // namespace danemail::smtp

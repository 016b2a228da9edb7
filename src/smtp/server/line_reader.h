// Frames SMTP command lines (and SASL responses) out of untrusted client bytes: only CRLF ends a line
// (RFC 5321 §2.3.8); a bare CR or LF is either a protocol error or, with LineEndingPolicy::Normalize, a line
// end. Lines longer than the limit (RFC 5321 §4.5.3.1.4; RFC 4954 §4 for AUTH) are discarded up to their end
// and reported as too long, so the buffer never grows past the limit.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "smtp/server/session.h"

namespace danemail::smtp {

struct Line {
    std::string_view text;          // without its line ending; truncated when too_long
    bool bare_line_ending = false;  // Reject policy: a bare CR or LF was inside or ended the line
    bool too_long = false;
};

class LineReader {
public:
    // `command_limit` and `auth_limit` count octets including the CRLF; `auth_limit` applies to lines that
    // start with "AUTH " and to SASL responses.
    LineReader(LineEndingPolicy policy, size_t command_limit, size_t auth_limit);

    // Reads `input` until a line is complete. Returns the octets consumed: all of `input` when no line end
    // was found (the partial line is kept), else up to and including the line end. Once `complete` is
    // true, line() holds the line until the next read().
    size_t read(std::string_view input, bool sasl_response, bool& complete);
    const Line& line() const { return line_; }

    // Forgets a partial line (after STARTTLS the next byte comes through TLS).
    void reset();

private:
    void append(const char* bytes, size_t count, bool sasl_response);

    LineEndingPolicy policy_;
    size_t command_limit_;
    size_t auth_limit_;
    std::string buffer_;
    Line line_;
    bool pending_cr_ = false;  // the last octet read was a CR whose successor is not known yet
    bool delivered_ = false;   // line_ was handed out: clear before reading on
};

}  // namespace danemail::smtp

// SMTP replies (RFC 5321 §4.2) with enhanced status codes (RFC 3463, RFC 2034): the value every protocol
// step of server and client returns, so an error keeps its protocol meaning from where it arises to the
// wire, the log and a DSN.
#pragma once

#include <string>

namespace danemail::smtp {

struct Reply {
    int code = 0;        // 250, 354, 451, 550, ...
    std::string status;  // enhanced status "2.1.0"; empty for replies that carry none (220, 221, 334, 354)
    std::string text;    // human-readable; may contain "\n" for a multi-line reply

    bool positive() const { return code >= 200 && code < 400; }
    bool transient() const { return code >= 400 && code < 500; }
    bool permanent() const { return code >= 500; }

    // The reply on the wire: "250-first\r\n250 2.0.0 last\r\n"; the enhanced code is repeated on every line.
    std::string to_wire() const;
};

}  // namespace danemail::smtp

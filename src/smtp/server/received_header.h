// The Received trace header the SMTP server prepends to every accepted message (RFC 5321 §4.4, RFC 5322
// §3.6.7): who the client said it was (HELO, untrusted: sanitised) and is (its address), our host name, the
// protocol with RFC 3848 / RFC 6531 §4.3 names (ESMTP, ESMTPS, ESMTPSA, UTF8SMTPS, ...), the TLS version
// and cipher as Postfix writes them, the queue id, the recipient when there is one, and the date.
#pragma once

#include <string>
#include <string_view>

#include "base/time.h"
#include "smtp/server/mail_hooks.h"

namespace danemail::smtp {

struct ReceivedFields {
    std::string_view helo;            // as the client sent it
    bool esmtp = true;                // EHLO (false: HELO)
    std::string_view client_address;  // numeric IPv4 or IPv6
    std::string_view hostname;        // ours
    const TlsInfo* tls = nullptr;     // set when the session runs over TLS
    bool authenticated = false;
    bool smtputf8 = false;
    std::string_view id;                 // the queue id
    const Mailbox* recipient = nullptr;  // set when the message has exactly one recipient
    UnixTime time = 0;
};

// Appends "Received: ...\r\n", folded over several lines.
void append_received_header(std::string& out, const ReceivedFields& fields);

// RFC 5322 §3.3 date-time in UTC: "Tue, 2 Jan 2024 10:00:00 +0000".
std::string format_rfc5322_date(UnixTime time);

}  // namespace danemail::smtp

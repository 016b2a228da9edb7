// SMTP paths and mailboxes (RFC 5321 §4.1.2, RFC 6531 §3.3 for SMTPUTF8): parses the reverse-path of MAIL
// FROM and the forward-path of RCPT TO as the client sent them. Untrusted input: every address form that
// has been used to trick servers into relaying — source routes ("@a:u@b"), several '@' ("u@ext@local"),
// address literals, quoted local parts — is either rejected here with a precise reason or parsed exactly,
// so the recipient check sees the local part and domain the RFC says they are ("u%ext@local" is the local
// part "u%ext" at "local"; the '%' and '!' hacks are never interpreted).
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace danemail::smtp {

// A mailbox: local part and domain as written (quoted local parts are stored unquoted, with their
// backslash escapes resolved). The domain is lower-cased ASCII (A-labels as sent; U-labels only with
// SMTPUTF8). The local part keeps its case (RFC 5321 §2.4); matching is the store's business.
struct Mailbox {
    std::string local_part;
    std::string domain;

    // "local@domain", the local part quoted again when it needs quoting (RFC 5321 §4.1.2 Quoted-string).
    std::string to_string() const;
    bool operator==(const Mailbox&) const = default;
};

struct PathOptions {
    bool smtputf8 = false;  // RFC 6531: UTF-8 allowed in local part and domain
};

// Parses "<local@domain>" (the angle brackets are required, RFC 5321 §4.1.2 Path). Rejects: source routes
// ("<@a,@b:u@c>": RFC 5321 §4.1.1.3 lets servers ignore them, we refuse them — they only ever serve to
// relay), address literals as domain ("u@[127.0.0.1]"), empty or over-long parts (§4.5.3.1.1: local part
// 64 octets, §4.5.3.1.2: domain 255), non-ASCII without SMTPUTF8, unbalanced quotes, a second '@' outside
// quotes. The error's `what` is suitable for a 501/553 reply text.
Result<Mailbox> parse_path(std::string_view text, const PathOptions& options = {});

// "<Postmaster>" (any case, no domain: RFC 5321 §4.1.1.3, §4.5.1) gives Mailbox{"postmaster", ""}: the
// receiver's own postmaster.
// The reverse-path of MAIL FROM: "<>" (the null path, for bounces) gives an empty Mailbox.
Result<Mailbox> parse_reverse_path(std::string_view text, const PathOptions& options = {});

}  // namespace danemail::smtp

// What the SMTP server needs from the rest of the provider, as one narrow interface: which recipients are
// ours, who may log in and send as whom, and where an accepted message goes. The store implements it
// (store/smtp_hooks.h); unit tests and the fuzz target use small in-memory fakes. Keeping it here lets the
// server sit below the store in the layering (DESIGN.md) and keeps protocol code free of SQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "smtp/address.h"
#include "smtp/reply.h"

namespace danemail::smtp {

// Where a recipient's mail goes.
enum class RecipientKind {
    Local,    // one of our accounts (directly or through an alias): accepted on every port
    Remote,   // a domain that is not ours: accepted only from an authenticated submission client
    Unknown,  // one of our domains, but no such account or alias: 550 5.1.1
};

struct RecipientCheck {
    RecipientKind kind = RecipientKind::Unknown;
    // Set when the lookup failed (database busy, I/O error): the RCPT gets this 4xx reply instead.
    std::optional<Reply> temporary_failure;
};

// An authenticated submission client.
struct Account {
    int64_t id = 0;
    std::string address;  // "user@example.org", the login name
};

struct AuthResult {
    std::optional<Account> account;  // set on success
    // Set when the check itself failed (4xx, e.g. "454 4.7.0 Temporary authentication failure").
    std::optional<Reply> temporary_failure;
};

// How the message reached us, for the Received header and the store.
struct TlsInfo {
    std::string version;  // "TLSv1.3"
    std::string cipher;   // "TLS_AES_256_GCM_SHA384"
    int bits = 0;         // secret bits of the cipher
};

// One message as accepted: the envelope and the message as it goes to disk (the Received header already
// prepended; dot-stuffing removed; line endings CRLF).
struct IncomingMessage {
    std::string id;                   // the session's queue id, also in the Received header ("4f2a9c01b7e3")
    Mailbox mail_from;                // empty for the null reverse path "<>"
    std::vector<Mailbox> recipients;  // as accepted by RCPT, in order, duplicates removed
    std::optional<Account> account;   // the authenticated sender, when submitted
    std::string client_address;       // "192.0.2.1" or "2001:db8::1"
    std::string helo;
    std::optional<TlsInfo> tls;
    bool smtputf8 = false;
    bool eight_bit = false;  // BODY=8BITMIME
    std::string content;
};

class MailHooks {
public:
    virtual ~MailHooks() = default;

    // Called for every RCPT; fast (an indexed read). Must be thread-safe.
    virtual RecipientCheck check_recipient(const Mailbox& recipient) = 0;

    // Checks a login; slow on purpose (Argon2id), so the server calls it from its blocking pool, never on
    // an I/O thread. An unknown user costs as much time as a wrong password. Must be thread-safe.
    virtual AuthResult authenticate(const std::string& user, const std::string& password) = 0;

    // May `account` use `mail_from` as its envelope sender (its own address or one of its aliases)?
    virtual bool may_send_as(const Account& account, const Mailbox& mail_from) = 0;

    // Stores the message durably: local recipients' INBOX copies and, for remote recipients, an entry in
    // the outbound queue. Returns the reply for the end of DATA/BDAT — 250 only once the message file and
    // its metadata are on disk (fsynced), 452 4.3.1 when the disk is full, 451 4.3.0 on other failures.
    // Blocking (fsync, group commit): called from the blocking pool. Must be thread-safe.
    virtual Reply deliver(const IncomingMessage& message) = 0;
};

}  // namespace danemail::smtp

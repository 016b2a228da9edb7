// The mail store's interface: domains, accounts (Argon2id password hashes), aliases, mailboxes and messages
// with the metadata IMAP needs (UID, UIDVALIDITY, flags, internal date, size, modseq — RFC 3501, RFC 7162),
// and the outbound queue's entries for remote recipients. Narrow on purpose: SQLite (sqlite_store.h) is the
// default backend; PostgreSQL can follow behind the same interface. Operator input (addresses, passwords)
// is checked here and errors say what was expected.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace danemail::store {

struct AccountInfo {
    int64_t id = 0;
    std::string address;  // "user@example.org", lower-cased domain; the login name
};

// A recipient address resolved through the aliases: the accounts that receive it and the remote addresses
// it forwards to.
struct Resolution {
    enum class Kind { Local, Remote, Unknown } kind = Kind::Unknown;
    std::vector<int64_t> accounts;              // Local: receiving accounts
    std::vector<std::string> remote_addresses;  // Local (alias to a remote target) or Remote: the address
};

// One message to store: the envelope, who gets it, the content.
struct NewMessage {
    std::string id;                              // the SMTP session's queue id
    std::string mail_from;                       // "" for the null reverse path
    std::vector<int64_t> local_accounts;         // each gets a copy in its INBOX
    std::vector<std::string> remote_recipients;  // each goes to the outbound queue
    std::optional<int64_t> submitted_by;         // the authenticated account, when submitted
    int64_t received_at = 0;                     // unix seconds: the INTERNALDATE
    std::string content;
};

enum class StoreFailure { None, DiskFull, Other };

struct StoreOutcome {
    StoreFailure failure = StoreFailure::None;
    std::string detail;  // for the log, when failed
};

// A message in a mailbox, as IMAP will see it.
struct MessageInfo {
    int64_t mailbox_id = 0;
    uint32_t uid = 0;
    uint32_t uidvalidity = 0;
    std::string flags;  // space-separated system and keyword flags, e.g. "\\Seen"
    int64_t internal_date = 0;
    uint64_t size = 0;
    uint64_t modseq = 0;
    std::string file;  // absolute path of the message file
};

// An entry of the outbound queue (delivered by the queue, issue 5).
struct QueuedRecipient {
    int64_t message_id = 0;
    std::string mail_from;
    std::string recipient;
    int64_t queued_at = 0;
    std::string file;
};

class Store {
public:
    virtual ~Store() = default;

    // Domains ("example.org"; lower-cased, checked as a host name).
    virtual Status add_domain(const std::string& domain) = 0;
    virtual Result<bool> has_domain(const std::string& domain) = 0;
    virtual Result<std::vector<std::string>> domains() = 0;

    // Accounts: the domain must exist; the password is hashed with Argon2id (RFC 9106). Each new account gets
    // its INBOX (and Sent, Drafts, Trash, Junk with their RFC 6154 special uses).
    virtual Status add_account(const std::string& address, const std::string& password) = 0;
    virtual Status set_password(const std::string& address, const std::string& password) = 0;
    // Deletes the account, its mailboxes, messages and message files, and aliases that point only to it.
    virtual Status delete_account(const std::string& address) = 0;
    virtual Result<std::vector<AccountInfo>> accounts() = 0;
    // The account when the password matches; nullopt for an unknown user or a wrong password (both take
    // an Argon2id computation, so timing does not tell which). An Error only when the check itself failed.
    virtual Result<std::optional<AccountInfo>> verify_password(const std::string& address,
                                                               const std::string& password) = 0;

    // An alias: mail for `address` (in one of our domains, not an account) goes to `target` (an account or
    // a remote address). Several targets per alias are allowed: add it again.
    virtual Status add_alias(const std::string& address, const std::string& target) = 0;
    // May `account` send with `address` as envelope sender? Its own address or an alias resolving to it.
    virtual Result<bool> may_send_as(int64_t account, const std::string& address) = 0;

    // Resolves a recipient (local part matched case-insensitively for ASCII, domain lower-cased).
    virtual Result<Resolution> resolve(const std::string& address) = 0;

    // Writes the message file (temporary name, fsync, rename, directory fsync), then in one transaction its
    // INBOX entries and queue entries. Concurrent callers are grouped into one commit. Returns only when it
    // is on disk, or failed with nothing visible.
    virtual StoreOutcome store_message(const NewMessage& message) = 0;

    // Read side (tests, `danemail` tools and IMAP later).
    virtual Result<std::vector<MessageInfo>> mailbox_messages(const std::string& account_address,
                                                              const std::string& mailbox = "INBOX") = 0;
    virtual Result<std::vector<QueuedRecipient>> queued_recipients() = 0;
};

// Opens (creating when missing) the SQLite store under `state_directory`: `mail.db` (WAL,
// synchronous=FULL) and `messages/` for the message files. Removes message files left without metadata by
// a crash (a crash between rename and commit).
Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& state_directory);

}  // namespace danemail::store

// The mail database's schema, version 1. Addresses compare case-insensitively for ASCII (COLLATE NOCASE):
// domains are lower-cased anyway and local parts are matched without case as the store promises. One row
// of message_files per message file, shared by the mailbox entries and the queue entry of that message.
#include "store/schema.h"

#include <string>

namespace danemail::store::detail {
namespace {

// uidnext and highestmodseq are per mailbox (RFC 3501 §2.3.1.1: UIDs strictly ascending per mailbox;
// RFC 7162 §3.1.1: mod-sequences are positive, so an empty mailbox starts at 1). Outbound recipient
// `state` is one of 'queued', 'deferred', 'delivered', 'bounced' (the delivery side, issue 5, moves it).
constexpr const char* kSchemaSql = R"sql(
CREATE TABLE domains (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE
);
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    domain_id INTEGER NOT NULL REFERENCES domains(id),
    address TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX accounts_by_domain ON accounts(domain_id);
CREATE TABLE aliases (
    id INTEGER PRIMARY KEY,
    domain_id INTEGER NOT NULL REFERENCES domains(id),
    address TEXT NOT NULL COLLATE NOCASE,
    target TEXT NOT NULL COLLATE NOCASE,
    UNIQUE (address, target)
);
CREATE INDEX aliases_by_domain ON aliases(domain_id);
CREATE INDEX aliases_by_target ON aliases(target);
CREATE TABLE mailboxes (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    uidnext INTEGER NOT NULL DEFAULT 1,
    highestmodseq INTEGER NOT NULL DEFAULT 1,
    special_use TEXT,
    UNIQUE (account_id, name)
);
CREATE TABLE message_files (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    smtp_id TEXT NOT NULL,
    received_at INTEGER NOT NULL
);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    uid INTEGER NOT NULL,
    flags TEXT NOT NULL DEFAULT '',
    internal_date INTEGER NOT NULL,
    size INTEGER NOT NULL,
    modseq INTEGER NOT NULL,
    file_id INTEGER NOT NULL REFERENCES message_files(id),
    UNIQUE (mailbox_id, uid)
);
CREATE INDEX messages_by_file ON messages(file_id);
CREATE TABLE outbound_messages (
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL REFERENCES message_files(id),
    smtp_id TEXT NOT NULL,
    mail_from TEXT NOT NULL,
    queued_at INTEGER NOT NULL,
    submitted_by INTEGER REFERENCES accounts(id) ON DELETE SET NULL
);
CREATE INDEX outbound_messages_by_file ON outbound_messages(file_id);
CREATE INDEX outbound_messages_by_account ON outbound_messages(submitted_by);
CREATE TABLE outbound_recipients (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES outbound_messages(id) ON DELETE CASCADE,
    recipient TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER NOT NULL,
    last_reply TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbound_recipients_by_message ON outbound_recipients(message_id);
CREATE INDEX outbound_recipients_due ON outbound_recipients(state, next_attempt);
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

Result<int64_t> user_version(Connection& db) {
    auto query = db.query("PRAGMA user_version");
    if (!query) return query.error();
    auto row = query->step();
    if (!row) return row.error();
    if (!*row) return make_error(db.path(), "PRAGMA user_version returned nothing");
    return query->column_int64(0);
}

}  // namespace

Status prepare_schema(Connection& db) {
    // WAL is a property of the database file: set once, every later connection uses it. Readers then never
    // block the writer, and a commit is one append plus one fsync of the WAL.
    {
        auto mode = db.query("PRAGMA journal_mode=WAL");
        if (!mode) return mode.error();
        auto row = mode->step();
        if (!row) return row.error();
        if (!*row || mode->column_text(0) != "wal") {
            return make_error(db.path(), "cannot switch the database to WAL mode");
        }
    }  // the statement is reset here: a COMMIT fails while one is still running

    if (auto ok = db.exec("BEGIN IMMEDIATE"); !ok) return ok;
    auto version = user_version(db);
    if (!version) {
        db.rollback_if_open();
        return version.error();
    }
    if (*version == kSchemaVersion) return db.exec("COMMIT");
    if (*version > kSchemaVersion) {
        db.rollback_if_open();
        return make_error(db.path(), "schema version " + std::to_string(*version) +
                                         " was written by a newer danemail; this one knows version " +
                                         std::to_string(kSchemaVersion));
    }
    // Version 0: a new (empty) database. SQLite cannot bind PRAGMA arguments; the version is our constant.
    std::string create =
        std::string(kSchemaSql) + "PRAGMA user_version=" + std::to_string(kSchemaVersion) + ";";
    if (auto ok = db.exec(create.c_str()); !ok) {
        db.rollback_if_open();
        return ok;
    }
    return db.exec("COMMIT");
}

}  // namespace danemail::store::detail

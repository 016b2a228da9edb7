// Internal to src/store: the mail database's tables and their version (PRAGMA user_version). A new database
// gets the current schema; an existing one is accepted at the current version and refused, with a message
// that says so, when a newer danemail made it. No untrusted input (SQL is ours); IMAP's UID and MODSEQ
// rules (RFC 3501 §2.3.1.1, RFC 7162 §3) shape the mailbox and message columns.
#pragma once

#include <cstdint>

#include "base/result.h"
#include "store/sqlite_connection.h"

namespace danemail::store::detail {

// Bump with every change to the tables, and teach prepare_schema to migrate from the previous version.
constexpr int64_t kSchemaVersion = 1;

// Puts the database into WAL mode and creates the tables when missing. Run on the write connection before
// any other connection is opened.
Status prepare_schema(Connection& db);

}  // namespace danemail::store::detail

// Internal to src/store: one SQLite connection with the pragmas the store relies on (WAL, synchronous=FULL,
// foreign keys, a busy timeout) and a cache of prepared statements, plus Query, a statement in use that is
// reset when it goes out of scope. A connection is used by one thread at a time. SQL text comes only from
// this folder; values are always bound, never spliced into SQL.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/result.h"
#include "store/sqlite_handles.h"

namespace danemail::store::detail {

// How long a connection waits for another connection's (or process's) write lock before SQLITE_BUSY.
constexpr std::chrono::milliseconds kBusyTimeout{10000};

// A prepared statement in use: bind, step, read columns. Resets the statement and clears its bindings when
// destroyed, so the cached statement is ready for the next user.
// The last failure on a connection: SQLite resets its own error state when the failed statement is reset,
// so the code is kept here for deciding afterwards whether the disk was full.
struct LastFailure {
    int code = SQLITE_OK;  // extended result code
    int system_errno = 0;  // errno behind an SQLITE_IOERR
};

class Query {
public:
    Query(sqlite3* db, sqlite3_stmt* statement, LastFailure* last_failure)
        : db_(db), statement_(statement), last_failure_(last_failure) {}
    Query(Query&& other) noexcept;
    Query(const Query&) = delete;
    Query& operator=(const Query&) = delete;
    Query& operator=(Query&&) = delete;
    ~Query();

    // Parameters are numbered from 1, as in SQLite.
    Query& bind(int index, int64_t value);
    Query& bind(int index, std::string_view value);
    Query& bind_null(int index);

    // One step: true when a row is ready, false when the statement is done.
    Result<bool> step();
    // Steps until done (for INSERT/UPDATE/DELETE).
    Status run();

    int64_t column_int64(int column) const { return sqlite3_column_int64(statement_, column); }
    std::string column_text(int column) const;
    bool column_is_null(int column) const { return sqlite3_column_type(statement_, column) == SQLITE_NULL; }

private:
    sqlite3* db_;
    sqlite3_stmt* statement_;
    LastFailure* last_failure_;
    int bind_status_ = SQLITE_OK;  // the first failed bind, reported by step()
};

class Connection {
public:
    Connection() = default;
    Connection(Connection&&) noexcept = default;
    Connection& operator=(Connection&&) noexcept = default;

    // Opens (creating when `create`) the database at `path` and sets the per-connection pragmas:
    // synchronous=FULL, foreign_keys=ON, the busy timeout; `read_only` adds query_only.
    static Result<Connection> open(const std::string& path, bool create, bool read_only);

    // Runs SQL text (one or more statements, no parameters).
    Status exec(const char* sql);
    // The cached prepared statement for `sql` (prepared on first use).
    Result<Query> query(const std::string& sql);

    int64_t last_insert_id() const { return sqlite3_last_insert_rowid(db_.get()); }
    int changes() const { return sqlite3_changes(db_.get()); }
    bool in_transaction() const { return sqlite3_get_autocommit(db_.get()) == 0; }
    // True when the last failure was the disk (or the database's page limit) being full: SQLITE_FULL, or
    // an I/O error with ENOSPC/EDQUOT behind it.
    bool last_failure_was_disk_full() const;
    // Rolls back an open transaction, if any (SQLite ends some transactions itself after an error).
    void rollback_if_open();

    sqlite3* handle() const { return db_.get(); }
    const std::string& path() const { return path_; }

private:
    void record_failure();

    DatabaseHandle db_;
    std::string path_;
    std::unique_ptr<LastFailure> last_failure_ = std::make_unique<LastFailure>();  // stable for Query
    std::unordered_map<std::string, StatementHandle> statements_;
};

}  // namespace danemail::store::detail

// Internal to src/store: RAII owners for SQLite's C handles, so every connection is closed and every
// prepared statement finalized on every path. No untrusted input; no RFCs.
#pragma once

#include <sqlite3.h>

#include <memory>

namespace danemail::store::detail {

struct DatabaseCloser {
    // sqlite3_close_v2 defers the close until the last statement of the connection is finalized, so the
    // order in which owners are destroyed does not matter.
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};

struct StatementFinalizer {
    void operator()(sqlite3_stmt* statement) const noexcept { sqlite3_finalize(statement); }
};

using DatabaseHandle = std::unique_ptr<sqlite3, DatabaseCloser>;
using StatementHandle = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

}  // namespace danemail::store::detail

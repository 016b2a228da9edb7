// One SQLite connection of the store with its statement cache, and the Query wrapper around a prepared
// statement. SQL comes from src/store only; every value is bound.
#include "store/sqlite_connection.h"

#include <cerrno>
#include <utility>

namespace danemail::store::detail {
namespace {

Error sqlite_error(sqlite3* db, const std::string& what) {
    const char* file = db != nullptr ? sqlite3_db_filename(db, "main") : nullptr;
    std::string message = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    return make_error(file != nullptr ? file : "", what + ": " + message);
}

}  // namespace

Query::Query(Query&& other) noexcept
    : db_(other.db_),
      statement_(std::exchange(other.statement_, nullptr)),
      last_failure_(other.last_failure_),
      bind_status_(other.bind_status_) {}

Query::~Query() {
    if (statement_ == nullptr) return;
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
}

Query& Query::bind(int index, int64_t value) {
    int rc = sqlite3_bind_int64(statement_, index, value);
    if (bind_status_ == SQLITE_OK) bind_status_ = rc;
    return *this;
}

Query& Query::bind(int index, std::string_view value) {
    int rc =
        sqlite3_bind_text64(statement_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (bind_status_ == SQLITE_OK) bind_status_ = rc;
    return *this;
}

Query& Query::bind_null(int index) {
    int rc = sqlite3_bind_null(statement_, index);
    if (bind_status_ == SQLITE_OK) bind_status_ = rc;
    return *this;
}

Result<bool> Query::step() {
    if (bind_status_ != SQLITE_OK) {
        return sqlite_error(db_,
                            std::string("binding a parameter failed (") + sqlite3_errstr(bind_status_) + ")");
    }
    int rc = sqlite3_step(statement_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    *last_failure_ = {sqlite3_extended_errcode(db_), sqlite3_system_errno(db_)};
    return sqlite_error(db_, std::string("statement failed: ") + sqlite3_sql(statement_));
}

Status Query::run() {
    for (;;) {
        auto row = step();
        if (!row) return row.error();
        if (!*row) return {};
    }
}

std::string Query::column_text(int column) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
    if (text == nullptr) return {};
    return std::string(text, static_cast<size_t>(sqlite3_column_bytes(statement_, column)));
}

Result<Connection> Connection::open(const std::string& path, bool create, bool read_only) {
    Connection connection;
    connection.path_ = path;
    // NOMUTEX: each connection is used by one thread at a time (the store's locks see to it), so SQLite's
    // own per-connection mutex would only cost time.
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    connection.db_.reset(raw);
    if (rc != SQLITE_OK) return sqlite_error(raw, "cannot open the mail database");
    sqlite3_extended_result_codes(raw, 1);
    sqlite3_busy_timeout(raw, static_cast<int>(kBusyTimeout.count()));
    // synchronous=FULL: in WAL mode every commit fsyncs the WAL, so a commit survives a power loss, not
    // only a crash of the process. foreign_keys: SQLite enforces them only when asked, per connection.
    if (auto ok = connection.exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"); !ok) return ok.error();
    if (read_only) {
        if (auto ok = connection.exec("PRAGMA query_only=ON;"); !ok) return ok.error();
    }
    return connection;
}

Status Connection::exec(const char* sql) {
    char* message = nullptr;
    int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, &message);
    if (rc == SQLITE_OK) return {};
    record_failure();
    std::string text = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    return make_error(path_, std::string("'") + sql + "' failed: " + text);
}

Result<Query> Connection::query(const std::string& sql) {
    auto found = statements_.find(sql);
    if (found == statements_.end()) {
        sqlite3_stmt* raw = nullptr;
        int rc = sqlite3_prepare_v3(db_.get(), sql.c_str(), static_cast<int>(sql.size() + 1),
                                    SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
        StatementHandle statement(raw);
        if (rc != SQLITE_OK) {
            record_failure();
            return sqlite_error(db_.get(), "cannot prepare '" + sql + "'");
        }
        found = statements_.emplace(sql, std::move(statement)).first;
    }
    return Query(db_.get(), found->second.get(), last_failure_.get());
}

void Connection::record_failure() {
    *last_failure_ = {sqlite3_extended_errcode(db_.get()), sqlite3_system_errno(db_.get())};
}

bool Connection::last_failure_was_disk_full() const {
    int primary = last_failure_->code & 0xff;
    if (primary == SQLITE_FULL) return true;
    if (primary != SQLITE_IOERR) return false;
    return last_failure_->system_errno == ENOSPC || last_failure_->system_errno == EDQUOT;
}

void Connection::rollback_if_open() {
    if (in_transaction()) sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
}

}  // namespace danemail::store::detail

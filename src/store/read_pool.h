// Internal to src/store: a small pool of read connections for the lookups every SMTP session makes (RCPT
// checks, logins), so they run in parallel with each other and, thanks to WAL, with the commit leader's
// writes. A connection is lent to one thread at a time; the pool grows to its bound on demand. No untrusted
// input of its own.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.h"
#include "store/sqlite_connection.h"

namespace danemail::store::detail {

class ReadPool {
public:
    ReadPool(std::string path, size_t max_connections)
        : path_(std::move(path)), max_connections_(max_connections) {}

    // A connection on loan; returned to the pool when the lease is destroyed.
    class Lease {
    public:
        Lease(ReadPool& pool, std::unique_ptr<Connection> connection)
            : pool_(&pool), connection_(std::move(connection)) {}
        Lease(Lease&&) noexcept = default;
        Lease& operator=(Lease&&) = delete;
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        ~Lease();

        Connection& operator*() { return *connection_; }
        Connection* operator->() { return connection_.get(); }

    private:
        ReadPool* pool_;
        std::unique_ptr<Connection> connection_;
    };

    // An idle connection, a new one while below the bound, or else the next one returned.
    Result<Lease> acquire();

private:
    void give_back(std::unique_ptr<Connection> connection);

    std::string path_;
    size_t max_connections_;
    std::mutex mutex_;
    std::condition_variable returned_;
    std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mutex_
    size_t opened_ = 0;                              // guarded by mutex_
};

}  // namespace danemail::store::detail

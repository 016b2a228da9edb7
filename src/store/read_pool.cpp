// The pool of read connections behind recipient lookups and logins. No untrusted input of its own.
#include "store/read_pool.h"

#include <utility>

namespace danemail::store::detail {

ReadPool::Lease::~Lease() {
    if (connection_) pool_->give_back(std::move(connection_));
}

Result<ReadPool::Lease> ReadPool::acquire() {
    std::unique_lock lock(mutex_);
    returned_.wait(lock, [&] { return !idle_.empty() || opened_ < max_connections_; });
    if (!idle_.empty()) {
        auto connection = std::move(idle_.back());
        idle_.pop_back();
        return Lease(*this, std::move(connection));
    }
    ++opened_;
    lock.unlock();
    // Opening takes a while (file open, pragmas): done outside the lock.
    auto opened = Connection::open(path_, /*create=*/false, /*read_only=*/true);
    if (!opened) {
        lock.lock();
        --opened_;
        returned_.notify_one();
        return opened.error();
    }
    return Lease(*this, std::make_unique<Connection>(std::move(*opened)));
}

void ReadPool::give_back(std::unique_ptr<Connection> connection) {
    {
        std::lock_guard lock(mutex_);
        idle_.push_back(std::move(connection));
    }
    returned_.notify_one();
}

}  // namespace danemail::store::detail

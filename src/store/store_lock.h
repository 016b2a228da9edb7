// Internal to src/store: the lock file <state>/mail.lock that tells a store whether another process (the
// server, an admin command) has the same store open. Each open store holds a shared flock(2); only a store
// that got it exclusively may remove orphaned message files, because in another live process a file can
// legitimately exist for a moment before the commit that refers to it. No untrusted input; no RFCs.
#pragma once

#include <string>

#include "base/result.h"

namespace danemail::store::detail {

class StoreLock {
public:
    StoreLock() = default;
    StoreLock(StoreLock&& other) noexcept;
    StoreLock& operator=(StoreLock&& other) noexcept;
    StoreLock(const StoreLock&) = delete;
    StoreLock& operator=(const StoreLock&) = delete;
    ~StoreLock();

    // Takes the lock exclusively when no other process holds it, otherwise shared (waiting for a moment
    // while another opener holds it exclusively).
    static Result<StoreLock> acquire(const std::string& path);

    bool exclusive() const { return exclusive_; }
    // Turns an exclusive lock into a shared one, letting other processes open the store.
    Status share();

private:
    int fd_ = -1;
    bool exclusive_ = false;
    std::string path_;
};

}  // namespace danemail::store::detail

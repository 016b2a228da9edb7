// The store's lock file: exclusive for the first opener (which may clean up orphans), shared afterwards.
// No untrusted input.
#include "store/store_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace danemail::store::detail {
namespace {

int lock_retrying(int fd, int operation) {
    int rc;
    do {
        rc = ::flock(fd, operation);
    } while (rc != 0 && errno == EINTR);
    return rc;
}

}  // namespace

StoreLock::StoreLock(StoreLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), exclusive_(other.exclusive_), path_(std::move(other.path_)) {}

StoreLock& StoreLock::operator=(StoreLock&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
        exclusive_ = other.exclusive_;
        path_ = std::move(other.path_);
    }
    return *this;
}

StoreLock::~StoreLock() {
    if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

Result<StoreLock> StoreLock::acquire(const std::string& path) {
    StoreLock lock;
    lock.path_ = path;
    lock.fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock.fd_ < 0) return make_error(path, std::string("cannot open lock file: ") + std::strerror(errno));
    if (lock_retrying(lock.fd_, LOCK_EX | LOCK_NB) == 0) {
        lock.exclusive_ = true;
        return lock;
    }
    if (errno != EWOULDBLOCK) return make_error(path, std::string("cannot lock: ") + std::strerror(errno));
    if (lock_retrying(lock.fd_, LOCK_SH) != 0) {
        return make_error(path, std::string("cannot lock: ") + std::strerror(errno));
    }
    return lock;
}

Status StoreLock::share() {
    if (!exclusive_) return {};
    if (lock_retrying(fd_, LOCK_SH) != 0)
        return make_error(path_, std::string("cannot lock: ") + std::strerror(errno));
    exclusive_ = false;
    return {};
}

}  // namespace danemail::store::detail

// Whole-file read and crash-safe atomic write (temp + fsync + rename + directory fsync).
#include "base/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

namespace danemail {
namespace {

std::string errno_text() {
    return std::strerror(errno);
}

std::string directory_of(const std::string& path) {
    auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

Status fsync_directory(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return make_error(dir, "cannot open directory: " + errno_text());
    int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) return make_error(dir, "fsync failed: " + errno_text());
    return {};
}

}  // namespace

Result<std::string> read_file(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return make_error(path, "cannot open: " + errno_text());
    std::string content;
    char buffer[65536];
    for (;;) {
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0) {
            if (errno == EINTR) continue;
            auto error = make_error(path, "read failed: " + errno_text());
            ::close(fd);
            return error;
        }
        if (n == 0) break;
        content.append(buffer, static_cast<size_t>(n));
    }
    ::close(fd);
    return content;
}

AtomicFile::~AtomicFile() {
    if (fd_ >= 0) {
        ::close(fd_);
        ::unlink(temp_path_.c_str());
    }
}

Status AtomicFile::open(const std::string& path, mode_t mode) {
    path_ = path;
    std::random_device random;
    for (int attempt = 0; attempt < 16; ++attempt) {
        temp_path_ = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(random() % 1000000);
        fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (fd_ >= 0) {
            ::fchmod(fd_, mode);  // not narrowed by the umask: key files must be exactly 0600
            return {};
        }
        if (errno != EEXIST) break;
    }
    return make_error(path, "cannot create temporary file: " + errno_text());
}

Status AtomicFile::write(std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd_, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return make_error(path_, "write failed: " + errno_text());
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
    return {};
}

Status AtomicFile::commit() {
    if (::fsync(fd_) != 0) return make_error(path_, "fsync failed: " + errno_text());
    if (::close(fd_) != 0) {
        fd_ = -1;
        ::unlink(temp_path_.c_str());
        return make_error(path_, "close failed: " + errno_text());
    }
    fd_ = -1;
    if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
        auto error = make_error(path_, "rename failed: " + errno_text());
        ::unlink(temp_path_.c_str());
        return error;
    }
    return fsync_directory(directory_of(path_));
}

Status write_file_atomic(const std::string& path, std::string_view content, mode_t mode) {
    AtomicFile file;
    if (auto s = file.open(path, mode); !s) return s;
    if (auto s = file.write(content); !s) return s;
    return file.commit();
}

}  // namespace danemail

// Message files: write to tmp/, fsync, rename into a shard, fsync the shard directory; orphan removal at
// open. Untrusted input: message content, written as opaque bytes.
#include "store/message_files.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <set>
#include <utility>

#include "base/encoding.h"

namespace danemail::store {

ssize_t DiskWriter::write(int fd, const void* data, size_t size) {
    return ::write(fd, data, size);
}

int DiskWriter::fsync(int fd) {
    return ::fsync(fd);
}

namespace detail {
namespace {

constexpr size_t kFileNameRandomBytes = 12;
constexpr const char* kTemporaryDirectory = "tmp";

StoreOutcome failure_from_errno(int error, const std::string& what) {
    StoreFailure kind = (error == ENOSPC || error == EDQUOT) ? StoreFailure::DiskFull : StoreFailure::Other;
    return {kind, what + ": " + std::strerror(error)};
}

std::string shard_of(const std::string& name) {
    return name.substr(0, 2);
}

Status make_directory(const std::string& path, bool& created) {
    if (::mkdir(path.c_str(), kMessageDirectoryMode) == 0) {
        created = true;
        return {};
    }
    if (errno == EEXIST) return {};
    return make_error(path, std::string("cannot create directory: ") + std::strerror(errno));
}

Status fsync_directory_path(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return make_error(path, std::string("cannot open directory: ") + std::strerror(errno));
    int rc = ::fsync(fd);
    int error = errno;
    ::close(fd);
    if (rc != 0) return make_error(path, std::string("fsync failed: ") + std::strerror(error));
    return {};
}

bool is_shard_name(const std::string& name) {
    auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
    return name.size() == 2 && hex(name[0]) && hex(name[1]);
}

}  // namespace

std::string new_message_file_name(int64_t unix_seconds) {
    std::array<uint8_t, kFileNameRandomBytes> random{};
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
        // The CSPRNG failing is near impossible; uniqueness (not secrecy) is what the name needs, and
        // O_EXCL refuses a clash, so fall back to the clock and a counter.
        static std::atomic<uint64_t> counter{0};
        uint64_t now = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
        uint64_t count = counter.fetch_add(1);
        std::memcpy(random.data(), &now, sizeof now);
        std::memcpy(random.data() + sizeof now, &count, random.size() - sizeof now);
    }
    // The first byte — the shard — follows the clock, so the messages of one commit group share one
    // directory and the group needs one directory fsync, not one per message. Over a day every shard gets
    // its turn many times, so the files still spread evenly.
    random[0] = static_cast<uint8_t>(unix_seconds / kShardSeconds);
    return to_hex(random);
}

Status MessageFiles::prepare() {
    bool created = false;
    if (auto ok = make_directory(root_, created); !ok) return ok;
    if (auto ok = make_directory(root_ + "/" + kTemporaryDirectory, created); !ok) return ok;
    // New directory entries must be durable before a file inside them is promised to anyone.
    if (created) return fsync_directory_path(root_);
    return {};
}

Status MessageFiles::create_shard(const std::string& shard) {
    // Shards are made when first needed: a store that holds a few messages has a few directories.
    bool created = false;
    if (auto ok = make_directory(root_ + "/" + shard, created); !ok) return ok;
    return fsync_directory_path(root_);
}

StoreOutcome MessageFiles::write(std::string_view content, StoredFile& stored) {
    std::string name = new_message_file_name(std::time(nullptr));
    std::string temporary = root_ + "/" + kTemporaryDirectory + "/" + name;
    int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kMessageFileMode);
    if (fd < 0) return failure_from_errno(errno, "cannot create " + temporary);

    auto fail = [&](int error, const std::string& what) {
        ::close(fd);
        ::unlink(temporary.c_str());
        return failure_from_errno(error, what + " " + temporary);
    };
    std::string_view rest = content;
    while (!rest.empty()) {
        ssize_t written = writer_.write(fd, rest.data(), rest.size());
        if (written < 0) {
            if (errno == EINTR) continue;
            return fail(errno, "write failed:");
        }
        if (written == 0) return fail(ENOSPC, "write wrote nothing:");
        rest.remove_prefix(static_cast<size_t>(written));
    }
    if (writer_.fsync(fd) != 0) return fail(errno, "fsync failed:");
    if (::close(fd) != 0) {
        int error = errno;
        ::unlink(temporary.c_str());
        return failure_from_errno(error, "close failed: " + temporary);
    }
    std::string final_name = shard_of(name) + "/" + name;
    int renamed = ::rename(temporary.c_str(), path_of(final_name).c_str());
    if (renamed != 0 && errno == ENOENT) {
        if (auto ok = create_shard(shard_of(name)); !ok) {
            ::unlink(temporary.c_str());
            return {StoreFailure::Other, ok.error().to_string()};
        }
        renamed = ::rename(temporary.c_str(), path_of(final_name).c_str());
    }
    if (renamed != 0) {
        int error = errno;
        ::unlink(temporary.c_str());
        return failure_from_errno(error, "cannot rename " + temporary);
    }
    stored = {final_name, content.size()};
    return {};
}

StoreOutcome MessageFiles::sync_directories(const std::vector<std::string>& names) {
    std::set<std::string> shards;
    for (const auto& name : names) shards.insert(shard_of(name));
    for (const auto& shard : shards) {
        std::string path = root_ + "/" + shard;
        int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) return failure_from_errno(errno, "cannot open directory " + path);
        int rc = writer_.fsync(fd);
        int error = errno;
        ::close(fd);
        if (rc != 0) return failure_from_errno(error, "fsync failed: " + path);
    }
    return {};
}

void MessageFiles::remove(const std::string& name) {
    ::unlink(path_of(name).c_str());
}

Result<size_t> MessageFiles::remove_orphans(const std::unordered_set<std::string>& referenced) {
    namespace fs = std::filesystem;
    size_t removed = 0;
    std::error_code error;
    for (fs::directory_iterator it(root_, error), end; !error && it != end; it.increment(error)) {
        std::string directory = it->path().filename().string();
        bool temporary = directory == kTemporaryDirectory;
        if (!temporary && !is_shard_name(directory)) continue;
        std::error_code inner;
        for (fs::directory_iterator file(it->path(), inner); !inner && file != end; file.increment(inner)) {
            std::string name = directory + "/" + file->path().filename().string();
            if (!temporary && referenced.contains(name)) continue;
            if (::unlink(file->path().c_str()) == 0) ++removed;
        }
        if (inner) return make_error(it->path().string(), "cannot list: " + inner.message());
    }
    if (error) return make_error(root_, "cannot list: " + error.message());
    return removed;
}

}  // namespace detail
}  // namespace danemail::store

// Shared by the store's unit tests: a temporary state directory removed afterwards, a store opened in it
// with one domain, and a DiskWriter whose writes and fsyncs can be told to fail like a full disk.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <memory>
#include <string>

#include "base/file_io.h"
#include "store/sqlite_store.h"

namespace danemail::store::testing {

class TemporaryDirectory {
public:
    TemporaryDirectory() {
        std::string pattern = (std::filesystem::temp_directory_path() / "danemail-store-XXXXXX").string();
        if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
    }
    ~TemporaryDirectory() {
        std::error_code ignored;
        if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
    }
    TemporaryDirectory(const TemporaryDirectory&) = delete;
    TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;

    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// Fails the next write or fsync calls with the chosen errno while `failing` is set.
class FaultyDiskWriter : public DiskWriter {
public:
    std::atomic<int> write_error{0};  // 0: writes succeed
    std::atomic<int> fsync_error{0};  // 0: fsyncs succeed
    std::atomic<int> fsyncs{0};

    ssize_t write(int fd, const void* data, size_t size) override {
        if (int error = write_error.load(); error != 0) {
            errno = error;
            return -1;
        }
        return DiskWriter::write(fd, data, size);
    }
    int fsync(int fd) override {
        ++fsyncs;
        if (int error = fsync_error.load(); error != 0) {
            errno = error;
            return -1;
        }
        return DiskWriter::fsync(fd);
    }
};

inline std::unique_ptr<SqliteStore> open_store(const std::string& directory,
                                               const SqliteStoreOptions& options = {}) {
    auto store = SqliteStore::open(directory, options);
    EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().to_string());
    return store.ok() ? std::move(*store) : nullptr;
}

// Files under `directory` (recursively), for checks that nothing was left behind.
inline size_t count_files(const std::string& directory) {
    size_t count = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(directory)) {
        if (entry.is_regular_file()) ++count;
    }
    return count;
}

inline std::string file_content(const std::string& path) {
    auto content = read_file(path);
    return content.ok() ? *content : std::string("<unreadable: ") + content.error().to_string() + ">";
}

}  // namespace danemail::store::testing

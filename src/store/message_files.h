// Internal to src/store: the message files under <state>/messages. A message is written to tmp/<name>,
// fsynced and renamed to <shard>/<name> (up to 256 shard directories named by the name's first two hex
// digits, which follow the clock), and the shard directory is fsynced before the database refers to the
// file, so a file the database names is always complete and durable. Untrusted input: the message content
// (written as bytes, never parsed). Files nothing refers to (a crash between rename and commit) are removed
// when the store opens.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "base/result.h"
#include "store/store.h"

namespace danemail::store {

// The system calls that put bytes on disk, replaceable so that tests can make them fail like a full disk
// (ENOSPC) or a broken one (EIO) without a full file system.
class DiskWriter {
public:
    virtual ~DiskWriter() = default;
    virtual ssize_t write(int fd, const void* data, size_t size);
    virtual int fsync(int fd);
};

// A message file in place: its name relative to messages/ ("3f/3f9c...") and size in bytes.
struct StoredFile {
    std::string name;
    uint64_t size = 0;
};

namespace detail {

constexpr mode_t kMessageFileMode = 0600;  // mail is private to the danemail user
constexpr mode_t kMessageDirectoryMode = 0700;

class MessageFiles {
public:
    // `root` is <state>/messages; `writer` outlives the object.
    MessageFiles(std::string root, DiskWriter& writer) : root_(std::move(root)), writer_(writer) {}

    // Creates messages/ and tmp/ when missing (the shard directories follow when first used).
    Status prepare();

    // Writes `content` to tmp/, fsyncs it and renames it into its shard. Failure kinds: DiskFull for
    // ENOSPC/EDQUOT, Other for any other error; on failure nothing is left behind.
    StoreOutcome write(std::string_view content, StoredFile& stored);

    // fsyncs the shard directories of `names` (each once), making their renames durable.
    StoreOutcome sync_directories(const std::vector<std::string>& names);

    // Removes a message file (after a failed commit, or when its last reference is gone).
    void remove(const std::string& name);

    // Removes everything in tmp/ and every file in a shard whose name is not in `referenced`. Returns how
    // many files were removed. Only safe while no other process writes message files.
    Result<size_t> remove_orphans(const std::unordered_set<std::string>& referenced);

    std::string path_of(const std::string& name) const { return root_ + "/" + name; }
    const std::string& root() const { return root_; }

private:
    Status create_shard(const std::string& shard);

    std::string root_;
    DiskWriter& writer_;
};

// How long the clock-chosen shard stays the same.
constexpr int64_t kShardSeconds = 16;

// A fresh file name: 24 hex digits, the first two the shard for `unix_seconds`, the other 88 bits random
// (no collision in practice; O_EXCL would refuse one anyway).
std::string new_message_file_name(int64_t unix_seconds);

}  // namespace detail
}  // namespace danemail::store

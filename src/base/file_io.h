// File helpers: read a whole file, and write one atomically (temporary file in the same directory, fsync,
// rename, fsync of the directory) so that a crash or an error never leaves a half-written file behind.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "base/result.h"

namespace danemail {

Result<std::string> read_file(const std::string& path);

// Writes `content` to `path` with permission bits `mode`, atomically.
Status write_file_atomic(const std::string& path, std::string_view content, mode_t mode = 0644);

// A file written in pieces that appears at its final path only on commit(). Destroying an uncommitted
// AtomicFile removes the temporary file.
class AtomicFile {
public:
    AtomicFile() = default;
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;
    ~AtomicFile();

    Status open(const std::string& path, mode_t mode = 0644);
    Status write(std::string_view data);
    Status commit();  // fsync, rename over the final path, fsync the directory

private:
    std::string path_;
    std::string temp_path_;
    int fd_ = -1;
};

}  // namespace danemail

// Tests of the message files on their own: names and shards, what a write leaves behind, and orphan
// removal that touches only tmp/ and the shard directories.
#include "store/message_files.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "store/store_test_util.h"

namespace danemail::store::detail {
namespace {

using store::testing::count_files;
using store::testing::FaultyDiskWriter;
using store::testing::file_content;
using store::testing::TemporaryDirectory;

TEST(MessageFileNames, ShardFollowsTheClockAndNamesAreUnique) {
    const int64_t now = 1700000000;
    const int64_t slice_start = now - now % kShardSeconds;
    std::set<std::string> names;
    for (int i = 0; i < 100; ++i) names.insert(new_message_file_name(slice_start + i % kShardSeconds));
    EXPECT_EQ(names.size(), 100u);
    std::set<std::string> shards;
    for (const auto& name : names) {
        EXPECT_EQ(name.size(), 24u);
        EXPECT_EQ(name.find_first_not_of("0123456789abcdef"), std::string::npos) << name;
        shards.insert(name.substr(0, 2));
    }
    EXPECT_EQ(shards.size(), 1u);  // one time slice: one shard
    EXPECT_NE(new_message_file_name(slice_start).substr(0, 2),
              new_message_file_name(slice_start + kShardSeconds).substr(0, 2));
}

TEST(MessageFiles, WriteLeavesOneCompleteFileInItsShard) {
    TemporaryDirectory dir;
    FaultyDiskWriter writer;
    MessageFiles files(dir.path() + "/messages", writer);
    ASSERT_TRUE(files.prepare().ok());
    StoredFile stored;
    ASSERT_EQ(files.write("content\r\n", stored).failure, StoreFailure::None);
    EXPECT_EQ(stored.size, 9u);
    EXPECT_EQ(stored.name.substr(0, 3), stored.name.substr(3, 2) + "/");
    EXPECT_EQ(file_content(files.path_of(stored.name)), "content\r\n");
    EXPECT_EQ(count_files(dir.path()), 1u);
    EXPECT_EQ(writer.fsyncs.load(), 1);  // the file; the directory is the commit's business
    ASSERT_EQ(files.sync_directories({stored.name}).failure, StoreFailure::None);
    files.remove(stored.name);
    EXPECT_EQ(count_files(dir.path()), 0u);
}

TEST(MessageFiles, ShortWritesAreCompleted) {
    struct TrickleWriter : DiskWriter {
        ssize_t write(int fd, const void* data, size_t size) override {
            return DiskWriter::write(fd, data, std::min<size_t>(size, 3));
        }
    } writer;
    TemporaryDirectory dir;
    MessageFiles files(dir.path() + "/messages", writer);
    ASSERT_TRUE(files.prepare().ok());
    StoredFile stored;
    ASSERT_EQ(files.write("a longer message body", stored).failure, StoreFailure::None);
    EXPECT_EQ(file_content(files.path_of(stored.name)), "a longer message body");
}

TEST(MessageFiles, OrphanRemovalSparesReferencedAndForeignFiles) {
    TemporaryDirectory dir;
    FaultyDiskWriter writer;
    MessageFiles files(dir.path() + "/messages", writer);
    ASSERT_TRUE(files.prepare().ok());
    StoredFile kept, orphan;
    ASSERT_EQ(files.write("kept", kept).failure, StoreFailure::None);
    ASSERT_EQ(files.write("orphan", orphan).failure, StoreFailure::None);
    std::ofstream(dir.path() + "/messages/tmp/half") << "half";
    std::filesystem::create_directories(dir.path() + "/messages/not-a-shard");
    std::ofstream(dir.path() + "/messages/not-a-shard/file") << "someone else's";

    auto removed = files.remove_orphans({kept.name});
    ASSERT_TRUE(removed.ok()) << removed.error().to_string();
    EXPECT_EQ(*removed, 2u);
    EXPECT_TRUE(std::filesystem::exists(files.path_of(kept.name)));
    EXPECT_FALSE(std::filesystem::exists(files.path_of(orphan.name)));
    EXPECT_FALSE(std::filesystem::exists(dir.path() + "/messages/tmp/half"));
    EXPECT_TRUE(std::filesystem::exists(dir.path() + "/messages/not-a-shard/file"));
}

}  // namespace
}  // namespace danemail::store::detail

// Tests of the group commit: every entry is committed exactly once, concurrent submitters share commits,
// the batch bound holds, and a throwing commit hands the lead on instead of hanging the others.
#include "store/group_commit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

namespace danemail::store::detail {
namespace {

struct Entry {
    int value = 0;
    int commits = 0;
    bool committed = false;  // the "outcome": false until a commit sets it
};

TEST(GroupCommit, SingleSubmitterCommitsAlone) {
    int batches = 0;
    GroupCommit<Entry> group(
        [&](std::span<Entry* const> batch) {
            ++batches;
            for (Entry* entry : batch) {
                ++entry->commits;
                entry->committed = true;
            }
        },
        8);
    Entry entry;
    group.submit(entry);
    EXPECT_TRUE(entry.committed);
    EXPECT_EQ(batches, 1);
}

TEST(GroupCommit, ConcurrentSubmittersShareCommits) {
    constexpr int kThreads = 16;
    constexpr int kPerThread = 50;
    constexpr size_t kMaxBatch = 5;
    std::atomic<int> batches{0};
    std::atomic<size_t> largest{0};
    std::atomic<bool> inside{false};
    std::atomic<bool> overlapped{false};
    GroupCommit<Entry> group(
        [&](std::span<Entry* const> batch) {
            if (inside.exchange(true)) overlapped = true;
            ++batches;
            size_t size = batch.size();
            size_t seen = largest.load();
            while (size > seen && !largest.compare_exchange_weak(seen, size)) {
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(1));  // an fsync's worth of time
            for (Entry* entry : batch) {
                ++entry->commits;
                entry->committed = true;
            }
            inside = false;
        },
        kMaxBatch);
    std::vector<Entry> entries(kThreads * kPerThread);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; ++i) {
                Entry& entry = entries[static_cast<size_t>(t * kPerThread + i)];
                group.submit(entry);
                EXPECT_TRUE(entry.committed);  // committed when submit returns
            }
        });
    }
    for (auto& thread : threads) thread.join();
    for (const Entry& entry : entries) EXPECT_EQ(entry.commits, 1);
    EXPECT_FALSE(overlapped.load());  // one leader at a time
    EXPECT_LE(largest.load(), kMaxBatch);
    EXPECT_GT(largest.load(), 1u);  // commits were shared
    EXPECT_LT(batches.load(), kThreads * kPerThread);
}

TEST(GroupCommit, ThrowingCommitLeavesEntriesUncommittedAndDoesNotHang) {
    std::atomic<int> calls{0};
    GroupCommit<Entry> group(
        [&](std::span<Entry* const> batch) {
            if (calls++ == 0) throw std::runtime_error("out of memory");
            for (Entry* entry : batch) entry->committed = true;
        },
        8);
    Entry first;
    EXPECT_THROW(group.submit(first), std::runtime_error);
    EXPECT_FALSE(first.committed);
    Entry second;
    group.submit(second);  // would hang if the lead had not been handed on
    EXPECT_TRUE(second.committed);
}

}  // namespace
}  // namespace danemail::store::detail

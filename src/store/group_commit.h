// Internal to src/store: group commit. Many threads each submit one entry; the first to find no commit
// running becomes the leader, takes every entry waiting (up to a bound) and commits them with one
// transaction (one fsync of the WAL for the lot); the others sleep until a leader has committed theirs.
// Under load a commit therefore costs one fsync per group instead of one per message. No untrusted input.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <span>
#include <utility>
#include <vector>

namespace danemail::store::detail {

template <class Entry>
class GroupCommit {
public:
    // Commits a batch: sets each entry's outcome. Called by one leader at a time, without the group's lock.
    using CommitBatch = std::function<void(std::span<Entry* const> batch)>;

    GroupCommit(CommitBatch commit, size_t max_batch) : commit_(std::move(commit)), max_batch_(max_batch) {}

    // Returns once `entry` has been committed (by this thread or another): its outcome is then set. An
    // Entry starts with a failed outcome, which the commit replaces.
    void submit(Entry& entry) {
        Waiter self{&entry};
        std::unique_lock lock(mutex_);
        waiting_.push_back(&self);
        while (!self.done) {
            if (leader_active_) {
                finished_.wait(lock);
                continue;
            }
            leader_active_ = true;
            size_t count = std::min(waiting_.size(), max_batch_);
            std::vector<Waiter*> batch(waiting_.begin(),
                                       waiting_.begin() + static_cast<std::ptrdiff_t>(count));
            waiting_.erase(waiting_.begin(), waiting_.begin() + static_cast<std::ptrdiff_t>(count));
            lock.unlock();

            std::vector<Entry*> entries;
            entries.reserve(batch.size());
            for (Waiter* waiter : batch) entries.push_back(waiter->entry);
            // Hands the lead on even if the commit throws (std::bad_alloc): the entries then keep the
            // failed outcome they were created with, and no thread waits forever.
            LeaderHandOver hand_over{*this, lock, batch};
            commit_(entries);
        }
    }

private:
    struct Waiter {
        Entry* entry;
        bool done = false;
    };

    struct LeaderHandOver {
        GroupCommit& group;
        std::unique_lock<std::mutex>& lock;
        const std::vector<Waiter*>& batch;
        ~LeaderHandOver() {
            lock.lock();
            for (Waiter* waiter : batch) waiter->done = true;
            group.leader_active_ = false;
            // Wakes the batch's followers and those who queued meanwhile: one of them leads the next group.
            group.finished_.notify_all();
        }
    };

    CommitBatch commit_;
    size_t max_batch_;
    std::mutex mutex_;
    std::condition_variable finished_;
    std::vector<Waiter*> waiting_;  // guarded by mutex_
    bool leader_active_ = false;    // guarded by mutex_
};

}  // namespace danemail::store::detail

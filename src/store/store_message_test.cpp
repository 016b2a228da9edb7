// Tests of storing messages: the file is complete, private and durable where the metadata says; UIDs and
// mod-sequences grow per mailbox; one file serves every copy and the queue; orphans are removed at open
// (and only then); a full disk fails cleanly and the store recovers; deleting an account removes its files.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "store/store_test_util.h"

namespace danemail::store {
namespace {

using testing::count_files;
using testing::FaultyDiskWriter;
using testing::file_content;
using testing::open_store;
using testing::TemporaryDirectory;

class StoreMessageTest : public ::testing::Test {
protected:
    void SetUp() override { open(); }

    void open(const SqliteStoreOptions& options = {}) {
        store_.reset();
        store_ = open_store(dir_.path(), options);
        ASSERT_NE(store_, nullptr);
        if (!*store_->has_domain("example.org")) {
            ASSERT_TRUE(store_->add_domain("example.org").ok());
            ASSERT_TRUE(store_->add_account("alice@example.org", "secret-pass").ok());
            ASSERT_TRUE(store_->add_account("bob@example.org", "secret-pass").ok());
        }
        alice_ = id_of("alice@example.org");
        bob_ = id_of("bob@example.org");
    }

    int64_t id_of(const std::string& address) {
        auto accounts = store_->accounts();
        EXPECT_TRUE(accounts.ok());
        if (!accounts.ok()) return 0;
        for (const auto& account : *accounts) {
            if (account.address == address) return account.id;
        }
        return 0;
    }

    NewMessage message(const std::string& id, std::vector<int64_t> accounts,
                       std::vector<std::string> remote = {}) {
        NewMessage m;
        m.id = id;
        m.mail_from = "sender@remote.test";
        m.local_accounts = std::move(accounts);
        m.remote_recipients = std::move(remote);
        m.received_at = 1700000000;
        m.content = "Subject: " + id + "\r\n\r\nbody of " + id + "\r\n";
        return m;
    }

    std::vector<MessageInfo> inbox(const std::string& address) {
        auto messages = store_->mailbox_messages(address);
        EXPECT_TRUE(messages.ok()) << messages.error().to_string();
        return messages.ok() ? *messages : std::vector<MessageInfo>{};
    }

    size_t temporary_files() { return count_files(dir_.path() + "/messages/tmp"); }

    TemporaryDirectory dir_;
    FaultyDiskWriter writer_;  // outlives the store that uses it
    std::unique_ptr<SqliteStore> store_;
    int64_t alice_ = 0;
    int64_t bob_ = 0;
};

TEST_F(StoreMessageTest, StoredMessageIsAFileWithMetadata) {
    NewMessage m = message("q1", {alice_});
    StoreOutcome outcome = store_->store_message(m);
    ASSERT_EQ(outcome.failure, StoreFailure::None) << outcome.detail;

    auto messages = inbox("alice@example.org");
    ASSERT_EQ(messages.size(), 1u);
    const MessageInfo& stored = messages[0];
    EXPECT_EQ(stored.uid, 1u);
    EXPECT_GT(stored.uidvalidity, 0u);
    EXPECT_EQ(stored.size, m.content.size());
    EXPECT_EQ(stored.internal_date, 1700000000);
    EXPECT_EQ(stored.flags, "");
    EXPECT_EQ(file_content(stored.file), m.content);

    // messages/<first two hex digits of the name>/<name>, absolute, private.
    std::filesystem::path path(stored.file);
    EXPECT_TRUE(path.is_absolute());
    EXPECT_EQ(path.parent_path().parent_path(), std::filesystem::path(dir_.path()) / "messages");
    EXPECT_EQ(path.parent_path().filename().string(), path.filename().string().substr(0, 2));
    struct stat info {};
    ASSERT_EQ(::stat(stored.file.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
    EXPECT_EQ(temporary_files(), 0u);
    EXPECT_TRUE(inbox("bob@example.org").empty());
}

TEST_F(StoreMessageTest, EveryFileAndDirectoryIsFsynced) {
    open({.disk_writer = &writer_});
    ASSERT_EQ(store_->store_message(message("q1", {alice_})).failure, StoreFailure::None);
    // One fsync of the file, one of its shard directory (before the commit).
    EXPECT_EQ(writer_.fsyncs.load(), 2);
}

TEST_F(StoreMessageTest, UidsAndModseqGrowPerMailbox) {
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(store_->store_message(message("a" + std::to_string(i), {alice_})).failure,
                  StoreFailure::None);
    }
    ASSERT_EQ(store_->store_message(message("b0", {bob_})).failure, StoreFailure::None);
    auto alice = inbox("alice@example.org");
    ASSERT_EQ(alice.size(), 3u);
    for (size_t i = 0; i < alice.size(); ++i) {
        EXPECT_EQ(alice[i].uid, i + 1);
        EXPECT_EQ(file_content(alice[i].file),
                  "Subject: a" + std::to_string(i) + "\r\n\r\nbody of a" + std::to_string(i) + "\r\n");
        if (i > 0) {
            EXPECT_GT(alice[i].modseq, alice[i - 1].modseq);
        }
    }
    EXPECT_GT(alice[0].modseq, 1u);  // RFC 7162: an empty mailbox's HIGHESTMODSEQ is 1
    auto bob = inbox("bob@example.org");
    ASSERT_EQ(bob.size(), 1u);
    EXPECT_EQ(bob[0].uid, 1u);  // bob's INBOX counts on its own
    EXPECT_NE(bob[0].uidvalidity, alice[0].uidvalidity);
}

TEST_F(StoreMessageTest, UidsSurviveReopen) {
    ASSERT_EQ(store_->store_message(message("q1", {alice_})).failure, StoreFailure::None);
    open();
    ASSERT_EQ(store_->store_message(message("q2", {alice_})).failure, StoreFailure::None);
    auto alice = inbox("alice@example.org");
    ASSERT_EQ(alice.size(), 2u);
    EXPECT_EQ(alice[1].uid, 2u);
}

TEST_F(StoreMessageTest, OneFileForAllCopiesAndTheQueue) {
    NewMessage m = message("q1", {alice_, bob_, alice_}, {"carol@remote.test", "dave@remote.test"});
    m.submitted_by = alice_;
    ASSERT_EQ(store_->store_message(m).failure, StoreFailure::None);
    auto alice = inbox("alice@example.org");
    auto bob = inbox("bob@example.org");
    ASSERT_EQ(alice.size(), 1u);  // a duplicate account gets one copy
    ASSERT_EQ(bob.size(), 1u);
    EXPECT_EQ(alice[0].file, bob[0].file);
    auto queued = store_->queued_recipients();
    ASSERT_TRUE(queued.ok());
    ASSERT_EQ(queued->size(), 2u);
    EXPECT_EQ((*queued)[0].recipient, "carol@remote.test");
    EXPECT_EQ((*queued)[1].recipient, "dave@remote.test");
    EXPECT_EQ((*queued)[0].message_id, (*queued)[1].message_id);
    EXPECT_EQ((*queued)[0].mail_from, "sender@remote.test");
    EXPECT_EQ((*queued)[0].queued_at, 1700000000);
    EXPECT_EQ((*queued)[0].file, alice[0].file);
    EXPECT_EQ(count_files(dir_.path() + "/messages"), 1u);
}

TEST_F(StoreMessageTest, RemoteOnlyMessageIsQueued) {
    NewMessage m = message("q1", {}, {"carol@remote.test"});
    m.mail_from = "";
    ASSERT_EQ(store_->store_message(m).failure, StoreFailure::None);
    auto queued = store_->queued_recipients();
    ASSERT_EQ(queued->size(), 1u);
    EXPECT_EQ((*queued)[0].mail_from, "");
    EXPECT_EQ(file_content((*queued)[0].file), m.content);
}

TEST_F(StoreMessageTest, MessageWithoutRecipientsIsRefused) {
    StoreOutcome outcome = store_->store_message(message("q1", {}));
    EXPECT_EQ(outcome.failure, StoreFailure::Other);
    EXPECT_EQ(count_files(dir_.path() + "/messages"), 0u);
}

TEST_F(StoreMessageTest, VanishedAccountFailsOnlyItsMessage) {
    ASSERT_TRUE(store_->add_account("carol@example.org", "secret-pass").ok());
    const int64_t carol = id_of("carol@example.org");
    ASSERT_TRUE(store_->delete_account("carol@example.org").ok());
    StoreOutcome outcome = store_->store_message(message("q1", {alice_, carol}));
    EXPECT_EQ(outcome.failure, StoreFailure::Other);
    EXPECT_NE(outcome.detail.find("no INBOX"), std::string::npos) << outcome.detail;
    EXPECT_TRUE(inbox("alice@example.org").empty());
    EXPECT_EQ(count_files(dir_.path() + "/messages"), 0u);
    EXPECT_EQ(store_->store_message(message("q2", {alice_})).failure, StoreFailure::None);
}

TEST_F(StoreMessageTest, OrphansAreRemovedAtOpen) {
    ASSERT_EQ(store_->store_message(message("kept", {alice_})).failure, StoreFailure::None);
    store_.reset();
    const std::string orphan = dir_.path() + "/messages/ab/abcdef0123456789abcdef01";
    const std::string temporary = dir_.path() + "/messages/tmp/0123456789abcdef01234567";
    std::filesystem::create_directories(dir_.path() + "/messages/ab");
    std::ofstream(orphan) << "renamed but never committed";
    std::ofstream(temporary) << "half written";
    ASSERT_TRUE(std::filesystem::exists(orphan) && std::filesystem::exists(temporary));
    open();
    EXPECT_EQ(store_->orphans_removed_at_open(), 2u);
    EXPECT_FALSE(std::filesystem::exists(orphan));
    EXPECT_FALSE(std::filesystem::exists(temporary));
    auto alice = inbox("alice@example.org");
    ASSERT_EQ(alice.size(), 1u);
    EXPECT_EQ(file_content(alice[0].file), message("kept", {}).content);
}

TEST_F(StoreMessageTest, OrphansAreKeptWhileAnotherStoreIsOpen) {
    // Another process's message may sit renamed but not yet committed: only the sole opener cleans up.
    const std::string in_flight = dir_.path() + "/messages/ab/abcdef0123456789abcdef01";
    std::filesystem::create_directories(dir_.path() + "/messages/ab");
    std::ofstream(in_flight) << "committed in a moment";
    ASSERT_TRUE(std::filesystem::exists(in_flight));
    auto second = open_store(dir_.path());
    ASSERT_NE(second, nullptr);
    EXPECT_EQ(second->orphans_removed_at_open(), 0u);
    EXPECT_TRUE(std::filesystem::exists(in_flight));
}

TEST_F(StoreMessageTest, ConcurrentDeliveriesAllGetDistinctUids) {
    constexpr int kThreads = 20;
    constexpr int kPerThread = 100;
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; ++i) {
                std::string id = "t" + std::to_string(t) + "m" + std::to_string(i);
                // Every third message also goes to bob and the queue, so groups mix mailboxes.
                NewMessage m =
                    i % 3 == 0 ? message(id, {alice_, bob_}, {"x@remote.test"}) : message(id, {alice_});
                if (store_->store_message(m).failure != StoreFailure::None) ++failures;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(failures.load(), 0);

    auto alice = inbox("alice@example.org");
    ASSERT_EQ(alice.size(), size_t{kThreads * kPerThread});
    std::set<uint32_t> uids;
    std::set<uint64_t> modseqs;
    std::set<std::string> contents;
    for (const auto& stored : alice) {
        uids.insert(stored.uid);
        modseqs.insert(stored.modseq);
        contents.insert(file_content(stored.file));
    }
    EXPECT_EQ(uids.size(), alice.size());
    EXPECT_EQ(*uids.begin(), 1u);
    EXPECT_EQ(*uids.rbegin(), uint32_t{kThreads * kPerThread});
    EXPECT_EQ(modseqs.size(), alice.size());
    EXPECT_EQ(contents.size(), alice.size());  // every message's own content
    const size_t to_bob = kThreads * ((kPerThread + 2) / 3);
    EXPECT_EQ(inbox("bob@example.org").size(), to_bob);
    EXPECT_EQ(store_->queued_recipients()->size(), to_bob);
    EXPECT_EQ(count_files(dir_.path() + "/messages"), size_t{kThreads * kPerThread});
}

TEST_F(StoreMessageTest, DiskFullOnWriteFailsCleanlyAndRecovers) {
    open({.disk_writer = &writer_});
    writer_.write_error = ENOSPC;
    StoreOutcome outcome = store_->store_message(message("q1", {alice_}));
    EXPECT_EQ(outcome.failure, StoreFailure::DiskFull) << outcome.detail;
    EXPECT_EQ(count_files(dir_.path() + "/messages"), 0u);
    EXPECT_TRUE(inbox("alice@example.org").empty());

    writer_.write_error = 0;
    EXPECT_EQ(store_->store_message(message("q2", {alice_})).failure, StoreFailure::None);
    EXPECT_EQ(inbox("alice@example.org").size(), 1u);
}

TEST_F(StoreMessageTest, FsyncFailuresFailCleanly) {
    open({.disk_writer = &writer_});
    writer_.fsync_error = ENOSPC;  // the file's fsync and the directory's
    EXPECT_EQ(store_->store_message(message("q1", {alice_})).failure, StoreFailure::DiskFull);
    writer_.fsync_error = EIO;
    StoreOutcome outcome = store_->store_message(message("q2", {alice_}));
    EXPECT_EQ(outcome.failure, StoreFailure::Other);
    EXPECT_NE(outcome.detail.find("fsync"), std::string::npos) << outcome.detail;
    EXPECT_EQ(count_files(dir_.path() + "/messages"), 0u);
    EXPECT_TRUE(inbox("alice@example.org").empty());
    writer_.fsync_error = 0;
    EXPECT_EQ(store_->store_message(message("q3", {alice_})).failure, StoreFailure::None);
}

TEST_F(StoreMessageTest, FullDatabaseFailsTheGroupAndRecovers) {
    ASSERT_TRUE(store_->simulate_full_database_for_test(true).ok());
    // The last database page fills up after a few messages; from then on every commit fails.
    StoreOutcome outcome;
    int stored = 0;
    for (int i = 0; i < 2000 && outcome.failure == StoreFailure::None; ++i) {
        NewMessage m =
            message("fill" + std::to_string(i), {alice_}, {"someone-with-a-long-address@remote.test"});
        outcome = store_->store_message(m);
        if (outcome.failure == StoreFailure::None) ++stored;
    }
    ASSERT_EQ(outcome.failure, StoreFailure::DiskFull) << outcome.detail;
    EXPECT_EQ(inbox("alice@example.org").size(), size_t(stored));
    EXPECT_EQ(count_files(dir_.path() + "/messages"), size_t(stored));  // the failed message's file is gone

    ASSERT_TRUE(store_->simulate_full_database_for_test(false).ok());
    ASSERT_EQ(store_->store_message(message("after", {alice_})).failure, StoreFailure::None);
    auto alice = inbox("alice@example.org");
    ASSERT_EQ(alice.size(), size_t(stored + 1));
    EXPECT_EQ(alice.back().uid, uint32_t(stored + 1));  // no UID was used up by the failed commit
}

TEST_F(StoreMessageTest, DeleteAccountRemovesItsFilesButNotSharedOnes) {
    ASSERT_EQ(store_->store_message(message("alone", {alice_})).failure, StoreFailure::None);
    ASSERT_EQ(store_->store_message(message("shared", {alice_, bob_})).failure, StoreFailure::None);
    NewMessage queued = message("queued", {alice_}, {"x@remote.test"});
    ASSERT_EQ(store_->store_message(queued).failure, StoreFailure::None);
    auto alice = inbox("alice@example.org");
    ASSERT_EQ(alice.size(), 3u);

    ASSERT_TRUE(store_->delete_account("alice@example.org").ok());
    EXPECT_FALSE(std::filesystem::exists(alice[0].file));  // only alice's
    EXPECT_TRUE(std::filesystem::exists(alice[1].file));   // bob has it too
    EXPECT_TRUE(std::filesystem::exists(alice[2].file));   // the queue still needs it
    EXPECT_EQ(count_files(dir_.path() + "/messages"), 2u);
    EXPECT_EQ(inbox("bob@example.org").size(), 1u);
    EXPECT_EQ(store_->queued_recipients()->size(), 1u);
}

}  // namespace
}  // namespace danemail::store

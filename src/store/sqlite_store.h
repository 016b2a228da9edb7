// The SQLite backend of the mail store (store.h): <state>/mail.db in WAL mode with synchronous=FULL, and the
// message files under <state>/messages. One write connection, used under a lock by administrative changes
// and by the group-commit leader that stores the messages of many SMTP sessions in one transaction; a pool
// of read connections for recipient lookups and logins. Untrusted input: addresses and passwords from SMTP
// and from the operator, message content (stored as opaque bytes).
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "store/address_syntax.h"
#include "store/group_commit.h"
#include "store/message_files.h"
#include "store/read_pool.h"
#include "store/sqlite_connection.h"
#include "store/store.h"
#include "store/store_lock.h"

namespace danemail::store {

struct SqliteStoreOptions {
    DiskWriter* disk_writer = nullptr;  // nullptr: the real system calls; tests inject failures
    size_t read_connections = 4;        // the read pool's bound
    size_t max_commit_group = 256;      // messages per transaction at most
};

// Operator-visible errors name the fix, e.g. "domain example.org is not configured; add it with
// `danemail domain add example.org`".
class SqliteStore final : public Store {
public:
    static Result<std::unique_ptr<SqliteStore>> open(const std::string& state_directory,
                                                     const SqliteStoreOptions& options = {});

    Status add_domain(const std::string& domain) override;
    Result<bool> has_domain(const std::string& domain) override;
    Result<std::vector<std::string>> domains() override;

    Status add_account(const std::string& address, const std::string& password) override;
    Status set_password(const std::string& address, const std::string& password) override;
    Status delete_account(const std::string& address) override;
    Result<std::vector<AccountInfo>> accounts() override;
    Result<std::optional<AccountInfo>> verify_password(const std::string& address,
                                                       const std::string& password) override;

    Status add_alias(const std::string& address, const std::string& target) override;
    Result<bool> may_send_as(int64_t account, const std::string& address) override;
    Result<Resolution> resolve(const std::string& address) override;

    StoreOutcome store_message(const NewMessage& message) override;

    Result<std::vector<MessageInfo>> mailbox_messages(const std::string& account_address,
                                                      const std::string& mailbox = "INBOX") override;
    Result<std::vector<QueuedRecipient>> queued_recipients() override;

    // How many orphaned message files open() removed (0 when another process had the store open).
    size_t orphans_removed_at_open() const { return orphans_removed_; }
    const std::string& state_directory() const { return state_directory_; }

    // For tests of the disk-full path: caps the database file at its current size (PRAGMA max_page_count),
    // so a commit that needs a new page fails with SQLITE_FULL as on a full disk; `full` false lifts it.
    Status simulate_full_database_for_test(bool full);

    // Public for std::make_unique only; use open().
    SqliteStore(std::string state_directory, const SqliteStoreOptions& options, detail::StoreLock lock,
                detail::Connection writer, std::unique_ptr<DiskWriter> owned_writer);

private:
    // One message on its way through the group commit.
    struct PendingMessage {
        const NewMessage* message = nullptr;
        StoredFile file;
        StoreOutcome outcome{StoreFailure::Other, "not committed"};
    };

    // An INBOX's counters while a commit group assigns UIDs and mod-sequences; written back at the end.
    struct MailboxCursor {
        int64_t mailbox_id = 0;
        int64_t uidnext = 0;
        int64_t highestmodseq = 0;
        bool touched = false;
    };
    using Inboxes = std::unordered_map<int64_t, MailboxCursor>;  // by account id

    Status prepare_files_and_remove_orphans();
    void commit_batch(std::span<PendingMessage* const> batch);
    // Inside the commit transaction: the rows of one message. `failure` is set for a failure of this
    // message alone (its account vanished); an Error fails the whole transaction.
    Status insert_message(PendingMessage& pending, Inboxes& inboxes, std::optional<StoreOutcome>& failure);

    Result<std::optional<int64_t>> find_domain(detail::Connection& db, const std::string& domain);
    Result<std::optional<int64_t>> find_account(detail::Connection& db, const std::string& address);
    Result<std::vector<std::string>> alias_targets(detail::Connection& db, const std::string& address);
    // Does following aliases from `from` reach `to`? (A new alias to -> from would close a loop.)
    Result<bool> alias_leads_to(detail::Connection& db, const std::string& from, const std::string& to);
    Result<uint32_t> next_uidvalidity(detail::Connection& db);
    Status create_mailboxes(detail::Connection& db, int64_t account);
    Status resolve_into(detail::Connection& db, const detail::AddressParts& parts, int depth,
                        std::unordered_set<std::string>& seen, Resolution& resolution);
    // Deletes message_files rows of `file_ids` that nothing refers to any more; returns their names, to be
    // unlinked after the commit.
    Result<std::vector<std::string>> release_files(detail::Connection& db,
                                                   const std::vector<int64_t>& file_ids);
    // Runs `change` in BEGIN IMMEDIATE … COMMIT on the write connection (under write_mutex_).
    template <class Change>
    Status write_transaction(Change&& change);

    std::string state_directory_;
    std::unique_ptr<DiskWriter> owned_writer_;
    detail::StoreLock lock_;
    std::mutex write_mutex_;     // the write connection is used by one thread at a time
    detail::Connection writer_;  // guarded by write_mutex_
    detail::ReadPool readers_;
    detail::MessageFiles files_;
    detail::GroupCommit<PendingMessage> group_;
    size_t orphans_removed_ = 0;
};

}  // namespace danemail::store

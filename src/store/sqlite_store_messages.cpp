// Storing messages with group commit, and reading mailboxes and the outbound queue back. Each SMTP
// delivery writes and fsyncs its own file in parallel; one leader then fsyncs the shard directories and
// commits every waiting message's rows in one transaction (UIDs per mailbox, RFC 3501 §2.3.1.1; MODSEQ,
// RFC 7162 §3.1.1). Untrusted input: message content (opaque bytes), envelope addresses (stored as text).
#include <algorithm>
#include <limits>

#include "store/address_syntax.h"
#include "store/sqlite_store.h"

namespace danemail::store {

using detail::Connection;

namespace {

StoreOutcome failure_outcome(StoreFailure kind, const std::string& what) {
    return {kind, what};
}

std::vector<int64_t> without_duplicates(std::vector<int64_t> values) {
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    return values;
}

std::vector<std::string> without_duplicates(const std::vector<std::string>& values) {
    std::vector<std::string> unique;
    for (const auto& value : values) {
        if (std::find(unique.begin(), unique.end(), value) == unique.end()) unique.push_back(value);
    }
    return unique;
}

}  // namespace

StoreOutcome SqliteStore::store_message(const NewMessage& message) {
    if (message.local_accounts.empty() && message.remote_recipients.empty()) {
        return failure_outcome(StoreFailure::Other, "message " + message.id + " has no recipients");
    }
    PendingMessage pending;
    pending.message = &message;
    // The expensive part — write and fsync — runs here, in parallel with other deliveries.
    StoreOutcome written = files_.write(message.content, pending.file);
    if (written.failure != StoreFailure::None) return written;
    group_.submit(pending);
    if (pending.outcome.failure != StoreFailure::None) files_.remove(pending.file.name);
    return pending.outcome;
}

void SqliteStore::commit_batch(std::span<PendingMessage* const> batch) {
    // The renames into the shards must be durable before the database refers to the files.
    std::vector<std::string> names;
    names.reserve(batch.size());
    for (const PendingMessage* pending : batch) names.push_back(pending->file.name);
    StoreOutcome synced = files_.sync_directories(names);
    if (synced.failure != StoreFailure::None) {
        for (PendingMessage* pending : batch) pending->outcome = synced;
        return;
    }

    std::lock_guard lock(write_mutex_);
    auto fail_all = [&](const Error& error) {
        // Read the cause before ROLLBACK replaces the connection's last error.
        StoreFailure kind =
            writer_.last_failure_was_disk_full() ? StoreFailure::DiskFull : StoreFailure::Other;
        writer_.rollback_if_open();
        for (PendingMessage* pending : batch) pending->outcome = failure_outcome(kind, error.to_string());
    };
    if (auto ok = writer_.exec("BEGIN IMMEDIATE"); !ok) return fail_all(ok.error());

    Inboxes inboxes;
    std::vector<std::optional<StoreOutcome>> own_failures(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
        if (auto ok = insert_message(*batch[i], inboxes, own_failures[i]); !ok) return fail_all(ok.error());
    }
    for (const auto& [account, inbox] : inboxes) {
        if (!inbox.touched) continue;
        auto update = writer_.query("UPDATE mailboxes SET uidnext = ?1, highestmodseq = ?2 WHERE id = ?3");
        if (!update) return fail_all(update.error());
        if (auto ok =
                update->bind(1, inbox.uidnext).bind(2, inbox.highestmodseq).bind(3, inbox.mailbox_id).run();
            !ok) {
            return fail_all(ok.error());
        }
    }
    if (auto ok = writer_.exec("COMMIT"); !ok) return fail_all(ok.error());
    for (size_t i = 0; i < batch.size(); ++i) batch[i]->outcome = own_failures[i].value_or(StoreOutcome{});
}

Status SqliteStore::insert_message(PendingMessage& pending, Inboxes& inboxes,
                                   std::optional<StoreOutcome>& failure) {
    const NewMessage& message = *pending.message;
    const std::vector<int64_t> accounts = without_duplicates(message.local_accounts);

    // Every INBOX first: an account deleted since RCPT fails this message alone, before any row of it.
    for (int64_t account : accounts) {
        auto known = inboxes.find(account);
        if (known == inboxes.end()) {
            auto query = writer_.query(
                "SELECT id, uidnext, highestmodseq FROM mailboxes WHERE account_id = ?1 AND name = 'INBOX'");
            if (!query) return query.error();
            query->bind(1, account);
            auto row = query->step();
            if (!row) return row.error();
            if (!*row) {
                failure = failure_outcome(StoreFailure::Other,
                                          "account " + std::to_string(account) + " has no INBOX (deleted?)");
                return {};
            }
            known = inboxes
                        .emplace(account, MailboxCursor{query->column_int64(0), query->column_int64(1),
                                                        query->column_int64(2), false})
                        .first;
        }
        // RFC 3501 §2.3.1.1: UIDs are 32-bit; running out would need a new UIDVALIDITY.
        if (known->second.uidnext > std::numeric_limits<uint32_t>::max()) {
            failure = failure_outcome(
                StoreFailure::Other, "INBOX of account " + std::to_string(account) + " has used up its UIDs");
            return {};
        }
    }

    auto file =
        writer_.query("INSERT INTO message_files (name, size, smtp_id, received_at) VALUES (?1, ?2, ?3, ?4)");
    if (!file) return file.error();
    file->bind(1, pending.file.name)
        .bind(2, static_cast<int64_t>(pending.file.size))
        .bind(3, message.id)
        .bind(4, message.received_at);
    if (auto ok = file->run(); !ok) return ok;
    const int64_t file_id = writer_.last_insert_id();

    for (int64_t account : accounts) {
        MailboxCursor& inbox = inboxes.at(account);
        const int64_t uid = inbox.uidnext++;
        const int64_t modseq = ++inbox.highestmodseq;
        inbox.touched = true;
        auto insert = writer_.query(
            "INSERT INTO messages (mailbox_id, uid, internal_date, size, modseq, file_id) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
        if (!insert) return insert.error();
        insert->bind(1, inbox.mailbox_id)
            .bind(2, uid)
            .bind(3, message.received_at)
            .bind(4, static_cast<int64_t>(pending.file.size))
            .bind(5, modseq)
            .bind(6, file_id);
        if (auto ok = insert->run(); !ok) return ok;
    }

    const std::vector<std::string> remote = without_duplicates(message.remote_recipients);
    if (remote.empty()) return {};
    auto outbound = writer_.query(
        "INSERT INTO outbound_messages (file_id, smtp_id, mail_from, queued_at, submitted_by) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!outbound) return outbound.error();
    outbound->bind(1, file_id).bind(2, message.id).bind(3, message.mail_from).bind(4, message.received_at);
    if (message.submitted_by) {
        outbound->bind(5, *message.submitted_by);
    } else {
        outbound->bind_null(5);
    }
    if (auto ok = outbound->run(); !ok) return ok;
    const int64_t outbound_id = writer_.last_insert_id();
    for (const auto& recipient : remote) {
        auto insert = writer_.query(
            "INSERT INTO outbound_recipients (message_id, recipient, next_attempt) VALUES (?1, ?2, ?3)");
        if (!insert) return insert.error();
        if (auto ok = insert->bind(1, outbound_id).bind(2, recipient).bind(3, message.received_at).run();
            !ok) {
            return ok;
        }
    }
    return {};
}

Result<std::vector<MessageInfo>> SqliteStore::mailbox_messages(const std::string& account_address,
                                                               const std::string& mailbox) {
    auto parts = detail::split_address(account_address);
    if (!parts) return parts.error();
    const std::string address = parts->address();
    // RFC 3501 §5.1: INBOX is case-insensitive; other names are taken as they are.
    const std::string name = detail::ascii_lower(mailbox) == "inbox" ? "INBOX" : mailbox;

    auto lease = readers_.acquire();
    if (!lease) return lease.error();
    Connection& db = **lease;
    int64_t mailbox_id = 0;
    uint32_t uidvalidity = 0;
    {
        auto query = db.query(
            "SELECT b.id, b.uidvalidity FROM mailboxes b JOIN accounts a ON a.id = b.account_id "
            "WHERE a.address = ?1 AND b.name = ?2");
        if (!query) return query.error();
        query->bind(1, address).bind(2, name);
        auto row = query->step();
        if (!row) return row.error();
        if (*row) {
            mailbox_id = query->column_int64(0);
            uidvalidity = static_cast<uint32_t>(query->column_int64(1));
        }
    }
    if (mailbox_id == 0) {
        auto account = find_account(db, address);
        if (!account) return account.error();
        if (!*account) return make_error("no user " + address);
        return make_error("user " + address + " has no mailbox " + name);
    }

    auto query = db.query(
        "SELECT m.uid, m.flags, m.internal_date, m.size, m.modseq, f.name FROM messages m "
        "JOIN message_files f ON f.id = m.file_id WHERE m.mailbox_id = ?1 ORDER BY m.uid");
    if (!query) return query.error();
    query->bind(1, mailbox_id);
    std::vector<MessageInfo> messages;
    for (;;) {
        auto row = query->step();
        if (!row) return row.error();
        if (!*row) break;
        MessageInfo info;
        info.mailbox_id = mailbox_id;
        info.uid = static_cast<uint32_t>(query->column_int64(0));
        info.uidvalidity = uidvalidity;
        info.flags = query->column_text(1);
        info.internal_date = query->column_int64(2);
        info.size = static_cast<uint64_t>(query->column_int64(3));
        info.modseq = static_cast<uint64_t>(query->column_int64(4));
        info.file = files_.path_of(query->column_text(5));
        messages.push_back(std::move(info));
    }
    return messages;
}

Result<std::vector<QueuedRecipient>> SqliteStore::queued_recipients() {
    auto lease = readers_.acquire();
    if (!lease) return lease.error();
    auto query = (*lease)->query(
        "SELECT o.id, o.mail_from, r.recipient, o.queued_at, f.name FROM outbound_recipients r "
        "JOIN outbound_messages o ON o.id = r.message_id JOIN message_files f ON f.id = o.file_id "
        "WHERE r.state IN ('queued', 'deferred') ORDER BY o.id, r.id");
    if (!query) return query.error();
    std::vector<QueuedRecipient> queued;
    for (;;) {
        auto row = query->step();
        if (!row) return row.error();
        if (!*row) break;
        queued.push_back({query->column_int64(0), query->column_text(1), query->column_text(2),
                          query->column_int64(3), files_.path_of(query->column_text(4))});
    }
    return queued;
}

}  // namespace danemail::store

// The SQLite store: opening (lock, schema, message directories, orphan removal), domains, accounts,
// aliases and recipient resolution. Untrusted input: addresses from SMTP (looked up, never interpreted
// beyond the last '@') and from the operator (checked by address_syntax), passwords (only hashed).
#include "store/sqlite_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <deque>
#include <filesystem>
#include <limits>

#include "store/address_syntax.h"
#include "store/password_hash.h"
#include "store/schema.h"

namespace danemail::store {

using detail::AddressParts;
using detail::Connection;

namespace {

// Aliases may point to aliases; a chain longer than this is cut (loops are refused when an alias is added,
// the bound also covers a database edited by hand).
constexpr int kMaxAliasDepth = 10;

constexpr const char* kDatabaseFile = "mail.db";
constexpr const char* kLockFile = "mail.lock";
constexpr const char* kMessagesDirectory = "messages";

// The mailboxes every account starts with, with their RFC 6154 special uses.
struct InitialMailbox {
    const char* name;
    const char* special_use;  // nullptr: none
};
constexpr InitialMailbox kInitialMailboxes[] = {
    {"INBOX", nullptr}, {"Sent", "\\Sent"}, {"Drafts", "\\Drafts"}, {"Trash", "\\Trash"}, {"Junk", "\\Junk"},
};

std::string domain_not_configured(const std::string& domain) {
    return "domain " + domain + " is not configured; add it with `danemail domain add " + domain + "`";
}

// Creates the database file with mode 0600 before SQLite does (SQLite would use 0644 less the umask, and
// gives the -wal and -shm files the database's mode): it holds the password hashes.
Status create_private_file(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return make_error(path, std::string("cannot create: ") + std::strerror(errno));
    ::close(fd);
    return {};
}

template <class T>
void push_unique(std::vector<T>& values, const T& value) {
    if (std::find(values.begin(), values.end(), value) == values.end()) values.push_back(value);
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& state_directory,
                                                       const SqliteStoreOptions& options) {
    namespace fs = std::filesystem;
    std::error_code error;
    std::string directory = fs::absolute(state_directory, error).lexically_normal().string();
    if (error) return make_error(state_directory, "cannot make the path absolute: " + error.message());
    while (directory.size() > 1 && directory.back() == '/') directory.pop_back();
    if (!fs::exists(directory, error)) {
        fs::create_directories(directory, error);
        if (error) return make_error(directory, "cannot create the state directory: " + error.message());
        ::chmod(directory.c_str(), 0700);
    }

    auto lock = detail::StoreLock::acquire(directory + "/" + kLockFile);
    if (!lock) return lock.error();
    std::string database = directory + "/" + kDatabaseFile;
    if (auto ok = create_private_file(database); !ok) return ok.error();
    auto writer = Connection::open(database, /*create=*/true, /*read_only=*/false);
    if (!writer) return writer.error();
    if (auto ok = detail::prepare_schema(*writer); !ok) return ok.error();

    std::unique_ptr<DiskWriter> owned_writer;
    if (options.disk_writer == nullptr) owned_writer = std::make_unique<DiskWriter>();
    auto store = std::make_unique<SqliteStore>(directory, options, std::move(*lock), std::move(*writer),
                                               std::move(owned_writer));
    if (auto ok = store->prepare_files_and_remove_orphans(); !ok) return ok.error();
    return store;
}

SqliteStore::SqliteStore(std::string state_directory, const SqliteStoreOptions& options,
                         detail::StoreLock lock, Connection writer, std::unique_ptr<DiskWriter> owned_writer)
    : state_directory_(std::move(state_directory)),
      owned_writer_(std::move(owned_writer)),
      lock_(std::move(lock)),
      writer_(std::move(writer)),
      readers_(state_directory_ + "/" + kDatabaseFile, options.read_connections),
      files_(state_directory_ + "/" + kMessagesDirectory,
             options.disk_writer != nullptr ? *options.disk_writer : *owned_writer_),
      group_([this](std::span<PendingMessage* const> batch) { commit_batch(batch); },
             options.max_commit_group) {}

Status SqliteStore::prepare_files_and_remove_orphans() {
    if (auto ok = files_.prepare(); !ok) return ok;
    if (!lock_.exclusive()) return {};  // another process is running: its files may still be uncommitted
    std::unordered_set<std::string> referenced;
    {
        std::lock_guard lock(write_mutex_);
        auto query = writer_.query("SELECT name FROM message_files");
        if (!query) return query.error();
        for (;;) {
            auto row = query->step();
            if (!row) return row.error();
            if (!*row) break;
            referenced.insert(query->column_text(0));
        }
    }
    auto removed = files_.remove_orphans(referenced);
    if (!removed) return removed.error();
    orphans_removed_ = *removed;
    return lock_.share();
}

template <class Change>
Status SqliteStore::write_transaction(Change&& change) {
    std::lock_guard lock(write_mutex_);
    if (auto ok = writer_.exec("BEGIN IMMEDIATE"); !ok) return ok;
    Status changed = change(writer_);
    if (!changed) {
        writer_.rollback_if_open();
        return changed;
    }
    if (auto ok = writer_.exec("COMMIT"); !ok) {
        writer_.rollback_if_open();
        return ok;
    }
    return {};
}

// --- lookups shared by the operations below ------------------------------------------------------------

Result<std::optional<int64_t>> SqliteStore::find_domain(Connection& db, const std::string& domain) {
    auto query = db.query("SELECT id FROM domains WHERE name = ?1");
    if (!query) return query.error();
    query->bind(1, domain);
    auto row = query->step();
    if (!row) return row.error();
    if (!*row) return std::optional<int64_t>();
    return std::optional<int64_t>(query->column_int64(0));
}

Result<std::optional<int64_t>> SqliteStore::find_account(Connection& db, const std::string& address) {
    auto query = db.query("SELECT id FROM accounts WHERE address = ?1");
    if (!query) return query.error();
    query->bind(1, address);
    auto row = query->step();
    if (!row) return row.error();
    if (!*row) return std::optional<int64_t>();
    return std::optional<int64_t>(query->column_int64(0));
}

Result<std::vector<std::string>> SqliteStore::alias_targets(Connection& db, const std::string& address) {
    auto query = db.query("SELECT target FROM aliases WHERE address = ?1 ORDER BY id");
    if (!query) return query.error();
    query->bind(1, address);
    std::vector<std::string> targets;
    for (;;) {
        auto row = query->step();
        if (!row) return row.error();
        if (!*row) break;
        targets.push_back(query->column_text(0));
    }
    return targets;
}

// --- domains ---------------------------------------------------------------------------------------------

Status SqliteStore::add_domain(const std::string& domain_text) {
    auto domain = detail::parse_domain(domain_text);
    if (!domain) return domain.error();
    return write_transaction([&](Connection& db) -> Status {
        auto existing = find_domain(db, *domain);
        if (!existing) return existing.error();
        if (*existing) return make_error("domain " + *domain + " exists");
        auto insert = db.query("INSERT INTO domains (name) VALUES (?1)");
        if (!insert) return insert.error();
        return insert->bind(1, *domain).run();
    });
}

Result<bool> SqliteStore::has_domain(const std::string& domain) {
    auto lease = readers_.acquire();
    if (!lease) return lease.error();
    auto found = find_domain(**lease, detail::ascii_lower(domain));
    if (!found) return found.error();
    return found->has_value();
}

Result<std::vector<std::string>> SqliteStore::domains() {
    auto lease = readers_.acquire();
    if (!lease) return lease.error();
    auto query = (*lease)->query("SELECT name FROM domains ORDER BY name");
    if (!query) return query.error();
    std::vector<std::string> names;
    for (;;) {
        auto row = query->step();
        if (!row) return row.error();
        if (!*row) break;
        names.push_back(query->column_text(0));
    }
    return names;
}

// --- accounts --------------------------------------------------------------------------------------------

Result<uint32_t> SqliteStore::next_uidvalidity(Connection& db) {
    // RFC 3501 §2.3.1.1: a mailbox name must never again be used with the same UIDVALIDITY and other
    // UIDs. The clock gives values that grow across deletion and re-creation; the stored counter keeps
    // them growing within one second and if the clock steps back.
    auto read = db.query("SELECT value FROM counters WHERE name = 'uidvalidity'");
    if (!read) return read.error();
    auto row = read->step();
    if (!row) return row.error();
    int64_t last = *row ? read->column_int64(0) : 0;
    int64_t next = std::max<int64_t>(static_cast<int64_t>(std::time(nullptr)), last + 1);
    if (next > std::numeric_limits<uint32_t>::max()) next = 1;  // after 2106: wraps once, still unique enough
    auto write = db.query(
        "INSERT INTO counters (name, value) VALUES ('uidvalidity', ?1) "
        "ON CONFLICT (name) DO UPDATE SET value = excluded.value");
    if (!write) return write.error();
    if (auto ok = write->bind(1, next).run(); !ok) return ok.error();
    return static_cast<uint32_t>(next);
}

Status SqliteStore::create_mailboxes(Connection& db, int64_t account) {
    for (const auto& mailbox : kInitialMailboxes) {
        auto uidvalidity = next_uidvalidity(db);
        if (!uidvalidity) return uidvalidity.error();
        auto insert = db.query(
            "INSERT INTO mailboxes (account_id, name, uidvalidity, special_use) VALUES (?1, ?2, ?3, ?4)");
        if (!insert) return insert.error();
        insert->bind(1, account).bind(2, std::string_view(mailbox.name)).bind(3, int64_t{*uidvalidity});
        if (mailbox.special_use != nullptr) {
            insert->bind(4, std::string_view(mailbox.special_use));
        } else {
            insert->bind_null(4);
        }
        if (auto ok = insert->run(); !ok) return ok;
    }
    return {};
}

Status SqliteStore::add_account(const std::string& address_text, const std::string& password) {
    auto parts = detail::parse_operator_address(address_text);
    if (!parts) return parts.error();
    if (auto ok = check_new_password(password); !ok) return ok;
    auto hash = hash_password(password);  // slow on purpose: outside the write lock
    if (!hash) return hash.error();
    const std::string address = parts->address();
    return write_transaction([&](Connection& db) -> Status {
        auto domain = find_domain(db, parts->domain);
        if (!domain) return domain.error();
        if (!*domain) return make_error(domain_not_configured(parts->domain));
        auto existing = find_account(db, address);
        if (!existing) return existing.error();
        if (*existing) return make_error("user " + address + " exists");
        auto targets = alias_targets(db, address);
        if (!targets) return targets.error();
        if (!targets->empty())
            return make_error(address + " is an alias; an account needs an address of its own");
        auto insert = db.query(
            "INSERT INTO accounts (domain_id, address, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)");
        if (!insert) return insert.error();
        insert->bind(1, **domain)
            .bind(2, address)
            .bind(3, *hash)
            .bind(4, static_cast<int64_t>(std::time(nullptr)));
        if (auto ok = insert->run(); !ok) return ok;
        return create_mailboxes(db, db.last_insert_id());
    });
}

Status SqliteStore::set_password(const std::string& address_text, const std::string& password) {
    auto parts = detail::parse_operator_address(address_text);
    if (!parts) return parts.error();
    if (auto ok = check_new_password(password); !ok) return ok;
    auto hash = hash_password(password);
    if (!hash) return hash.error();
    return write_transaction([&](Connection& db) -> Status {
        auto update = db.query("UPDATE accounts SET password_hash = ?1 WHERE address = ?2");
        if (!update) return update.error();
        if (auto ok = update->bind(1, *hash).bind(2, parts->address()).run(); !ok) return ok;
        if (db.changes() == 0) return make_error("no user " + parts->address());
        return {};
    });
}

Result<std::vector<std::string>> SqliteStore::release_files(Connection& db,
                                                            const std::vector<int64_t>& file_ids) {
    std::vector<std::string> released;
    for (int64_t file : file_ids) {
        auto query = db.query(
            "DELETE FROM message_files WHERE id = ?1 "
            "AND NOT EXISTS (SELECT 1 FROM messages WHERE file_id = ?1) "
            "AND NOT EXISTS (SELECT 1 FROM outbound_messages WHERE file_id = ?1) RETURNING name");
        if (!query) return query.error();
        query->bind(1, file);
        auto row = query->step();
        if (!row) return row.error();
        if (*row) released.push_back(query->column_text(0));
        if (auto ok = query->run(); !ok) return ok.error();
    }
    return released;
}

Status SqliteStore::delete_account(const std::string& address_text) {
    auto parts = detail::parse_operator_address(address_text);
    if (!parts) return parts.error();
    const std::string address = parts->address();
    std::vector<std::string> unused_files;
    auto deleted = write_transaction([&](Connection& db) -> Status {
        auto account = find_account(db, address);
        if (!account) return account.error();
        if (!*account) return make_error("no user " + address);
        std::vector<int64_t> file_ids;
        {
            auto files = db.query(
                "SELECT DISTINCT m.file_id FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id "
                "WHERE b.account_id = ?1");
            if (!files) return files.error();
            files->bind(1, **account);
            for (;;) {
                auto row = files->step();
                if (!row) return row.error();
                if (!*row) break;
                file_ids.push_back(files->column_int64(0));
            }
        }
        // Alias entries pointing to the account go with it; an alias with other targets keeps those.
        auto aliases = db.query("DELETE FROM aliases WHERE target = ?1");
        if (!aliases) return aliases.error();
        if (auto ok = aliases->bind(1, address).run(); !ok) return ok;
        // Mailboxes and their messages follow through ON DELETE CASCADE.
        auto account_row = db.query("DELETE FROM accounts WHERE id = ?1");
        if (!account_row) return account_row.error();
        if (auto ok = account_row->bind(1, **account).run(); !ok) return ok;
        auto released = release_files(db, file_ids);
        if (!released) return released.error();
        unused_files = std::move(*released);
        return {};
    });
    if (!deleted) return deleted;
    // After the commit: a crash before these unlinks leaves orphans, which the next open removes.
    for (const auto& name : unused_files) files_.remove(name);
    return {};
}

Result<std::vector<AccountInfo>> SqliteStore::accounts() {
    auto lease = readers_.acquire();
    if (!lease) return lease.error();
    auto query = (*lease)->query("SELECT id, address FROM accounts ORDER BY address");
    if (!query) return query.error();
    std::vector<AccountInfo> found;
    for (;;) {
        auto row = query->step();
        if (!row) return row.error();
        if (!*row) break;
        found.push_back({query->column_int64(0), query->column_text(1)});
    }
    return found;
}

Result<std::optional<AccountInfo>> SqliteStore::verify_password(const std::string& address,
                                                                const std::string& password) {
    std::optional<AccountInfo> account;
    std::string hash;
    if (auto parts = detail::split_address(address)) {
        auto lease = readers_.acquire();
        if (!lease) return lease.error();
        auto query = (*lease)->query("SELECT id, address, password_hash FROM accounts WHERE address = ?1");
        if (!query) return query.error();
        query->bind(1, parts->address());
        auto row = query->step();
        if (!row) return row.error();
        if (*row) {
            account = AccountInfo{query->column_int64(0), query->column_text(1)};
            hash = query->column_text(2);
        }
    }
    // The Argon2id computation runs outside the lease, so slow logins do not hold up recipient lookups.
    if (!account) {
        verify_against_dummy_hash(password);
        return std::optional<AccountInfo>();
    }
    auto matches = verify_password_hash(hash, password);
    if (!matches) return make_error(account->address, matches.error().what);
    if (!*matches) return std::optional<AccountInfo>();
    return account;
}

// --- aliases and resolution ------------------------------------------------------------------------------

Result<bool> SqliteStore::alias_leads_to(Connection& db, const std::string& from, const std::string& to) {
    const std::string wanted = detail::ascii_lower(to);
    std::unordered_set<std::string> seen;
    std::deque<std::string> pending{from};
    while (!pending.empty()) {
        std::string current = std::move(pending.front());
        pending.pop_front();
        std::string key = detail::ascii_lower(current);
        if (key == wanted) return true;
        if (!seen.insert(key).second) continue;
        auto targets = alias_targets(db, current);
        if (!targets) return targets.error();
        for (auto& target : *targets) pending.push_back(std::move(target));
    }
    return false;
}

Status SqliteStore::add_alias(const std::string& address_text, const std::string& target_text) {
    auto parts = detail::parse_operator_address(address_text);
    if (!parts) return parts.error();
    auto target_parts = detail::parse_operator_address(target_text);
    if (!target_parts) return target_parts.error();
    const std::string address = parts->address();
    const std::string target = target_parts->address();
    if (detail::ascii_lower(address) == detail::ascii_lower(target)) {
        return make_error("alias " + address + " cannot point to itself");
    }
    return write_transaction([&](Connection& db) -> Status {
        auto domain = find_domain(db, parts->domain);
        if (!domain) return domain.error();
        if (!*domain) return make_error(domain_not_configured(parts->domain));
        auto account = find_account(db, address);
        if (!account) return account.error();
        if (*account)
            return make_error(address + " is a user; an alias needs an address that is not an account");

        auto target_domain = find_domain(db, target_parts->domain);
        if (!target_domain) return target_domain.error();
        if (*target_domain) {  // a local target must exist: a user or another alias
            auto target_account = find_account(db, target);
            if (!target_account) return target_account.error();
            auto target_aliases = alias_targets(db, target);
            if (!target_aliases) return target_aliases.error();
            if (!*target_account && target_aliases->empty()) {
                return make_error("no user or alias " + target + "; add it first");
            }
            auto loop = alias_leads_to(db, target, address);
            if (!loop) return loop.error();
            if (*loop) return make_error("alias loop: " + target + " already leads back to " + address);
        }
        auto existing = alias_targets(db, address);
        if (!existing) return existing.error();
        for (const auto& known : *existing) {
            if (detail::ascii_lower(known) == detail::ascii_lower(target)) {
                return make_error("alias " + address + " -> " + target + " exists");
            }
        }
        auto insert = db.query("INSERT INTO aliases (domain_id, address, target) VALUES (?1, ?2, ?3)");
        if (!insert) return insert.error();
        return insert->bind(1, **domain).bind(2, address).bind(3, target).run();
    });
}

Status SqliteStore::resolve_into(Connection& db, const AddressParts& parts, int depth,
                                 std::unordered_set<std::string>& seen, Resolution& resolution) {
    const std::string address = parts.address();
    if (!seen.insert(detail::ascii_lower(address)).second) return {};
    auto account = find_account(db, address);
    if (!account) return account.error();
    if (*account) {
        push_unique(resolution.accounts, **account);
        return {};
    }
    if (depth >= kMaxAliasDepth) return {};
    auto targets = alias_targets(db, address);
    if (!targets) return targets.error();
    for (const auto& target : *targets) {
        auto target_parts = detail::split_address(target);
        if (!target_parts) continue;
        auto ours = find_domain(db, target_parts->domain);
        if (!ours) return ours.error();
        if (!*ours) {
            push_unique(resolution.remote_addresses, target_parts->address());
            continue;
        }
        if (auto ok = resolve_into(db, *target_parts, depth + 1, seen, resolution); !ok) return ok;
    }
    return {};
}

Result<Resolution> SqliteStore::resolve(const std::string& address) {
    Resolution resolution;
    auto parts = detail::split_address(address);
    if (!parts) return resolution;  // Unknown
    auto lease = readers_.acquire();
    if (!lease) return lease.error();
    auto ours = find_domain(**lease, parts->domain);
    if (!ours) return ours.error();
    if (!*ours) {
        resolution.kind = Resolution::Kind::Remote;
        resolution.remote_addresses.push_back(parts->address());
        return resolution;
    }
    std::unordered_set<std::string> seen;
    if (auto ok = resolve_into(**lease, *parts, 0, seen, resolution); !ok) return ok.error();
    bool found = !resolution.accounts.empty() || !resolution.remote_addresses.empty();
    resolution.kind = found ? Resolution::Kind::Local : Resolution::Kind::Unknown;
    return resolution;
}

Result<bool> SqliteStore::may_send_as(int64_t account, const std::string& address) {
    auto resolution = resolve(address);
    if (!resolution) return resolution.error();
    const auto& accounts = resolution->accounts;
    return resolution->kind == Resolution::Kind::Local &&
           std::find(accounts.begin(), accounts.end(), account) != accounts.end();
}

Status SqliteStore::simulate_full_database_for_test(bool full) {
    std::lock_guard lock(write_mutex_);
    // max_page_count never goes below the current size, so 1 means "as big as it is now".
    return writer_.exec(full ? "PRAGMA max_page_count = 1" : "PRAGMA max_page_count = 1073741823");
}

Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& state_directory) {
    auto store = SqliteStore::open(state_directory);
    if (!store) return store.error();
    return std::unique_ptr<Store>(std::move(*store));
}

}  // namespace danemail::store

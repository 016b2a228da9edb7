// An in-memory MailHooks for unit tests and the SMTP fuzz target: a set of local addresses and domains, a
// map of accounts with plain-text passwords, and a vector of delivered messages. Not for production: no
// hashing, no durability. Thread-safe, so tests of the network side can use it from the blocking pool.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "smtp/server/mail_hooks.h"

namespace danemail::smtp {

class FakeMailHooks final : public MailHooks {
public:
    // A local address ("user@example.org"); its domain becomes one of ours. Matching ignores case.
    void add_local(const std::string& address) {
        std::lock_guard lock(mutex_);
        std::string key = lower(address);
        local_addresses_.insert(key);
        if (auto at = key.rfind('@'); at != std::string::npos) local_domains_.insert(key.substr(at + 1));
    }
    // A domain of ours with no addresses yet: its unknown users get RecipientKind::Unknown.
    void add_domain(const std::string& domain) {
        std::lock_guard lock(mutex_);
        local_domains_.insert(lower(domain));
    }
    // An account that may log in as `user` (its address) with `password`; the address becomes local too.
    void add_account(const std::string& user, const std::string& password, int64_t id) {
        add_local(user);
        std::lock_guard lock(mutex_);
        accounts_[lower(user)] = AccountEntry{password, Account{id, user}};
    }
    // Every RCPT gets this reply as a temporary failure (nullopt: normal lookups).
    void set_recipient_failure(std::optional<Reply> reply) {
        std::lock_guard lock(mutex_);
        recipient_failure_ = std::move(reply);
    }
    // Every AUTH gets this temporary failure (nullopt: normal checks).
    void set_auth_failure(std::optional<Reply> reply) {
        std::lock_guard lock(mutex_);
        auth_failure_ = std::move(reply);
    }
    // The reply deliver() returns; nullopt (default): "250 2.0.0 Ok: queued as <id>". A non-2xx reply is
    // still recorded as an attempt but not as a delivery.
    void set_delivery_reply(std::optional<Reply> reply) {
        std::lock_guard lock(mutex_);
        delivery_reply_ = std::move(reply);
    }

    std::vector<IncomingMessage> delivered() const {
        std::lock_guard lock(mutex_);
        return delivered_;
    }
    size_t delivery_count() const {
        std::lock_guard lock(mutex_);
        return delivered_.size();
    }
    size_t delivery_attempts() const {
        std::lock_guard lock(mutex_);
        return delivery_attempts_;
    }
    size_t auth_calls() const {
        std::lock_guard lock(mutex_);
        return auth_calls_;
    }
    void clear_delivered() {
        std::lock_guard lock(mutex_);
        delivered_.clear();
        delivery_attempts_ = 0;
    }

    RecipientCheck check_recipient(const Mailbox& recipient) override {
        std::lock_guard lock(mutex_);
        if (recipient_failure_) return RecipientCheck{RecipientKind::Unknown, recipient_failure_};
        if (recipient.domain.empty())  // "<postmaster>": local when add_local("postmaster") was called
            return RecipientCheck{local_addresses_.count(lower(recipient.local_part))
                                      ? RecipientKind::Local
                                      : RecipientKind::Unknown,
                                  std::nullopt};
        if (local_addresses_.count(lower(recipient.local_part + "@" + recipient.domain)))
            return RecipientCheck{RecipientKind::Local, std::nullopt};
        if (local_domains_.count(lower(recipient.domain)))
            return RecipientCheck{RecipientKind::Unknown, std::nullopt};
        return RecipientCheck{RecipientKind::Remote, std::nullopt};
    }

    AuthResult authenticate(const std::string& user, const std::string& password) override {
        std::lock_guard lock(mutex_);
        ++auth_calls_;
        if (auth_failure_) return AuthResult{std::nullopt, auth_failure_};
        auto it = accounts_.find(lower(user));
        if (it == accounts_.end() || it->second.password != password) return AuthResult{};
        return AuthResult{it->second.account, std::nullopt};
    }

    // The account's own address only (aliases are the store's business).
    bool may_send_as(const Account& account, const Mailbox& mail_from) override {
        if (mail_from.local_part.empty() && mail_from.domain.empty()) return false;
        return lower(account.address) == lower(mail_from.local_part + "@" + mail_from.domain);
    }

    Reply deliver(const IncomingMessage& message) override {
        std::lock_guard lock(mutex_);
        ++delivery_attempts_;
        Reply reply = delivery_reply_ ? *delivery_reply_ : Reply{250, "2.0.0", "Ok: queued as " + message.id};
        if (reply.positive()) delivered_.push_back(message);
        return reply;
    }

private:
    struct AccountEntry {
        std::string password;
        Account account;
    };

    static std::string lower(std::string text) {
        std::transform(text.begin(), text.end(), text.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        return text;
    }

    mutable std::mutex mutex_;
    std::set<std::string> local_addresses_;
    std::set<std::string> local_domains_;
    std::map<std::string, AccountEntry> accounts_;
    std::optional<Reply> recipient_failure_;
    std::optional<Reply> auth_failure_;
    std::optional<Reply> delivery_reply_;
    std::vector<IncomingMessage> delivered_;
    size_t delivery_attempts_ = 0;
    size_t auth_calls_ = 0;
};

}  // namespace danemail::smtp

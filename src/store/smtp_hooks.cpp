// The SMTP server's MailHooks on the Store. Untrusted input: recipients and senders as parsed from the
// wire (looked up, never interpreted: '%', '!' and quoted '@' reach no account), login names and passwords
// from AUTH, message content. Replies per RFC 5321 §4.2 with RFC 3463 enhanced codes.
#include "store/smtp_hooks.h"

#include <fmt/core.h>

#include "base/time.h"

namespace danemail::store {
namespace {

const smtp::Reply kTemporaryLookupFailure{451, "4.3.0", "Temporary lookup failure; try again later"};
const smtp::Reply kTemporaryAuthFailure{454, "4.7.0", "Temporary authentication failure"};
const smtp::Reply kInsufficientStorage{452, "4.3.1", "Insufficient system storage"};
const smtp::Reply kStoreFailed{451, "4.3.0", "Temporary failure storing the message; try again later"};

// The text the store looks up: the local part exactly as sent (quotes already removed by the parser), an
// '@', the domain. The store splits at the last '@', so "\"u@ext\"@local" is a local part "u@ext" at
// "local" and matches no account.
std::string lookup_text(const smtp::Mailbox& mailbox) {
    return mailbox.local_part + "@" + mailbox.domain;
}

bool is_null_path(const smtp::Mailbox& mailbox) {
    return mailbox.local_part.empty() && mailbox.domain.empty();
}

}  // namespace

std::string StoreMailHooks::lookup_address(const smtp::Mailbox& recipient) const {
    if (recipient.domain.empty()) return recipient.local_part + "@" + postmaster_domain_;  // "<postmaster>"
    return lookup_text(recipient);
}

smtp::RecipientCheck StoreMailHooks::check_recipient(const smtp::Mailbox& recipient) {
    auto resolution = store_.resolve(lookup_address(recipient));
    if (!resolution) {
        fmt::print(stderr, "danemail: recipient lookup failed: {}\n", resolution.error().to_string());
        return {smtp::RecipientKind::Unknown, kTemporaryLookupFailure};
    }
    switch (resolution->kind) {
        case Resolution::Kind::Local:
            return {smtp::RecipientKind::Local, std::nullopt};
        case Resolution::Kind::Remote:
            return {smtp::RecipientKind::Remote, std::nullopt};
        case Resolution::Kind::Unknown:
            break;
    }
    return {smtp::RecipientKind::Unknown, std::nullopt};
}

smtp::AuthResult StoreMailHooks::authenticate(const std::string& user, const std::string& password) {
    auto account = store_.verify_password(user, password);
    if (!account) {
        fmt::print(stderr, "danemail: password check failed: {}\n", account.error().to_string());
        return {std::nullopt, kTemporaryAuthFailure};
    }
    if (!*account) return {};
    return {smtp::Account{(*account)->id, (*account)->address}, std::nullopt};
}

bool StoreMailHooks::may_send_as(const smtp::Account& account, const smtp::Mailbox& mail_from) {
    // A submitted message with the null reverse path would be a bounce that no one can bounce back.
    if (is_null_path(mail_from)) return false;
    auto allowed = store_.may_send_as(account.id, lookup_text(mail_from));
    if (!allowed) {
        fmt::print(stderr, "danemail: sender check failed: {}\n", allowed.error().to_string());
        return false;
    }
    return *allowed;
}

smtp::Reply StoreMailHooks::deliver(const smtp::IncomingMessage& message) {
    NewMessage stored;
    stored.id = message.id;
    stored.mail_from = is_null_path(message.mail_from) ? std::string() : message.mail_from.to_string();
    if (message.account) stored.submitted_by = message.account->id;
    stored.received_at = now_unix();

    // Resolved again: the aliases decide who gets a copy, and an account may have gone since RCPT.
    for (const auto& recipient : message.recipients) {
        auto resolution = store_.resolve(lookup_address(recipient));
        if (!resolution) {
            fmt::print(stderr, "danemail: {}: recipient lookup failed: {}\n", message.id,
                       resolution.error().to_string());
            return kTemporaryLookupFailure;
        }
        switch (resolution->kind) {
            case Resolution::Kind::Local:
                stored.local_accounts.insert(stored.local_accounts.end(), resolution->accounts.begin(),
                                             resolution->accounts.end());
                stored.remote_recipients.insert(stored.remote_recipients.end(),
                                                resolution->remote_addresses.begin(),
                                                resolution->remote_addresses.end());
                break;
            case Resolution::Kind::Remote:
                // Relaying is for authenticated senders only. The session checked it at RCPT; this is
                // the second lock on the door.
                if (message.account) stored.remote_recipients.push_back(recipient.to_string());
                break;
            case Resolution::Kind::Unknown:
                break;
        }
    }
    if (stored.local_accounts.empty() && stored.remote_recipients.empty()) {
        // Every recipient vanished since RCPT: a retry will get the proper 550 at RCPT.
        fmt::print(stderr, "danemail: {}: no recipient left to deliver to\n", message.id);
        return kStoreFailed;
    }
    stored.content = message.content;

    StoreOutcome outcome = store_.store_message(stored);
    switch (outcome.failure) {
        case StoreFailure::None:
            return {250, "2.0.0", "Ok: queued as " + message.id};
        case StoreFailure::DiskFull:
            fmt::print(stderr, "danemail: {}: disk full: {}\n", message.id, outcome.detail);
            return kInsufficientStorage;
        case StoreFailure::Other:
            break;
    }
    fmt::print(stderr, "danemail: {}: storing failed: {}\n", message.id, outcome.detail);
    return kStoreFailed;
}

}  // namespace danemail::store

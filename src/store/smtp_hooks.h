// The SMTP server's MailHooks (smtp/server/mail_hooks.h) implemented on the Store: recipient checks through
// the aliases, logins against Argon2id hashes, the sender check for submission, and durable delivery into
// INBOXes and the outbound queue with the reply the client gets (250 / 452 4.3.1 / 451 4.3.0).
#pragma once

#include <string>

#include "smtp/server/mail_hooks.h"
#include "store/store.h"

namespace danemail::store {

class StoreMailHooks : public smtp::MailHooks {
public:
    // `postmaster_domain`: where mail for "<postmaster>" without a domain goes (RFC 5321 §4.5.1), as
    // postmaster@postmaster_domain (an account or alias the operator keeps; `danemail init` makes it).
    explicit StoreMailHooks(Store& store, std::string postmaster_domain = {})
        : store_(store), postmaster_domain_(std::move(postmaster_domain)) {}

    smtp::RecipientCheck check_recipient(const smtp::Mailbox& recipient) override;
    smtp::AuthResult authenticate(const std::string& user, const std::string& password) override;
    bool may_send_as(const smtp::Account& account, const smtp::Mailbox& mail_from) override;
    smtp::Reply deliver(const smtp::IncomingMessage& message) override;

private:
    // The address the store looks up for a recipient (see lookup_text in the .cpp).
    std::string lookup_address(const smtp::Mailbox& recipient) const;

    Store& store_;
    std::string postmaster_domain_;
};

}  // namespace danemail::store

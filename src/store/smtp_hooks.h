// The SMTP server's MailHooks (smtp/server/mail_hooks.h) implemented on the Store: recipient checks through
// the aliases, logins against Argon2id hashes, the sender check for submission, and durable delivery into
// INBOXes and the outbound queue with the reply the client gets (250 / 452 4.3.1 / 451 4.3.0).
#pragma once

#include "smtp/server/mail_hooks.h"
#include "store/store.h"

namespace danemail::store {

class StoreMailHooks : public smtp::MailHooks {
public:
    explicit StoreMailHooks(Store& store) : store_(store) {}

    smtp::RecipientCheck check_recipient(const smtp::Mailbox& recipient) override;
    smtp::AuthResult authenticate(const std::string& user, const std::string& password) override;
    bool may_send_as(const smtp::Account& account, const smtp::Mailbox& mail_from) override;
    smtp::Reply deliver(const smtp::IncomingMessage& message) override;

private:
    Store& store_;
};

}  // namespace danemail::store

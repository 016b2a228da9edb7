// Tests of the SMTP server's hooks on the store: recipient kinds, logins, the sender check, and delivery
// with its replies (250 with the queue id, 452 4.3.1 on a full disk, 451 4.3.0 otherwise); remote
// recipients reach the queue only from authenticated senders.
#include "store/smtp_hooks.h"

#include <gtest/gtest.h>

#include "store/store_test_util.h"

namespace danemail::store {
namespace {

using testing::FaultyDiskWriter;
using testing::file_content;
using testing::open_store;
using testing::TemporaryDirectory;

smtp::Mailbox mailbox(const std::string& local, const std::string& domain) {
    return smtp::Mailbox{local, domain};
}

class SmtpHooksTest : public ::testing::Test {
protected:
    void SetUp() override {
        store_ = open_store(dir_.path(), {.disk_writer = &writer_});
        ASSERT_NE(store_, nullptr);
        ASSERT_TRUE(store_->add_domain("example.org").ok());
        ASSERT_TRUE(store_->add_account("alice@example.org", "secret-pass").ok());
        ASSERT_TRUE(store_->add_account("bob@example.org", "secret-pass").ok());
        ASSERT_TRUE(store_->add_alias("fwd@example.org", "carol@remote.test").ok());
        hooks_ = std::make_unique<StoreMailHooks>(*store_);
    }

    smtp::Account alice() {
        auto result = hooks_->authenticate("alice@example.org", "secret-pass");
        EXPECT_TRUE(result.account.has_value());
        return result.account.value_or(smtp::Account{});
    }

    smtp::IncomingMessage incoming(std::vector<smtp::Mailbox> recipients) {
        smtp::IncomingMessage message;
        message.id = "4f2a9c01b7e3";
        message.mail_from = mailbox("sender", "remote.test");
        message.recipients = std::move(recipients);
        message.content = "Received: by test\r\nSubject: hi\r\n\r\nhello\r\n";
        return message;
    }

    TemporaryDirectory dir_;
    FaultyDiskWriter writer_;
    std::unique_ptr<SqliteStore> store_;
    std::unique_ptr<StoreMailHooks> hooks_;
};

// "<postmaster>" (RFC 5321 §4.5.1) is postmaster@ the domain the hooks were given.
TEST_F(SmtpHooksTest, DomainlessPostmaster) {
    const smtp::Mailbox postmaster{"postmaster", ""};
    EXPECT_EQ(hooks_->check_recipient(postmaster).kind, smtp::RecipientKind::Unknown);  // no domain given
    ASSERT_TRUE(store_->add_alias("postmaster@example.org", "alice@example.org").ok());
    StoreMailHooks hooks(*store_, "example.org");
    EXPECT_EQ(hooks.check_recipient(postmaster).kind, smtp::RecipientKind::Local);
    EXPECT_TRUE(hooks.deliver(incoming({postmaster})).positive());
    auto inbox = store_->mailbox_messages("alice@example.org");
    ASSERT_TRUE(inbox.ok());
    EXPECT_EQ(inbox->size(), 1u);
}

TEST_F(SmtpHooksTest, RecipientKinds) {
    EXPECT_EQ(hooks_->check_recipient(mailbox("Alice", "example.org")).kind, smtp::RecipientKind::Local);
    EXPECT_EQ(hooks_->check_recipient(mailbox("fwd", "example.org")).kind, smtp::RecipientKind::Local);
    EXPECT_EQ(hooks_->check_recipient(mailbox("nobody", "example.org")).kind, smtp::RecipientKind::Unknown);
    EXPECT_EQ(hooks_->check_recipient(mailbox("u%remote.test", "example.org")).kind,
              smtp::RecipientKind::Unknown);
    EXPECT_EQ(hooks_->check_recipient(mailbox("alice@example.org", "example.org")).kind,
              smtp::RecipientKind::Unknown);
    EXPECT_EQ(hooks_->check_recipient(mailbox("someone", "remote.test")).kind, smtp::RecipientKind::Remote);
    EXPECT_FALSE(hooks_->check_recipient(mailbox("alice", "example.org")).temporary_failure.has_value());
}

TEST_F(SmtpHooksTest, Authenticate) {
    auto ok = hooks_->authenticate("alice@example.org", "secret-pass");
    ASSERT_TRUE(ok.account.has_value());
    EXPECT_EQ(ok.account->address, "alice@example.org");
    EXPECT_FALSE(ok.temporary_failure.has_value());
    auto wrong = hooks_->authenticate("alice@example.org", "wrong-pass");
    EXPECT_FALSE(wrong.account.has_value());
    EXPECT_FALSE(wrong.temporary_failure.has_value());
    auto unknown = hooks_->authenticate("mallory@example.org", "secret-pass");
    EXPECT_FALSE(unknown.account.has_value());
    EXPECT_FALSE(unknown.temporary_failure.has_value());
}

TEST_F(SmtpHooksTest, MaySendAs) {
    smtp::Account account = alice();
    EXPECT_TRUE(hooks_->may_send_as(account, mailbox("alice", "example.org")));
    EXPECT_TRUE(hooks_->may_send_as(account, mailbox("ALICE", "example.org")));
    EXPECT_FALSE(hooks_->may_send_as(account, mailbox("bob", "example.org")));
    EXPECT_FALSE(hooks_->may_send_as(account, mailbox("alice", "remote.test")));
    EXPECT_FALSE(hooks_->may_send_as(account, smtp::Mailbox{}));  // the null path
}

TEST_F(SmtpHooksTest, DeliverToLocalRecipients) {
    auto message = incoming({mailbox("alice", "example.org"), mailbox("BOB", "example.org")});
    smtp::Reply reply = hooks_->deliver(message);
    EXPECT_EQ(reply.code, 250);
    EXPECT_EQ(reply.status, "2.0.0");
    EXPECT_EQ(reply.text, "Ok: queued as 4f2a9c01b7e3");
    for (const char* address : {"alice@example.org", "bob@example.org"}) {
        auto inbox = store_->mailbox_messages(address);
        ASSERT_TRUE(inbox.ok());
        ASSERT_EQ(inbox->size(), 1u) << address;
        EXPECT_EQ(file_content((*inbox)[0].file), message.content);
        EXPECT_GT((*inbox)[0].internal_date, 1600000000);  // received now
    }
    EXPECT_TRUE(store_->queued_recipients()->empty());
}

TEST_F(SmtpHooksTest, SubmissionToRemoteIsQueued) {
    auto message = incoming({mailbox("dave", "remote.test"), mailbox("alice", "example.org")});
    message.account = alice();
    message.mail_from = mailbox("alice", "example.org");
    ASSERT_EQ(hooks_->deliver(message).code, 250);
    auto queued = store_->queued_recipients();
    ASSERT_EQ(queued->size(), 1u);
    EXPECT_EQ((*queued)[0].recipient, "dave@remote.test");
    EXPECT_EQ((*queued)[0].mail_from, "alice@example.org");
    EXPECT_EQ(store_->mailbox_messages("alice@example.org")->size(), 1u);
}

TEST_F(SmtpHooksTest, UnauthenticatedRemoteRecipientIsNeverRelayed) {
    auto message = incoming({mailbox("dave", "remote.test"), mailbox("alice", "example.org")});
    ASSERT_EQ(hooks_->deliver(message).code, 250);
    EXPECT_TRUE(store_->queued_recipients()->empty());
    EXPECT_EQ(store_->mailbox_messages("alice@example.org")->size(), 1u);
    // Only a remote recipient: nothing to store, a temporary failure (RCPT should have refused it).
    EXPECT_EQ(hooks_->deliver(incoming({mailbox("dave", "remote.test")})).code, 451);
}

TEST_F(SmtpHooksTest, AliasForwardsToTheQueueFromPort25) {
    auto message = incoming({mailbox("fwd", "example.org")});
    message.mail_from = smtp::Mailbox{};  // a bounce
    ASSERT_EQ(hooks_->deliver(message).code, 250);
    auto queued = store_->queued_recipients();
    ASSERT_EQ(queued->size(), 1u);
    EXPECT_EQ((*queued)[0].recipient, "carol@remote.test");
    EXPECT_EQ((*queued)[0].mail_from, "");
}

TEST_F(SmtpHooksTest, VanishedRecipientGivesTemporaryFailure) {
    ASSERT_TRUE(store_->delete_account("bob@example.org").ok());
    smtp::Reply reply = hooks_->deliver(incoming({mailbox("bob", "example.org")}));
    EXPECT_EQ(reply.code, 451);
    EXPECT_EQ(reply.status, "4.3.0");
}

TEST_F(SmtpHooksTest, DiskFullGives452AndRecovers) {
    writer_.write_error = ENOSPC;
    smtp::Reply full = hooks_->deliver(incoming({mailbox("alice", "example.org")}));
    EXPECT_EQ(full.code, 452);
    EXPECT_EQ(full.status, "4.3.1");
    EXPECT_EQ(full.text, "Insufficient system storage");
    writer_.write_error = EIO;
    smtp::Reply broken = hooks_->deliver(incoming({mailbox("alice", "example.org")}));
    EXPECT_EQ(broken.code, 451);
    EXPECT_EQ(broken.status, "4.3.0");
    writer_.write_error = 0;
    EXPECT_EQ(hooks_->deliver(incoming({mailbox("alice", "example.org")})).code, 250);
    EXPECT_EQ(store_->mailbox_messages("alice@example.org")->size(), 1u);
}

}  // namespace
}  // namespace danemail::store

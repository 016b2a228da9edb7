// Tests of the store's administration and lookups: domains, accounts, passwords, aliases (to local and
// remote targets, loops refused), recipient resolution (case, relay tricks) and the sender check.
#include <gtest/gtest.h>

#include <algorithm>

#include "store/store_test_util.h"

namespace danemail::store {
namespace {

using testing::open_store;
using testing::TemporaryDirectory;

class AccountsTest : public ::testing::Test {
protected:
    void SetUp() override {
        store_ = open_store(dir_.path());
        ASSERT_NE(store_, nullptr);
        ASSERT_TRUE(store_->add_domain("example.org").ok());
    }

    int64_t account_id(const std::string& address) {
        auto accounts = store_->accounts();
        EXPECT_TRUE(accounts.ok());
        for (const auto& account : *accounts) {
            if (account.address == address) return account.id;
        }
        ADD_FAILURE() << "no account " << address;
        return 0;
    }

    std::string error_of(const Status& status) { return status.ok() ? "<ok>" : status.error().to_string(); }

    TemporaryDirectory dir_;
    std::unique_ptr<SqliteStore> store_;
};

TEST_F(AccountsTest, Domains) {
    EXPECT_EQ(error_of(store_->add_domain("Example.ORG")), "domain example.org exists");
    EXPECT_TRUE(store_->add_domain("Second.example").ok());
    EXPECT_FALSE(store_->add_domain("not a domain").ok());
    EXPECT_EQ(*store_->domains(), (std::vector<std::string>{"example.org", "second.example"}));
    EXPECT_TRUE(*store_->has_domain("EXAMPLE.org"));
    EXPECT_FALSE(*store_->has_domain("example.net"));
}

TEST_F(AccountsTest, AddAccountChecksDomainDuplicatesAndPassword) {
    ASSERT_TRUE(store_->add_account("alice@example.org", "secret-pass").ok());
    EXPECT_EQ(error_of(store_->add_account("ALICE@Example.org", "secret-pass")),
              "user ALICE@example.org exists");
    EXPECT_EQ(error_of(store_->add_account("bob@example.net", "secret-pass")),
              "domain example.net is not configured; add it with `danemail domain add example.net`");
    EXPECT_NE(error_of(store_->add_account("bob@example.org", "short")).find("too short"), std::string::npos);
    EXPECT_NE(error_of(store_->add_account("bob", "secret-pass")).find("not an address"), std::string::npos);
    auto accounts = store_->accounts();
    ASSERT_TRUE(accounts.ok());
    ASSERT_EQ(accounts->size(), 1u);
    EXPECT_EQ((*accounts)[0].address, "alice@example.org");
}

TEST_F(AccountsTest, NewAccountHasItsMailboxes) {
    ASSERT_TRUE(store_->add_account("alice@example.org", "secret-pass").ok());
    for (const char* mailbox : {"INBOX", "inbox", "Sent", "Drafts", "Trash", "Junk"}) {
        auto messages = store_->mailbox_messages("alice@example.org", mailbox);
        ASSERT_TRUE(messages.ok()) << mailbox << ": " << messages.error().to_string();
        EXPECT_TRUE(messages->empty());
    }
    auto missing = store_->mailbox_messages("alice@example.org", "Archive");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().to_string(), "user alice@example.org has no mailbox Archive");
    auto nobody = store_->mailbox_messages("nobody@example.org");
    ASSERT_FALSE(nobody.ok());
    EXPECT_EQ(nobody.error().to_string(), "no user nobody@example.org");
}

TEST_F(AccountsTest, VerifyPassword) {
    ASSERT_TRUE(store_->add_account("alice@example.org", "secret-pass").ok());
    auto right = store_->verify_password("alice@example.org", "secret-pass");
    ASSERT_TRUE(right.ok());
    ASSERT_TRUE(right->has_value());
    EXPECT_EQ((*right)->address, "alice@example.org");
    // The login name matches without case, as the address does.
    auto upper = store_->verify_password("Alice@EXAMPLE.org", "secret-pass");
    ASSERT_TRUE(upper.ok());
    EXPECT_TRUE(upper->has_value());
    auto wrong = store_->verify_password("alice@example.org", "secret-pasS");
    ASSERT_TRUE(wrong.ok());
    EXPECT_FALSE(wrong->has_value());
    auto unknown = store_->verify_password("mallory@example.org", "secret-pass");
    ASSERT_TRUE(unknown.ok());
    EXPECT_FALSE(unknown->has_value());
    auto no_at = store_->verify_password("alice", "secret-pass");
    ASSERT_TRUE(no_at.ok());
    EXPECT_FALSE(no_at->has_value());
}

TEST_F(AccountsTest, SetPassword) {
    ASSERT_TRUE(store_->add_account("alice@example.org", "secret-pass").ok());
    ASSERT_TRUE(store_->set_password("alice@example.org", "new-secret").ok());
    EXPECT_FALSE(store_->verify_password("alice@example.org", "secret-pass")->has_value());
    EXPECT_TRUE(store_->verify_password("alice@example.org", "new-secret")->has_value());
    EXPECT_EQ(error_of(store_->set_password("bob@example.org", "new-secret")), "no user bob@example.org");
    EXPECT_NE(error_of(store_->set_password("alice@example.org", "short")).find("too short"),
              std::string::npos);
}

TEST_F(AccountsTest, DeleteAccount) {
    ASSERT_TRUE(store_->add_account("alice@example.org", "secret-pass").ok());
    ASSERT_TRUE(store_->add_account("bob@example.org", "secret-pass").ok());
    ASSERT_TRUE(store_->add_alias("team@example.org", "alice@example.org").ok());
    ASSERT_TRUE(store_->add_alias("team@example.org", "bob@example.org").ok());
    ASSERT_TRUE(store_->add_alias("postmaster@example.org", "alice@example.org").ok());
    ASSERT_TRUE(store_->delete_account("Alice@example.org").ok());
    EXPECT_EQ(error_of(store_->delete_account("alice@example.org")), "no user alice@example.org");
    auto accounts = store_->accounts();
    ASSERT_EQ(accounts->size(), 1u);
    EXPECT_EQ((*accounts)[0].address, "bob@example.org");
    // The alias that pointed only to alice is gone; team@ still reaches bob.
    EXPECT_EQ(store_->resolve("postmaster@example.org")->kind, Resolution::Kind::Unknown);
    auto team = store_->resolve("team@example.org");
    ASSERT_TRUE(team.ok());
    EXPECT_EQ(team->accounts, std::vector<int64_t>{account_id("bob@example.org")});
    // The address can be used again.
    EXPECT_TRUE(store_->add_account("alice@example.org", "secret-pass").ok());
}

TEST_F(AccountsTest, AliasErrors) {
    ASSERT_TRUE(store_->add_account("alice@example.org", "secret-pass").ok());
    EXPECT_EQ(error_of(store_->add_alias("a@example.org", "A@example.org")),
              "alias a@example.org cannot point to itself");
    EXPECT_EQ(error_of(store_->add_alias("alice@example.org", "bob@remote.test")),
              "alice@example.org is a user; an alias needs an address that is not an account");
    EXPECT_EQ(error_of(store_->add_alias("x@example.net", "alice@example.org")),
              "domain example.net is not configured; add it with `danemail domain add example.net`");
    EXPECT_EQ(error_of(store_->add_alias("x@example.org", "nobody@example.org")),
              "no user or alias nobody@example.org; add it first");
    EXPECT_FALSE(store_->add_alias("x@example.org", "not an address").ok());
    ASSERT_TRUE(store_->add_alias("x@example.org", "alice@example.org").ok());
    EXPECT_EQ(error_of(store_->add_alias("X@example.org", "alice@example.org")),
              "alias X@example.org -> alice@example.org exists");
    EXPECT_EQ(error_of(store_->add_account("x@example.org", "secret-pass")),
              "x@example.org is an alias; an account needs an address of its own");
}

TEST_F(AccountsTest, AliasLoopsAreRefused) {
    ASSERT_TRUE(store_->add_account("alice@example.org", "secret-pass").ok());
    ASSERT_TRUE(store_->add_alias("a@example.org", "alice@example.org").ok());
    ASSERT_TRUE(store_->add_alias("b@example.org", "a@example.org").ok());
    ASSERT_TRUE(store_->add_alias("c@example.org", "b@example.org").ok());
    EXPECT_EQ(error_of(store_->add_alias("a@example.org", "c@example.org")),
              "alias loop: c@example.org already leads back to a@example.org");
    EXPECT_EQ(error_of(store_->add_alias("b@example.org", "C@example.org")),
              "alias loop: C@example.org already leads back to b@example.org");
    auto chain = store_->resolve("c@example.org");
    ASSERT_TRUE(chain.ok());
    EXPECT_EQ(chain->kind, Resolution::Kind::Local);
    EXPECT_EQ(chain->accounts, std::vector<int64_t>{account_id("alice@example.org")});
}

TEST_F(AccountsTest, ResolveAccountsCaseInsensitively) {
    ASSERT_TRUE(store_->add_account("Alice@example.org", "secret-pass").ok());
    const int64_t alice = account_id("Alice@example.org");
    for (const char* form : {"alice@example.org", "ALICE@EXAMPLE.ORG", "Alice@Example.Org."}) {
        auto resolution = store_->resolve(form);
        ASSERT_TRUE(resolution.ok()) << form;
        EXPECT_EQ(resolution->kind, Resolution::Kind::Local) << form;
        EXPECT_EQ(resolution->accounts, std::vector<int64_t>{alice}) << form;
        EXPECT_TRUE(resolution->remote_addresses.empty());
    }
}

TEST_F(AccountsTest, ResolveUnknownAndRemote) {
    ASSERT_TRUE(store_->add_account("alice@example.org", "secret-pass").ok());
    EXPECT_EQ(store_->resolve("bob@example.org")->kind, Resolution::Kind::Unknown);
    auto remote = store_->resolve("bob@Remote.Test");
    ASSERT_TRUE(remote.ok());
    EXPECT_EQ(remote->kind, Resolution::Kind::Remote);
    EXPECT_EQ(remote->remote_addresses, std::vector<std::string>{"bob@remote.test"});
    EXPECT_TRUE(remote->accounts.empty());
}

TEST_F(AccountsTest, RelayTricksFindNoAccount) {
    ASSERT_TRUE(store_->add_account("u@example.org", "secret-pass").ok());
    // As smtp::parse_path hands them over: local part (unquoted) + '@' + domain.
    for (const char* trick : {"u%ext.test@example.org", "ext.test!u@example.org", "u@ext.test@example.org",
                              "u@example.org@example.org"}) {
        auto resolution = store_->resolve(trick);
        ASSERT_TRUE(resolution.ok()) << trick;
        EXPECT_EQ(resolution->kind, Resolution::Kind::Unknown) << trick;
    }
    // "u@example.org" quoted at a remote domain is remote, never local.
    EXPECT_EQ(store_->resolve("u@example.org@ext.test")->kind, Resolution::Kind::Remote);
}

TEST_F(AccountsTest, ResolveAliasesToLocalAndRemote) {
    ASSERT_TRUE(store_->add_account("alice@example.org", "secret-pass").ok());
    ASSERT_TRUE(store_->add_account("bob@example.org", "secret-pass").ok());
    ASSERT_TRUE(store_->add_alias("team@example.org", "alice@example.org").ok());
    ASSERT_TRUE(store_->add_alias("team@example.org", "bob@example.org").ok());
    ASSERT_TRUE(store_->add_alias("team@example.org", "carol@Remote.test").ok());
    ASSERT_TRUE(store_->add_alias("all@example.org", "team@example.org").ok());
    ASSERT_TRUE(store_->add_alias("all@example.org", "alice@example.org").ok());  // reached twice: one copy

    auto all = store_->resolve("ALL@example.org");
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(all->kind, Resolution::Kind::Local);
    auto accounts = all->accounts;
    std::sort(accounts.begin(), accounts.end());
    auto expected = std::vector<int64_t>{account_id("alice@example.org"), account_id("bob@example.org")};
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(accounts, expected);
    EXPECT_EQ(all->remote_addresses, std::vector<std::string>{"carol@remote.test"});

    ASSERT_TRUE(store_->add_alias("fwd@example.org", "dave@remote.test").ok());
    auto forward = store_->resolve("fwd@example.org");
    ASSERT_TRUE(forward.ok());
    EXPECT_EQ(forward->kind, Resolution::Kind::Local);
    EXPECT_TRUE(forward->accounts.empty());
    EXPECT_EQ(forward->remote_addresses, std::vector<std::string>{"dave@remote.test"});
}

TEST_F(AccountsTest, MaySendAsOwnAddressAndAliases) {
    ASSERT_TRUE(store_->add_account("alice@example.org", "secret-pass").ok());
    ASSERT_TRUE(store_->add_account("bob@example.org", "secret-pass").ok());
    ASSERT_TRUE(store_->add_alias("info@example.org", "alice@example.org").ok());
    const int64_t alice = account_id("alice@example.org");
    EXPECT_TRUE(*store_->may_send_as(alice, "alice@example.org"));
    EXPECT_TRUE(*store_->may_send_as(alice, "ALICE@example.org"));
    EXPECT_TRUE(*store_->may_send_as(alice, "info@example.org"));
    EXPECT_FALSE(*store_->may_send_as(alice, "bob@example.org"));
    EXPECT_FALSE(*store_->may_send_as(alice, "alice@remote.test"));
    EXPECT_FALSE(*store_->may_send_as(alice, "nobody@example.org"));
    EXPECT_FALSE(*store_->may_send_as(account_id("bob@example.org"), "info@example.org"));
}

}  // namespace
}  // namespace danemail::store

// Tests of the Argon2id password hashes: the parameters in the encoded form, salting, right and wrong
// passwords, hashes that are not Argon2id, and the rules for new passwords.
#include "store/password_hash.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

namespace danemail::store {
namespace {

TEST(PasswordHash, EncodesArgon2idWithOwaspParameters) {
    auto hash = hash_password("correct horse");
    ASSERT_TRUE(hash.ok()) << hash.error().to_string();
    EXPECT_TRUE(hash->starts_with("$argon2id$v=19$m=19456,t=2,p=1$")) << *hash;
}

TEST(PasswordHash, SaltMakesEveryHashDifferent) {
    auto first = hash_password("same password");
    auto second = hash_password("same password");
    ASSERT_TRUE(first.ok() && second.ok());
    EXPECT_NE(*first, *second);
}

TEST(PasswordHash, VerifiesRightAndRejectsWrong) {
    auto hash = hash_password("correct horse");
    ASSERT_TRUE(hash.ok());
    auto right = verify_password_hash(*hash, "correct horse");
    ASSERT_TRUE(right.ok());
    EXPECT_TRUE(*right);
    for (const char* wrong : {"correct horsE", "correct hors", "", "correct horse "}) {
        auto result = verify_password_hash(*hash, wrong);
        ASSERT_TRUE(result.ok()) << wrong;
        EXPECT_FALSE(*result) << wrong;
    }
}

TEST(PasswordHash, RefusesHashesThatAreNotArgon2id) {
    EXPECT_FALSE(verify_password_hash("$argon2i$v=19$m=16,t=2,p=1$c2FsdHNhbHQ$aGFzaA", "x").ok());
    EXPECT_FALSE(verify_password_hash("plaintext", "plaintext").ok());
    EXPECT_FALSE(verify_password_hash("$argon2id$garbage", "x").ok());
}

TEST(PasswordHash, DummyVerificationTakesTimeLikeARealOne) {
    auto hash = hash_password("some password");
    ASSERT_TRUE(hash.ok());
    verify_against_dummy_hash("warm-up");  // the dummy hash is made on first use
    // The fastest of a few runs, so that a busy machine does not decide the test.
    auto fastest = [](auto&& run) {
        auto best = std::chrono::steady_clock::duration::max();
        for (int i = 0; i < 3; ++i) {
            auto start = std::chrono::steady_clock::now();
            run();
            best = std::min(best, std::chrono::steady_clock::now() - start);
        }
        return best;
    };
    auto real = fastest([&] { (void)verify_password_hash(*hash, "wrong password"); });
    auto dummy = fastest([] { verify_against_dummy_hash("wrong password"); });
    // The same Argon2id work, so an unknown user is not answered faster: a loose bound, the costs are equal.
    EXPECT_GT(dummy * 3, real);
}

TEST(PasswordHash, NewPasswordRules) {
    EXPECT_TRUE(check_new_password("12345678").ok());
    auto short_one = check_new_password("1234567");
    ASSERT_FALSE(short_one.ok());
    EXPECT_NE(short_one.error().what.find("too short"), std::string::npos);
    EXPECT_FALSE(check_new_password(std::string(kMaximumPasswordLength + 1, 'x')).ok());
    EXPECT_FALSE(check_new_password(std::string("abcd\0efgh", 9)).ok());
    EXPECT_FALSE(check_new_password("abcdefgh\n").ok());
}

}  // namespace
}  // namespace danemail::store

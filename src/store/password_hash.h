// Password hashing for accounts: Argon2id (RFC 9106) in its PHC string form ("$argon2id$v=19$m=...").
// Untrusted input: passwords from SMTP AUTH (any bytes) and hashes read back from the database. The cost
// parameters are OWASP's recommendation for Argon2id; a login for an unknown user is checked against a
// dummy hash with the same parameters, so the time taken does not tell whether the user exists.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace danemail::store {

// OWASP Password Storage Cheat Sheet: m=19 MiB, t=2, p=1 for Argon2id.
constexpr uint32_t kArgon2TimeCost = 2;
constexpr uint32_t kArgon2MemoryKiB = 19456;
constexpr uint32_t kArgon2Parallelism = 1;
constexpr size_t kArgon2SaltBytes = 16;  // RFC 9106 §3.1: 16 bytes recommended
constexpr size_t kArgon2HashBytes = 32;

// Operator-chosen passwords: at least this long, at most the longer bound (no NUL: SASL cannot carry it).
constexpr size_t kMinimumPasswordLength = 8;
constexpr size_t kMaximumPasswordLength = 1024;

// Checks an operator's new password; the error says what is wrong.
Status check_new_password(std::string_view password);

// The encoded Argon2id hash of `password` with a fresh random salt.
Result<std::string> hash_password(std::string_view password);

// True when `password` matches `encoded`; false on a mismatch. An Error when `encoded` is not an Argon2id
// hash or the computation failed.
Result<bool> verify_password_hash(const std::string& encoded, std::string_view password);

// Spends the time of one verification against a dummy hash, for a login whose user does not exist.
void verify_against_dummy_hash(std::string_view password);

}  // namespace danemail::store

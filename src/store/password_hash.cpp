// Argon2id password hashes (RFC 9106) through libargon2, salts from OpenSSL's CSPRNG. Untrusted input: the
// password of an AUTH attempt; it is only ever hashed, never logged.
#include "store/password_hash.h"

#include <argon2.h>
#include <openssl/rand.h>

#include <array>
#include <vector>

namespace danemail::store {
namespace {

constexpr std::string_view kArgon2idPrefix = "$argon2id$";

Result<std::string> hash_with_salt(std::string_view password,
                                   const std::array<uint8_t, kArgon2SaltBytes>& salt) {
    size_t encoded_length = argon2_encodedlen(kArgon2TimeCost, kArgon2MemoryKiB, kArgon2Parallelism,
                                              kArgon2SaltBytes, kArgon2HashBytes, Argon2_id);
    std::vector<char> encoded(encoded_length);
    int rc = argon2id_hash_encoded(kArgon2TimeCost, kArgon2MemoryKiB, kArgon2Parallelism, password.data(),
                                   password.size(), salt.data(), salt.size(), kArgon2HashBytes,
                                   encoded.data(), encoded.size());
    if (rc != ARGON2_OK)
        return make_error(std::string("Argon2id hashing failed: ") + argon2_error_message(rc));
    return std::string(encoded.data());
}

// A hash of a random password, made once with the current parameters: verifying against it costs what
// verifying a real account's hash costs, and no password matches it.
const std::string& dummy_hash() {
    static const std::string hash = [] {
        std::array<uint8_t, kArgon2SaltBytes> salt{};
        std::array<uint8_t, 32> random_password{};
        RAND_bytes(salt.data(), static_cast<int>(salt.size()));
        RAND_bytes(random_password.data(), static_cast<int>(random_password.size()));
        auto hashed = hash_with_salt(
            std::string_view(reinterpret_cast<const char*>(random_password.data()), random_password.size()),
            salt);
        return hashed ? *hashed : std::string();
    }();
    return hash;
}

}  // namespace

Status check_new_password(std::string_view password) {
    if (password.size() < kMinimumPasswordLength) {
        return make_error("password too short: " + std::to_string(password.size()) +
                          " characters, at least " + std::to_string(kMinimumPasswordLength) + " needed");
    }
    if (password.size() > kMaximumPasswordLength) {
        return make_error("password too long: at most " + std::to_string(kMaximumPasswordLength) + " bytes");
    }
    for (char c : password) {
        if (c == '\0' || c == '\r' || c == '\n') {
            return make_error("password contains a NUL, CR or LF, which SMTP AUTH cannot send");
        }
    }
    return {};
}

Result<std::string> hash_password(std::string_view password) {
    std::array<uint8_t, kArgon2SaltBytes> salt{};
    if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) {
        return make_error("cannot get random bytes for a password salt");
    }
    return hash_with_salt(password, salt);
}

Result<bool> verify_password_hash(const std::string& encoded, std::string_view password) {
    if (!encoded.starts_with(kArgon2idPrefix)) return make_error("stored password hash is not Argon2id");
    int rc = argon2id_verify(encoded.c_str(), password.data(), password.size());
    if (rc == ARGON2_OK) return true;
    if (rc == ARGON2_VERIFY_MISMATCH) return false;
    return make_error(std::string("Argon2id verification failed: ") + argon2_error_message(rc));
}

void verify_against_dummy_hash(std::string_view password) {
    const std::string& hash = dummy_hash();
    if (!hash.empty()) (void)argon2id_verify(hash.c_str(), password.data(), password.size());
}

}  // namespace danemail::store

// Public and private keys of the DNSSEC algorithms, on OpenSSL 3: DNSKEY public-key encodings (RFC 3110
// RSA, RFC 6605 ECDSA, RFC 8080 EdDSA), signature encodings (ECDSA r||s, not DER), signing and verifying.
// Key material stays behind this interface so it can later move into a separate key-holding process.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/encoding.h"
#include "base/result.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY, kept out of this header

namespace danemail::dnssec {

using EvpPkeyPtr = std::shared_ptr<evp_pkey_st>;

// A private key's numbers as BIND's ".private" files name them. Secret: the destructor wipes them.
// ECDSA and EdDSA keys use only `private_key` (the ECDSA scalar, big-endian, padded to the curve size; the
// EdDSA seed); RSA keys use the other fields (big-endian integers).
struct PrivateKeyMaterial {
    Bytes private_key;
    Bytes modulus, public_exponent, private_exponent, prime1, prime2, exponent1, exponent2, coefficient;

    PrivateKeyMaterial() = default;
    PrivateKeyMaterial(PrivateKeyMaterial&&) = default;
    PrivateKeyMaterial& operator=(PrivateKeyMaterial&&) = default;
    PrivateKeyMaterial(const PrivateKeyMaterial&) = delete;
    PrivateKeyMaterial& operator=(const PrivateKeyMaterial&) = delete;
    ~PrivateKeyMaterial();
};

// Overwrites secret text (such as a private-key file just read) so it does not linger in freed memory.
void wipe_secret(std::string& secret);

// A public key as published in a DNSKEY record. Parsed once, then verifies many signatures.
class PublicKey {
public:
    static Result<PublicKey> from_dnskey(uint8_t algorithm, ByteView public_key);
    uint8_t algorithm() const { return algorithm_; }
    // Verifies a signature in DNSSEC wire encoding over `data`. Thread-safe.
    bool verify(ByteView data, ByteView signature) const;

private:
    uint8_t algorithm_ = 0;
    EvpPkeyPtr key_;
};

// A private key. Thread-safe for concurrent sign() calls.
class PrivateKey {
public:
    // RSA keys take `rsa_bits` (2048 by default; 1024..4096); other algorithms ignore it.
    static Result<PrivateKey> generate(uint8_t algorithm, int rsa_bits = 2048);
    static Result<PrivateKey> from_evp(uint8_t algorithm, EvpPkeyPtr key);
    // From the numbers in a key file; checks that they form a valid key of `algorithm`.
    static Result<PrivateKey> from_material(uint8_t algorithm, const PrivateKeyMaterial& material);

    uint8_t algorithm() const { return algorithm_; }
    const EvpPkeyPtr& evp() const { return key_; }
    // The DNSKEY public-key field for this key.
    Bytes dnskey_public_key() const;
    // The numbers to store in a key file.
    Result<PrivateKeyMaterial> material() const;
    // Signature in DNSSEC wire encoding over `data`.
    Result<Bytes> sign(ByteView data) const;

private:
    uint8_t algorithm_ = 0;
    EvpPkeyPtr key_;
};

// Reusable signing state for one thread: avoids per-signature algorithm fetches and context set-up, which
// dominate OpenSSL 3's cost at zone-signing rates. Not thread-safe; make one per worker thread.
class SigningContext {
public:
    explicit SigningContext(const PrivateKey& key);
    ~SigningContext();
    SigningContext(SigningContext&&) noexcept;
    SigningContext& operator=(SigningContext&&) = delete;
    SigningContext(const SigningContext&) = delete;

    Result<Bytes> sign(ByteView data);

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace danemail::dnssec

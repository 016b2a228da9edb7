// DNSSEC keys on OpenSSL 3: DNSKEY public-key fields (RFC 3110 §2 RSA, RFC 6605 §4 ECDSA, RFC 8080 §3
// EdDSA), signature encodings (RFC 3110 §3, RFC 6605 §4 r||s, RFC 8080 §4), key generation, key-file numbers
// and the per-thread signing state. DNSKEY fields and signatures come from zones and from the network:
// untrusted, every length is checked before OpenSSL sees it. No OpenSSL type leaves this file.
#include "dnssec/crypto_key.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <optional>

#include "dns/rdata.h"
#include "dnssec/algorithm.h"

namespace danemail::dnssec {
namespace {

// RAII for the OpenSSL handles used here (PowerDNS style: unique_ptr with the library's free function).
template <class T, void (*Free)(T*)>
struct FreeWith {
    void operator()(T* p) const { Free(p); }
};
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, FreeWith<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, FreeWith<EVP_MD_CTX, EVP_MD_CTX_free>>;
using MdPtr = std::unique_ptr<EVP_MD, FreeWith<EVP_MD, EVP_MD_free>>;
using BnPtr = std::unique_ptr<BIGNUM, FreeWith<BIGNUM, BN_clear_free>>;  // cleared: may hold secrets
using BnCtxPtr = std::unique_ptr<BN_CTX, FreeWith<BN_CTX, BN_CTX_free>>;
using ParamBuildPtr = std::unique_ptr<OSSL_PARAM_BLD, FreeWith<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using ParamsPtr = std::unique_ptr<OSSL_PARAM, FreeWith<OSSL_PARAM, OSSL_PARAM_free>>;
using EcGroupPtr = std::unique_ptr<EC_GROUP, FreeWith<EC_GROUP, EC_GROUP_free>>;
using EcPointPtr = std::unique_ptr<EC_POINT, FreeWith<EC_POINT, EC_POINT_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, FreeWith<ECDSA_SIG, ECDSA_SIG_free>>;

EvpPkeyPtr wrap(EVP_PKEY* key) {
    return EvpPkeyPtr(key, EVP_PKEY_free);
}

enum class Family { Unsupported, Rsa, Ecdsa, Eddsa };

// What each algorithm number means to OpenSSL.
struct AlgorithmInfo {
    Family family = Family::Unsupported;
    const char* key_type = nullptr;  // OpenSSL key type name
    int curve_nid = NID_undef;       // ECDSA
    const char* curve = nullptr;     // ECDSA group name
    size_t size = 0;                 // ECDSA coordinate bytes; EdDSA public-key bytes
    size_t signature_size = 0;       // ECDSA and EdDSA: fixed DNSSEC signature length
};

AlgorithmInfo info_for(uint8_t algorithm) {
    namespace a = dnssec::algorithm;
    switch (algorithm) {
        case a::RSASHA1:
        case a::RSASHA1_NSEC3_SHA1:
        case a::RSASHA256:
        case a::RSASHA512:
            return {Family::Rsa, "RSA"};
        case a::ECDSAP256SHA256:
            return {Family::Ecdsa, "EC", NID_X9_62_prime256v1, "prime256v1", 32, 64};
        case a::ECDSAP384SHA384:
            return {Family::Ecdsa, "EC", NID_secp384r1, "secp384r1", 48, 96};
        case a::ED25519:
            return {Family::Eddsa, "ED25519", NID_undef, nullptr, 32, 64};
        case a::ED448:
            return {Family::Eddsa, "ED448", NID_undef, nullptr, 57, 114};
        default:
            return {};
    }
}

// The digest each RSA and ECDSA algorithm signs, fetched once per process: a fetch per signature costs
// OpenSSL 3 a lock and a method-store lookup. Freed at exit, before OpenSSL's own clean-up runs.
const EVP_MD* digest_for(uint8_t algorithm) {
    static const MdPtr sha1(EVP_MD_fetch(nullptr, "SHA1", nullptr));
    static const MdPtr sha256(EVP_MD_fetch(nullptr, "SHA256", nullptr));
    static const MdPtr sha384(EVP_MD_fetch(nullptr, "SHA384", nullptr));
    static const MdPtr sha512(EVP_MD_fetch(nullptr, "SHA512", nullptr));
    namespace a = dnssec::algorithm;
    switch (algorithm) {
        case a::RSASHA1:
        case a::RSASHA1_NSEC3_SHA1:
            return sha1.get();
        case a::RSASHA256:
        case a::ECDSAP256SHA256:
            return sha256.get();
        case a::ECDSAP384SHA384:
            return sha384.get();
        case a::RSASHA512:
            return sha512.get();
        default:
            return nullptr;
    }
}

std::string algorithm_label(uint8_t algorithm) {
    return std::to_string(algorithm) + " (" + dns::algorithm_to_text(algorithm) + ")";
}

// An error carrying OpenSSL's reason, which also empties this thread's OpenSSL error queue.
Error openssl_error(std::string what) {
    unsigned long code = ERR_peek_last_error();
    if (code != 0) {
        char reason[256];
        ERR_error_string_n(code, reason, sizeof reason);
        what += " (OpenSSL: ";
        what += reason;
        what += ")";
    }
    ERR_clear_error();
    return make_error(std::move(what));
}

Error signing_refusal(uint8_t algorithm) {
    if (algorithm == algorithm::RSASHA1 || algorithm == algorithm::RSASHA1_NSEC3_SHA1)
        return make_error("algorithm " + algorithm_label(algorithm) +
                          " must not be used for signing (RFC 8624 §3.1: SHA-1); use 13 (ECDSAP256SHA256) or "
                          "8 (RSASHA256)");
    return make_error(
        "danemail does not sign with algorithm " + algorithm_label(algorithm) +
        "; it signs with 8 (RSASHA256), 13 (ECDSAP256SHA256), 14 (ECDSAP384SHA384) or 15 (ED25519)");
}

BnPtr to_bn(ByteView bytes) {
    return BnPtr(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
}

// Big-endian bytes of `bn`, left-padded with zeros to `width` (0: minimal length).
Bytes from_bn(const BIGNUM* bn, size_t width = 0) {
    size_t size = std::max(static_cast<size_t>(BN_num_bytes(bn)), width);
    Bytes out(size);
    BN_bn2binpad(bn, out.data(), static_cast<int>(out.size()));
    return out;
}

BnPtr get_bn(const EVP_PKEY* key, const char* name) {
    BIGNUM* bn = nullptr;
    if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) {
        ERR_clear_error();
        return nullptr;
    }
    return BnPtr(bn);
}

// EVP_PKEY_fromdata() over the parameters in `build`.
Result<EvpPkeyPtr> key_from_params(const char* key_type, int selection, OSSL_PARAM_BLD* build,
                                   const char* what) {
    ParamsPtr params(OSSL_PARAM_BLD_to_param(build));
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, key_type, nullptr));
    EVP_PKEY* key = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &key, selection, params.get()) != 1)
        return openssl_error(what);
    return wrap(key);
}

// ---- RSA (RFC 3110 §2: exponent length in 1 or 3 octets, exponent, modulus) ----

// RFC 3110 §2 and RFC 5702 §2: moduli from 512 to 4096 bits; the exponent no longer than 4096 bits.
constexpr int kMinRsaBits = 512, kMaxRsaBits = 4096;

Result<EvpPkeyPtr> rsa_public_key(ByteView field) {
    if (field.empty()) return make_error("RSA public key is empty");
    size_t exponent_length = field[0];
    size_t pos = 1;
    if (exponent_length == 0) {
        if (field.size() < 3) return make_error("RSA public key too short for its 3-octet exponent length");
        exponent_length = static_cast<size_t>(field[1]) << 8 | field[2];
        pos = 3;
    }
    if (exponent_length == 0 || exponent_length > kMaxRsaBits / 8)
        return make_error("RSA public exponent length " + std::to_string(exponent_length) +
                          " is out of range");
    if (field.size() <= pos + exponent_length)
        return make_error("RSA public key ends before its modulus (exponent length " +
                          std::to_string(exponent_length) + ", key length " + std::to_string(field.size()) +
                          ")");
    BnPtr e = to_bn(field.subspan(pos, exponent_length));
    BnPtr n = to_bn(field.subspan(pos + exponent_length));
    if (!e || !n) return openssl_error("RSA public key");
    int bits = BN_num_bits(n.get());
    if (bits < kMinRsaBits || bits > kMaxRsaBits)
        return make_error("RSA modulus of " + std::to_string(bits) +
                          " bits is outside 512..4096 (RFC 3110 §2)");
    ParamBuildPtr build(OSSL_PARAM_BLD_new());
    if (!build || OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1)
        return openssl_error("RSA public key");
    return key_from_params("RSA", EVP_PKEY_PUBLIC_KEY, build.get(), "RSA public key");
}

Bytes rsa_public_field(const EVP_PKEY* key) {
    BnPtr n = get_bn(key, OSSL_PKEY_PARAM_RSA_N), e = get_bn(key, OSSL_PKEY_PARAM_RSA_E);
    if (!n || !e) return {};
    Bytes exponent = from_bn(e.get()), modulus = from_bn(n.get());
    Bytes out;
    out.reserve(3 + exponent.size() + modulus.size());
    if (exponent.size() <= 255) {
        out.push_back(static_cast<uint8_t>(exponent.size()));
    } else {
        out.push_back(0);
        out.push_back(static_cast<uint8_t>(exponent.size() >> 8));
        out.push_back(static_cast<uint8_t>(exponent.size()));
    }
    out.insert(out.end(), exponent.begin(), exponent.end());
    out.insert(out.end(), modulus.begin(), modulus.end());
    return out;
}

Result<EvpPkeyPtr> rsa_private_key(const PrivateKeyMaterial& m) {
    if (m.modulus.empty() || m.public_exponent.empty() || m.private_exponent.empty())
        return make_error("RSA private key needs Modulus, PublicExponent and PrivateExponent");
    const Bytes* crt[] = {&m.prime1, &m.prime2, &m.exponent1, &m.exponent2, &m.coefficient};
    size_t crt_present = 0;
    for (const Bytes* b : crt) crt_present += b->empty() ? 0 : 1;
    if (crt_present != 0 && crt_present != 5)
        return make_error(
            "RSA private key has some but not all of Prime1, Prime2, Exponent1, Exponent2, Coefficient");
    BnPtr n = to_bn(m.modulus), e = to_bn(m.public_exponent), d = to_bn(m.private_exponent);
    if (!n || !e || !d) return openssl_error("RSA private key");
    int bits = BN_num_bits(n.get());
    if (bits < kMinRsaBits || bits > kMaxRsaBits)
        return make_error("RSA modulus of " + std::to_string(bits) + " bits is outside 512..4096");
    ParamBuildPtr build(OSSL_PARAM_BLD_new());
    if (!build || OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_D, d.get()) != 1)
        return openssl_error("RSA private key");
    BnPtr crt_bn[5];
    const char* crt_names[] = {OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
                               OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
                               OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
    for (size_t i = 0; crt_present && i < 5; ++i) {
        crt_bn[i] = to_bn(*crt[i]);
        if (!crt_bn[i] || OSSL_PARAM_BLD_push_BN(build.get(), crt_names[i], crt_bn[i].get()) != 1)
            return openssl_error("RSA private key");
    }
    auto key = key_from_params("RSA", EVP_PKEY_KEYPAIR, build.get(), "RSA private key");
    if (!key) return key;
    // The numbers must belong together (n = p·q, d·e ≡ 1): a damaged file must not yield wrong signatures.
    PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key->get(), nullptr));
    if (!check || EVP_PKEY_pairwise_check(check.get()) != 1)
        return openssl_error("RSA private key numbers are inconsistent");
    return key;
}

Result<PrivateKeyMaterial> rsa_material(const EVP_PKEY* key) {
    PrivateKeyMaterial m;
    struct Field {
        const char* name;
        Bytes* out;
    } fields[] = {
        {OSSL_PKEY_PARAM_RSA_N, &m.modulus},           {OSSL_PKEY_PARAM_RSA_E, &m.public_exponent},
        {OSSL_PKEY_PARAM_RSA_D, &m.private_exponent},  {OSSL_PKEY_PARAM_RSA_FACTOR1, &m.prime1},
        {OSSL_PKEY_PARAM_RSA_FACTOR2, &m.prime2},      {OSSL_PKEY_PARAM_RSA_EXPONENT1, &m.exponent1},
        {OSSL_PKEY_PARAM_RSA_EXPONENT2, &m.exponent2}, {OSSL_PKEY_PARAM_RSA_COEFFICIENT1, &m.coefficient}};
    for (const Field& f : fields) {
        BnPtr bn = get_bn(key, f.name);
        if (!bn) return make_error(std::string("RSA key lacks ") + f.name);
        *f.out = from_bn(bn.get());
    }
    return m;
}

// ---- ECDSA (RFC 6605 §4: public key X||Y, signature r||s, each padded to the curve size) ----

Result<EvpPkeyPtr> ecdsa_public_key(const AlgorithmInfo& info, ByteView field) {
    if (field.size() != 2 * info.size)
        return make_error("ECDSA public key must be " + std::to_string(2 * info.size) + " bytes, found " +
                          std::to_string(field.size()));
    Bytes point(1 + field.size());
    point[0] = POINT_CONVERSION_UNCOMPRESSED;
    std::copy(field.begin(), field.end(), point.begin() + 1);
    ParamBuildPtr build(OSSL_PARAM_BLD_new());
    if (!build ||
        OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME, info.curve, 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) !=
            1)
        return openssl_error("ECDSA public key");
    // Importing checks that the point lies on the curve.
    return key_from_params("EC", EVP_PKEY_PUBLIC_KEY, build.get(),
                           "ECDSA public key is not a point on the curve");
}

Bytes ecdsa_public_field(const AlgorithmInfo& info, const EVP_PKEY* key) {
    BnPtr x = get_bn(key, OSSL_PKEY_PARAM_EC_PUB_X), y = get_bn(key, OSSL_PKEY_PARAM_EC_PUB_Y);
    if (!x || !y) return {};
    Bytes out = from_bn(x.get(), info.size);
    Bytes yb = from_bn(y.get(), info.size);
    out.insert(out.end(), yb.begin(), yb.end());
    return out;
}

// The key pair for a private scalar; the public point is computed here (Q = d·G).
Result<EvpPkeyPtr> ecdsa_private_key(const AlgorithmInfo& info, ByteView scalar) {
    if (scalar.size() != info.size)
        return make_error("ECDSA private key must be " + std::to_string(info.size) + " bytes, found " +
                          std::to_string(scalar.size()));
    EcGroupPtr group(EC_GROUP_new_by_curve_name(info.curve_nid));
    BnPtr d = to_bn(scalar);
    BnCtxPtr bn_ctx(BN_CTX_new());
    if (!group || !d || !bn_ctx) return openssl_error("ECDSA private key");
    if (BN_is_zero(d.get()) || BN_cmp(d.get(), EC_GROUP_get0_order(group.get())) >= 0)
        return make_error("ECDSA private key is not in the range 1..n-1 of the curve");
    EcPointPtr q(EC_POINT_new(group.get()));
    unsigned char point[1 + 2 * 66];
    size_t point_size = 0;
    if (!q || EC_POINT_mul(group.get(), q.get(), d.get(), nullptr, nullptr, bn_ctx.get()) != 1 ||
        (point_size = EC_POINT_point2oct(group.get(), q.get(), POINT_CONVERSION_UNCOMPRESSED, point,
                                         sizeof point, bn_ctx.get())) == 0)
        return openssl_error("ECDSA public point");
    ParamBuildPtr build(OSSL_PARAM_BLD_new());
    if (!build ||
        OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME, info.curve, 0) != 1 ||
        OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, point, point_size) != 1)
        return openssl_error("ECDSA private key");
    return key_from_params("EC", EVP_PKEY_KEYPAIR, build.get(), "ECDSA private key");
}

// DER ECDSA-Sig-Value (what OpenSSL produces) → r||s.
Result<Bytes> ecdsa_der_to_dnssec(const AlgorithmInfo& info, const unsigned char* der, size_t der_size) {
    EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &der, static_cast<long>(der_size)));
    if (!sig) return openssl_error("ECDSA signature from OpenSSL");
    const BIGNUM *r = nullptr, *s = nullptr;
    ECDSA_SIG_get0(sig.get(), &r, &s);
    Bytes out(2 * info.size);
    int width = static_cast<int>(info.size);
    if (BN_bn2binpad(r, out.data(), width) != width ||
        BN_bn2binpad(s, out.data() + info.size, width) != width)
        return make_error("ECDSA signature value larger than the curve");
    return out;
}

// r||s → DER for OpenSSL's verifier; empty on failure.
Bytes ecdsa_dnssec_to_der(const AlgorithmInfo& info, ByteView signature) {
    EcdsaSigPtr sig(ECDSA_SIG_new());
    BnPtr r = to_bn(signature.first(info.size)), s = to_bn(signature.subspan(info.size));
    if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return {};
    r.release();  // owned by `sig` now
    s.release();
    int size = i2d_ECDSA_SIG(sig.get(), nullptr);
    if (size <= 0) return {};
    Bytes der(static_cast<size_t>(size));
    unsigned char* out = der.data();
    if (i2d_ECDSA_SIG(sig.get(), &out) != size) return {};
    return der;
}

// ---- EdDSA (RFC 8080 §3, §4: raw public key and signature) ----

int eddsa_type(const AlgorithmInfo& info) {
    return info.size == 32 ? EVP_PKEY_ED25519 : EVP_PKEY_ED448;
}

Result<EvpPkeyPtr> eddsa_public_key(const AlgorithmInfo& info, ByteView field) {
    if (field.size() != info.size)
        return make_error(std::string(info.key_type) + " public key must be " + std::to_string(info.size) +
                          " bytes, found " + std::to_string(field.size()));
    EVP_PKEY* key = EVP_PKEY_new_raw_public_key(eddsa_type(info), nullptr, field.data(), field.size());
    if (!key) return openssl_error("EdDSA public key");
    return wrap(key);
}

Bytes eddsa_raw(const EVP_PKEY* key, bool private_part) {
    size_t size = 0;
    auto get = private_part ? EVP_PKEY_get_raw_private_key : EVP_PKEY_get_raw_public_key;
    if (get(key, nullptr, &size) != 1) return {};
    Bytes out(size);
    if (get(key, out.data(), &size) != 1) return {};
    out.resize(size);
    return out;
}

bool key_is_algorithm(const EVP_PKEY* key, const AlgorithmInfo& info) {
    if (!key || !info.key_type || !EVP_PKEY_is_a(key, info.key_type)) return false;
    if (info.family != Family::Ecdsa) return true;
    char group[64];
    size_t size = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &size) != 1) {
        ERR_clear_error();
        return false;
    }
    int nid = OBJ_sn2nid(group);
    if (nid == NID_undef) nid = EC_curve_nist2nid(group);
    return nid == info.curve_nid;
}

}  // namespace

PrivateKeyMaterial::~PrivateKeyMaterial() {
    for (Bytes* b : {&private_key, &modulus, &public_exponent, &private_exponent, &prime1, &prime2,
                     &exponent1, &exponent2, &coefficient})
        if (!b->empty()) OPENSSL_cleanse(b->data(), b->size());
}

void wipe_secret(std::string& secret) {
    if (!secret.empty()) OPENSSL_cleanse(secret.data(), secret.size());
    secret.clear();
}

// ---- PublicKey ----

Result<PublicKey> PublicKey::from_dnskey(uint8_t algorithm, ByteView public_key) {
    const AlgorithmInfo info = info_for(algorithm);
    Result<EvpPkeyPtr> key = make_error("");
    switch (info.family) {
        case Family::Rsa:
            key = rsa_public_key(public_key);
            break;
        case Family::Ecdsa:
            key = ecdsa_public_key(info, public_key);
            break;
        case Family::Eddsa:
            key = eddsa_public_key(info, public_key);
            break;
        case Family::Unsupported:
            return make_error("DNSSEC algorithm " + algorithm_label(algorithm) + " is not supported");
    }
    if (!key) return key.error();
    PublicKey out;
    out.algorithm_ = algorithm;
    out.key_ = std::move(*key);
    return out;
}

namespace {

// This thread's verification context for `key` (RSA or ECDSA), initialised once. The cache holds a reference
// to each key, so a key's address cannot be reused by another key while its context is cached.
EVP_PKEY_CTX* thread_verify_context(const EvpPkeyPtr& key, const AlgorithmInfo& info, const EVP_MD* md) {
    struct Cached {
        EvpPkeyPtr key;
        PkeyCtxPtr ctx;
    };
    constexpr size_t kMaxCachedKeys = 32;
    thread_local std::vector<Cached> cache;
    for (const auto& entry : cache)
        if (entry.key.get() == key.get()) return entry.ctx.get();
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
    if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1 ||
        (info.family == Family::Rsa && EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1) ||
        EVP_PKEY_CTX_set_signature_md(ctx.get(), md) != 1)
        return nullptr;
    if (cache.size() >= kMaxCachedKeys) cache.erase(cache.begin());
    cache.push_back({key, std::move(ctx)});
    return cache.back().ctx.get();
}

}  // namespace

bool PublicKey::verify(ByteView data, ByteView signature) const {
    if (!key_) return false;
    const AlgorithmInfo info = info_for(algorithm_);
    Bytes converted;
    ByteView sig = signature;
    switch (info.family) {
        case Family::Rsa: {
            // RFC 3110 §3: as long as the modulus; a signature shorter only by leading zeros is the same
            // number.
            size_t modulus_size = static_cast<size_t>(EVP_PKEY_get_size(key_.get()));
            if (signature.empty() || signature.size() > modulus_size) return false;
            if (signature.size() < modulus_size) {
                converted.assign(modulus_size - signature.size(), 0);
                converted.insert(converted.end(), signature.begin(), signature.end());
                sig = converted;
            }
            break;
        }
        case Family::Ecdsa:
            if (signature.size() != info.signature_size) return false;
            converted = ecdsa_dnssec_to_der(info, signature);
            if (converted.empty()) return false;
            sig = converted;
            break;
        case Family::Eddsa:
            if (signature.size() != info.signature_size) return false;
            break;
        case Family::Unsupported:
            return false;
    }
    bool valid;
    if (info.family == Family::Eddsa) {
        MdCtxPtr ctx(EVP_MD_CTX_new());
        valid = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) == 1 &&
                EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), data.data(), data.size()) == 1;
    } else {
        // Digest first, then verify the digest with this thread's context for the key: setting up an
        // EVP_DigestVerify context per signature costs about a fifth of the verification itself.
        const EVP_MD* md = digest_for(algorithm_);
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int digest_size = 0;
        EVP_PKEY_CTX* ctx = md ? thread_verify_context(key_, info, md) : nullptr;
        valid = ctx && EVP_Digest(data.data(), data.size(), digest, &digest_size, md, nullptr) == 1 &&
                EVP_PKEY_verify(ctx, sig.data(), sig.size(), digest, digest_size) == 1;
    }
    if (!valid) ERR_clear_error();
    return valid;
}

// ---- PrivateKey ----

Result<PrivateKey> PrivateKey::generate(uint8_t algorithm, int rsa_bits) {
    if (!can_sign(algorithm)) return signing_refusal(algorithm);
    const AlgorithmInfo info = info_for(algorithm);
    if (info.family == Family::Rsa && (rsa_bits < 1024 || rsa_bits > kMaxRsaBits))
        return make_error("RSA key size " + std::to_string(rsa_bits) + " is outside 1024..4096 bits");
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, info.key_type, nullptr));
    if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1) return openssl_error("key generation");
    if (info.family == Family::Rsa) {
        BnPtr exponent(BN_new());
        if (!exponent || BN_set_word(exponent.get(), RSA_F4) != 1 ||
            EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), rsa_bits) != 1 ||
            EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx.get(), exponent.get()) != 1)
            return openssl_error("RSA key generation");
    } else if (info.family == Family::Ecdsa) {
        if (EVP_PKEY_CTX_set_group_name(ctx.get(), info.curve) != 1)
            return openssl_error("ECDSA key generation");
    }
    EVP_PKEY* key = nullptr;
    if (EVP_PKEY_generate(ctx.get(), &key) != 1) return openssl_error("key generation");
    PrivateKey out;
    out.algorithm_ = algorithm;
    out.key_ = wrap(key);
    return out;
}

Result<PrivateKey> PrivateKey::from_evp(uint8_t algorithm, EvpPkeyPtr key) {
    if (!key_is_algorithm(key.get(), info_for(algorithm)))
        return make_error("the key is not a key of algorithm " + algorithm_label(algorithm));
    PrivateKey out;
    out.algorithm_ = algorithm;
    out.key_ = std::move(key);
    return out;
}

Result<PrivateKey> PrivateKey::from_material(uint8_t algorithm, const PrivateKeyMaterial& material) {
    const AlgorithmInfo info = info_for(algorithm);
    Result<EvpPkeyPtr> key = make_error("");
    switch (info.family) {
        case Family::Rsa:
            key = rsa_private_key(material);
            break;
        case Family::Ecdsa:
            key = ecdsa_private_key(info, material.private_key);
            break;
        case Family::Eddsa: {
            if (material.private_key.size() != info.size)
                return make_error(std::string(info.key_type) + " private key must be " +
                                  std::to_string(info.size) + " bytes, found " +
                                  std::to_string(material.private_key.size()));
            EVP_PKEY* raw = EVP_PKEY_new_raw_private_key(
                eddsa_type(info), nullptr, material.private_key.data(), material.private_key.size());
            key =
                raw ? Result<EvpPkeyPtr>(wrap(raw)) : Result<EvpPkeyPtr>(openssl_error("EdDSA private key"));
            break;
        }
        case Family::Unsupported:
            return make_error("DNSSEC algorithm " + algorithm_label(algorithm) + " is not supported");
    }
    if (!key) return key.error();
    return from_evp(algorithm, std::move(*key));
}

Bytes PrivateKey::dnskey_public_key() const {
    if (!key_) return {};
    const AlgorithmInfo info = info_for(algorithm_);
    switch (info.family) {
        case Family::Rsa:
            return rsa_public_field(key_.get());
        case Family::Ecdsa:
            return ecdsa_public_field(info, key_.get());
        case Family::Eddsa:
            return eddsa_raw(key_.get(), false);
        case Family::Unsupported:
            break;
    }
    return {};
}

Result<PrivateKeyMaterial> PrivateKey::material() const {
    if (!key_) return make_error("no private key");
    const AlgorithmInfo info = info_for(algorithm_);
    PrivateKeyMaterial m;
    switch (info.family) {
        case Family::Rsa:
            return rsa_material(key_.get());
        case Family::Ecdsa: {
            BnPtr d = get_bn(key_.get(), OSSL_PKEY_PARAM_PRIV_KEY);
            if (!d) return make_error("ECDSA key has no private part");
            m.private_key = from_bn(d.get(), info.size);
            return m;
        }
        case Family::Eddsa:
            m.private_key = eddsa_raw(key_.get(), true);
            if (m.private_key.empty()) return make_error("EdDSA key has no private part");
            return m;
        case Family::Unsupported:
            break;
    }
    return make_error("DNSSEC algorithm " + algorithm_label(algorithm_) + " is not supported");
}

Result<Bytes> PrivateKey::sign(ByteView data) const {
    SigningContext context(*this);
    return context.sign(data);
}

// ---- SigningContext ----
//
// RSA and ECDSA: one EVP_PKEY_CTX set up for signing once (algorithm fetched, padding and digest set); each
// signature hashes the data with a digest fetched once per process and signs the hash. EdDSA hashes inside
// the signature, so it goes through EVP_DigestSign on one reused EVP_MD_CTX, initialised again per call.

struct SigningContext::State {
    uint8_t algorithm = 0;
    AlgorithmInfo info;
    EvpPkeyPtr key;  // shared: keeps the key alive as long as this context
    std::optional<Error> unusable;
    const EVP_MD* md = nullptr;
    PkeyCtxPtr sign_ctx;  // RSA, ECDSA
    MdCtxPtr md_ctx;      // RSA, ECDSA: the digest; EdDSA: the signature
    size_t max_signature_size = 0;
};

SigningContext::SigningContext(const PrivateKey& key) : state_(std::make_unique<State>()) {
    State& s = *state_;
    s.algorithm = key.algorithm();
    s.info = info_for(s.algorithm);
    s.key = key.evp();
    if (!can_sign(s.algorithm)) {
        s.unusable = signing_refusal(s.algorithm);
        return;
    }
    if (!s.key) {
        s.unusable = make_error("no private key to sign with");
        return;
    }
    s.md_ctx.reset(EVP_MD_CTX_new());
    if (!s.md_ctx) {
        s.unusable = openssl_error("signing context");
        return;
    }
    if (s.info.family == Family::Eddsa) {
        s.max_signature_size = s.info.signature_size;
        return;
    }
    s.md = digest_for(s.algorithm);
    s.sign_ctx.reset(EVP_PKEY_CTX_new_from_pkey(nullptr, s.key.get(), nullptr));
    if (!s.md || !s.sign_ctx || EVP_PKEY_sign_init(s.sign_ctx.get()) != 1 ||
        (s.info.family == Family::Rsa &&
         EVP_PKEY_CTX_set_rsa_padding(s.sign_ctx.get(), RSA_PKCS1_PADDING) != 1) ||
        EVP_PKEY_CTX_set_signature_md(s.sign_ctx.get(), s.md) != 1) {
        s.unusable = openssl_error("signing context for algorithm " + algorithm_label(s.algorithm));
        return;
    }
    s.max_signature_size = static_cast<size_t>(EVP_PKEY_get_size(s.key.get()));
}

SigningContext::~SigningContext() = default;
SigningContext::SigningContext(SigningContext&&) noexcept = default;

Result<Bytes> SigningContext::sign(ByteView data) {
    if (!state_) return make_error("signing context was moved from");
    State& s = *state_;
    if (s.unusable) return *s.unusable;

    if (s.info.family == Family::Eddsa) {
        Bytes signature(s.max_signature_size);
        size_t size = signature.size();
        if (EVP_DigestSignInit(s.md_ctx.get(), nullptr, nullptr, nullptr, s.key.get()) != 1 ||
            EVP_DigestSign(s.md_ctx.get(), signature.data(), &size, data.data(), data.size()) != 1)
            return openssl_error("EdDSA signing");
        signature.resize(size);
        return signature;
    }

    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_size = 0;
    if (EVP_DigestInit_ex2(s.md_ctx.get(), s.md, nullptr) != 1 ||
        EVP_DigestUpdate(s.md_ctx.get(), data.data(), data.size()) != 1 ||
        EVP_DigestFinal_ex(s.md_ctx.get(), digest, &digest_size) != 1)
        return openssl_error("digest");
    if (s.info.family == Family::Rsa) {
        Bytes signature(s.max_signature_size);
        size_t size = signature.size();
        if (EVP_PKEY_sign(s.sign_ctx.get(), signature.data(), &size, digest, digest_size) != 1)
            return openssl_error("RSA signing");
        signature.resize(size);  // RFC 3110 §3: always the modulus length for PKCS#1 v1.5
        return signature;
    }
    unsigned char der[160];  // DER of two integers of at most 49 bytes each
    size_t der_size = std::min(sizeof der, s.max_signature_size);
    if (EVP_PKEY_sign(s.sign_ctx.get(), der, &der_size, digest, digest_size) != 1)
        return openssl_error("ECDSA signing");
    return ecdsa_der_to_dnssec(s.info, der, der_size);
}

}  // namespace danemail::dnssec

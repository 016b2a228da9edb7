// TLSA records (RFC 6698 §2) computed from certificates and keys: the three parameters, the certificate
// association data (selector RFC 6698 §2.1.2, matching type §2.1.3), the presentation form (§2.2) and the
// owner name prefix "_25._tcp" (§3). DANE-TA(2) records for a chain's issuer follow RFC 7671 §5.2 and
// RFC 7672 §3.1.2. Untrusted input: none beyond the certificates (see certificate.h).
//
// A TLSA record says which certificate or key a TLS server at "_PORT._PROTO.HOST" must present:
//   usage     0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE   (which certificate of the chain, how validated)
//   selector  0 Cert (the whole DER certificate), 1 SPKI (its SubjectPublicKeyInfo)
//   matching  0 Full (the selected bytes), 1 SHA2-256, 2 SHA2-512 (a digest of them)
// Names per RFC 7218. For mail, RFC 7672 §3.1 recommends "3 1 1" (the server's own key) and "2 1 1"/
// "2 0 1" (the issuing CA), and makes usages 0 and 1 unusable for mail.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/encoding.h"
#include "base/result.h"
#include "tls/certificate.h"

namespace danemail::tls {

enum TlsaUsage : uint8_t { kPkixTa = 0, kPkixEe = 1, kDaneTa = 2, kDaneEe = 3 };
enum TlsaSelector : uint8_t { kSelectCert = 0, kSelectSpki = 1 };
enum TlsaMatchingType : uint8_t { kMatchFull = 0, kMatchSha256 = 1, kMatchSha512 = 2 };

// Defaults are "3 1 1", the record RFC 7672 §3.1.1 and RFC 7671 §5.1 recommend for a server's own key.
struct TlsaParameters {
    uint8_t usage = kDaneEe;
    uint8_t selector = kSelectSpki;
    uint8_t matching = kMatchSha256;

    friend bool operator==(const TlsaParameters&, const TlsaParameters&) = default;
};

// Ok when usage, selector and matching type are all ones RFC 6698 §7.2–7.4 assigns; else says which is not.
Status check_parameters(const TlsaParameters& parameters);
// "3 1 1".
std::string to_string(const TlsaParameters& parameters);

// Digest length a matching type requires of the association data (RFC 6698 §2.1.3); nullopt for 0 (Full),
// whose data is as long as what it selects, and for unknown types.
std::optional<size_t> digest_length(uint8_t matching);

// The bytes `selector` picks from `cert` (RFC 6698 §2.1.2); an error for an unknown selector.
Result<Bytes> select_from(const Certificate& cert, uint8_t selector);
// `selected` as matching type `matching` presents it (RFC 6698 §2.1.3): as is, or its SHA2-256/512 digest.
Result<Bytes> apply_matching(ByteView selected, uint8_t matching);

// One TLSA record's data: parameters and certificate association data.
struct TlsaRecord {
    TlsaParameters parameters;
    Bytes association_data;

    // "3 1 1 5f3c..." — the RDATA in presentation form (RFC 6698 §2.2). The association data is written as
    // one run of lower-case hex digits, as `openssl dgst`, hash-slinger's `tlsa` and ldns-dane print it
    // (hex digits of either case are valid, RFC 6698 §2.2).
    std::string rdata_text() const;
    // "<owner> IN TLSA 3 1 1 5f3c...". `owner` is printed as given: pass an absolute name with its dot.
    std::string presentation_line(std::string_view owner) const;

    friend bool operator==(const TlsaRecord&, const TlsaRecord&) = default;
};

// The record `parameters` describe for `cert`. Usage is taken as given: the caller picks the certificate
// the usage refers to (the leaf for 1 and 3, a CA for 0 and 2).
Result<TlsaRecord> tlsa_for_certificate(const Certificate& cert, const TlsaParameters& parameters);
// The record for a bare key: only selector 1 (SPKI) can be computed from a key; selector 0 needs the
// certificate and is an error.
Result<TlsaRecord> tlsa_for_public_key(const PublicKey& key, const TlsaParameters& parameters);

// Which certificate of a chain a DANE-TA(2) record names, counted from the leaf (depth 0). The default is
// the leaf's immediate issuer: the trust anchor must be in the chain the server sends (RFC 7671 §5.2.2,
// RFC 7672 §3.1.2), and servers send their intermediate CA but often leave out the root, so a record for
// the issuer keeps matching where one for a root may not; unlike "3 1 1" it survives a new leaf certificate
// from the same CA (RFC 7671 §8). A root is chosen with depth = chain.size() - 1.
inline constexpr size_t kDefaultIssuerDepth = 1;
// Default selector and matching type of an issuer record: "2 0 1", a digest of the whole CA certificate.
inline constexpr TlsaParameters kDefaultIssuerParameters{kDaneTa, kSelectCert, kMatchSha256};

// The DANE-TA(2) record for the certificate at `depth` of `chain` (usage in `parameters` must be 2 or 0).
// An error when the chain has no certificate at that depth, or when it is the leaf itself (depth 0).
Result<TlsaRecord> tlsa_for_issuer(const CertificateChain& chain, size_t depth,
                                   const TlsaParameters& parameters = kDefaultIssuerParameters);

// The protocols RFC 6698 §3 names owner labels after.
enum class TlsaTransport { kTcp, kUdp, kSctp };
// "tcp" / "udp" / "sctp" (any case); nullopt otherwise.
std::optional<TlsaTransport> parse_tlsa_transport(std::string_view name);
// The two leftmost labels of a TLSA owner name, relative, without a trailing dot: "_25._tcp" (RFC 6698
// §3). The caller appends the service's host name (as a dns::Name, which checks length limits).
std::string tlsa_owner_prefix(uint16_t port, TlsaTransport transport);

}  // namespace danemail::tls

// TSIG keys (RFC 8945 §6): a key name, an HMAC algorithm and a shared secret, and the BIND configuration
// syntax that `tsig-keygen` prints and that NSD, Knot and BIND operators copy between servers:
//     key "name" { algorithm hmac-sha256; secret "base64"; };
// The key text comes from an operator's file: every error names source:line:column and what was expected.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/encoding.h"
#include "base/result.h"
#include "dns/name.h"

namespace danemail::dnsserver {

// The HMAC algorithms of RFC 8945 §6 that danemail implements (HMAC-MD5 and GSS-TSIG are not).
enum class TsigAlgorithm : uint8_t { HmacSha1, HmacSha224, HmacSha256, HmacSha384, HmacSha512 };

inline constexpr TsigAlgorithm kDefaultTsigAlgorithm = TsigAlgorithm::HmacSha256;
// RFC 8945 §5.2.2.1: a MAC may be truncated, but never below 10 bytes nor below half the hash output.
inline constexpr size_t kMinTruncatedMacSize = 10;

// "hmac-sha256": the name used in TSIG records (as a domain name) and in BIND's configuration.
std::string_view tsig_algorithm_text(TsigAlgorithm algorithm);
// The algorithm name as it goes into TSIG RDATA: "hmac-sha256." (lower case, canonical).
const dns::Name& tsig_algorithm_name(TsigAlgorithm algorithm);
// Case-insensitive; nullopt for anything not implemented (hmac-md5.sig-alg.reg.int., gss-tsig, ...).
std::optional<TsigAlgorithm> tsig_algorithm_from_name(const dns::Name& name);
std::optional<TsigAlgorithm> tsig_algorithm_from_text(std::string_view text);
// Bytes of the full HMAC output: 20, 28, 32, 48 or 64.
size_t tsig_digest_size(TsigAlgorithm algorithm);
// The shortest MAC RFC 8945 §5.2.2.1 accepts: max(10, digest size / 2).
size_t tsig_min_mac_size(TsigAlgorithm algorithm);

// A shared TSIG key. The destructor wipes the secret.
struct TsigKey {
    dns::Name name;
    TsigAlgorithm algorithm = kDefaultTsigAlgorithm;
    Bytes secret;
    // MAC bytes put into messages we sign: 0 sends the whole MAC; otherwise a truncation RFC 8945 §5.2.2.1
    // allows (BIND's "hmac-sha256-128" sets 16). Received MACs are checked at whatever length they arrive.
    size_t mac_size = 0;

    TsigKey() = default;
    TsigKey(dns::Name key_name, TsigAlgorithm key_algorithm, Bytes key_secret)
        : name(std::move(key_name)), algorithm(key_algorithm), secret(std::move(key_secret)) {}
    TsigKey(const TsigKey&) = default;
    TsigKey(TsigKey&&) = default;
    TsigKey& operator=(const TsigKey&) = default;
    TsigKey& operator=(TsigKey&&) = default;
    ~TsigKey();

    // The length of the MACs we send.
    size_t sent_mac_size() const { return mac_size == 0 ? tsig_digest_size(algorithm) : mac_size; }
};

// Parses one or more `key` statements in BIND syntax. Comments (#, //, /* */) and any white space are
// allowed; each key needs exactly one `algorithm` and one `secret` (base64, not empty); names are absolute
// whether or not they end in a dot and must be unique. `algorithm` takes the names above, optionally with a
// truncation in bits as BIND writes it ("hmac-sha256-128"). `source` names the text in errors ("keys.conf").
Result<std::vector<TsigKey>> parse_tsig_keys(std::string_view text, std::string_view source = "");
// Exactly one key statement.
Result<TsigKey> parse_tsig_key(std::string_view text, std::string_view source = "");

// The key as `tsig-keygen` prints it, which parse_tsig_keys reads back.
std::string format_tsig_key(const TsigKey& key);

// A new key with a random secret as long as the hash output (what tsig-keygen does).
Result<TsigKey> generate_tsig_key(const dns::Name& name, TsigAlgorithm algorithm = kDefaultTsigAlgorithm);

// The key in `keys` named `name` (case-insensitive), or nullptr.
const TsigKey* find_tsig_key(std::span<const TsigKey> keys, const dns::Name& name);

}  // namespace danemail::dnsserver

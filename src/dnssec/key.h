// A zone's DNSSEC key: its DNSKEY record fields, role, key tag (RFC 4034 Appendix B) and, when we hold it,
// the private key. Generating keys and computing DS/CDS/CDNSKEY (RFC 4034 §5, RFC 4509, RFC 7344).
#pragma once

#include <optional>
#include <string>

#include "dns/dnssec_rdata.h"
#include "dns/name.h"
#include "dnssec/crypto_key.h"

namespace danemail::dnssec {

enum class KeyRole { Ksk, Zsk, Csk };

namespace digest {
inline constexpr uint8_t SHA1 = 1, SHA256 = 2, SHA384 = 4;
}

struct ZoneKey {
    dns::Name zone;
    dns::DnskeyRdata dnskey;
    uint16_t tag = 0;
    std::optional<PrivateKey> private_key;
    // Timing metadata as BIND key files carry it (seconds since the epoch), when present.
    std::optional<int64_t> created, publish, activate, inactive, remove;

    // SEP flag set: signs the DNSKEY RRset (a KSK or a CSK).
    bool is_ksk() const { return dnskey.flags & dns::DnskeyRdata::kSepFlag; }
    Bytes dnskey_rdata() const { return dnskey.encode(); }
};

// Key tag of DNSKEY RDATA (RFC 4034 Appendix B; algorithm 1 uses B.1).
uint16_t key_tag(ByteView dnskey_rdata);

// A new key: flags 257 for KSK and CSK, 256 for ZSK.
Result<ZoneKey> generate_key(const dns::Name& zone, KeyRole role, uint8_t algorithm, int rsa_bits = 2048);

// DS RDATA for a DNSKEY (RFC 4034 §5.1.4): digest over owner name (canonical) | DNSKEY RDATA.
Result<dns::DsRdata> make_ds(const dns::Name& owner, ByteView dnskey_rdata, uint8_t digest_type);

}  // namespace danemail::dnssec

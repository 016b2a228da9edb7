// Zone keys: key tags (RFC 4034 Appendix B), new keys with the DNSKEY flags of their role (RFC 4034 §2.1.1,
// RFC 3757 SEP), and DS digests (RFC 4034 §5.1.4; SHA-256 RFC 4509; SHA-384 RFC 6605 §2). DNSKEY RDATA given
// here may come from a zone or the network: lengths are checked.
#include "dnssec/key.h"

#include <openssl/evp.h>

#include "base/time.h"
#include "dnssec/algorithm.h"

namespace danemail::dnssec {

uint16_t key_tag(ByteView rdata) {
    // RFC 4034 Appendix B.1: algorithm 1 (RSA/MD5) keys use the most significant 16 bits of the least
    // significant 24 bits of the modulus, which ends the RDATA.
    if (rdata.size() >= 4 && rdata[3] == 1) {
        if (rdata.size() < 7) return 0;
        return static_cast<uint16_t>(rdata[rdata.size() - 3] << 8 | rdata[rdata.size() - 2]);
    }
    // Appendix B: the 16-bit ones'-complement-style sum of the RDATA as big-endian 16-bit words.
    uint32_t sum = 0;
    for (size_t i = 0; i < rdata.size(); ++i)
        sum += (i & 1) ? rdata[i] : static_cast<uint32_t>(rdata[i]) << 8;
    sum += (sum >> 16) & 0xFFFF;
    return static_cast<uint16_t>(sum & 0xFFFF);
}

Result<ZoneKey> generate_key(const dns::Name& zone, KeyRole role, uint8_t algorithm, int rsa_bits) {
    auto private_key = PrivateKey::generate(algorithm, rsa_bits);
    if (!private_key) return private_key.error();
    ZoneKey key;
    key.zone = zone;
    key.dnskey.flags = dns::DnskeyRdata::kZoneKeyFlag;
    if (role == KeyRole::Ksk || role == KeyRole::Csk) key.dnskey.flags |= dns::DnskeyRdata::kSepFlag;
    key.dnskey.protocol = 3;  // RFC 4034 §2.1.2
    key.dnskey.algorithm = algorithm;
    key.dnskey.public_key = private_key->dnskey_public_key();
    if (key.dnskey.public_key.empty()) return make_error("could not read the public part of the new key");
    key.tag = key_tag(key.dnskey_rdata());
    key.private_key = std::move(*private_key);
    // As dnssec-keygen does: created, published and active now.
    key.created = key.publish = key.activate = now_unix();
    return key;
}

Result<dns::DsRdata> make_ds(const dns::Name& owner, ByteView dnskey_rdata, uint8_t digest_type) {
    auto dnskey = dns::DnskeyRdata::decode(dnskey_rdata);
    if (!dnskey) return dnskey.error();
    // RFC 4034 §5.1.4 (and §2.1.1): a DS refers to a zone key only.
    if (!(dnskey->flags & dns::DnskeyRdata::kZoneKeyFlag))
        return make_error("DNSKEY flags " + std::to_string(dnskey->flags) +
                          " lack the Zone Key bit: no DS for it");
    const EVP_MD* md = nullptr;
    switch (digest_type) {
        case digest::SHA1:
            md = EVP_sha1();
            break;  // RFC 8624 §3.3: for validating old DS records only
        case digest::SHA256:
            md = EVP_sha256();
            break;
        case digest::SHA384:
            md = EVP_sha384();
            break;
        default:
            return make_error("DS digest type " + std::to_string(digest_type) + " is not supported");
    }
    const dns::Name canonical = owner.lowercased();  // RFC 4034 §5.1.4: canonical form of the owner
    Bytes input(canonical.wire().begin(), canonical.wire().end());
    input.insert(input.end(), dnskey_rdata.begin(), dnskey_rdata.end());
    dns::DsRdata ds;
    ds.key_tag = key_tag(dnskey_rdata);
    ds.algorithm = dnskey->algorithm;
    ds.digest_type = digest_type;
    ds.digest.resize(EVP_MAX_MD_SIZE);
    unsigned int size = 0;
    if (EVP_Digest(input.data(), input.size(), ds.digest.data(), &size, md, nullptr) != 1)
        return make_error("DS digest computation failed");
    ds.digest.resize(size);
    return ds;
}

}  // namespace danemail::dnssec

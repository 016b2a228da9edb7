// Creates or re-uses the lab's DNSSEC keys and mail-host certificates, and derives DS and TLSA records
// from them.
#include "app/lab_keys.h"

#include <filesystem>

#include "base/encoding.h"
#include "base/file_io.h"
#include "dnssec/algorithm.h"
#include "dnssec/key_file.h"
#include "tls/certificate_loader.h"
#include "tls/self_signed.h"
#include "tls/tlsa.h"

namespace danemail::app::lab {
namespace {

constexpr uint8_t kAlgorithm = dnssec::algorithm::ECDSAP256SHA256;
constexpr int kCertificateDays = 3650;  // the lab's certificates outlive any test run
constexpr int kKeyAttempts = 8;         // for a ZSK whose tag differs from the KSK's

}  // namespace

Result<std::vector<dnssec::ZoneKey>> ensure_zone_keys(const std::string& keys_dir, const dns::Name& apex) {
    std::error_code ec;
    std::filesystem::create_directories(keys_dir, ec);
    if (ec) return make_error(keys_dir, "cannot create the key folder: " + ec.message());
    auto existing = dnssec::read_zone_keys(keys_dir, apex);
    if (!existing) return existing.error();
    if (!existing->empty()) return existing;

    auto ksk = dnssec::generate_key(apex, dnssec::KeyRole::Ksk, kAlgorithm);
    if (!ksk) return ksk.error();
    for (int attempt = 0; attempt < kKeyAttempts; ++attempt) {
        auto zsk = dnssec::generate_key(apex, dnssec::KeyRole::Zsk, kAlgorithm);
        if (!zsk) return zsk.error();
        if (zsk->tag == ksk->tag) continue;  // distinct tags keep validators' key lookup simple
        for (const dnssec::ZoneKey* key : {&*ksk, &*zsk})
            if (auto written = dnssec::write_key_files(*key, keys_dir); !written) return written.error();
        return dnssec::read_zone_keys(keys_dir, apex);
    }
    return make_error(keys_dir, "could not make a ZSK whose key tag differs from the KSK's");
}

std::string LabDs::zone_line(uint32_t ttl) const {
    return owner + " " + std::to_string(ttl) + " IN DS " + std::to_string(key_tag) + " " +
           std::to_string(algorithm) + " " + std::to_string(digest_type) + " " + digest_hex;
}

Result<std::vector<LabDs>> ds_records(const std::vector<dnssec::ZoneKey>& keys) {
    std::vector<LabDs> records;
    for (const dnssec::ZoneKey& key : keys) {
        if (!key.is_ksk()) continue;
        auto ds = dnssec::make_ds(key.zone, key.dnskey_rdata(), dnssec::digest::SHA256);
        if (!ds) return ds.error();
        records.push_back(
            {key.zone.to_text(), ds->key_tag, ds->algorithm, ds->digest_type, to_hex(ds->digest, true)});
    }
    if (records.empty()) return make_error("no KSK among the keys of the zone: no DS for its parent");
    return records;
}

Result<std::string> ensure_mail_credentials(const std::string& mail_dir, const std::string& host) {
    const std::string cert_path = (std::filesystem::path(mail_dir) / "cert.pem").string();
    const std::string key_path = (std::filesystem::path(mail_dir) / "key.pem").string();
    if (!std::filesystem::exists(cert_path) || !std::filesystem::exists(key_path)) {
        std::error_code ec;
        std::filesystem::create_directories(mail_dir, ec);
        if (ec) return make_error(mail_dir, "cannot create the folder: " + ec.message());
        auto made = tls::make_self_signed(host, kCertificateDays);
        if (!made) return made.error();
        if (auto s = write_file_atomic(key_path, made->private_key_pem, 0600); !s) return s.error();
        if (auto s = write_file_atomic(cert_path, made->certificate_pem, 0644); !s) return s.error();
    }
    auto cert = tls::load_certificate(cert_path);
    if (!cert) return cert.error();
    auto key = tls::load_public_key(key_path);
    if (!key) return key.error();
    if (key->spki_der() != cert->spki_der())
        return make_error(key_path, "is not the key of " + cert_path + " (remove both to make new ones)");
    auto tlsa = tls::tlsa_for_certificate(*cert, tls::TlsaParameters{});  // 3 1 1
    if (!tlsa) return tlsa.error();
    return tlsa->rdata_text();
}

}  // namespace danemail::app::lab

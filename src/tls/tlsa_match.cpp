// Matching TLSA records against a certificate chain (see tlsa_match.h): RFC 6698 §2.1, RFC 7671 §5.1–5.2,
// RFC 7672 §3.1. Untrusted input: TLSA records from DNS and certificates from a TLS peer; the chain is
// verified by OpenSSL's X509_verify_cert with the matched certificate as the only trust anchor.
#include "tls/tlsa_match.h"

#include <ctime>

#include "tls/openssl_handles.h"

namespace danemail::tls {

Status check_usable(const TlsaRecord& record) {
    if (auto ok = check_parameters(record.parameters); !ok) return ok;
    size_t length = record.association_data.size();
    if (auto expected = digest_length(record.parameters.matching)) {
        if (length != *expected) {
            return make_error("association data is " + std::to_string(length) + " bytes, matching type " +
                              std::to_string(record.parameters.matching) + " needs " +
                              std::to_string(*expected));
        }
    } else if (length == 0) {
        return make_error("association data is empty");
    }
    return {};
}

bool usable_for_smtp(const TlsaRecord& record) {
    return check_usable(record).ok() &&
           (record.parameters.usage == kDaneTa || record.parameters.usage == kDaneEe);
}

bool association_matches(const TlsaRecord& record, const Certificate& cert) {
    auto selected = select_from(cert, record.parameters.selector);
    if (!selected) return false;
    auto data = apply_matching(*selected, record.parameters.matching);
    return data && *data == record.association_data;
}

namespace {

// Verifies the chain from the leaf up with `anchor` as the one trusted certificate (partial-chain
// validation, as a DANE-TA(2) trust anchor need not be self-signed). Ok, or OpenSSL's reason.
Status verify_to_anchor(const CertificateChain& chain, const Certificate& anchor, UnixTime when) {
    detail::X509StorePtr store(X509_STORE_new());
    detail::X509StoreCtxPtr ctx(X509_STORE_CTX_new());
    detail::X509StackPtr untrusted(sk_X509_new_null());
    if (!store || !ctx || !untrusted || X509_STORE_add_cert(store.get(), anchor.x509()) != 1) {
        return make_error(detail::with_openssl_error("cannot set up chain verification"));
    }
    for (size_t i = 1; i < chain.size(); ++i) {
        if (sk_X509_push(untrusted.get(), chain[i].x509()) <= 0) {
            return make_error(detail::with_openssl_error("cannot set up chain verification"));
        }
    }
    if (X509_STORE_CTX_init(ctx.get(), store.get(), chain.front().x509(), untrusted.get()) != 1) {
        return make_error(detail::with_openssl_error("cannot set up chain verification"));
    }
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
    X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(when));
    if (X509_verify_cert(ctx.get()) == 1) return {};
    int error = X509_STORE_CTX_get_error(ctx.get());
    int depth = X509_STORE_CTX_get_error_depth(ctx.get());
    detail::take_openssl_error();
    return make_error(std::string("the chain does not verify up to it: ") +
                      X509_verify_cert_error_string(error) + " at depth " + std::to_string(depth));
}

std::string describe(const TlsaRecord& record, size_t index) {
    std::string hex = to_hex(record.association_data);
    if (hex.size() > 16) hex = hex.substr(0, 16) + "…";
    return "record " + std::to_string(index + 1) + " (" + to_string(record.parameters) + " " + hex + ")";
}

}  // namespace

TlsaChainCheck check_tlsa_chain(std::span<const TlsaRecord> records, const CertificateChain& chain,
                                UnixTime when, bool smtp_only) {
    TlsaChainCheck result;
    if (chain.empty()) {
        result.notes.push_back("the server sent no certificate");
        return result;
    }
    for (size_t i = 0; i < records.size(); ++i) {
        const TlsaRecord& record = records[i];
        std::string name = describe(record, i);
        if (auto usable = check_usable(record); !usable) {
            result.notes.push_back(name + ": unusable: " + usable.error().what);
            continue;
        }
        uint8_t usage = record.parameters.usage;
        if (smtp_only && !usable_for_smtp(record)) {
            result.notes.push_back(name + ": unusable for SMTP (RFC 7672 §3.1.3: only usages 2 and 3)");
            continue;
        }
        if (usage == kDaneEe || usage == kPkixEe) {  // the leaf only (RFC 6698 §2.1.1)
            if (association_matches(record, chain.front())) {
                result.match = TlsaMatch{i, 0};
                return result;
            }
            result.notes.push_back(name + ": does not match the leaf certificate");
            continue;
        }
        // Usages 0 and 2 name a CA certificate above the leaf.
        bool matched_any = false;
        for (size_t depth = 1; depth < chain.size(); ++depth) {
            if (!association_matches(record, chain[depth])) continue;
            matched_any = true;
            if (usage == kDaneTa) {
                if (auto verified = verify_to_anchor(chain, chain[depth], when); !verified) {
                    result.notes.push_back(name + ": matches the certificate at depth " +
                                           std::to_string(depth) + " but " + verified.error().what);
                    continue;
                }
            }
            result.match = TlsaMatch{i, depth};
            return result;
        }
        if (!matched_any) {
            result.notes.push_back(name + (chain.size() == 1
                                               ? ": the server sent no issuer certificate to match"
                                               : ": matches no issuer certificate in the chain"));
        }
    }
    if (records.empty()) result.notes.push_back("no TLSA records");
    return result;
}

}  // namespace danemail::tls

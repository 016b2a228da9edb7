// TLSA association data from certificates and keys, and TLSA presentation text (see tlsa.h).
// RFC 6698 §2.1 (parameters), §2.2 (presentation), §3 (owner names); RFC 7671 §5.2 (DANE-TA records).
// No untrusted input of its own: certificates and keys arrive parsed (certificate.h).
#include "tls/tlsa.h"

#include <openssl/evp.h>

#include <cctype>

#include "tls/openssl_handles.h"

namespace danemail::tls {

using detail::with_openssl_error;

Status check_parameters(const TlsaParameters& parameters) {
    // RFC 6698 §7.2–§7.4 (IANA registries): usages 0–3, selectors 0–1, matching types 0–2; 255 is private
    // use.
    if (parameters.usage > kDaneEe) {
        return make_error("certificate usage " + std::to_string(parameters.usage) + " is not 0–3");
    }
    if (parameters.selector > kSelectSpki) {
        return make_error("selector " + std::to_string(parameters.selector) + " is not 0 or 1");
    }
    if (parameters.matching > kMatchSha512) {
        return make_error("matching type " + std::to_string(parameters.matching) + " is not 0–2");
    }
    return {};
}

std::string to_string(const TlsaParameters& parameters) {
    return std::to_string(parameters.usage) + " " + std::to_string(parameters.selector) + " " +
           std::to_string(parameters.matching);
}

std::optional<size_t> digest_length(uint8_t matching) {
    switch (matching) {
        case kMatchSha256:
            return 32;
        case kMatchSha512:
            return 64;
        default:
            return std::nullopt;
    }
}

Result<Bytes> select_from(const Certificate& cert, uint8_t selector) {
    switch (selector) {  // RFC 6698 §2.1.2
        case kSelectCert:
            return cert.der();
        case kSelectSpki:
            return cert.spki_der();
        default:
            return make_error("selector " + std::to_string(selector) + " is not 0 or 1");
    }
}

Result<Bytes> apply_matching(ByteView selected, uint8_t matching) {
    const EVP_MD* digest = nullptr;
    switch (matching) {  // RFC 6698 §2.1.3
        case kMatchFull:
            return Bytes(selected.begin(), selected.end());
        case kMatchSha256:
            digest = EVP_sha256();
            break;
        case kMatchSha512:
            digest = EVP_sha512();
            break;
        default:
            return make_error("matching type " + std::to_string(matching) + " is not 0–2");
    }
    Bytes out(static_cast<size_t>(EVP_MD_get_size(digest)));
    unsigned int length = 0;
    if (EVP_Digest(selected.data(), selected.size(), out.data(), &length, digest, nullptr) != 1 ||
        length != out.size()) {
        return make_error(with_openssl_error("digest failed"));
    }
    return out;
}

std::string TlsaRecord::rdata_text() const {
    return to_string(parameters) + " " + to_hex(association_data, /*upper=*/false);
}

std::string TlsaRecord::presentation_line(std::string_view owner) const {
    return std::string(owner) + " IN TLSA " + rdata_text();
}

namespace {

Result<TlsaRecord> make_record(ByteView selected, const TlsaParameters& parameters) {
    auto data = apply_matching(selected, parameters.matching);
    if (!data) return data.error();
    return TlsaRecord{parameters, std::move(*data)};
}

}  // namespace

Result<TlsaRecord> tlsa_for_certificate(const Certificate& cert, const TlsaParameters& parameters) {
    if (auto ok = check_parameters(parameters); !ok) return ok.error();
    auto selected = select_from(cert, parameters.selector);
    if (!selected) return selected.error();
    return make_record(*selected, parameters);
}

Result<TlsaRecord> tlsa_for_public_key(const PublicKey& key, const TlsaParameters& parameters) {
    if (auto ok = check_parameters(parameters); !ok) return ok.error();
    if (parameters.selector != kSelectSpki) {
        return make_error(
            "selector 0 (full certificate) needs the certificate; a key only gives selector 1 (SPKI)");
    }
    return make_record(key.spki_der(), parameters);
}

Result<TlsaRecord> tlsa_for_issuer(const CertificateChain& chain, size_t depth,
                                   const TlsaParameters& parameters) {
    if (parameters.usage != kDaneTa && parameters.usage != kPkixTa) {
        return make_error("an issuer record has usage 2 (DANE-TA) or 0 (PKIX-TA), not " +
                          std::to_string(parameters.usage));
    }
    if (depth == 0) return make_error("depth 0 is the leaf certificate, not an issuer");
    if (depth >= chain.size()) {
        return make_error("no issuer at depth " + std::to_string(depth) + ": the chain holds " +
                          std::to_string(chain.size()) +
                          (chain.size() == 1 ? " certificate" : " certificates") +
                          " (leaf first, then its issuers)");
    }
    return tlsa_for_certificate(chain[depth], parameters);
}

std::optional<TlsaTransport> parse_tlsa_transport(std::string_view name) {
    std::string lower;
    for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "tcp") return TlsaTransport::kTcp;
    if (lower == "udp") return TlsaTransport::kUdp;
    if (lower == "sctp") return TlsaTransport::kSctp;
    return std::nullopt;
}

std::string tlsa_owner_prefix(uint16_t port, TlsaTransport transport) {
    // RFC 6698 §3: "_" + decimal port, then "_" + protocol name, then the host name.
    const char* protocol = transport == TlsaTransport::kTcp   ? "_tcp"
                           : transport == TlsaTransport::kUdp ? "_udp"
                                                              : "_sctp";
    return "_" + std::to_string(port) + "." + protocol;
}

}  // namespace danemail::tls

// Reading certificates, chains and keys from the files an operator names, in PEM (RFC 7468) or DER
// (X.690), the format detected from the content. Untrusted input: the whole file (size-limited, every
// structure parsed with lengths checked). Encrypted private keys are refused rather than prompted for.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.h"
#include "tls/certificate.h"

namespace danemail::tls {

// Larger files are refused before parsing: a certificate chain or key file is a few kilobytes.
inline constexpr size_t kMaxCredentialFileSize = 1024 * 1024;
// More certificates than this in one file is not a server chain (perhaps a whole CA bundle): refused.
inline constexpr size_t kMaxChainLength = 64;

enum class CredentialFormat { kPem, kDer };

// PEM when the text holds an RFC 7468 "-----BEGIN " line, else DER.
CredentialFormat detect_credential_format(std::string_view content);

// All certificates in `content`, in file order (leaf first for a server chain): PEM "CERTIFICATE" blocks
// (other blocks, such as a private key in the same file, are skipped), or one or more concatenated DER
// certificates. At least one is required. `where` names the source in error messages.
Result<CertificateChain> parse_certificates(std::string_view content, const std::string& where);
Result<CertificateChain> load_certificate_chain(const std::string& path);
// The first certificate of the file.
Result<Certificate> load_certificate(const std::string& path);

// A public key from a public key (SubjectPublicKeyInfo, PKCS#1 RSA) or from a private key (PKCS#8, or the
// traditional RSA/EC forms), of which only the public half is kept. PEM: the first key block.
Result<PublicKey> parse_public_key(std::string_view content, const std::string& where);
Result<PublicKey> load_public_key(const std::string& path);

// An unencrypted private key (PKCS#8 or the traditional RSA/EC forms).
Result<PrivateKey> parse_private_key(std::string_view content, const std::string& where);
Result<PrivateKey> load_private_key(const std::string& path);

}  // namespace danemail::tls

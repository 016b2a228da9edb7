// libFuzzer target: certificate, chain and key files (PEM or DER) as `danemail tlsa` reads them, and the
// TLSA records computed from whatever parses.
#include <cstdint>
#include <string_view>

#include "tls/certificate_loader.h"
#include "tls/tlsa.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    (void)danemail::tls::parse_certificates(input, "fuzz");
    (void)danemail::tls::parse_public_key(input, "fuzz");
    (void)danemail::tls::parse_private_key(input, "fuzz");
    return 0;
}

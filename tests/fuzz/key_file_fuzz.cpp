// libFuzzer target: BIND key files (.key and .private text) as an operator's key directory may hold them.
// The input is split at the first NUL byte into the .key text and the .private text.
#include <cstdint>
#include <cstring>
#include <string_view>

#include "dnssec/key_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    size_t split = input.find('\0');
    std::string_view key_text = input.substr(0, split);
    if (split == std::string_view::npos) {
        (void)danemail::dnssec::parse_key_texts(key_text, "fuzz.key", nullptr, "fuzz.private");
        return 0;
    }
    std::string_view private_text = input.substr(split + 1);
    auto key = danemail::dnssec::parse_key_texts(key_text, "fuzz.key", &private_text, "fuzz.private");
    if (key) (void)danemail::dnssec::key_file_base(*key);
    return 0;
}

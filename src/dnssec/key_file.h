// BIND's key-file format, so keys move between danemail, BIND (dnssec-keygen, dnssec-signzone), ldns and
// Knot tools: K<zone>+<alg>+<tag>.key (the DNSKEY record) and .private ("Private-key-format: v1.3"), the
// private file written with mode 0600. Both files are untrusted input when read.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "dnssec/key.h"

namespace danemail::dnssec {

// "Kexample.com.+013+12345" (no extension).
std::string key_file_base(const ZoneKey& key);

// Writes both files atomically into `dir`; returns the base path written.
Result<std::string> write_key_files(const ZoneKey& key, const std::string& dir);

// Parses the text of a .key file and, when given, of its .private file; the names are used in errors.
Result<ZoneKey> parse_key_texts(std::string_view key_text, const std::string& key_name,
                                const std::string_view* private_text, const std::string& private_name);

// Reads `base`.key and, if present, `base`.private; `base` may also name either file.
Result<ZoneKey> read_key_files(const std::string& base);

// All keys in `dir` for `zone` (files K<zone>+*.key), private parts where present, sorted by tag.
Result<std::vector<ZoneKey>> read_zone_keys(const std::string& dir, const dns::Name& zone);

}  // namespace danemail::dnssec

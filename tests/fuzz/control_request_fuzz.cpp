// libFuzzer target for the control socket's request line (app/control_socket.h): arbitrary bytes, as a
// local client of `danemail serve` may send them, split into words by parse_control_request (printable UTF-8,
// RFC 3629 §4). Nothing may crash; a line that parses must give non-empty words without spaces or control
// bytes, exactly the line's space-separated parts, and joining the words must parse back to the same words.
// The reply side is read inside control_request() from a socket and has no pure parser to fuzz.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "app/control_socket.h"

namespace {

using namespace danemail;

[[noreturn]] void fail(const char* what, const std::string& detail = {}) {
    std::fprintf(stderr, "control_request_fuzz: %s %s\n", what, detail.c_str());
    std::abort();
}

// The line's parts between spaces, empty parts dropped: what the words must be when the line is accepted.
std::vector<std::string> split_on_spaces(std::string_view line) {
    std::vector<std::string> parts;
    while (!line.empty()) {
        const size_t space = line.find(' ');
        if (space != 0) parts.emplace_back(line.substr(0, space));
        if (space == std::string_view::npos) break;
        line.remove_prefix(space + 1);
    }
    return parts;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view line(reinterpret_cast<const char*>(data), size);
    auto words = app::parse_control_request(line);
    if (!words) return 0;
    if (line.size() >= app::kMaxControlRequest) fail("accepted an over-long request");
    if (words->empty()) fail("accepted a request without words");
    for (const std::string& word : *words) {
        if (word.empty()) fail("an empty word");
        for (unsigned char c : word)
            if (c <= 0x20 || c == 0x7f) fail("a word holds a space or a control byte:", word);
    }
    if (*words != split_on_spaces(line)) fail("the words are not the line's space-separated parts");
    std::string joined;
    for (const std::string& word : *words) joined += (joined.empty() ? "" : " ") + word;
    auto again = app::parse_control_request(joined);
    if (!again) fail("the joined words do not parse:", again.error().to_string());
    if (*again != *words) fail("the joined words parse to other words:", joined);
    return 0;
}

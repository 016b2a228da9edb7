// libFuzzer target for TSIG (RFC 8945 §5.2 request checks, §5.3.1 response streams) and what surrounds it:
// arbitrary bytes verified as a request against a fixed key ring and answered, or split into a response
// stream verified against a fixed request MAC and read as a zone transfer (RFC 5936, RFC 1995), or read as
// BIND key text or as a journal file. The first byte picks the mode. Nothing may crash; a request that
// verifies must yield a signed response that verifies in turn.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "../vectors/tsig_vectors.h"
#include "dns/message.h"
#include "dnsserver/transfer_reader.h"
#include "dnsserver/tsig.h"
#include "zone/journal.h"

namespace {

using namespace danemail;
using namespace danemail::dnsserver;

enum Mode : uint8_t { kRequest, kResponseStream, kKeyText, kJournal, kModes };
constexpr size_t kMaxStreamMessages = 8;

[[noreturn]] void fail(const char* what, const std::string& detail = {}) {
    std::fprintf(stderr, "tsig_fuzz: %s %s\n", what, detail.c_str());
    std::abort();
}

const std::vector<TsigKey>& keyring() {
    static const std::vector<TsigKey> keys = [] {
        std::vector<TsigKey> out;
        for (const auto& vector : vectors::kKeys)
            out.emplace_back(*dns::Name::from_text(vector.name), *tsig_algorithm_from_text(vector.algorithm),
                             *from_base64(vector.secret_base64));
        return out;
    }();
    return keys;
}

const TsigKey& sha256_key() {
    return keyring()[2];
}

Bytes hex(std::string_view text) {
    return *from_hex(text);
}

void fuzz_request(ByteView wire) {
    auto check = verify_tsig_request(wire, keyring(), vectors::kSignTime, TsigPolicy{20});
    if (!check || !check->present) return;
    auto request = dns::parse_message(wire);
    if (check->ok()) {
        if (!request) fail("a verified request does not parse:", request.error().to_string());
        // Answer it and verify the answer as the client would.
        Bytes response(wire.begin(), wire.begin() + dns::kHeaderSize);
        response[2] |= 0x80;
        for (size_t i = 4; i < dns::kHeaderSize; ++i) response[i] = 0;
        TsigSigner signer = response_signer(*check);
        if (auto s = signer.sign(response, vectors::kSignTime); !s)
            fail("signing failed:", s.error().to_string());
        TsigResponseVerifier verifier(*check->key, check->rdata.mac);
        if (auto s = verifier.verify(response, vectors::kSignTime); !s)
            fail("our response does not verify:", s.error().to_string());
        return;
    }
    if (!request) return;
    auto response = tsig_error_response(*request, *check, vectors::kSignTime);
    if (!response) return;  // e.g. a question too large to echo
    if (auto parsed = dns::parse_message(*response); !parsed)
        fail("an error response does not parse:", parsed.error().to_string());
}

// [2-byte length][message] repeated; each message TSIG-checked, then read as a transfer.
void fuzz_stream(ByteView data) {
    TsigResponseVerifier verifier(sha256_key(), hex(vectors::kAxfrRequestMac));
    TransferReader reader(*dns::Name::from_text("example.com."), 2024010100);
    bool verified = true;
    for (size_t count = 0; data.size() >= 2 && count < kMaxStreamMessages; ++count) {
        size_t length = std::min<size_t>(static_cast<size_t>(data[0] << 8 | data[1]), data.size() - 2);
        ByteView message = data.subspan(2, length);
        data = data.subspan(2 + length);
        if (verified) verified = verifier.verify(message, vectors::kSignTime).ok();
        (void)reader.add_message(message);
    }
    (void)verifier.finish();
    (void)reader.finish();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    ByteView input(data + 1, size - 1);
    switch (data[0] % kModes) {
        case kRequest:
            fuzz_request(input);
            break;
        case kResponseStream:
            fuzz_stream(input);
            break;
        case kKeyText: {
            auto keys =
                parse_tsig_keys(std::string_view(reinterpret_cast<const char*>(input.data()), input.size()));
            if (keys)
                for (const auto& key : *keys)
                    if (!parse_tsig_key(format_tsig_key(key))) fail("a parsed key does not read back");
            break;
        }
        case kJournal: {
            auto journal = zone::Journal::decode(input);
            if (journal && journal->encode() != Bytes(input.begin(), input.end()))
                fail("a decoded journal does not encode to the same bytes");
            break;
        }
    }
    return 0;
}

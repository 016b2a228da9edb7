// SVCB/HTTPS service parameters (RFC 9460 §2.1–§7): presentation "key=value" pairs ⇄ wire SvcParams.
#pragma once

#include <span>
#include <string>

#include "base/encoding.h"
#include "base/result.h"
#include "dns/text_token.h"

namespace danemail::dns {

// Parses the SvcParams of an SVCB/HTTPS record; keys may come in any order and are sorted (§2.2).
Result<Bytes> svc_params_from_text(std::span<const TextToken> tokens);
// Prints valid SvcParams in key order.
std::string svc_params_to_text(ByteView params);

}  // namespace danemail::dns

// Internal to src/dns: splits valid-looking uncompressed RDATA into its schema fields. Shared by the wire
// validator, the printer and the canonicaliser so that all three agree on where each field lies.
#pragma once

#include <functional>

#include "dns/rdata.h"

namespace danemail::dns {

// Calls `visit(field, begin, end)` for each field of `rdata` in order. Returns an error naming the
// first field that does not fit (truncated, overlong, trailing bytes).
Status walk_rdata_fields(const RdataSchema& schema, ByteView rdata,
                         const std::function<void(Field, size_t, size_t)>& visit);

// Length of the uncompressed name at `offset` in `data`, or an error.
Result<size_t> uncompressed_name_length(ByteView data, size_t offset);

// Checks the SvcParams block of SVCB/HTTPS (RFC 9460 §2.2): keys strictly increasing, lengths in bounds,
// known keys well formed.
Status validate_svc_params(ByteView params);
Status validate_type_bitmap(ByteView bitmap);

}  // namespace danemail::dns

// Who may transfer a zone, and the transfer that follows (RFC 5936 §5, RFC 1995, RFC 8945). An AXFR or IXFR
// query is served only when it comes from an address listed as a secondary AND carries a TSIG of that
// secondary's key that verifies; every response message is then signed (RFC 8945 §5.3.1). A bad TSIG gets the
// RFC 8945 §5.2 error response (NOTAUTH with BADKEY, BADSIG or BADTIME); a missing TSIG, an address not
// listed, a key that is not the address's, or a zone not served get REFUSED — signed when the TSIG verified.
// IXFR comes from the zone's journal (RFC 1995 §4: up to date, the diffs, or the AXFR form); over UDP only
// the one-SOA "up to date" answer fits, anything else is TC=1 so the client retries over TCP (RFC 1995 §2).
// Every refusal and every transfer is logged in one stderr line. The query is untrusted network input.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/encoding.h"
#include "base/result.h"
#include "base/time.h"
#include "dnsserver/answer.h"
#include "dnsserver/server.h"
#include "dnsserver/transfer.h"

namespace danemail::dnsserver {

// True when `query` asks for AXFR or IXFR: the listeners send those here whatever the engine answered.
bool is_transfer_query(ByteView query);

// The messages of one transfer that was allowed, written one at a time so a TCP connection sends each as it
// is made. Keeps the snapshot it plans from alive. Not thread-safe; one per transfer.
class OutgoingTransfer {
public:
    virtual ~OutgoingTransfer() = default;
    virtual bool done() const = 0;
    // Fills `out` with the next message (framing not included).
    virtual Status next(Bytes& out) = 0;
    // "transfer to 127.0.0.2: example.test. IXFR serial 5 (client 4), 1 message(s), key xfr-key.", for
    // the log once the last message is out.
    virtual std::string summary() const = 0;
};

// What goes back for a transfer query: one response (a refusal, a TSIG error, IXFR's single SOA over UDP,
// TC=1), or a stream of messages when the transfer goes ahead over TCP. Both empty: send nothing.
struct TransferReply {
    Bytes response;
    std::unique_ptr<OutgoingTransfer> stream;
    std::string refusal;  // why it was refused, already logged; empty when served
};

// Decides and prepares the answer to an AXFR/IXFR `query` from `peer_address` (numeric, as TransferPeer
// writes it: "127.0.0.2", "::1"; an IPv4-mapped IPv6 address in its IPv4 form). `transfers` may be null (no
// transfers configured: everything is refused). `max_udp_payload` is the server's EDNS size for UDP answers.
TransferReply answer_transfer(ByteView query, std::string_view peer_address,
                              std::shared_ptr<const TransferZones> transfers, Transport transport,
                              UnixTime now, uint16_t max_udp_payload = dns::Edns::kDefaultUdpPayloadSize);

// The numeric text of a socket address as TransferPeer::address writes it (IPv4-mapped IPv6 as IPv4);
// empty for families other than IPv4 and IPv6.
std::string peer_address_text(const sockaddr* address, socklen_t length);

}  // namespace danemail::dnsserver

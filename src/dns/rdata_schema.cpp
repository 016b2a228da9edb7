// The field layout of every RR type danemail knows by name. Sources: RFC 1035 §3.3 (classic types),
// RFC 3596 (AAAA), RFC 2782 (SRV), RFC 3403 (NAPTR), RFC 6672 (DNAME), RFC 4034 (DNSSEC types),
// RFC 5155 (NSEC3), RFC 6698 (TLSA), RFC 8162 (SMIMEA), RFC 7929 (OPENPGPKEY), RFC 7344 (CDS/CDNSKEY),
// RFC 8659 (CAA), RFC 4255 (SSHFP), RFC 9460 (SVCB/HTTPS), RFC 8976 (ZONEMD), RFC 7477 (CSYNC), RFC 7553
// (URI).
#include "dns/rdata.h"

#include <array>

namespace danemail::dns {
namespace {

using F = Field;

constexpr F kA[] = {F::Ipv4};
constexpr F kAAAA[] = {F::Ipv6};
constexpr F kOneCName[] = {F::CompressibleName};
constexpr F kOneName[] = {F::Name};
constexpr F kSOA[] = {F::CompressibleName, F::CompressibleName, F::U32,   F::Period,
                      F::Period,           F::Period,           F::Period};
constexpr F kTwoCNames[] = {F::CompressibleName, F::CompressibleName};
constexpr F kMX[] = {F::U16, F::CompressibleName};
constexpr F kTXT[] = {F::CharStrings};
constexpr F kHINFO[] = {F::CharString, F::CharString};
constexpr F kTwoNames[] = {F::Name, F::Name};
constexpr F kU16Name[] = {F::U16, F::Name};
constexpr F kPX[] = {F::U16, F::Name, F::Name};
constexpr F kSRV[] = {F::U16, F::U16, F::U16, F::Name};
constexpr F kNAPTR[] = {F::U16, F::U16, F::CharString, F::CharString, F::CharString, F::Name};
constexpr F kDS[] = {F::U16, F::Algorithm, F::U8, F::Hex};
constexpr F kSSHFP[] = {F::U8, F::U8, F::Hex};
constexpr F kRRSIG[] = {F::TypeCovered, F::Algorithm, F::U8,   F::Period, F::Time,
                        F::Time,        F::U16,       F::Name, F::Base64};
constexpr F kNSEC[] = {F::Name, F::TypeBitmap};
constexpr F kDNSKEY[] = {F::U16, F::U8, F::Algorithm, F::Base64};
constexpr F kBase64[] = {F::Base64};
constexpr F kNSEC3[] = {F::U8, F::U8, F::U16, F::HexLen8, F::Base32Len8, F::TypeBitmap};
constexpr F kNSEC3PARAM[] = {F::U8, F::U8, F::U16, F::HexLen8};
constexpr F kTLSA[] = {F::U8, F::U8, F::U8, F::Hex};
constexpr F kCSYNC[] = {F::U32, F::U16, F::TypeBitmap};
constexpr F kZONEMD[] = {F::U32, F::U8, F::U8, F::Hex};
constexpr F kSVCB[] = {F::U16, F::Name, F::SvcParams};
constexpr F kEUI48[] = {F::Eui48};
constexpr F kEUI64[] = {F::Eui64};
constexpr F kURI[] = {F::U16, F::U16, F::Text};
constexpr F kCAA[] = {F::U8, F::CaaTag, F::Text};

struct Entry {
    RRType type;
    RdataSchema schema;
};

// canonical_lowercase follows RFC 4034 §6.2 as corrected by RFC 6840 §5.1 (NSEC is not lower-cased).
const Entry kSchemas[] = {
    {type::A, {kA, false}},
    {type::NS, {kOneCName, true}},
    {type::MD, {kOneCName, true}},
    {type::MF, {kOneCName, true}},
    {type::CNAME, {kOneCName, true}},
    {type::SOA, {kSOA, true}},
    {type::MB, {kOneCName, true}},
    {type::MG, {kOneCName, true}},
    {type::MR, {kOneCName, true}},
    {type::PTR, {kOneCName, true}},
    {type::HINFO, {kHINFO, false}},
    {type::MINFO, {kTwoCNames, true}},
    {type::MX, {kMX, true}},
    {type::TXT, {kTXT, false}},
    {type::RP, {kTwoNames, true}},
    {type::AFSDB, {kU16Name, true}},
    {type::RT, {kU16Name, true}},
    {type::PX, {kPX, true}},
    {type::AAAA, {kAAAA, false}},
    {type::SRV, {kSRV, true}},
    {type::NAPTR, {kNAPTR, true}},
    {type::KX, {kU16Name, true}},
    {type::DNAME, {kOneName, true}},
    {type::DS, {kDS, false}},
    {type::SSHFP, {kSSHFP, false}},
    {type::RRSIG, {kRRSIG, true}},
    {type::NSEC, {kNSEC, false}},
    {type::DNSKEY, {kDNSKEY, false}},
    {type::DHCID, {kBase64, false}},
    {type::NSEC3, {kNSEC3, false}},
    {type::NSEC3PARAM, {kNSEC3PARAM, false}},
    {type::TLSA, {kTLSA, false}},
    {type::SMIMEA, {kTLSA, false}},
    {type::CDS, {kDS, false}},
    {type::CDNSKEY, {kDNSKEY, false}},
    {type::OPENPGPKEY, {kBase64, false}},
    {type::CSYNC, {kCSYNC, false}},
    {type::ZONEMD, {kZONEMD, false}},
    {type::SVCB, {kSVCB, false}},
    {type::HTTPS, {kSVCB, false}},
    {type::SPF, {kTXT, false}},
    {type::EUI48, {kEUI48, false}},
    {type::EUI64, {kEUI64, false}},
    {type::URI, {kURI, false}},
    {type::CAA, {kCAA, false}},
};

}  // namespace

const RdataSchema* schema_for(RRType type) {
    // Indexed by type code: this runs for every record parsed, printed or put on the wire.
    static const auto table = [] {
        std::array<const RdataSchema*, 260> t{};
        for (const auto& entry : kSchemas) t[entry.type.value] = &entry.schema;
        return t;
    }();
    return type.value < table.size() ? table[type.value] : nullptr;
}

}  // namespace danemail::dns

// Tests for RDATA codecs: text → wire → text for every type with a schema (examples from each type's RFC),
// the RFC 3597 generic form, embedded names, canonical form (RFC 4034 §6.2 with RFC 6840 §5.1), type bitmaps
// (RFC 4034 §4.1.2), SVCB/HTTPS vectors of RFC 9460 Appendix D, TTL units and the type/class mnemonics.
#include "dns/rdata.h"

#include <gtest/gtest.h>

#include "dns/rdata_wire.h"
#include "dns/svcb.h"

namespace danemail::dns {
namespace {

// Splits presentation RDATA the way the zone-file lexer hands it over (text_token.h): quoted strings lose
// their quotes and set `quoted`; a quoted part inside a word joins the word; escapes stay as written.
std::vector<TextToken> tokenize(std::string_view text) {
    std::vector<TextToken> tokens;
    size_t i = 0;
    while (i < text.size()) {
        if (text[i] == ' ') {
            ++i;
            continue;
        }
        TextToken token;
        token.line = 1;
        token.column = static_cast<uint32_t>(i + 1);
        token.quoted = text[i] == '"';
        bool in_quotes = false;
        for (; i < text.size() && (in_quotes || text[i] != ' '); ++i) {
            if (text[i] == '\\' && i + 1 < text.size()) {
                token.text += text.substr(i, 2);
                ++i;
            } else if (text[i] == '"') {
                in_quotes = !in_quotes;
            } else {
                token.text += text[i];
            }
        }
        tokens.push_back(std::move(token));
    }
    return tokens;
}

const Name kOrigin = Name::from_text("example.com.").value();

Result<Bytes> parse(RRType type, std::string_view text) {
    return rdata_from_text(type, tokenize(text), kOrigin);
}

Bytes parse_ok(RRType type, std::string_view text) {
    auto rdata = parse(type, text);
    EXPECT_TRUE(rdata) << type_to_text(type) << " " << text << ": "
                       << (rdata ? "" : rdata.error().to_string());
    return rdata ? *rdata : Bytes();
}

Bytes hex(std::string_view text) {
    std::string digits;
    for (char c : text)
        if (c != ' ') digits += c;
    return from_hex(digits).value();
}

struct Example {
    RRType type;
    const char* text;       // as a zone file might hold it
    const char* canonical;  // as rdata_to_text prints it; nullptr when equal to `text`
};

// One realistic example per type with a schema in rdata_schema.cpp.
const Example kExamples[] = {
    {type::A, "192.0.2.1", nullptr},
    {type::NS, "ns1.example.com.", nullptr},
    {type::MD, "md.example.com.", nullptr},
    {type::MF, "mf.example.com.", nullptr},
    {type::CNAME, "www", "www.example.com."},
    {type::SOA, "ns1 hostmaster 2024010101 2h 1h 2w 300",
     "ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300"},
    {type::MB, "mb.example.com.", nullptr},
    {type::MG, "mg.example.com.", nullptr},
    {type::MR, "mr.example.com.", nullptr},
    {type::PTR, "host.example.com.", nullptr},
    {type::HINFO, "\"ARM64\" \"Debian GNU/Linux\"", nullptr},
    {type::MINFO, "rm.example.com. em.example.com.", nullptr},
    {type::MX, "10 mail.example.com.", nullptr},
    {type::TXT, "\"v=spf1 mx -all\" \"with \\\"quotes\\\" and \\\\\" \"caf\\195\\169\"", nullptr},
    {type::RP, "admin.example.com. info.example.com.", nullptr},
    {type::AFSDB, "1 afsdb.example.com.", nullptr},
    {type::RT, "10 relay.example.com.", nullptr},
    {type::PX, "10 map822.example.com. px400.example.com.", nullptr},
    {type::AAAA, "2001:db8::25", nullptr},
    {type::SRV, "10 60 5060 sip.example.com.", nullptr},
    {type::NAPTR, "100 10 \"u\" \"E2U+sip\" \"!^.*$!sip:info@example.com!\" .", nullptr},
    {type::KX, "10 kx.example.com.", nullptr},
    {type::DNAME, "example.net.", nullptr},
    // RFC 4034 §5.4.
    {type::DS, "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118", nullptr},
    // RFC 4255 §3.3 style.
    {type::SSHFP, "4 2 123456789abcdef67890123456789abcdef67890123456789abcdef123456789",
     "4 2 123456789ABCDEF67890123456789ABCDEF67890123456789ABCDEF123456789"},
    // RFC 4034 §3.3, the signature split over several words as a zone file writes it.
    {type::RRSIG,
     "A RSASHA1 3 86400 20300322173103 20250220173103 2642 example.com. "
     "oJB1W6WNGv+ldvQ3WDG0MQkg5IEhjRip8WTrPYGv07h108dUKGMeDPKijVCHX3DDKdfb+v6o "
     "B9wfuh3DTJXUAfI/M0zmO/zz8bW0Rznl8O3tGNazPwQKkRN20XPXV6nwwfoXmJQbsLNrLfkG J5D6fwFm8nN+6pBzeDQfsS3Ap3o=",
     "A 5 3 86400 20300322173103 20250220173103 2642 example.com. "
     "oJB1W6WNGv+ldvQ3WDG0MQkg5IEhjRip8WTrPYGv07h108dUKGMeDPKijVCHX3DDKdfb+v6o"
     "B9wfuh3DTJXUAfI/M0zmO/zz8bW0Rznl8O3tGNazPwQKkRN20XPXV6nwwfoXmJQbsLNrLfkGJ5D6fwFm8nN+6pBzeDQfsS3Ap3o="},
    // RFC 4034 §4.3.
    {type::NSEC, "host.example.com. A MX RRSIG NSEC TYPE1234", nullptr},
    // RFC 4034 §2.3.
    {type::DNSKEY,
     "256 3 5 "
     "AQPSKmynfzW4kyBv015MUG2DeIQ3Cbl+BBZH4b/0PY1kxkmvHjcZc8nokfzj31GajIQKY+5CptLr3buXA10hWqTkF7H6RfoRqXQ"
     "eogmMHfpftf6zMv1LyBUgia7za6ZEzOJBOztyvhjL742iU/TpPSEDhm2SNKLijfUppn1UaNvv4w==",
     nullptr},
    // RFC 4701 §3.6.
    {type::DHCID, "AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA=", nullptr},
    // RFC 5155 Appendix A, types given out of order.
    {type::NSEC3, "1 1 12 aabbccdd 2t7b4g4vsa5smi47k61mv5bv1a22bojr MX DNSKEY NS SOA NSEC3PARAM RRSIG",
     "1 1 12 AABBCCDD 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR NS SOA MX RRSIG DNSKEY NSEC3PARAM"},
    {type::NSEC3PARAM, "1 0 0 -", nullptr},
    {type::TLSA, "3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6", nullptr},
    {type::SMIMEA, "3 0 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6", nullptr},
    {type::CDS, "0 0 0 00", nullptr},        // RFC 8078 §4: delete the DS set
    {type::CDNSKEY, "0 3 0 AA==", nullptr},  // RFC 8078 §4
    {type::OPENPGPKEY, "mQINBFit2jsBEADrbl5vjVxYeAE0g0IDYCBpHirv1Sjlqxx5gjtPhb2YhvyDMXjq", nullptr},
    // RFC 7477 §2.2.
    {type::CSYNC, "66 3 A NS AAAA", nullptr},
    // RFC 8976 Appendix A.1 (digest shortened).
    {type::ZONEMD,
     "2018031900 1 1 "
     "C68090D90A7AED716BC459F9340E3D7C1370D4D24B7E2FC3A1DDC0B9A87153B9A9713B3C9AE5CC27777F98B8E730044C",
     nullptr},
    {type::SVCB, "1 . alpn=\"h2,h3\" port=8443", nullptr},
    {type::HTTPS, "1 . alpn=\"h3\" ipv4hint=192.0.2.1 ipv6hint=2001:db8::1", nullptr},
    {type::SPF, "\"v=spf1 -all\"", nullptr},
    {type::EUI48, "00-00-5e-00-53-2a", nullptr},
    {type::EUI64, "00-00-5e-ef-10-00-00-2a", nullptr},
    {type::URI, "10 1 \"https://www.example.com/path\"", nullptr},
    {type::CAA, "0 issue \"letsencrypt.org; validationmethods=dns-01\"", nullptr},
};

TEST(RdataText, EveryKnownTypeRoundTrips) {
    for (const Example& example : kExamples) {
        SCOPED_TRACE(type_to_text(example.type) + " " + example.text);
        ASSERT_NE(schema_for(example.type), nullptr);
        Bytes wire = parse_ok(example.type, example.text);
        EXPECT_TRUE(validate_rdata(example.type, wire));
        std::string printed = rdata_to_text(example.type, wire);
        EXPECT_EQ(printed, example.canonical ? example.canonical : example.text);
        EXPECT_EQ(parse_ok(example.type, printed), wire);  // what we print parses back to the same bytes
    }
}

TEST(RdataText, EverySchemaHasAnExample) {
    for (uint32_t value = 0; value <= 0xFFFF; ++value) {
        RRType type(static_cast<uint16_t>(value));
        if (!schema_for(type)) continue;
        bool found = false;
        for (const Example& example : kExamples) found = found || example.type == type;
        EXPECT_TRUE(found) << type_to_text(type) << " has a schema but no example here";
    }
}

TEST(RdataText, WireBytesOfSelectedTypes) {
    EXPECT_EQ(parse_ok(type::A, "10.0.0.1"), hex("0a000001"));
    EXPECT_EQ(parse_ok(type::MX, "10 mx"), hex("000a 026d78 076578616d706c65 03636f6d 00"));
    EXPECT_EQ(parse_ok(type::TXT, "\"a\" \"\""), hex("0161 00"));
    EXPECT_EQ(parse_ok(type::CAA, "128 tbs \"x\""), hex("80 03746273 78"));
    EXPECT_EQ(parse_ok(type::NSEC3PARAM, "1 0 10 -"), hex("01 00 000a 00"));
    // RRSIG times may also be given as seconds since the epoch (RFC 4034 §3.2).
    Bytes by_date = parse_ok(type::RRSIG, "A 13 2 300 20300101000000 20240101000000 1 example.com. AAAA");
    Bytes by_seconds = parse_ok(type::RRSIG, "A 13 2 300 1893456000 1704067200 1 example.com. AAAA");
    EXPECT_EQ(by_date, by_seconds);
}

TEST(RdataText, BadPresentationIsRejectedWithAPosition) {
    const std::pair<RRType, std::string> bad[] = {
        {type::A, "192.0.2"},
        {type::A, "192.0.2.1 extra"},
        {type::AAAA, "192.0.2.1"},
        {type::MX, "65536 mx"},
        {type::MX, "10"},
        {type::TXT, ""},
        {type::DS, "1 8 2 abc"},
        {type::SOA, "a b 1 2 3 4 1x"},
        {type::CAA, "0 is-sue \"x\""},
        {type::NSEC3, "1 0 0 - !!"},
        {type::NSEC, "a. NOTATYPE"},
        {type::EUI48, "00-00-5e-00-53"},
        {type::TXT, std::string(256, 'x')},
        {type::SVCB, "1 . port=70000"},
        {RRType(65280), "1 2 3"},
    };
    for (const auto& [type, text] : bad) {
        auto result = parse(type, text);
        EXPECT_FALSE(result) << type_to_text(type) << " " << text;
    }
    auto error = parse(type::MX, "10 bad..name");
    ASSERT_FALSE(error);
    EXPECT_EQ(error.error().where, "1:4");  // line:column of the offending word
}

// ---- RFC 3597 ----

TEST(RdataGeneric, UnknownTypesTravelInGenericForm) {
    RRType private_type(65280);
    Bytes wire = parse_ok(private_type, "\\# 4 0a 00 00 01");
    EXPECT_EQ(wire, hex("0a000001"));
    EXPECT_EQ(rdata_to_text(private_type, wire), "\\# 4 0a000001");
    EXPECT_EQ(parse_ok(private_type, "\\# 0"), Bytes());
    EXPECT_EQ(rdata_to_text(private_type, Bytes()), "\\# 0");
    EXPECT_FALSE(parse(private_type, "\\# 3 0a000001"));  // length disagrees
    EXPECT_FALSE(parse(private_type, "\\# 2 0g00"));
    EXPECT_FALSE(parse(private_type, "\\#"));
}

TEST(RdataGeneric, KnownTypesAcceptGenericFormButMustBeValid) {
    Bytes a = parse_ok(type::A, "\\# 4 0a000001");
    EXPECT_EQ(rdata_to_text(type::A, a), "10.0.0.1");
    EXPECT_FALSE(parse(type::A, "\\# 3 0a0000"));
    EXPECT_EQ(rdata_to_text(type::MX, parse_ok(type::MX, "\\# 6 000a 026d78 00")), "10 mx.");
    EXPECT_FALSE(parse(type::MX, "\\# 4 000a c000"));  // a compression pointer is not valid RDATA
    // A quoted "\#" is a character-string, not the generic marker.
    EXPECT_EQ(rdata_to_text(type::TXT, parse_ok(type::TXT, "\"\\\\#\"")), "\"\\\\#\"");
    // Invalid RDATA prints in generic form rather than as garbage.
    EXPECT_EQ(rdata_to_text(type::A, hex("0a0000")), "\\# 3 0a0000");
    EXPECT_EQ(rdata_to_text(type::MX, hex("000a03")), "\\# 3 000a03");
    // Generic and type-specific text of the same RDATA are interchangeable.
    for (const Example& example : kExamples) {
        Bytes wire = parse_ok(example.type, example.text);
        EXPECT_EQ(parse_ok(example.type, rdata_to_generic_text(wire)), wire) << example.text;
    }
}

// ---- Names inside RDATA ----

TEST(RdataNames, EmbeddedNamesAndCompressibility) {
    Bytes soa = parse_ok(type::SOA, "ns1.example.com. hostmaster.example.com. 1 2 3 4 5");
    auto names = embedded_names(type::SOA, soa);
    ASSERT_EQ(names.size(), 2u);
    EXPECT_EQ(names[0].offset, 0u);
    EXPECT_EQ(names[0].length, 17u);
    EXPECT_EQ(names[1].offset, 17u);
    EXPECT_TRUE(names[0].compressible && names[1].compressible);

    Bytes srv = parse_ok(type::SRV, "1 2 3 sip.example.com.");
    names = embedded_names(type::SRV, srv);
    ASSERT_EQ(names.size(), 1u);
    EXPECT_EQ(names[0].offset, 6u);
    EXPECT_FALSE(names[0].compressible);  // RFC 2782 / RFC 3597 §4

    Bytes naptr = parse_ok(type::NAPTR, "1 2 \"s\" \"SIP+D2U\" \"\" _sip._udp.example.com.");
    names = embedded_names(type::NAPTR, naptr);
    ASSERT_EQ(names.size(), 1u);
    EXPECT_EQ(names[0].offset, 4u + 2 + 8 + 1);

    EXPECT_TRUE(embedded_names(type::A, parse_ok(type::A, "192.0.2.1")).empty());
    EXPECT_TRUE(embedded_names(RRType(65280), hex("0100")).empty());
    EXPECT_TRUE(embedded_names(type::MX, hex("000a03")).empty());  // invalid RDATA: no names
}

TEST(RdataNames, ReadRdataExpandsCompressedNames) {
    // A message fragment: "example.com." at 0, then MX RDATA "10 mail" + pointer to 0 at offset 13.
    Bytes message = hex("076578616d706c6503636f6d00 000a 046d61696c c000");
    auto mx = read_rdata(type::MX, message, 13, 9);
    ASSERT_TRUE(mx) << mx.error().to_string();
    EXPECT_EQ(rdata_to_text(type::MX, *mx), "10 mail.example.com.");
    EXPECT_FALSE(read_rdata(type::MX, message, 13, 8));   // the pointer is cut off by RDLENGTH
    EXPECT_FALSE(read_rdata(type::MX, message, 13, 10));  // runs past the message
    EXPECT_FALSE(read_rdata(type::A, message, 13, 3));    // wrong size for A
}

TEST(RdataNames, CanonicalFormLowercasesOnlyListedTypes) {
    Bytes mx = parse_ok(type::MX, "10 Mail.EXAMPLE.com.");
    EXPECT_EQ(rdata_to_text(type::MX, canonical_rdata(type::MX, mx)), "10 mail.example.com.");
    // RFC 6840 §5.1: the NSEC next name keeps its case in canonical form.
    Bytes nsec = parse_ok(type::NSEC, "Host.EXAMPLE.com. A RRSIG NSEC");
    EXPECT_EQ(canonical_rdata(type::NSEC, nsec), nsec);
    Bytes rrsig = parse_ok(type::RRSIG, "A 13 2 300 20300101000000 20240101000000 1 EXAMPLE.com. AAAA");
    std::string canonical_rrsig = rdata_to_text(type::RRSIG, canonical_rdata(type::RRSIG, rrsig));
    EXPECT_NE(canonical_rrsig.find(" example.com. "), std::string::npos) << canonical_rrsig;  // signer folded
    Bytes txt = parse_ok(type::TXT, "\"ABC\"");
    EXPECT_EQ(canonical_rdata(type::TXT, txt), txt);  // character-strings never change
    Bytes soa = parse_ok(type::SOA, "NS1.Example.COM. Host.Master.example.com. 1 2 3 4 5");
    EXPECT_EQ(rdata_to_text(type::SOA, canonical_rdata(type::SOA, soa)),
              "ns1.example.com. host.master.example.com. 1 2 3 4 5");
}

// ---- Type bitmaps ----

TEST(RdataTypeBitmap, EncodeDecode) {
    std::vector<RRType> types = {type::MX, type::A, type::RRSIG, type::NSEC, RRType(1234), type::A};
    Bytes bitmap = encode_type_bitmap(types);
    // RFC 4034 §4.3: window 0 of 6 bytes (A, MX, RRSIG, NSEC), window 4 of 27 bytes (1234 = 4*256 + 210).
    EXPECT_EQ(to_hex(ByteView(bitmap).first(8)), "0006400100000003");
    EXPECT_EQ(bitmap.size(), 2u + 6 + 2 + 27);
    EXPECT_EQ(bitmap[8], 4);
    EXPECT_EQ(bitmap[9], 27);
    EXPECT_EQ(bitmap.back(), 0x20);
    std::vector<RRType> decoded = decode_type_bitmap(bitmap);
    std::vector<RRType> expected = {type::A, type::MX, type::RRSIG, type::NSEC, RRType(1234)};
    EXPECT_EQ(decoded, expected);
    EXPECT_TRUE(validate_type_bitmap(bitmap));
    EXPECT_TRUE(encode_type_bitmap({}).empty());
    std::vector<RRType> extremes = {RRType(0), RRType(65535)};
    EXPECT_EQ(decode_type_bitmap(encode_type_bitmap(extremes)), extremes);
}

TEST(RdataTypeBitmap, ValidationRejectsMalformedBitmaps) {
    EXPECT_FALSE(validate_type_bitmap(hex("00")));                           // truncated header
    EXPECT_FALSE(validate_type_bitmap(hex("0000")));                         // length 0
    EXPECT_FALSE(validate_type_bitmap(hex("0021" + std::string(66, 'f'))));  // length 33
    EXPECT_FALSE(validate_type_bitmap(hex("000240")));                       // shorter than its length
    EXPECT_FALSE(validate_type_bitmap(hex("00024000")));                     // trailing zero byte
    EXPECT_FALSE(validate_type_bitmap(hex("0101400001014000")));             // windows repeated
    EXPECT_FALSE(validate_type_bitmap(hex("0101400000014000")));             // windows out of order
    EXPECT_TRUE(validate_type_bitmap(hex("0001400101 40")));
    EXPECT_TRUE(decode_type_bitmap(hex("0005 40")).empty());  // decoding malformed data stays in bounds
}

// ---- SVCB / HTTPS (RFC 9460 Appendix D) ----

struct SvcbVector {
    RRType type;
    const char* text;
    const char* wire;
    const char* printed;  // nullptr when equal to `text`
};

const SvcbVector kSvcbVectors[] = {
    // D.1 AliasMode.
    {type::HTTPS, "0 foo.example.com.", "0000 03666f6f076578616d706c6503636f6d00", nullptr},
    // D.2 ServiceMode.
    {type::SVCB, "1 .", "0001 00", nullptr},
    {type::SVCB, "16 foo.example.com. port=53", "0010 03666f6f076578616d706c6503636f6d00 0003 0002 0035",
     nullptr},
    {type::SVCB, "1 foo.example.com. key667=hello",
     "0001 03666f6f076578616d706c6503636f6d00 029b 0005 68656c6c6f", "1 foo.example.com. key667=\"hello\""},
    {type::SVCB, "1 foo.example.com. key667=\"hello\\210qoo\"",
     "0001 03666f6f076578616d706c6503636f6d00 029b 0009 68656c6c6fd2716f6f", nullptr},
    {type::SVCB, "1 foo.example.com. ipv6hint=\"2001:db8::1,2001:db8::53:1\"",
     "0001 03666f6f076578616d706c6503636f6d00 0006 0020 20010db8000000000000000000000001"
     "20010db8000000000000000000530001",
     "1 foo.example.com. ipv6hint=2001:db8::1,2001:db8::53:1"},
    {type::SVCB, "1 example.com. ipv6hint=\"::ffff:198.51.100.100\"",
     "0001 076578616d706c6503636f6d00 0006 0010 00000000000000000000ffffc6336464",
     "1 example.com. ipv6hint=::ffff:198.51.100.100"},
    {type::SVCB, "16 foo.example.org. alpn=h2,h3-19 mandatory=ipv4hint,alpn ipv4hint=192.0.2.1",
     "0010 03666f6f076578616d706c65036f726700 0000 0004 00010004 0001 0009 0268320568332d3139 0004 0004 "
     "c0000201",
     "16 foo.example.org. mandatory=alpn,ipv4hint alpn=\"h2,h3-19\" ipv4hint=192.0.2.1"},
    {type::SVCB, "16 foo.example.org. alpn=\"f\\\\\\\\oo\\\\,bar,h2\"",
     "0010 03666f6f076578616d706c65036f726700 0001 000c 08665c6f6f2c626172 026832", nullptr},
    {type::SVCB, "16 foo.example.org. alpn=f\\\\\\092oo\\092,bar,h2",
     "0010 03666f6f076578616d706c65036f726700 0001 000c 08665c6f6f2c626172 026832",
     "16 foo.example.org. alpn=\"f\\\\\\\\oo\\\\,bar,h2\""},
};

TEST(RdataSvcb, Rfc9460AppendixDVectors) {
    for (const SvcbVector& vector : kSvcbVectors) {
        SCOPED_TRACE(vector.text);
        Bytes wire = parse_ok(vector.type, vector.text);
        EXPECT_EQ(to_hex(wire), to_hex(hex(vector.wire)));
        std::string printed = rdata_to_text(vector.type, wire);
        EXPECT_EQ(printed, vector.printed ? vector.printed : vector.text);
        EXPECT_EQ(parse_ok(vector.type, printed), wire);
    }
}

TEST(RdataSvcb, Rfc9460AppendixDFailureCases) {
    for (const char* text : {
             "1 foo.example.com. key123=abc key123=def",  // a key twice
             "1 foo.example.com. mandatory",              // values that must not be empty
             "1 foo.example.com. alpn", "1 foo.example.com. port", "1 foo.example.com. ipv4hint",
             "1 foo.example.com. ipv6hint",
             "1 foo.example.com. no-default-alpn=abc",                 // a value where none is allowed
             "1 foo.example.com. mandatory=key123",                    // a mandatory key that is missing
             "1 foo.example.com. mandatory=mandatory",                 // mandatory listing itself
             "1 foo.example.com. mandatory=key123,key123 key123=abc",  // a key listed twice
         }) {
        EXPECT_FALSE(parse(type::SVCB, text)) << text;
        EXPECT_FALSE(parse(type::HTTPS, text)) << text;
    }
}

TEST(RdataSvcb, ListEscapingRoundTrips) {
    // alpn ids containing a backslash and a comma, each at the end of an item.
    Bytes params = hex("0001 0007 02615c 03622c63");  // "a\" and "b,c"
    Bytes wire = hex("0001 00");
    wire.insert(wire.end(), params.begin(), params.end());
    ASSERT_TRUE(validate_rdata(type::SVCB, wire));
    std::string printed = rdata_to_text(type::SVCB, wire);
    EXPECT_EQ(printed, "1 . alpn=\"a\\\\\\\\,b\\\\,c\"");
    EXPECT_EQ(to_hex(parse_ok(type::SVCB, printed)), to_hex(wire));
}

TEST(RdataSvcb, EmptyValuesRoundTrip) {
    // An unregistered key and dohpath with empty values, no-default-alpn and ohttp (never a value).
    Bytes wire = hex("0001 00 0001 0003 026832 0002 0000 0007 0000 0008 0000 007b 0000");
    ASSERT_TRUE(validate_rdata(type::HTTPS, wire));
    std::string printed = rdata_to_text(type::HTTPS, wire);
    EXPECT_EQ(printed, "1 . alpn=\"h2\" no-default-alpn dohpath ohttp key123");
    EXPECT_EQ(to_hex(parse_ok(type::HTTPS, printed)), to_hex(wire));
}

TEST(RdataSvcb, WireValidation) {
    EXPECT_FALSE(
        validate_rdata(type::SVCB, hex("0001 00 0003 0002 0035 0001 0003 026832")));  // keys out of order
    EXPECT_FALSE(validate_rdata(type::SVCB, hex("0001 00 0003 0003 003500")));        // port of 3 bytes
    EXPECT_FALSE(validate_rdata(type::SVCB, hex("0001 00 0003 0004 0035")));          // value past the end
    EXPECT_FALSE(validate_rdata(type::SVCB, hex("0001 00 0001 0002 0300")));    // alpn id past its value
    EXPECT_FALSE(validate_rdata(type::SVCB, hex("0001 00 ffff 0000")));         // reserved key 65535
    EXPECT_FALSE(validate_rdata(type::SVCB, hex("0001 00 0004 0003 c00002")));  // ipv4hint of 3 bytes
    EXPECT_TRUE(validate_rdata(type::SVCB, hex("0001 00 0004 0004 c0000201")));
    // mandatory=port: invalid without a port parameter (RFC 9460 §8), valid with one.
    EXPECT_FALSE(validate_rdata(type::SVCB, hex("0001 00 0000 0002 0003")));
    EXPECT_TRUE(validate_rdata(type::SVCB, hex("0001 00 0000 0002 0003 0003 0002 0035")));
}

// ---- Smaller helpers ----

TEST(RdataHelpers, ParseTtlUnits) {
    EXPECT_EQ(parse_ttl("0"), 0u);
    EXPECT_EQ(parse_ttl("3600"), 3600u);
    EXPECT_EQ(parse_ttl("1h30m"), 5400u);
    EXPECT_EQ(parse_ttl("1W2d3H4m5S"), 604800u + 2 * 86400 + 3 * 3600 + 4 * 60 + 5);
    EXPECT_EQ(parse_ttl("1h1"), 3601u);  // trailing digits are seconds, as BIND reads them
    EXPECT_EQ(parse_ttl("2147483647"), 2147483647u);
    for (const char* bad :
         {"", "h", "1x", "1hh", "-1", "1.5h", "2147483648", "4294967296", "99999999999", "3551w"})
        EXPECT_FALSE(parse_ttl(bad)) << bad;
    // Terms whose sum wraps a 64-bit counter round to exactly 100: still rejected.
    const uint64_t term = 4294967295ull * 604800;
    std::string huge;
    uint64_t sum = 0;
    while (sum <= UINT64_MAX - term) {
        huge += "4294967295w";
        sum += term;
    }
    uint64_t rest = (0 - sum) + 100;
    huge += std::to_string(rest / 604800) + "w" + std::to_string(rest % 604800) + "s";
    EXPECT_FALSE(parse_ttl(huge));
}

TEST(RdataHelpers, AlgorithmMnemonics) {
    EXPECT_EQ(algorithm_from_text("ECDSAP256SHA256"), 13);
    EXPECT_EQ(algorithm_from_text("ed25519"), 15);
    EXPECT_EQ(algorithm_from_text("8"), 8);
    EXPECT_FALSE(algorithm_from_text("256"));
    EXPECT_FALSE(algorithm_from_text("NOPE"));
    EXPECT_EQ(algorithm_to_text(13), "ECDSAP256SHA256");
    EXPECT_EQ(algorithm_to_text(200), "200");
}

TEST(RdataHelpers, TypeAndClassMnemonics) {
    EXPECT_EQ(type_from_text("tlsa"), type::TLSA);
    EXPECT_EQ(type_from_text("TYPE1"), type::A);  // RFC 3597 §5
    EXPECT_EQ(type_from_text("type65535"), RRType(65535));
    EXPECT_FALSE(type_from_text("TYPE65536"));
    EXPECT_FALSE(type_from_text("TYPE"));
    EXPECT_FALSE(type_from_text("TYPE-1"));
    EXPECT_FALSE(type_from_text("IN"));
    EXPECT_EQ(type_to_text(RRType(65280)), "TYPE65280");
    EXPECT_EQ(type_to_text(type::NSAP_PTR), "NSAP-PTR");
    EXPECT_EQ(class_from_text("CLASS1"), rrclass::IN);
    EXPECT_EQ(class_from_text("ch"), rrclass::CH);
    EXPECT_FALSE(class_from_text("CLASS65536"));
    EXPECT_EQ(class_to_text(RRClass(42)), "CLASS42");
    EXPECT_TRUE(is_meta_type(type::OPT));
    EXPECT_TRUE(is_meta_type(type::TSIG));
    EXPECT_FALSE(is_meta_type(type::TLSA));
}

TEST(RdataHelpers, TextEscapes) {
    EXPECT_EQ(unescape_text("a\\\"b\\\\c\\065\\.").value(), "a\"b\\cA.");
    EXPECT_FALSE(unescape_text("abc\\"));
    EXPECT_FALSE(unescape_text("\\25"));
    EXPECT_FALSE(unescape_text("\\256"));
    EXPECT_EQ(quote_text(std::string("a\"b\\c\x01\xff d", 9)), "\"a\\\"b\\\\c\\001\\255 d\"");
}

}  // namespace
}  // namespace danemail::dns

// Tests of the Received header (received_header.h): RFC 5321 §4.4 layout, RFC 3848 / RFC 6531 protocol
// names, the Postfix-style TLS comment, a sanitised HELO, IPv6 address literals, RFC 5322 dates.
#include "smtp/server/received_header.h"

#include <gtest/gtest.h>

namespace danemail::smtp {
namespace {

constexpr UnixTime kTime = 1704189600;  // Tue, 2 Jan 2024 10:00:00 +0000

TEST(ReceivedHeader, Rfc5322Date) {
    EXPECT_EQ(format_rfc5322_date(kTime), "Tue, 2 Jan 2024 10:00:00 +0000");
    EXPECT_EQ(format_rfc5322_date(0), "Thu, 1 Jan 1970 00:00:00 +0000");
    EXPECT_EQ(format_rfc5322_date(1767225599), "Wed, 31 Dec 2025 23:59:59 +0000");
}

TEST(ReceivedHeader, TlsWithOneRecipient) {
    TlsInfo tls{"TLSv1.3", "TLS_AES_256_GCM_SHA384", 256};
    Mailbox rcpt{"bob", "example.org"};
    ReceivedFields fields;
    fields.helo = "mail.example.net";
    fields.client_address = "192.0.2.1";
    fields.hostname = "mx.example.org";
    fields.tls = &tls;
    fields.id = "4f2a9c01b7e3";
    fields.recipient = &rcpt;
    fields.time = kTime;
    std::string out = "X: y\r\n";
    append_received_header(out, fields);
    EXPECT_EQ(out,
              "X: y\r\n"
              "Received: from mail.example.net ([192.0.2.1])\r\n"
              "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\r\n"
              "\tby mx.example.org (danemail) with ESMTPS id 4f2a9c01b7e3\r\n"
              "\tfor <bob@example.org>; Tue, 2 Jan 2024 10:00:00 +0000\r\n");
}

TEST(ReceivedHeader, PlainWithoutRecipient) {
    ReceivedFields fields;
    fields.helo = "[192.0.2.7]";
    fields.client_address = "2001:db8::1";
    fields.hostname = "mx.example.org";
    fields.id = "000000000001";
    fields.time = kTime;
    std::string out;
    append_received_header(out, fields);
    EXPECT_EQ(
        out,
        "Received: from [192.0.2.7] ([IPv6:2001:db8::1])\r\n"
        "\tby mx.example.org (danemail) with ESMTP id 000000000001; Tue, 2 Jan 2024 10:00:00 +0000\r\n");
}

TEST(ReceivedHeader, ProtocolNames) {
    TlsInfo tls{"TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256", 128};
    auto protocol = [&](bool esmtp, bool with_tls, bool authenticated, bool smtputf8) {
        ReceivedFields fields;
        fields.helo = "c.example";
        fields.esmtp = esmtp;
        fields.client_address = "192.0.2.1";
        fields.hostname = "mx.example.org";
        fields.tls = with_tls ? &tls : nullptr;
        fields.authenticated = authenticated;
        fields.smtputf8 = smtputf8;
        fields.id = "x";
        std::string out;
        append_received_header(out, fields);
        size_t with = out.find("(danemail) with ") + 16;
        return out.substr(with, out.find(' ', with) - with);
    };
    EXPECT_EQ(protocol(false, false, false, false), "SMTP");
    EXPECT_EQ(protocol(true, false, false, false), "ESMTP");
    EXPECT_EQ(protocol(true, true, false, false), "ESMTPS");
    EXPECT_EQ(protocol(true, true, true, false), "ESMTPSA");
    EXPECT_EQ(protocol(true, true, false, true), "UTF8SMTPS");
    EXPECT_EQ(protocol(true, true, true, true), "UTF8SMTPSA");
}

TEST(ReceivedHeader, HostileHeloIsSanitised) {
    ReceivedFields fields;
    fields.helo = "evil) by fake.example (x\t\xff";
    fields.client_address = "192.0.2.1";
    fields.hostname = "mx.example.org";
    fields.id = "x";
    std::string out;
    append_received_header(out, fields);
    EXPECT_EQ(out.substr(0, out.find("\r\n")),
              "Received: from unknown ([192.0.2.1]) (HELO evil?"
              "?by?fake.example?"
              "?x?"
              "?)");
}

}  // namespace
}  // namespace danemail::smtp

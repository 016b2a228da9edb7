// Builds the Received header (RFC 5321 §4.4 Time-stamp-line) for an accepted message. Untrusted input: the
// client's HELO argument, copied only when it is a plain domain or address literal and otherwise shown
// sanitised in a comment, so no client can forge header structure. Protocol names from the IANA "Mail
// Transmission Types" registry (RFC 3848, RFC 6531 §4.3).
#include "smtp/server/received_header.h"

#include <ctime>

namespace danemail::smtp {

namespace {

bool is_alpha_digit(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// A Domain (RFC 5321 §4.1.2) or an address literal of safe characters: fit to appear in the header as is.
bool is_plain_helo(std::string_view helo) {
    if (helo.empty() || helo.size() > 255) return false;
    if (helo.front() == '[') {
        if (helo.size() < 3 || helo.back() != ']') return false;
        for (char c : helo.substr(1, helo.size() - 2))
            if (!is_alpha_digit(c) && c != '.' && c != ':') return false;
        return true;
    }
    size_t label = 0;
    for (size_t i = 0; i < helo.size(); ++i) {
        char c = helo[i];
        if (c == '.') {
            if (label == 0 || helo[i - 1] == '-') return false;
            label = 0;
        } else if (is_alpha_digit(c) || (c == '-' && label > 0) || c == '_') {
            ++label;
        } else {
            return false;
        }
    }
    return label > 0 && helo.back() != '-';
}

// Printable ASCII without the characters that would end a comment or quote.
void append_sanitised(std::string& out, std::string_view text) {
    for (char c : text) {
        unsigned char u = static_cast<unsigned char>(c);
        out.push_back(u < 33 || u > 126 || c == '(' || c == ')' || c == '\\' || c == '"' ? '?' : c);
    }
}

void append_number(std::string& out, long value, int width = 0) {
    char digits[24];
    int length = 0;
    unsigned long magnitude =
        value < 0 ? 0UL - static_cast<unsigned long>(value) : static_cast<unsigned long>(value);
    do {
        digits[length++] = static_cast<char>('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude != 0);
    if (value < 0) out.push_back('-');
    for (int i = length; i < width; ++i) out.push_back('0');
    while (length > 0) out.push_back(digits[--length]);
}

void append_date(std::string& out, UnixTime time) {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::time_t seconds = static_cast<std::time_t>(time);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    out += kDays[utc.tm_wday % 7];
    out += ", ";
    append_number(out, utc.tm_mday);
    out.push_back(' ');
    out += kMonths[utc.tm_mon % 12];
    out.push_back(' ');
    append_number(out, utc.tm_year + 1900L, 4);
    out.push_back(' ');
    append_number(out, utc.tm_hour, 2);
    out.push_back(':');
    append_number(out, utc.tm_min, 2);
    out.push_back(':');
    append_number(out, utc.tm_sec, 2);
    out += " +0000";
}

}  // namespace

std::string format_rfc5322_date(UnixTime time) {
    std::string out;
    append_date(out, time);
    return out;
}

void append_received_header(std::string& out, const ReceivedFields& fields) {
    // Received: from HELO ([address])
    //         (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))
    //         by HOSTNAME (danemail) with ESMTPS id ID
    //         for <rcpt>; DATE
    out += "Received: from ";
    bool plain = is_plain_helo(fields.helo);
    out += plain ? fields.helo : std::string_view("unknown");
    // TCP-info = address-literal (RFC 5321 §4.4, §4.1.3: IPv6 literals carry the "IPv6:" tag).
    out += " ([";
    if (fields.client_address.find(':') != std::string_view::npos) out += "IPv6:";
    append_sanitised(out, fields.client_address);
    out += "])";
    if (!plain) {
        out += " (HELO ";
        append_sanitised(out, fields.helo.substr(0, 255));
        out += ")";
    }
    if (fields.tls) {
        // Postfix's wording, which log and header readers know.
        out += "\r\n\t(using ";
        append_sanitised(out, fields.tls->version);
        out += " with cipher ";
        append_sanitised(out, fields.tls->cipher);
        out += " (";
        append_number(out, fields.tls->bits);
        out.push_back('/');
        append_number(out, fields.tls->bits);
        out += " bits))";
    }
    out += "\r\n\tby ";
    out += fields.hostname;
    out += " (danemail) with ";
    // RFC 3848: ESMTP + S (TLS) + A (authenticated); RFC 6531 §4.3: UTF8SMTP for SMTPUTF8 transactions.
    // HELO sessions have only "SMTP" (no extension, so neither AUTH nor SMTPUTF8 was possible).
    if (!fields.esmtp) {
        out += "SMTP";
    } else {
        out += fields.smtputf8 ? "UTF8SMTP" : "ESMTP";
        if (fields.tls) out.push_back('S');
        if (fields.authenticated) out.push_back('A');
    }
    out += " id ";
    out += fields.id;
    if (fields.recipient) {
        out += "\r\n\tfor <";
        out += fields.recipient->to_string();
        out += ">";
    }
    out += "; ";
    append_date(out, fields.time);
    out += "\r\n";
}

}  // namespace danemail::smtp

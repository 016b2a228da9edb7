// DNSSEC time formats (RFC 4034 §3.2) and RFC 1982 serial arithmetic.
#include "base/time.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace danemail {
namespace {

// Days from 1970-01-01 to the given civil date (proleptic Gregorian), Howard Hinnant's algorithm.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool is_leap(int64_t y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

}  // namespace

UnixTime now_unix() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::optional<UnixTime> parse_dnssec_time(std::string_view text) {
    if (text.size() != 14) return std::nullopt;
    for (char c : text)
        if (c < '0' || c > '9') return std::nullopt;
    auto num = [&](size_t pos, size_t len) {
        int64_t v = 0;
        for (size_t i = pos; i < pos + len; ++i) v = v * 10 + (text[i] - '0');
        return v;
    };
    int64_t year = num(0, 4), month = num(4, 2), day = num(6, 2);
    int64_t hour = num(8, 2), minute = num(10, 2), second = num(12, 2);
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12 || day < 1) return std::nullopt;
    int64_t month_days = kDays[month - 1] + (month == 2 && is_leap(year) ? 1 : 0);
    if (day > month_days || hour > 23 || minute > 59 || second > 59) return std::nullopt;
    return days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
           hour * 3600 + minute * 60 + second;
}

std::string format_dnssec_time(UnixTime t) {
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%04d%02d%02d%02d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buffer;
}

UnixTime from_wire_time(uint32_t wire, UnixTime reference) {
    // Pick the value congruent to `wire` mod 2^32 closest to the reference time.
    int32_t delta = static_cast<int32_t>(wire - static_cast<uint32_t>(reference));
    return reference + delta;
}

}  // namespace danemail

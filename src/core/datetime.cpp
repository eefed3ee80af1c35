#include "orthotrack/core/datetime.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "orthotrack/core/error.hpp"

namespace orthotrack {
namespace {
constexpr std::int64_t kNsPerSec = 1'000'000'000LL;
constexpr std::int64_t kNsPerDay = 86'400LL * kNsPerSec;
// Whole years that int64 nanoseconds since 1970 hold (1677-09-21 .. 2262-04-11).
constexpr int kMinYear = 1678, kMaxYear = 2261;

// ns + s seconds; OutOfDomain when the result leaves the int64 nanosecond range.
std::int64_t addSeconds(std::int64_t ns, double s) {
  if (!(std::abs(s) < 9.2e9))  // also NaN
    throw OutOfDomain("time offset beyond the range of DateTime (years 1678..2261)", {"", "seconds", std::to_string(s)});
  const double whole = std::floor(s);
  const auto frac = static_cast<std::int64_t>(std::llround((s - whole) * 1e9));
  std::int64_t out;
  if (__builtin_add_overflow(ns, static_cast<std::int64_t>(whole) * kNsPerSec + frac, &out))
    throw OutOfDomain("time beyond the range of DateTime (years 1678..2261)", {"", "seconds", std::to_string(s)});
  return out;
}

// Howard Hinnant's civil-from-days (proleptic Gregorian).
void civilFromDays(std::int64_t z, int& y, int& m, int& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t yy = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = static_cast<int>(yy + (m <= 2));
}

std::int64_t floorDiv(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

bool parseInt(std::string_view s, int& out) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc();
}

int daysInMonth(int y, int m) {
  static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2) {
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return leap ? 29 : 28;
  }
  return dm[m - 1];
}
}  // namespace

std::int64_t daysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * static_cast<unsigned>(m + (m > 2 ? -3 : 9)) + 2) / 5 + static_cast<unsigned>(d) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

DateTime::DateTime(int year, int month, int day, int hour, int minute, double second) {
  if (year < kMinYear || year > kMaxYear)
    throw InvalidInput("year outside the range of DateTime (1678..2261)", {"", "year", std::to_string(year)});
  // Within those years the day count times kNsPerDay fits; hours and minutes of any int do as well.
  ns_ = addSeconds(daysFromCivil(year, month, day) * kNsPerDay,
                   static_cast<double>(static_cast<std::int64_t>(hour) * 3600 + static_cast<std::int64_t>(minute) * 60) + second);
}

bool DateTime::tryParse(std::string_view s, DateTime& out) noexcept {
  // Trim spaces.
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  if (!s.empty() && (s.back() == 'Z' || s.back() == 'z')) s.remove_suffix(1);
  if (s.size() >= 6 && (s.substr(s.size() - 6) == "+00:00" || s.substr(s.size() - 6) == "-00:00")) s.remove_suffix(6);
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
  int y, mo, d;
  if (!parseInt(s.substr(0, 4), y) || !parseInt(s.substr(5, 2), mo) || !parseInt(s.substr(8, 2), d)) return false;
  if (y < kMinYear || y > kMaxYear || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return false;
  int hh = 0, mi = 0, ss = 0;
  std::int64_t fracNs = 0;
  if (s.size() > 10) {
    if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return false;
    std::string_view t = s.substr(11);
    if (t.size() < 8 || t[2] != ':' || t[5] != ':') return false;
    if (!parseInt(t.substr(0, 2), hh) || !parseInt(t.substr(3, 2), mi) || !parseInt(t.substr(6, 2), ss)) return false;
    if (hh > 23 || mi > 59 || ss > 60) return false;
    if (t.size() > 8) {
      if (t[8] != '.' || t.size() == 9) return false;
      std::string_view f = t.substr(9);
      std::int64_t scale = 100'000'000;
      int roundDigit = -1;
      for (std::size_t i = 0; i < f.size(); ++i) {
        const char c = f[i];
        if (c < '0' || c > '9') return false;
        if (i < 9) {
          fracNs += (c - '0') * scale;
          scale /= 10;
        } else if (i == 9) {
          roundDigit = c - '0';
        }
      }
      if (roundDigit >= 5) fracNs += 1;
    }
  }
  out.ns_ = daysFromCivil(y, mo, d) * kNsPerDay +
            (static_cast<std::int64_t>(hh) * 3600 + mi * 60 + ss) * kNsPerSec + fracNs;
  return true;
}

DateTime DateTime::parse(std::string_view text) {
  DateTime d;
  if (!tryParse(text, d))
    throw InvalidInput("not an ISO-8601 UTC date/time (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[.f])",
                       {"", "", std::string(text)});
  return d;
}

double DateTime::secondsSince(const DateTime& epoch) const {
  std::int64_t diff;
  if (__builtin_sub_overflow(ns_, epoch.ns_, &diff))  // instants more than 292 years apart
    return (static_cast<double>(ns_) - static_cast<double>(epoch.ns_)) * 1e-9;
  const std::int64_t whole = floorDiv(diff, kNsPerSec);
  return static_cast<double>(whole) + static_cast<double>(diff - whole * kNsPerSec) * 1e-9;
}

DateTime DateTime::plusSeconds(double s) const { return fromNanoseconds(addSeconds(ns_, s)); }

double DateTime::unixDays() const { return secondsSince(DateTime()) / 86400.0; }

int DateTime::year() const { int y, m, d; civilFromDays(floorDiv(ns_, kNsPerDay), y, m, d); return y; }
int DateTime::month() const { int y, m, d; civilFromDays(floorDiv(ns_, kNsPerDay), y, m, d); return m; }
int DateTime::day() const { int y, m, d; civilFromDays(floorDiv(ns_, kNsPerDay), y, m, d); return d; }
DateTime DateTime::dateOnly() const { return fromNanoseconds(floorDiv(ns_, kNsPerDay) * kNsPerDay); }

double DateTime::decimalYear() const {
  const int y = year();
  const DateTime start(y, 1, 1), next(y + 1, 1, 1);
  return y + secondsSince(start) / next.secondsSince(start);
}

std::string DateTime::iso(int digits) const {
  digits = std::clamp(digits, 0, 9);
  const std::int64_t days = floorDiv(ns_, kNsPerDay);
  std::int64_t rem = ns_ - days * kNsPerDay;
  int y, m, d;
  civilFromDays(days, y, m, d);
  const auto secs = rem / kNsPerSec;
  const auto frac = rem - secs * kNsPerSec;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", y, m, d, static_cast<int>(secs / 3600),
                static_cast<int>((secs / 60) % 60), static_cast<int>(secs % 60));
  std::string out(buf);
  if (digits > 0) {
    char fb[16];
    std::snprintf(fb, sizeof fb, "%09lld", static_cast<long long>(frac));
    out += '.';
    out.append(fb, static_cast<std::size_t>(digits));
  }
  return out;
}

std::string DateTime::isoDate() const { return iso(0).substr(0, 10); }

std::string DateTime::compactDate() const {
  std::string s = isoDate();
  return s.substr(0, 4) + s.substr(5, 2) + s.substr(8, 2);
}

}  // namespace orthotrack

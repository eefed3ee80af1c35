#pragma once
/// UTC date and time with nanosecond resolution (no leap seconds, as in SAR product metadata).
#include <cstdint>
#include <string>
#include <string_view>

namespace orthotrack {

/// A UTC instant stored as integer nanoseconds since 1970-01-01T00:00:00 (range ±292 years).
/// Differences are exact to 1 ns; `secondsSince` returns double seconds.
class DateTime {
 public:
  DateTime() = default;
  /// Civil date and time; `second` may carry a fraction (resolution 1 ns). InvalidInput for a year
  /// outside 1678..2261 (the int64 nanosecond range), OutOfDomain when the time leaves it.
  DateTime(int year, int month, int day, int hour = 0, int minute = 0, double second = 0.0);

  static DateTime fromNanoseconds(std::int64_t ns) { DateTime d; d.ns_ = ns; return d; }
  /// Parse ISO-8601: "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS[.f...][Z]" (a space may replace the T),
  /// years 1678..2261. Throws InvalidInput naming the text.
  static DateTime parse(std::string_view text);
  /// True and sets `out` if `text` parses.
  static bool tryParse(std::string_view text, DateTime& out) noexcept;

  std::int64_t nanoseconds() const { return ns_; }
  /// Seconds from `epoch` to this instant (positive if this is later).
  double secondsSince(const DateTime& epoch) const;
  /// This instant plus `s` seconds; OutOfDomain (not a wrapped time) when the result leaves the
  /// range of DateTime or `s` is not finite.
  DateTime plusSeconds(double s) const;
  /// Days since 1970-01-01 (fractional).
  double unixDays() const;
  /// Decimal year: year + (instant - Jan 1 of year) / (length of that year).
  double decimalYear() const;

  int year() const;
  int month() const;
  int day() const;
  /// Start of the day (00:00:00) of this instant.
  DateTime dateOnly() const;

  /// ISO-8601 with `digits` decimals of the second (0..9), no zone suffix, e.g. 2010-01-10T03:04:05.123456
  std::string iso(int digits = 6) const;
  /// YYYY-MM-DD
  std::string isoDate() const;
  /// YYYYMMDD (MintPy date strings)
  std::string compactDate() const;

  auto operator<=>(const DateTime&) const = default;

 private:
  std::int64_t ns_ = 0;
};

/// Days from 1970-01-01 to a civil date (proleptic Gregorian).
std::int64_t daysFromCivil(int year, int month, int day);

}  // namespace orthotrack

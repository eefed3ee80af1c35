#include "orthotrack/analysis/triggers.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include "orthotrack/analysis/stages.hpp"
#include "orthotrack/analysis/stats.hpp"
#include "orthotrack/core/error.hpp"

namespace orthotrack::analysis {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kSecPerDay = 86400.0;
constexpr double kMonthDays = 365.25 / 12.0;

std::string num(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}
std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}
std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> split(const std::string& line, char delim) {
  std::vector<std::string> out;
  if (delim == ' ') {  // runs of blanks
    std::istringstream is(line);
    std::string f;
    while (is >> f) out.push_back(trim(f));
    return out;
  }
  std::string cur;
  bool quoted = false;
  for (char c : line) {
    if (c == '"') { quoted = !quoted; cur += c; continue; }
    if (c == delim && !quoted) { out.push_back(trim(cur)); cur.clear(); continue; }
    cur += c;
  }
  out.push_back(trim(cur));
  return out;
}

bool parseIntStrict(const std::string& s, int& v) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  v = std::atoi(s.c_str());
  return true;
}

/// Year and month of a date cell; false if unparsable.
bool parseYearMonth(const std::string& s, int& y, int& m) {
  // Calendar forms first: YYYY-MM, YYYY/MM, YYYY-MM-DD, YYYY/MM/DD, YYYYMM, YYYYMMDD, ISO date-times.
  std::string t = s;
  for (char& c : t)
    if (c == '/' || c == '.') c = '-';
  if (t.size() == 7 && t[4] == '-') {
    if (!parseIntStrict(t.substr(0, 4), y) || !parseIntStrict(t.substr(5, 2), m)) return false;
    return m >= 1 && m <= 12;
  }
  if ((t.size() == 6 || t.size() == 8) && parseIntStrict(t, y)) {
    if (!parseIntStrict(t.substr(0, 4), y) || !parseIntStrict(t.substr(4, 2), m) || m < 1 || m > 12) return false;
    if (t.size() == 8) {
      DateTime d;
      return DateTime::tryParse(t.substr(0, 4) + "-" + t.substr(4, 2) + "-" + t.substr(6, 2), d);
    }
    return true;
  }
  DateTime d;
  if (t.size() >= 10 && t[4] == '-' && t[7] == '-' && DateTime::tryParse(t, d)) {
    y = d.year();
    m = d.month();
    return true;
  }
  return false;
}

bool parseMonthCell(const std::string& s, int& m) {
  if (parseIntStrict(s, m)) return m >= 1 && m <= 12;
  static const char* names[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  const std::string l = lower(s);
  for (int i = 0; i < 12; ++i)
    if (l.rfind(names[i], 0) == 0) { m = i + 1; return true; }
  return false;
}

bool isMissingToken(const std::string& s) {
  const std::string l = lower(s);
  return l.empty() || l == "na" || l == "nan" || l == "null" || l == "-" || l == "m" || l == "n/a" || l == "none";
}

int findColumn(const std::vector<std::string>& header, const std::vector<std::string>& exact,
               const std::vector<std::string>& contains, const std::vector<int>& exclude) {
  for (const auto& e : exact)
    for (std::size_t i = 0; i < header.size(); ++i)
      if (lower(header[i]) == e && std::find(exclude.begin(), exclude.end(), static_cast<int>(i)) == exclude.end()) return static_cast<int>(i);
  for (const auto& c : contains)
    for (std::size_t i = 0; i < header.size(); ++i)
      if (lower(header[i]).find(c) != std::string::npos && std::find(exclude.begin(), exclude.end(), static_cast<int>(i)) == exclude.end())
        return static_cast<int>(i);
  return -1;
}

std::string joinHeader(const std::vector<std::string>& h) {
  std::string s;
  for (const auto& x : h) s += (s.empty() ? "" : ",") + x;
  return s;
}

int userColumn(const std::vector<std::string>& header, const std::string& name, const std::string& key, const std::string& src) {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (lower(header[i]) == lower(name)) return static_cast<int>(i);
  throw InvalidInput("column not found; the header is: " + joinHeader(header), {src, key, name});
}

/// Fraction-of-month helpers: month index k = year·12 + (month − 1).
DateTime monthStartOf(int k) { return DateTime(k / 12, k % 12 + 1, 1); }
}  // namespace

DateTime MonthlyPrecip::monthStart(std::size_t i) const {
  return monthStartOf(startYear * 12 + (startMonth - 1) + static_cast<int>(i));
}

void PrecipCsvParams::validate() const {
  if (!dateColumn.empty() && (!yearColumn.empty() || !monthColumn.empty()))
    throw InvalidInput("give either date_column or year_column + month_column", {"", "precip_csv.date_column", dateColumn});
  if (yearColumn.empty() != monthColumn.empty())
    throw InvalidInput("year_column and month_column go together", {"", yearColumn.empty() ? "precip_csv.year_column" : "precip_csv.month_column", ""});
  if (delimiter != 0 && delimiter != ',' && delimiter != ';' && delimiter != '\t' && delimiter != '|' && delimiter != ' ')
    throw InvalidInput("delimiter must be one of , ; tab | space", {"", "precip_csv.delimiter", std::string(1, delimiter)});
}

MonthlyPrecip parsePrecipCsv(std::string_view text, const std::string& src, const PrecipCsvParams& params) {
  params.validate();
  if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF && static_cast<unsigned char>(text[1]) == 0xBB &&
      static_cast<unsigned char>(text[2]) == 0xBF)
    text.remove_prefix(3);
  // Lines with their numbers (1-based), comments and blanks skipped.
  std::vector<std::pair<int, std::string>> lines;
  {
    std::size_t pos = 0;
    int no = 0;
    while (pos <= text.size()) {
      std::size_t e = text.find('\n', pos);
      if (e == std::string_view::npos) e = text.size();
      std::string line(text.substr(pos, e - pos));
      ++no;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const std::string t = trim(line);
      if (!t.empty() && t[0] != '#') lines.emplace_back(no, line);
      if (e == text.size()) break;
      pos = e + 1;
    }
  }
  if (lines.empty()) throw InvalidInput("empty precipitation table (no header)", {src, "", "empty"});
  char delim = params.delimiter;
  if (delim == 0) {
    std::size_t best = 0;
    for (char c : {',', ';', '\t', '|'}) {
      const auto n = static_cast<std::size_t>(std::count(lines[0].second.begin(), lines[0].second.end(), c));
      if (n > best) { best = n; delim = c; }
    }
    if (delim == 0) delim = ' ';
  }
  const auto header = split(lines[0].second, delim);
  if (lines.size() < 2) throw InvalidInput("precipitation table has a header but no rows", {src, "rows", "0"});

  int cDate = -1, cYear = -1, cMonth = -1, cValue = -1;
  if (!params.dateColumn.empty()) cDate = userColumn(header, params.dateColumn, "date_column", src);
  if (!params.yearColumn.empty()) {
    cYear = userColumn(header, params.yearColumn, "year_column", src);
    cMonth = userColumn(header, params.monthColumn, "month_column", src);
  }
  if (cDate < 0 && cYear < 0) {
    cYear = findColumn(header, {"year", "yr", "yyyy"}, {}, {});
    cMonth = cYear >= 0 ? findColumn(header, {"month", "mon", "mo"}, {}, {cYear}) : -1;
    if (cYear < 0 || cMonth < 0) {
      cYear = cMonth = -1;
      cDate = findColumn(header, {"date", "time", "datetime", "timestamp", "period", "month", "yearmonth", "yyyymm", "valid_time"},
                         {"date", "time"}, {});
    }
    if (cDate < 0 && cYear < 0)
      throw InvalidInput("no date column found (expected date/time/month or year + month); the header is: " + joinHeader(header),
                         {src, "date_column", ""});
  }
  std::vector<int> used;
  for (int c : {cDate, cYear, cMonth})
    if (c >= 0) used.push_back(c);
  if (!params.valueColumn.empty()) {
    cValue = userColumn(header, params.valueColumn, "value_column", src);
  } else {
    cValue = findColumn(header, {"precip", "precipitation", "prcp", "prec", "pr", "rain", "rainfall", "tp", "ppt", "rr", "value", "mm", "precip_mm"},
                        {"precip", "prcp", "rain", "ppt", "(mm)", "_mm", "value"}, used);
    if (cValue < 0 && header.size() == used.size() + 1)
      for (int i = 0; i < static_cast<int>(header.size()); ++i)
        if (std::find(used.begin(), used.end(), i) == used.end()) cValue = i;
    if (cValue < 0)
      throw InvalidInput("no precipitation column found (expected precip/prcp/rain/value/mm...); the header is: " + joinHeader(header),
                         {src, "value_column", ""});
  }

  struct Acc { double sum = 0; int n = 0; bool missing = false; };
  std::map<int, Acc> months;
  for (std::size_t li = 1; li < lines.size(); ++li) {
    const auto& [no, line] = lines[li];
    const auto f = split(line, delim);
    const std::string where = "line " + std::to_string(no);
    const int need = std::max({cDate, cYear, cMonth, cValue});
    if (static_cast<int>(f.size()) <= need)
      throw InvalidInput("row has " + std::to_string(f.size()) + " fields, " + std::to_string(need + 1) + " needed", {src, where, line});
    int y = 0, m = 0;
    if (cDate >= 0) {
      if (!parseYearMonth(f[static_cast<std::size_t>(cDate)], y, m))
        throw InvalidInput("unparsable date (expected YYYY-MM, YYYY-MM-DD, YYYY/MM, YYYYMM or ISO)", {src, where + " column " + header[static_cast<std::size_t>(cDate)], f[static_cast<std::size_t>(cDate)]});
    } else {
      if (!parseIntStrict(f[static_cast<std::size_t>(cYear)], y) || y < 1000)
        throw InvalidInput("unparsable year", {src, where + " column " + header[static_cast<std::size_t>(cYear)], f[static_cast<std::size_t>(cYear)]});
      if (!parseMonthCell(f[static_cast<std::size_t>(cMonth)], m))
        throw InvalidInput("unparsable month (1-12 or a month name)", {src, where + " column " + header[static_cast<std::size_t>(cMonth)], f[static_cast<std::size_t>(cMonth)]});
    }
    if (y < 1678 || y > 2261)  // the range of DateTime (fuzzing: a year 1008 overflowed it)
      throw InvalidInput("year outside 1678..2261", {src, where + " column " + header[static_cast<std::size_t>(cDate >= 0 ? cDate : cYear)],
                                                     std::to_string(y)});
    const std::string& vs = f[static_cast<std::size_t>(cValue)];
    double v = kNaN;
    if (!isMissingToken(vs)) {
      char* end = nullptr;
      v = std::strtod(vs.c_str(), &end);
      if (end == vs.c_str() || *end != '\0')
        throw InvalidInput("unparsable precipitation value", {src, where + " column " + header[static_cast<std::size_t>(cValue)], vs});
      if (v == params.missingValue) v = kNaN;
      else if (std::isfinite(v) && v < 0)
        throw InvalidInput("negative precipitation", {src, where + " column " + header[static_cast<std::size_t>(cValue)], vs});
    }
    Acc& a = months[y * 12 + (m - 1)];
    if (std::isfinite(v)) { a.sum += v; ++a.n; }
    else a.missing = true;
  }
  MonthlyPrecip out;
  const int k0 = months.begin()->first, k1 = months.rbegin()->first;
  out.startYear = k0 / 12;
  out.startMonth = k0 % 12 + 1;
  out.mm.assign(static_cast<std::size_t>(k1 - k0 + 1), kNaN);
  for (const auto& [k, a] : months) {
    if (a.n == 0 || (a.missing && !params.allowPartialMonths)) continue;
    out.mm[static_cast<std::size_t>(k - k0)] = a.sum;
  }
  return out;
}

MonthlyPrecip readPrecipCsv(const std::string& path, const PrecipCsvParams& params) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot open precipitation CSV", {path, "", ""});
  std::ostringstream ss;
  ss << in.rdbuf();
  return parsePrecipCsv(ss.str(), path, params);
}

double windowMeanPrecip(const MonthlyPrecip& p, const DateTime& a, const DateTime& b, double lagMonths, double minCoverage) {
  if (p.mm.empty() || !(b > a)) return kNaN;
  const DateTime wa = a.plusSeconds(-lagMonths * kMonthDays * kSecPerDay);
  const DateTime wb = b.plusSeconds(-lagMonths * kMonthDays * kSecPerDay);
  const double length = wb.secondsSince(wa);
  const int kFirst = p.startYear * 12 + p.startMonth - 1;
  int k = wa.year() * 12 + wa.month() - 1;
  double sum = 0, wsum = 0;
  for (; monthStartOf(k) < wb; ++k) {
    const DateTime ms = monthStartOf(k), me = monthStartOf(k + 1);
    const double ov = std::min(me, wb).secondsSince(std::max(ms, wa));
    if (ov <= 0) continue;
    const int i = k - kFirst;
    if (i < 0 || i >= static_cast<int>(p.mm.size())) continue;
    const double v = p.mm[static_cast<std::size_t>(i)];
    if (!std::isfinite(v)) continue;
    sum += v * ov;
    wsum += ov;
  }
  if (wsum < minCoverage * length || wsum <= 0) return kNaN;
  return sum / wsum;
}

void TriggerParams::validate() const {
  if (maxLagMonths < 0 || maxLagMonths > 24) throw InvalidInput("must be in 0..24", {"", "triggers.max_lag_months", std::to_string(maxLagMonths)});
  if (!(maxIntervalDays > 0)) throw InvalidInput("must be > 0", {"", "triggers.max_interval_days", num(maxIntervalDays)});
  if (!(minCoverage > 0 && minCoverage <= 1)) throw InvalidInput("must be in (0, 1]", {"", "triggers.min_coverage", num(minCoverage)});
  if (minSamples < 4) throw InvalidInput("must be >= 4", {"", "triggers.min_samples", std::to_string(minSamples)});
  if (!(confidence > 0 && confidence < 1)) throw InvalidInput("must be in (0, 1)", {"", "triggers.confidence", num(confidence)});
  if (!(sampleWindowDays > 0)) throw InvalidInput("must be > 0", {"", "triggers.sample_window_days", num(sampleWindowDays)});
}

IntervalRates intervalRates(const std::vector<DateTime>& dates, const std::vector<double>& y) {
  if (dates.size() != y.size())
    throw InvalidInput("dates and displacement differ in length", {"", "displacement", std::to_string(y.size()) + " values for " + std::to_string(dates.size()) + " dates"});
  IntervalRates r;
  std::size_t prev = dates.size();
  for (std::size_t i = 0; i < dates.size(); ++i) {
    if (i > 0 && !(dates[i] > dates[i - 1])) throw InvalidInput("dates must be strictly increasing", {"", "dates[" + std::to_string(i) + "]", dates[i].iso(0)});
    if (!std::isfinite(y[i])) continue;
    if (prev < dates.size()) {
      r.start.push_back(dates[prev]);
      r.end.push_back(dates[i]);
      r.rate.push_back(1000.0 * (y[i] - y[prev]) / (dates[i].secondsSince(dates[prev]) / kSecPerDay));
    }
    prev = i;
  }
  return r;
}

namespace {
std::vector<double> detrended(const std::vector<double>& t, const std::vector<double>& v, Detrend d) {
  if (d == Detrend::None) return v;
  const LineFit f = fitLine(t, v, std::vector<double>(t.size(), 1.0), true);
  std::vector<double> out(v);
  if (!f.ok) return out;
  for (std::size_t i = 0; i < v.size(); ++i) out[i] = v[i] - f.a - f.b * t[i];
  return out;
}
}  // namespace

TriggerCorrelation correlateIntervals(const std::vector<DateTime>& start, const std::vector<DateTime>& end,
                                      const std::vector<double>& values, const MonthlyPrecip& precip, const TriggerParams& params,
                                      const std::vector<double>& baseline) {
  params.validate();
  if (!baseline.empty() && baseline.size() != values.size())
    throw InvalidInput("baseline must be empty or hold one value per interval", {"", "baseline", std::to_string(baseline.size())});
  if (start.size() != end.size() || start.size() != values.size())
    throw InvalidInput("start, end and values differ in length", {"", "values", std::to_string(start.size()) + "/" + std::to_string(end.size()) + "/" + std::to_string(values.size())});
  if (precip.mm.empty()) throw InvalidInput("empty precipitation series", {"", "precip", "0 months"});
  TriggerCorrelation out;
  for (std::size_t i = 0; i < start.size(); ++i) {
    if (!(end[i] >= start[i])) throw InvalidInput("interval ends before it starts", {"", "end[" + std::to_string(i) + "]", end[i].iso(0)});
    const double v = values[i] - (baseline.empty() ? 0.0 : baseline[i]);
    if (!std::isfinite(v) || end[i].secondsSince(start[i]) / kSecPerDay > params.maxIntervalDays) continue;
    out.start.push_back(start[i]);
    out.end.push_back(end[i]);
    out.values.push_back(v);
  }
  int evaluated = 0;
  double bestScore = -std::numeric_limits<double>::infinity();
  for (int lag = 0; lag <= params.maxLagMonths; ++lag) {
    LagCorrelation lc;
    lc.lagMonths = lag;
    std::vector<double> t, x, p;
    for (std::size_t i = 0; i < out.values.size(); ++i) {
      DateTime a = out.start[i], b = out.end[i];
      if (!(b > a)) { a = b.plusSeconds(-params.sampleWindowDays * kSecPerDay); }
      const double pm = windowMeanPrecip(precip, a, b, lag, params.minCoverage);
      if (!std::isfinite(pm)) continue;
      t.push_back(0.5 * (a.unixDays() + b.unixDays()));
      x.push_back(out.values[i]);
      p.push_back(pm);
    }
    lc.n = static_cast<int>(x.size());
    if (lc.n < params.minSamples) {
      lc.r = kNaN;
      lc.p = kNaN;
      out.lags.push_back(lc);
      continue;
    }
    const auto xd = detrended(t, x, params.detrend), pd = detrended(t, p, params.detrend);
    lc.r = pearson(xd, pd);
    lc.r1x = lag1Autocorrelation(xd);
    lc.r1y = lag1Autocorrelation(pd);
    lc.nEff = effectiveSampleSize(x.size(), lc.r1x, lc.r1y);
    if (std::isfinite(lc.r) && lc.nEff > 2.0) {
      const double dof = lc.nEff - 2.0;
      lc.t = std::fabs(lc.r) >= 1.0 ? std::copysign(std::numeric_limits<double>::infinity(), lc.r) : lc.r * std::sqrt(dof / (1.0 - lc.r * lc.r));
      lc.p = studentTTwoSided(lc.t, dof);
    } else {
      lc.t = kNaN;
      lc.p = 1.0;
    }
    lc.significant = std::isfinite(lc.p) && lc.p < 1.0 - params.confidence;
    if (std::isfinite(lc.r)) {
      ++evaluated;
      const double score = params.positiveOnly ? lc.r : std::fabs(lc.r);
      if (score > bestScore) {
        bestScore = score;
        out.bestLagMonths = lag;
        out.bestR = lc.r;
        out.bestP = lc.p;
      }
    }
    out.lags.push_back(lc);
  }
  if (out.bestLagMonths >= 0) {
    out.bestPBonferroni = std::min(1.0, out.bestP * evaluated);
    out.significant = out.bestPBonferroni < 1.0 - params.confidence;
  }
  return out;
}

TriggerCorrelation correlateSamples(const std::vector<DateTime>& dates, const std::vector<double>& values,
                                    const MonthlyPrecip& precip, const TriggerParams& params) {
  params.validate();
  if (dates.size() != values.size())
    throw InvalidInput("dates and values differ in length", {"", "values", std::to_string(values.size()) + " values for " + std::to_string(dates.size()) + " dates"});
  std::vector<DateTime> a;
  for (const auto& d : dates) a.push_back(d.plusSeconds(-params.sampleWindowDays * kSecPerDay));
  return correlateIntervals(a, dates, values, precip, params);
}

}  // namespace orthotrack::analysis

namespace orthotrack::analysis {
std::vector<double> stageBaselineRates(const StageFit& fit, const std::vector<DateTime>& start, const std::vector<DateTime>& end) {
  if (start.size() != end.size()) throw InvalidInput("start and end differ in length", {"", "end", std::to_string(end.size())});
  std::vector<double> r;
  for (std::size_t i = 0; i < start.size(); ++i) {
    const double dt = end[i].secondsSince(start[i]) / 86400.0;
    r.push_back(dt > 0 ? 1000.0 * (fit.evaluate(end[i]) - fit.evaluate(start[i])) / dt : std::numeric_limits<double>::quiet_NaN());
  }
  return r;
}
}  // namespace orthotrack::analysis

#include "orthotrack/analysis/forecast.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "orthotrack/analysis/stats.hpp"
#include "orthotrack/core/error.hpp"
#include "orthotrack/core/tiling.hpp"

namespace orthotrack::analysis {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kSecPerDay = 86400.0;

std::string num(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}
DateTime plusDays(const DateTime& e, double d) { return e.plusSeconds(d * kSecPerDay); }

/// Velocities without input validation (per-pixel kernel): never throws for data problems.
VelocitySeries velocitiesCore(const std::vector<double>& t, const std::vector<double>& y, const std::vector<double>& s,
                              const VelocityParams& p) {
  VelocitySeries out;
  std::vector<double> tt, yy, ss;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const double si = s.empty() ? kNaN : s[i];
    if (!std::isfinite(y[i]) || (!s.empty() && !(si > 0))) continue;
    tt.push_back(t[i]);
    yy.push_back(y[i]);
    ss.push_back(si);
  }
  if (tt.size() < 2) return out;
  out.orientation = yy.back() - yy.front() >= 0 ? 1.0 : -1.0;
  const double o = out.orientation * 1000.0;  // m → mm, oriented
  if (p.method == VelocityMethod::Differences) {
    for (std::size_t i = 0; i + 1 < tt.size(); ++i) {
      const double dt = tt[i + 1] - tt[i];
      out.days.push_back(0.5 * (tt[i] + tt[i + 1]));
      out.start.push_back(tt[i]);
      out.end.push_back(tt[i + 1]);
      out.v.push_back(o * (yy[i + 1] - yy[i]) / dt);
      out.sigma.push_back(1000.0 * std::sqrt(ss[i] * ss[i] + ss[i + 1] * ss[i + 1]) / dt);
    }
  } else {
    const auto w = static_cast<std::size_t>(p.window);
    for (std::size_t i = 0; i + w <= tt.size(); ++i) {
      std::vector<double> x(tt.begin() + static_cast<long>(i), tt.begin() + static_cast<long>(i + w));
      std::vector<double> v(yy.begin() + static_cast<long>(i), yy.begin() + static_cast<long>(i + w));
      std::vector<double> wt(w, 1.0);
      const bool haveSigma = std::isfinite(ss[i]);
      if (haveSigma)
        for (std::size_t k = 0; k < w; ++k) wt[k] = 1.0 / (ss[i + k] * ss[i + k]);
      const LineFit f = fitLine(x, v, wt, haveSigma);
      double tm = 0;
      for (double xi : x) tm += xi;
      out.days.push_back(tm / static_cast<double>(w));
      out.start.push_back(x.front());
      out.end.push_back(x.back());
      out.v.push_back(o * f.b);
      out.sigma.push_back(f.ok ? 1000.0 * std::sqrt(f.varB) : kNaN);
    }
  }
  return out;
}

FailureForecast fitInverse(const VelocitySeries& vs, double fitStart, double asOf, const InverseVelocityParams& p) {
  FailureForecast f;
  f.asOf = plusDays(vs.epoch, asOf);
  f.alpha = p.alpha;
  std::vector<double> x, inv, sinv;
  for (std::size_t i = 0; i < vs.v.size(); ++i) {
    if (vs.start[i] < fitStart - 0.5 || vs.end[i] > asOf + 0.5) continue;
    f.lastVelocity = vs.v[i];
    if (!(vs.v[i] > p.minVelocity) || !std::isfinite(vs.v[i])) continue;
    x.push_back(vs.days[i] - asOf);
    inv.push_back(1.0 / vs.v[i]);
    sinv.push_back(vs.sigma[i] / (vs.v[i] * vs.v[i]));
  }
  f.nPoints = static_cast<int>(x.size());
  if (f.nPoints < p.minPoints) {
    f.reason = "too few positive velocities in the fit window (" + std::to_string(f.nPoints) + " < " + std::to_string(p.minPoints) + ")";
    return f;
  }
  bool useWeights = p.weighted;
  for (double e : sinv) useWeights = useWeights && std::isfinite(e) && e > 0;  // no σ: equal weights
  auto fitFor = [&](double alpha) {
    std::vector<double> y(x.size()), w(x.size(), 1.0);
    for (std::size_t i = 0; i < x.size(); ++i) {
      y[i] = std::pow(inv[i], alpha - 1.0);
      if (useWeights) {
        const double dy = (alpha - 1.0) * std::pow(inv[i], alpha - 2.0) * sinv[i];
        w[i] = std::isfinite(dy) && dy > 0 ? 1.0 / (dy * dy) : 0.0;
      }
    }
    return fitLine(x, y, w, false);
  };
  double alpha = p.alpha;
  if (p.estimateAlpha) {
    double bestSse = std::numeric_limits<double>::infinity();
    for (double a = p.alphaMin; a <= p.alphaMax + 1e-9; a += 0.05) {
      const LineFit lf = fitFor(a);
      if (!lf.ok || !(lf.b < 0)) continue;
      double sse = 0;
      for (std::size_t i = 0; i < x.size(); ++i) {
        const double yh = lf.a + lf.b * x[i];
        const double ih = yh > 0 ? std::pow(yh, 1.0 / (a - 1.0)) : 0.0;
        sse += (inv[i] - ih) * (inv[i] - ih);
      }
      if (sse < bestSse) { bestSse = sse; alpha = a; }
    }
  }
  f.alpha = alpha;
  const LineFit lf = fitFor(alpha);
  if (!lf.ok || !std::isfinite(lf.varB)) {
    f.reason = "inverse-velocity line could not be fitted";
    return f;
  }
  f.slope = lf.b;
  f.intercept = lf.a;
  if (!(lf.b < 0)) {
    f.reason = "inverse velocity is not decreasing (no acceleration)";
    return f;
  }
  const double x0 = -lf.a / lf.b;  // t_f − asOf
  constexpr double kHorizon = 36525.0;  // 100 years: beyond this the trend is no acceleration
  if (!(std::fabs(x0) < kHorizon)) {
    f.reason = "forecast failure time beyond 100 years (1/v essentially flat)";
    return f;
  }
  f.valid = true;
  f.failure = plusDays(vs.epoch, asOf + x0);
  f.leadDays = x0;
  // Fieller interval of the x-intercept: (a + b x)² <= q² (Vaa + 2 x Vab + x² Vbb).
  const double q = studentTQuantile(0.5 + 0.5 * p.confidence, f.nPoints - 2);
  const double A = lf.b * lf.b - q * q * lf.varB;
  const double B = 2.0 * (lf.a * lf.b - q * q * lf.covAB);
  const double C = lf.a * lf.a - q * q * lf.varA;
  const double disc = B * B - 4.0 * A * C;
  const DateTime farFuture = plusDays(vs.epoch, asOf + kHorizon);
  if (A > 0 && disc >= 0) {
    const double r1 = (-B - std::sqrt(disc)) / (2.0 * A), r2 = (-B + std::sqrt(disc)) / (2.0 * A);
    f.low = plusDays(vs.epoch, asOf + std::max(std::min(r1, r2), -kHorizon));
    f.high = plusDays(vs.epoch, asOf + std::min(std::max(r1, r2), kHorizon));
    if (std::max(r1, r2) >= kHorizon) f.upperUnbounded = true;
  } else {
    // Slope not significant at this level: the interval is unbounded towards the future.
    f.upperUnbounded = true;
    double lo = -1e9;
    if (A < 0 && disc >= 0) {
      const double r1 = (-B - std::sqrt(disc)) / (2.0 * A), r2 = (-B + std::sqrt(disc)) / (2.0 * A);
      lo = std::min(r1, r2);
      if (lo > x0) lo = std::max(r1, r2) < x0 ? std::max(r1, r2) : x0;
    }
    f.low = plusDays(vs.epoch, asOf + std::max({lo, std::min(0.0, x0), -kHorizon}));
    f.high = farFuture;
  }
  return f;
}

std::vector<double> daysOf(const std::vector<DateTime>& dates) {
  std::vector<double> t;
  for (const auto& d : dates) t.push_back(d.secondsSince(dates.front()) / kSecPerDay);
  return t;
}

void checkSeries(const std::vector<DateTime>& dates, const std::vector<double>& y, const std::vector<double>& s) {
  if (dates.size() != y.size())
    throw InvalidInput("dates and displacement differ in length", {"", "displacement", std::to_string(y.size()) + " values for " + std::to_string(dates.size()) + " dates"});
  if (!s.empty() && s.size() != y.size()) throw InvalidInput("sigma must be empty or hold one value per date", {"", "sigma", std::to_string(s.size())});
  for (std::size_t i = 1; i < dates.size(); ++i)
    if (!(dates[i] > dates[i - 1])) throw InvalidInput("dates must be strictly increasing", {"", "dates[" + std::to_string(i) + "]", dates[i].iso(0)});
  for (std::size_t i = 0; i < s.size(); ++i)
    if (std::isfinite(s[i]) && !(s[i] > 0)) throw InvalidInput("sigma must be > 0", {"", "sigma[" + std::to_string(i) + "]", num(s[i])});
  int finite = 0;
  for (double v : y) finite += std::isfinite(v) ? 1 : 0;
  if (finite < 2) throw InvalidInput("at least two finite samples are needed", {"", "displacement", std::to_string(finite) + " finite"});
}
}  // namespace

void VelocityParams::validate() const {
  if (method == VelocityMethod::LocalLinear && window < 2) throw InvalidInput("must be >= 2", {"", "velocity.window", std::to_string(window)});
}
void InverseVelocityParams::validate() const {
  velocity.validate();
  if (!(alpha > 1.0)) throw InvalidInput("must be > 1", {"", "inverse_velocity.alpha", num(alpha)});
  if (estimateAlpha && !(alphaMin > 1.0 && alphaMax > alphaMin))
    throw InvalidInput("need 1 < alpha_min < alpha_max", {"", "inverse_velocity.alpha_min", num(alphaMin) + ".." + num(alphaMax)});
  if (minPoints < 3) throw InvalidInput("must be >= 3", {"", "inverse_velocity.min_points", std::to_string(minPoints)});
  if (!(confidence > 0 && confidence < 1)) throw InvalidInput("must be in (0, 1)", {"", "inverse_velocity.confidence", num(confidence)});
  if (!(minVelocity >= 0)) throw InvalidInput("must be >= 0", {"", "inverse_velocity.min_velocity", num(minVelocity)});
}
void AlertParams::validate() const {
  if (!(watchVelocity > 0 && warningVelocity >= watchVelocity && alarmVelocity >= warningVelocity))
    throw InvalidInput("need 0 < watch <= warning <= alarm velocity", {"", "alerts.watch_velocity", num(watchVelocity) + "/" + num(warningVelocity) + "/" + num(alarmVelocity)});
  if (!(alarmLeadDays > 0 && warningLeadDays >= alarmLeadDays))
    throw InvalidInput("need 0 < alarm lead <= warning lead", {"", "alerts.warning_lead_days", num(warningLeadDays) + "/" + num(alarmLeadDays)});
}
void AlertMapParams::validate() const {
  inverse.validate();
  alerts.validate();
  if (inverse.velocity.method != VelocityMethod::Differences)
    throw InvalidInput("alert maps use velocity differences", {"", "alert_maps.inverse.velocity.method", "local_linear"});
  if (fitLastN < inverse.minPoints) throw InvalidInput("must be >= inverse.min_points", {"", "alert_maps.fit_last_n", std::to_string(fitLastN)});
  if (blockRows < 1) throw InvalidInput("must be >= 1", {"", "alert_maps.block_rows", std::to_string(blockRows)});
}

const char* toString(AlertLevel a) {
  switch (a) {
    case AlertLevel::Normal: return "normal";
    case AlertLevel::Watch: return "watch";
    case AlertLevel::Warning: return "warning";
    case AlertLevel::Alarm: return "alarm";
  }
  return "?";
}

VelocitySeries velocities(const std::vector<DateTime>& dates, const std::vector<double>& displacement,
                          const std::vector<double>& sigma, const VelocityParams& params) {
  params.validate();
  checkSeries(dates, displacement, sigma);
  VelocitySeries v = velocitiesCore(daysOf(dates), displacement, sigma, params);
  v.epoch = dates.front();
  return v;
}

FailureForecast forecastFailure(const VelocitySeries& v, const DateTime& fitStart, const DateTime& asOf,
                                const InverseVelocityParams& params) {
  params.validate();
  return fitInverse(v, fitStart.secondsSince(v.epoch) / kSecPerDay, asOf.secondsSince(v.epoch) / kSecPerDay, params);
}

FailureForecast forecastFailure(const std::vector<DateTime>& dates, const std::vector<double>& displacement,
                                const std::vector<double>& sigma, const DateTime& fitStart, const DateTime& asOf,
                                const InverseVelocityParams& params) {
  return forecastFailure(velocities(dates, displacement, sigma, params.velocity), fitStart, asOf, params);
}

AlertLevel alertLevel(double velocity, const FailureForecast& f, const AlertParams& p) {
  const bool trend = f.valid && !f.upperUnbounded;
  if ((std::isfinite(velocity) && velocity >= p.alarmVelocity) || (trend && f.leadDays <= p.alarmLeadDays)) return AlertLevel::Alarm;
  if ((std::isfinite(velocity) && velocity >= p.warningVelocity) || (trend && f.leadDays <= p.warningLeadDays)) return AlertLevel::Warning;
  if ((std::isfinite(velocity) && velocity >= p.watchVelocity) || trend) return AlertLevel::Watch;
  return AlertLevel::Normal;
}

std::vector<ForecastRow> forecastEvolution(const std::vector<DateTime>& dates, const std::vector<double>& displacement,
                                           const std::vector<double>& sigma, const DateTime& fitStart,
                                           const InverseVelocityParams& params, const AlertParams& alerts) {
  params.validate();
  alerts.validate();
  const VelocitySeries v = velocities(dates, displacement, sigma, params.velocity);
  std::vector<ForecastRow> rows;
  for (std::size_t i = 0; i < dates.size(); ++i) {
    if (dates[i] <= fitStart || !std::isfinite(displacement[i])) continue;
    ForecastRow r;
    r.asOf = dates[i];
    r.forecast = forecastFailure(v, fitStart, dates[i], params);
    double last = kNaN;
    const double asOf = dates[i].secondsSince(v.epoch) / kSecPerDay;
    for (std::size_t k = 0; k < v.v.size(); ++k)
      if (v.end[k] <= asOf + 0.5) last = v.v[k];
    r.alert = alertLevel(last, r.forecast, alerts);
    rows.push_back(r);
  }
  return rows;
}

AlertMaps alertMaps(const std::vector<DateTime>& dates, const std::vector<Raster<float>>& cumulative,
                    const std::vector<Raster<float>>& sigma, const Raster<float>& onsetDays, const AlertMapParams& params) {
  params.validate();
  if (dates.size() < 2 || cumulative.size() != dates.size())
    throw InvalidInput("one cumulative raster per date (>= 2) is needed", {"", "cumulative", std::to_string(cumulative.size()) + " rasters for " + std::to_string(dates.size()) + " dates"});
  if (!sigma.empty() && sigma.size() != dates.size()) throw InvalidInput("sigma must be empty or hold one raster per date", {"", "sigma", std::to_string(sigma.size())});
  for (std::size_t i = 1; i < dates.size(); ++i)
    if (!(dates[i] > dates[i - 1])) throw InvalidInput("dates must be strictly increasing", {"", "dates[" + std::to_string(i) + "]", dates[i].iso(0)});
  const auto L = cumulative[0].length(), W = cumulative[0].width();
  for (std::size_t k = 0; k < cumulative.size(); ++k) {
    if (cumulative[k].length() != L || cumulative[k].width() != W)
      throw InvalidInput("rasters differ in size", {"", "cumulative[" + std::to_string(k) + "]", std::to_string(cumulative[k].length()) + "x" + std::to_string(cumulative[k].width())});
    if (!sigma.empty() && (sigma[k].length() != L || sigma[k].width() != W))
      throw InvalidInput("sigma raster differs in size", {"", "sigma[" + std::to_string(k) + "]", std::to_string(sigma[k].length()) + "x" + std::to_string(sigma[k].width())});
  }
  if (!onsetDays.empty() && (onsetDays.length() != L || onsetDays.width() != W))
    throw InvalidInput("onset raster differs in size", {"", "onset_days", std::to_string(onsetDays.length()) + "x" + std::to_string(onsetDays.width())});
  AlertMaps out;
  out.epoch = dates.front();
  const float nanf = std::numeric_limits<float>::quiet_NaN();
  out.alert = Raster<std::uint8_t>(L, W, 255);
  out.velocity = Raster<float>(L, W, nanf);
  out.failureDays = Raster<float>(L, W, nanf);
  out.lowDays = Raster<float>(L, W, nanf);
  out.highDays = Raster<float>(L, W, nanf);
  const std::vector<double> t = daysOf(dates);
  const double asOf = t.back();
  parallelForBlocks(makeBlocks(L, W, params.blockRows), [&](const Block& b) {
    std::vector<double> y(dates.size()), s(sigma.empty() ? 0 : dates.size());
    for (std::int64_t r = b.row0; r < b.row0 + b.rows; ++r)
      for (std::int64_t c = b.col0; c < b.col0 + b.cols; ++c) {
        for (std::size_t k = 0; k < dates.size(); ++k) {
          y[k] = cumulative[k](r, c);
          if (!sigma.empty()) s[k] = sigma[k](r, c);
        }
        VelocitySeries v = velocitiesCore(t, y, s, params.inverse.velocity);
        v.epoch = out.epoch;
        if (v.v.empty()) continue;
        const bool haveOnset = !onsetDays.empty() && std::isfinite(onsetDays(r, c));
        double start;
        if (haveOnset) start = onsetDays(r, c);
        else start = v.start[v.v.size() - std::min<std::size_t>(v.v.size(), static_cast<std::size_t>(params.fitLastN))];
        FailureForecast f;
        if (haveOnset || !params.requireOnset) f = fitInverse(v, start, asOf, params.inverse);
        else f.reason = "no accelerating stage at this pixel";
        const double last = v.v.back();
        out.velocity(r, c) = static_cast<float>(last);
        out.alert(r, c) = static_cast<std::uint8_t>(alertLevel(last, f, params.alerts));
        if (f.valid) {
          out.failureDays(r, c) = static_cast<float>(asOf + f.leadDays);
          out.lowDays(r, c) = static_cast<float>(f.low.secondsSince(out.epoch) / kSecPerDay);
          out.highDays(r, c) = f.upperUnbounded ? std::numeric_limits<float>::infinity()
                                                : static_cast<float>(f.high.secondsSince(out.epoch) / kSecPerDay);
        }
      }
  });
  return out;
}

}  // namespace orthotrack::analysis

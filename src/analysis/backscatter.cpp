#include "orthotrack/analysis/backscatter.hpp"

#include <cmath>
#include <limits>

#include "orthotrack/core/error.hpp"

namespace orthotrack::analysis {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// Mean (dB) and its standard error (dB) of the pixels inside a mask.
void areaMean(const Raster<float>& img, const Raster<std::uint8_t>& mask, const BackscatterParams& p, double& mean, double& se) {
  double s = 0, s2 = 0;
  int n = 0;
  for (std::size_t i = 0; i < mask.size(); ++i) {
    if (!mask.data()[i]) continue;
    const double db = img.data()[i];
    if (!std::isfinite(db)) continue;
    const double v = p.averageLinearPower ? std::pow(10.0, db / 10.0) : db;
    s += v; s2 += v * v; ++n;
  }
  if (n < p.minPixels) { mean = se = kNaN; return; }
  const double m = s / n;
  const double sd = n > 1 ? std::sqrt(std::max(0.0, (s2 - n * m * m) / (n - 1))) : kNaN;
  if (p.averageLinearPower) {
    mean = m > 0 ? 10.0 * std::log10(m) : kNaN;
    se = m > 0 ? 10.0 / std::log(10.0) * (sd / std::sqrt(n)) / m : kNaN;  // d(10 log10 x) = 4.343 dx/x
  } else {
    mean = m;
    se = sd / std::sqrt(n);
  }
}
}  // namespace

void BackscatterParams::validate() const {
  if (minPixels < 1) throw InvalidInput("must be >= 1", {"", "backscatter.min_pixels", std::to_string(minPixels)});
}

BackscatterSeries backscatterProxy(const std::vector<DateTime>& dates, const std::vector<double>& slideDb,
                                   const std::vector<double>& stableDb, const std::vector<std::string>& platform,
                                   const BackscatterParams& params, const std::vector<double>& slideSigmaDb,
                                   const std::vector<double>& stableSigmaDb) {
  params.validate();
  const std::size_t n = dates.size();
  if (n == 0) throw InvalidInput("no dates", {"", "dates", "0"});
  if (slideDb.size() != n || stableDb.size() != n || platform.size() != n)
    throw InvalidInput("slide, stable and platform need one entry per date",
                       {"", "slide_db/stable_db/platform", std::to_string(slideDb.size()) + "/" + std::to_string(stableDb.size()) + "/" + std::to_string(platform.size()) + " for " + std::to_string(n)});
  if ((!slideSigmaDb.empty() && slideSigmaDb.size() != n) || (!stableSigmaDb.empty() && stableSigmaDb.size() != n))
    throw InvalidInput("sigma must be empty or hold one value per date", {"", "slide_sigma_db", std::to_string(slideSigmaDb.size())});
  for (std::size_t i = 0; i < n; ++i)
    if (platform[i].empty()) throw InvalidInput("empty platform label", {"", "platform[" + std::to_string(i) + "]", ""});
  BackscatterSeries out;
  out.dates = dates;
  out.platform = platform;
  out.slideDb = slideDb;
  out.stableDb = stableDb;
  out.slideSigmaDb = slideSigmaDb.empty() ? std::vector<double>(n, kNaN) : slideSigmaDb;
  out.stableSigmaDb = stableSigmaDb.empty() ? std::vector<double>(n, kNaN) : stableSigmaDb;
  const bool useStable = params.method != BackscatterMethod::PlatformDemeaned;
  out.proxyDb.resize(n);
  out.proxySigmaDb.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    out.proxyDb[i] = useStable ? slideDb[i] - stableDb[i] : slideDb[i];
    const double a = out.slideSigmaDb[i], b = out.stableSigmaDb[i];
    out.proxySigmaDb[i] = useStable ? std::sqrt(a * a + b * b) : a;
  }
  std::map<std::string, std::pair<double, int>> stable, proxy;
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isfinite(stableDb[i])) { stable[platform[i]].first += stableDb[i]; stable[platform[i]].second++; }
    if (std::isfinite(out.proxyDb[i])) { proxy[platform[i]].first += out.proxyDb[i]; proxy[platform[i]].second++; }
  }
  for (const auto& [k, v] : stable) out.stableMeanDb[k] = v.first / v.second;
  if (params.method != BackscatterMethod::SlideMinusStable) {
    for (const auto& [k, v] : proxy) out.platformOffsetDb[k] = v.first / v.second;
    for (std::size_t i = 0; i < n; ++i) {
      const auto it = out.platformOffsetDb.find(platform[i]);
      out.proxyDb[i] = it == out.platformOffsetDb.end() ? kNaN : out.proxyDb[i] - it->second;
    }
  }
  return out;
}

BackscatterSeries backscatterProxy(const std::vector<DateTime>& dates, const std::vector<Raster<float>>& sigma0Db,
                                   const Raster<std::uint8_t>& slideMask, const Raster<std::uint8_t>& stableMask,
                                   const std::vector<std::string>& platform, const BackscatterParams& params) {
  params.validate();
  if (sigma0Db.size() != dates.size())
    throw InvalidInput("one sigma0 raster per date is needed", {"", "sigma0_db", std::to_string(sigma0Db.size()) + " rasters for " + std::to_string(dates.size()) + " dates"});
  std::vector<double> s(dates.size()), r(dates.size()), ss(dates.size()), rs(dates.size());
  for (std::size_t k = 0; k < dates.size(); ++k) {
    const auto& img = sigma0Db[k];
    if (img.length() != slideMask.length() || img.width() != slideMask.width() || img.length() != stableMask.length() || img.width() != stableMask.width())
      throw InvalidInput("sigma0 raster and masks differ in size", {"", "sigma0_db[" + std::to_string(k) + "]", std::to_string(img.length()) + "x" + std::to_string(img.width())});
    areaMean(img, slideMask, params, s[k], ss[k]);
    areaMean(img, stableMask, params, r[k], rs[k]);
  }
  return backscatterProxy(dates, s, r, platform, params, ss, rs);
}

}  // namespace orthotrack::analysis

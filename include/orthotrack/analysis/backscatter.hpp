#pragma once
/// Backscatter as a soil-moisture proxy (paper §5.2): calibrated σ0 (dB) averaged over the slide and
/// over stable ground per date, with the platform calibration difference removed. docs/analysis.md §4.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "orthotrack/core/datetime.hpp"
#include "orthotrack/core/raster.hpp"

namespace orthotrack::analysis {

enum class BackscatterMethod {
  SlideMinusStable,          ///< P(t) = S(t) − R(t): removes any per-date offset common to both areas
  PlatformDemeaned,          ///< P(t) = S(t) − mean_{platform(t)} S: removes a per-platform constant
  SlideMinusStableDemeaned,  ///< both: S − R, then its per-platform mean removed
};

struct BackscatterParams {
  BackscatterMethod method = BackscatterMethod::SlideMinusStable;
  bool averageLinearPower = true;  ///< average σ0 in linear power, then convert to dB (else average dB)
  int minPixels = 5;               ///< per area and date; fewer → NaN
  void validate() const;
};

struct BackscatterSeries {
  std::vector<DateTime> dates;
  std::vector<std::string> platform;
  std::vector<double> slideDb, stableDb;   ///< area means (dB)
  std::vector<double> slideSigmaDb, stableSigmaDb;  ///< standard errors of the area means (dB)
  std::vector<double> proxyDb;             ///< the soil-moisture proxy (dB)
  std::vector<double> proxySigmaDb;
  std::map<std::string, double> platformOffsetDb;  ///< removed per-platform mean (demeaned methods)
  /// Mean stable-area σ0 per platform (dB): their difference estimates the calibration offset.
  std::map<std::string, double> stableMeanDb;
};

/// From per-date σ0 rasters (dB) and masks (!= 0 inside). NaN pixels are skipped.
BackscatterSeries backscatterProxy(const std::vector<DateTime>& dates, const std::vector<Raster<float>>& sigma0Db,
                                   const Raster<std::uint8_t>& slideMask, const Raster<std::uint8_t>& stableMask,
                                   const std::vector<std::string>& platform, const BackscatterParams& params = {});
/// From per-date area means (dB) already computed (σ of the means may be empty).
BackscatterSeries backscatterProxy(const std::vector<DateTime>& dates, const std::vector<double>& slideDb,
                                   const std::vector<double>& stableDb, const std::vector<std::string>& platform,
                                   const BackscatterParams& params = {}, const std::vector<double>& slideSigmaDb = {},
                                   const std::vector<double>& stableSigmaDb = {});

}  // namespace orthotrack::analysis

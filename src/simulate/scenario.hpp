#pragma once
// The Baige-like scenario: terrain, landslide, creep curve, weather and acquisition plan.
// Ground coordinates (E, N) are metres east/north of the scene centre on a local tangent plane;
// x = E − riverE(N) is the distance east of the river.
#include <array>
#include <string>
#include <vector>

#include "orthotrack/core/datetime.hpp"
#include "orthotrack/core/ellipsoid.hpp"
#include "orthotrack/core/vec3.hpp"

namespace orthotrack::simulate::detail {

struct PlatformSpec {
  std::string name;          // "PALSAR-1"
  std::string idPrefix;      // "ALOS1"
  std::string sensor;        // free text
  double wavelength;         // m
  double rangeSpacing;       // m (slant)
  double rangeBandwidth;     // Hz
  double prf;                // Hz (azimuth time interval = 1/prf)
  double offNadirDeg;        // nominal off-nadir angle of the beam (degrees)
  double azimuthBandwidth;   // Hz (processed)
  double utcHour;            // time of day of the pass (UTC hours)
  double calibrationDb;      // K in σ0 = 10 log10|DN|² + K
  double radiometricBiasDb;  // platform calibration difference applied to the images (dB)
};

struct Acquisition {
  DateTime date;        // sensing mid-time
  int platform;         // index into platforms
  double offNadirDelta; // degrees added to the nominal off-nadir angle (baseline spread)
  std::string id;
};

struct Stage {
  DateTime start, end;
  double rateMmPerDay;  // nominal LOS rate at P2 (magnitude)
  std::string label;
};

class Scenario {
 public:
  Scenario(std::uint64_t seed, double scale);

  // Frame.
  double lon0 = 98.70, lat0 = 31.08;  // degrees, scene centre
  double mPerRadLon = 0, mPerRadLat = 0;
  void toLonLat(double e, double n, double& lonDeg, double& latDeg) const;
  void toEN(double lonDeg, double latDeg, double& e, double& n) const;

  // Terrain (m above WGS84).
  double riverE(double n) const;
  double smoothHeight(double e, double n) const;
  double height(double e, double n) const;  // with roughness
  void smoothGradient(double e, double n, double& dhdE, double& dhdN) const;

  // Landslide.
  bool inSlide(double e, double n) const;
  double slideTaper(double e, double n) const;       // 0 outside .. 1 inside (away from the edge)
  std::vector<std::array<double, 2>> slideBoundaryLonLat(int points) const;
  std::array<std::array<double, 2>, 4> pointsEN;     // P1..P4 (E, N)
  /// 3-D displacement (ENU, m) of the ground at (e, n) at time t, relative to the first date.
  Vec3 displacement(double e, double n, const DateTime& t) const;
  /// Displacement per metre of creep (ENU, m/m): displacement = creep(t) · perCreep(e, n).
  Vec3 perCreep(double e, double n) const;
  /// Displacement per metre of creep (ENU, m/m) of the material that lies at (e, n) when the creep
  /// is `creepNow` (m): the origin X0 solves X0 + creepNow · perCreep(X0) = (e, n) horizontally
  /// (fixed point). The truth is attributed this way, because images co-registered to the master
  /// show at each place the material that is there at the master date.
  Vec3 perCreepOfMaterialAt(double e, double n, double creepNow) const;
  /// Calibrates directions and amplitudes so that, in the master geometry (LOS and flight unit
  /// vectors at P2 and P4 given), P2 reaches the paper's LOS/azimuth ratio and P4 its LOS ratio.
  void calibrate(const Vec3& losP2, const Vec3& flightP2, const Vec3& losP4, const Vec3& flightP4);
  /// Cumulative LOS magnitude at P2 (m) since the first date.
  double creep(const DateTime& t) const;
  double creepRateMmPerDay(const DateTime& t) const;
  std::vector<Stage> stages;
  DateTime failure{2018, 10, 11};
  double deformationLagMonths = 2.0;   // rate lags precipitation by this
  double soilMoistureLagMonths = 1.0;  // σ0 lags precipitation by this
  double psi2 = 0, psi4 = 0, ampScale = 1, amp4 = 0.6, amp1 = 0.85;  // calibrated

  // Weather.
  struct Month { int year, month; double mm; };
  std::vector<Month> precipitation;
  double precipitationAt(const DateTime& t) const;     // mm/month of the month holding t
  double soilMoistureDb(const DateTime& t) const;      // backscatter change (dB) from soil moisture

  // Acquisitions.
  std::vector<PlatformSpec> platforms;
  std::vector<Acquisition> acquisitions;
  int masterIndex = 0;  // the designated final master (second platform's central scene)

  // Scatterers: the speckle process.
  double coherenceFloorStable = 0.20, coherenceTauStable = 60.0;  // days
  double coherenceFloorSlide = 0.05, coherenceTauSlide = 40.0;

  std::uint64_t seed;
  double scale;  // 1 = small

 private:
  std::vector<double> profileTable_;  // height above the river (m) at x = 0, 1, 2 ... m
  double profile(double x) const;
  double slideQ(double e, double n) const;
  Vec3 direction(double e, double n) const;
  double amplitude(double e, double n) const;
  std::vector<double> creepTable_;  // cumulative (m) per day since creepStart_
  DateTime creepStart_;
};

}  // namespace orthotrack::simulate::detail

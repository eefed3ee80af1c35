#include "scenario.hpp"

#include <algorithm>
#include <cmath>

#include "orthotrack/core/error.hpp"
#include "random.hpp"

namespace orthotrack::simulate::detail {
namespace {
double lerp(double a, double b, double t) { return a + (b - a) * t; }
double clamp01(double t) { return std::clamp(t, 0.0, 1.0); }
double smoothstep(double t) {
  t = clamp01(t);
  return t * t * (3 - 2 * t);
}
// Slope (degrees) of the slide-side valley wall as a function of the distance x (m) east of the river.
double wallSlopeDeg(double x) {
  if (x < 150) return 40;
  if (x < 300) return lerp(40, 27, (x - 150) / 150);
  if (x < 1250) return 27;
  if (x < 1400) return lerp(27, 52, (x - 1250) / 150);
  if (x < 1550) return 52;
  if (x < 1750) return lerp(52, 4, (x - 1550) / 200);
  return 4;
}
}  // namespace

Scenario::Scenario(std::uint64_t seedIn, double scaleIn) : seed(seedIn), scale(scaleIn) {
  const Ellipsoid ell;
  const double lat = lat0 * kDeg;
  mPerRadLon = ell.rEast(lat) * std::cos(lat);
  mPerRadLat = ell.rNorth(lat);

  // Valley-wall profile: integrate tan(slope), scaled so the ridge (x = 1550 m) is 828 m above the river.
  const int n = 20000;
  profileTable_.resize(n + 1);
  double h = 0;
  profileTable_[0] = 0;
  for (int i = 1; i <= n; ++i) {
    h += std::tan(wallSlopeDeg(i - 0.5) * kDeg);
    profileTable_[static_cast<std::size_t>(i)] = h;
  }
  const double k = 828.0 / profileTable_[1550];
  for (auto& v : profileTable_) v *= k;

  // Slide points: (x east of the river, N).
  const double px[4] = {1230, 880, 600, 380}, pn[4] = {-80, 0, -140, 40};
  for (int i = 0; i < 4; ++i) pointsEN[static_cast<std::size_t>(i)] = {riverE(pn[i]) + px[i], pn[i]};

  // Platforms (ALOS PALSAR FBS HH; ALOS-2 PALSAR-2 stripmap SM3).
  platforms.push_back({"PALSAR-1", "ALOS1", "ALOS PALSAR FBS (simulated)", 0.2360571, 4.684257, 28e6, 2155.17, 34.3, 1700.0,
                       3.0 + 55.0 / 60.0, -83.0, 0.0});
  platforms.push_back({"PALSAR-2", "ALOS2", "ALOS-2 PALSAR-2 SM3 (simulated)", 0.2424525, 4.291, 28e6, 2083.33, 33.05, 1600.0,
                       5.0 + 25.0 / 60.0, -83.0, 1.5});

  // Acquisition plan: PALSAR-1 every 46 days with gaps, PALSAR-2 every 14 days with gaps; both
  // include the dates the paper names.
  const int n1[] = {0, 2, 4, 8, 10, 12, 16, 18, 20, 24, 25, 28, 30, 33};
  const int n2[] = {0, 10, 21, 26, 34, 45, 52, 60, 68, 76, 84, 89, 95, 101};
  const DateTime base1(2007, 1, 2), base2(2014, 10, 6);
  auto add = [&](const DateTime& base, int days, int platform, bool central) {
    Acquisition a;
    const auto& p = platforms[static_cast<std::size_t>(platform)];
    a.date = base.plusSeconds(days * 86400.0 + p.utcHour * 3600.0);
    a.platform = platform;
    double g1, g2;
    normal2(hash(seed, 77, static_cast<std::uint64_t>(platform), static_cast<std::uint64_t>(days)), g1, g2);
    a.offNadirDelta = central ? 0.0 : 0.05 * g1;
    a.id = p.idPrefix + "_" + a.date.compactDate();
    acquisitions.push_back(a);
  };
  for (int v : n1) add(base1, 46 * v, 0, v == 16);
  for (int v : n2) add(base2, 14 * v, 1, v == 52);
  masterIndex = 14 + 6;  // ALOS2 2016-10-03

  // Weather: monthly precipitation with a summer monsoon, interannual variability, and its maximum
  // in August 2018.
  double mx = 0;
  for (int y = 2006; y <= 2018; ++y)
    for (int m = 1; m <= 12; ++m) {
      double g1, g2;
      normal2(hash(seed, 91, static_cast<std::uint64_t>(y), static_cast<std::uint64_t>(m)), g1, g2);
      const double clim = 10.0 + 180.0 * std::exp(-0.5 * std::pow((m - 7.6) / 1.15, 2));
      const double v = clim * std::exp(0.25 * g1 - 0.03);
      precipitation.push_back({y, m, v});
      mx = std::max(mx, v);
    }
  for (auto& p : precipitation)
    if (p.year == 2018 && p.month == 8) p.mm = 1.2 * mx;

  // Creep stages (LOS magnitude at P2), the paper's section 5.1.
  stages = {{DateTime(2007, 1, 2), DateTime(2010, 1, 10), 6.0, "initial deformation (primary creep)"},
            {DateTime(2010, 1, 10), DateTime(2015, 7, 27), 10.0, "constant deformation (secondary creep)"},
            {DateTime(2015, 7, 27), DateTime(2016, 10, 3), 17.0, "initial acceleration"},
            {DateTime(2016, 10, 3), DateTime(2018, 5, 28), 35.0, "medium-term acceleration"},
            {DateTime(2018, 5, 28), failure, 92.0, "sliding (accelerating to failure)"}};
  creepStart_ = acquisitions.front().date;  // displacement is zero at the first acquisition
  const int days = static_cast<int>(failure.secondsSince(creepStart_) / 86400.0);
  creepTable_.assign(static_cast<std::size_t>(days) + 1, 0.0);
  for (int d = 1; d <= days; ++d) {
    const DateTime t = creepStart_.plusSeconds((d - 0.5) * 86400.0);
    creepTable_[static_cast<std::size_t>(d)] = creepTable_[static_cast<std::size_t>(d - 1)] + creepRateMmPerDay(t) * 1e-3;
  }
}

void Scenario::toLonLat(double e, double n, double& lonDeg, double& latDeg) const {
  lonDeg = lon0 + e / mPerRadLon / kDeg;
  latDeg = lat0 + n / mPerRadLat / kDeg;
}
void Scenario::toEN(double lonDeg, double latDeg, double& e, double& n) const {
  e = (lonDeg - lon0) * kDeg * mPerRadLon;
  n = (latDeg - lat0) * kDeg * mPerRadLat;
}

double Scenario::riverE(double n) const { return -900.0 + 150.0 * std::sin(n / 1800.0); }

double Scenario::profile(double x) const {
  if (x < 0) return 760.0 * (1.0 - std::exp(x / 520.0));  // west bank, rising westwards
  const double maxX = static_cast<double>(profileTable_.size() - 1);
  if (x >= maxX) return profileTable_.back() + (x - maxX) * std::tan(4 * kDeg);
  const auto i = static_cast<std::size_t>(x);
  return lerp(profileTable_[i], profileTable_[i + 1], x - static_cast<double>(i));
}

double Scenario::smoothHeight(double e, double n) const {
  const double x = e - riverE(n);
  double h = 2900.0 + 0.004 * n + profile(x);
  if (x > 0) h += 30.0 * std::sin(n / 600.0) * std::min(1.0, x / 300.0);
  return h;
}

double Scenario::height(double e, double n) const {
  return smoothHeight(e, n) + 7.0 * fractalNoise(e / 240.0, n / 240.0, seed + 11, 3) +
         2.0 * fractalNoise(e / 45.0, n / 45.0, seed + 23, 2);
}

void Scenario::smoothGradient(double e, double n, double& dhdE, double& dhdN) const {
  const double d = 5.0;
  dhdE = (smoothHeight(e + d, n) - smoothHeight(e - d, n)) / (2 * d);
  dhdN = (smoothHeight(e, n + d) - smoothHeight(e, n - d)) / (2 * d);
}

double Scenario::slideQ(double e, double n) const {
  const double x = e - riverE(n);
  const double u = (x - 760.0) / 700.0, v = n / 380.0;
  return std::pow(u * u * u * u + v * v * v * v, 0.25);
}
bool Scenario::inSlide(double e, double n) const { return slideQ(e, n) < 1.0; }
double Scenario::slideTaper(double e, double n) const { return smoothstep((1.0 - slideQ(e, n)) / 0.10); }

std::vector<std::array<double, 2>> Scenario::slideBoundaryLonLat(int points) const {
  std::vector<std::array<double, 2>> out;
  for (int i = 0; i <= points; ++i) {
    const double a = 2 * kPi * (i % points) / points;
    const double c = std::cos(a), s = std::sin(a);
    // Superellipse |u|^4 + |v|^4 = 1.
    const double r = 1.0 / std::pow(std::pow(std::abs(c), 4) + std::pow(std::abs(s), 4), 0.25);
    const double v = r * s, u = r * c;
    const double n = v * 380.0;
    const double e = riverE(n) + 760.0 + u * 700.0;
    double lon, lat;
    toLonLat(e, n, lon, lat);
    out.push_back({lon, lat});
  }
  return out;
}

Vec3 Scenario::direction(double e, double n) const {
  const double x = e - riverE(n);
  const double x4 = pointsEN[3][0] - riverE(pointsEN[3][1]), x2 = pointsEN[1][0] - riverE(pointsEN[1][1]);
  // Linear in x from P4 through P2 up to P1 (window averages of a linear field are unbiased at P2).
  const double x1 = pointsEN[0][0] - riverE(pointsEN[0][1]);
  const double f = std::clamp((x - x4) / (x2 - x4), 0.0, (x1 - x4) / (x2 - x4));
  const double psi = (psi4 + (psi2 - psi4) * f) * kDeg;
  double gE, gN;
  smoothGradient(e, n, gE, gN);
  const double descent = -(gE * std::sin(psi) + gN * std::cos(psi));
  const double beta = std::atan(descent);
  return {std::sin(psi) * std::cos(beta), std::cos(psi) * std::cos(beta), -std::sin(beta)};
}

double Scenario::amplitude(double e, double n) const {
  const double taper = slideTaper(e, n);
  if (taper <= 0) return 0.0;
  const double x = e - riverE(n);
  auto xOf = [&](int i) { return pointsEN[static_cast<std::size_t>(i)][0] - riverE(pointsEN[static_cast<std::size_t>(i)][1]); };
  const double x1 = xOf(0), x2 = xOf(1), x4 = xOf(3);
  // Linear along the slope from P4 up to a plateau that starts 150 m below P2 and holds to P1 and
  // beyond (window averages of a linear profile are unbiased; the taper is confined to the rim).
  (void)x1;
  const double xs = x2 - 150.0;
  const double a = x >= xs ? 1.0 : amp4 + (1.0 - amp4) * (x - x4) / (xs - x4);
  return ampScale * a * taper;
}

Vec3 Scenario::perCreep(double e, double n) const {
  const double a = amplitude(e, n);
  if (a == 0.0) return Vec3::Zero();
  return a * direction(e, n);
}

Vec3 Scenario::perCreepOfMaterialAt(double e, double n, double creepNow) const {
  double e0 = e, n0 = n;
  Vec3 g = perCreep(e0, n0);
  for (int it = 0; it < 8 && g.squaredNorm() > 0.0; ++it) {  // contraction: |∇g|·creep ≪ 1
    e0 = e - creepNow * g.x();
    n0 = n - creepNow * g.y();
    g = perCreep(e0, n0);
  }
  // Material that came from outside the slide keeps still; material that left a place leaves still
  // ground behind only outside the polygon, where perCreep is zero anyway.
  return g;
}

Vec3 Scenario::displacement(double e, double n, const DateTime& t) const { return creep(t) * perCreep(e, n); }

void Scenario::calibrate(const Vec3& losP2, const Vec3& flightP2, const Vec3& losP4, const Vec3& flightP4) {
  auto solvePsi = [&](int point, const Vec3& los, const Vec3& flight, double ratio) {
    double best = 270, bestErr = 1e9;
    for (double p = 180.0; p <= 360.0; p += 0.01) {
      const double save2 = psi2, save4 = psi4;
      psi2 = psi4 = p;
      const Vec3 w = direction(pointsEN[static_cast<std::size_t>(point)][0], pointsEN[static_cast<std::size_t>(point)][1]);
      psi2 = save2;
      psi4 = save4;
      const double l = w.dot(los), az = -w.dot(flight);
      if (l >= 0) continue;
      const double err = std::abs(az / l - ratio);
      if (err < bestErr) { bestErr = err; best = p; }
    }
    if (bestErr > 1e-3) throw NoConvergence("simulator: cannot orient the slide motion for the requested LOS/azimuth ratio");
    return best;
  };
  psi2 = solvePsi(1, losP2, flightP2, 12.6 / -60.2);
  psi4 = solvePsi(3, losP4, flightP4, 2.5 / -38.8);
  // LOS at P2 = −creep: amplitude there must be 1 / (−ŵ·l̂).
  ampScale = 1.0;
  amp4 = 1.0;
  const auto& p2 = pointsEN[1];
  const auto& p4 = pointsEN[3];
  const Vec3 w2 = direction(p2[0], p2[1]);
  ampScale = 1.0 / (-w2.dot(losP2) * slideTaper(p2[0], p2[1]));
  const Vec3 w4 = direction(p4[0], p4[1]);
  amp4 = (38.8 / 60.2) / (ampScale * slideTaper(p4[0], p4[1]) * -w4.dot(losP4));
}

double Scenario::creep(const DateTime& t) const {
  const double d = t.secondsSince(creepStart_) / 86400.0;
  if (d <= 0) return 0.0;
  const double maxD = static_cast<double>(creepTable_.size() - 1);
  if (d >= maxD) return creepTable_.back();
  const auto i = static_cast<std::size_t>(d);
  return lerp(creepTable_[i], creepTable_[i + 1], d - static_cast<double>(i));
}

double Scenario::precipitationAt(const DateTime& t) const {
  for (const auto& m : precipitation)
    if (m.year == t.year() && m.month == t.month()) return m.mm;
  return 0.0;
}

namespace {
// Precipitation interpolated between mid-month values (mm/month), lagged by `lagMonths`.
double smoothPrecip(const Scenario& s, const DateTime& t, double lagMonths) {
  const DateTime tl = t.plusSeconds(-lagMonths * 30.4375 * 86400.0);
  const double fy = tl.decimalYear() * 12.0 - 0.5;  // months since year 0, mid-month nodes
  const double f0 = std::floor(fy);
  auto at = [&](double monthIndex) {
    const int y = static_cast<int>(std::floor(monthIndex / 12.0));
    const int m = static_cast<int>(monthIndex - y * 12.0) + 1;
    for (const auto& p : s.precipitation)
      if (p.year == y && p.month == m) return p.mm;
    return 50.0;
  };
  return at(f0) + (at(f0 + 1) - at(f0)) * (fy - f0);
}
}  // namespace

double Scenario::soilMoistureDb(const DateTime& t) const {
  // Soil moisture follows precipitation with a lag; backscatter rises by up to ~3 dB.
  const double p = smoothPrecip(*this, t, soilMoistureLagMonths);
  return 3.0 * std::min(1.0, p / 220.0);
}

double Scenario::creepRateMmPerDay(const DateTime& t) const {
  double base = stages.back().rateMmPerDay;
  for (std::size_t i = 0; i + 1 < stages.size(); ++i)
    if (t < stages[i].end) { base = stages[i].rateMmPerDay; break; }
  if (!(t < stages.back().start)) {
    // Voight/Fukuzono: v = C / (t_f − t) with the stage mean over 2018-05-28 .. 2018-08-20 = 92 mm/day.
    const double a = failure.secondsSince(stages.back().start) / 86400.0;
    const double b = failure.secondsSince(DateTime(2018, 8, 20)) / 86400.0;
    const double c = stages.back().rateMmPerDay * (a - b) / std::log(a / b);
    const double left = std::max(1.0, failure.secondsSince(t) / 86400.0);
    base = c / left;
  }
  double mean = 0;  // long-term mean monthly precipitation (mm) of the synthetic climate
  for (const auto& m : precipitation) mean += m.mm;
  mean /= static_cast<double>(precipitation.size());
  const double p = smoothPrecip(*this, t, deformationLagMonths);
  return base * std::max(0.3, 1.0 + 0.35 * (p / mean - 1.0) * 0.5);
}

}  // namespace orthotrack::simulate::detail

#include "orthotrack/simulate/simulate.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <iomanip>
#include <sstream>

#include <nlohmann/json.hpp>

#include "orthotrack/core/error.hpp"
#include "orthotrack/core/log.hpp"
#include "orthotrack/core/tiling.hpp"
#include "orthotrack/geometry/layers.hpp"
#include "orthotrack/geometry/orbit_tools.hpp"
#include "orthotrack/io/raster_io.hpp"
#include "orthotrack/io/scene.hpp"
#include "random.hpp"
#include "render.hpp"
#include "scenario.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace orthotrack::simulate {

using namespace detail;

SimSize parseSimSize(const std::string& s) {
  if (s == "tiny") return SimSize::Tiny;
  if (s == "small") return SimSize::Small;
  if (s == "medium") return SimSize::Medium;
  if (s == "full") return SimSize::Full;
  throw InvalidInput("size must be tiny, small, medium or full", {"", "size", s});
}

const char* simSizeName(SimSize s) {
  switch (s) {
    case SimSize::Tiny: return "tiny";
    case SimSize::Small: return "small";
    case SimSize::Medium: return "medium";
    case SimSize::Full: return "full";
  }
  return "?";
}

void SimParams::validate() const {
  if (outDir.empty()) throw InvalidInput("an output folder is required", {"", "out", ""});
  if (preset != "baige") throw InvalidInput("unknown preset (available: baige)", {"", "preset", preset});
  for (const auto& id : scenes)
    if (id.empty()) throw InvalidInput("empty scene id in the scene list", {"", "scenes", id});
}

namespace {

std::string fmt(double v, int prec = 6) {
  std::ostringstream s;
  s << std::setprecision(prec) << std::fixed << v;
  return s.str();
}

// The scene geometry of acquisition k with its TRUE orbit (designed to see the scene centre at
// centreHeight), on a grid of length × width centred on the ground point (gridE, 0) m (height gridH).
geometry::SceneGeometry designScene(const Scenario& sc, std::size_t k, double centreHeight, std::int64_t length,
                                    std::int64_t width, double gridE = 0.0, double gridH = 0.0) {
  const auto& a = sc.acquisitions[k];
  const auto& p = sc.platforms[static_cast<std::size_t>(a.platform)];
  auto d = a.platform == 0 ? geometry::OrbitDesign::palsar1Fbs(sc.lon0, sc.lat0, geometry::PassDirection::Descending, a.date)
                           : geometry::OrbitDesign::palsar2Stripmap(sc.lon0, sc.lat0, geometry::PassDirection::Descending, a.date);
  d.offNadirDeg = p.offNadirDeg + a.offNadirDelta;
  d.targetHeight = centreHeight;
  d.spanBefore = d.spanAfter = 120.0;
  Orbit orbit = geometry::designOrbit(d);
  RadarGrid g;
  g.wavelength = p.wavelength;
  g.lookSide = LookSide::Right;
  g.azimuthTimeInterval = 1.0 / p.prf;
  g.rangePixelSpacing = p.rangeSpacing;
  g.length = length;
  g.width = width;
  // Centre pixel on the grid centre.
  const Ellipsoid ell;
  double gridLon, gridLat;
  sc.toLonLat(gridE, 0.0, gridLon, gridLat);
  if (gridE == 0.0) gridH = centreHeight;
  g.sensingStart = a.date;
  g.startingRange = 800e3;
  geometry::SceneGeometry probe(orbit, g);
  double t = std::numeric_limits<double>::quiet_NaN(), r;
  if (geometry::geo2rdr(ell.toXyz({gridLon * kDeg, gridLat * kDeg, gridH}), probe, t, r) != Status::Ok)
    throw NoConvergence("simulator: the designed orbit does not see the scene centre");
  g.sensingStart = orbit.toDateTime(t - 0.5 * static_cast<double>(length - 1) * g.azimuthTimeInterval);
  g.startingRange = r - 0.5 * static_cast<double>(width - 1) * g.rangePixelSpacing;
  return geometry::SceneGeometry(orbit, g);
}

// Grid of a secondary covering the master footprint (ground points) with a margin.
geometry::SceneGeometry coverFootprint(const geometry::SceneGeometry& probe, const std::vector<Vec3>& footprint,
                                       double marginLines, double marginSamples) {
  double l0 = 1e18, l1 = -1e18, s0 = 1e18, s1 = -1e18;
  double t = std::numeric_limits<double>::quiet_NaN();
  for (const auto& p : footprint) {
    double r;
    if (geometry::geo2rdr(p, probe, t, r) != Status::Ok) throw NoConvergence("simulator: footprint outside an orbit");
    l0 = std::min(l0, probe.line(t));
    l1 = std::max(l1, probe.line(t));
    s0 = std::min(s0, probe.sample(r));
    s1 = std::max(s1, probe.sample(r));
  }
  const auto li = static_cast<std::int64_t>(std::floor(l0 - marginLines));
  const auto si = static_cast<std::int64_t>(std::floor(s0 - marginSamples));
  const auto len = static_cast<std::int64_t>(std::ceil(l1 + marginLines)) - li + 1;
  const auto wid = static_cast<std::int64_t>(std::ceil(s1 + marginSamples)) - si + 1;
  RadarGrid g = probe.grid();
  g.sensingStart = g.sensingStart.plusSeconds(static_cast<double>(li) * g.azimuthTimeInterval);
  g.startingRange = g.startingRange + static_cast<double>(si) * g.rangePixelSpacing;
  g.length = len;
  g.width = wid;
  return geometry::SceneGeometry(probe.orbit(), g);
}

// The orbit as the product's metadata gives it: the true orbit with a timing error and a constant
// position error (the co-registration must absorb both).
Orbit metadataOrbit(const Scenario& sc, std::size_t k, const Orbit& truth, double& dt, Vec3& dp) {
  double g1, g2, g3, g4;
  normal2(hash(sc.seed, 501, k), g1, g2);
  normal2(hash(sc.seed, 502, k), g3, g4);
  dt = 0.4e-3 * g1;
  dp = Vec3(0.5 * g2, 0.5 * g3, 0.5 * g4);
  std::vector<StateVector> svs;
  for (const auto& sv : truth.stateVectors()) svs.push_back({sv.time.plusSeconds(dt), sv.position + dp, sv.velocity});
  return Orbit(svs);
}

void writeText(const std::string& path, const std::string& s) { io::writeFileAtomic(path, s); }

constexpr std::int64_t kTruthBlockRows = 256;  // rows per streamed block of truth rasters (tile height)

// Per pixel of a block of a truth grid: displacement per unit creep g (ENU, m/m), unit LOS l̂
// (target → sensor) and unit horizontal flight direction â (ENU) of the master geometry.
struct ProjectionBlock {
  std::int64_t rows = 0, cols = 0;
  std::vector<Vec3> g, los, flight;
  void resize(std::int64_t r, std::int64_t c) {
    rows = r;
    cols = c;
    const auto n = static_cast<std::size_t>(r * c);
    g.assign(n, Vec3::Zero());
    los.assign(n, Vec3::Zero());
    flight.assign(n, Vec3::Zero());
  }
};
// Fills rows [row0, row0 + b.rows) of the grid into b (already sized).
using FillProjection = std::function<void(std::int64_t row0, ProjectionBlock& b)>;

// Writes the per-date truth bands los_<YYYYMMDD>, az_<YYYYMMDD> (m) of a grid block by block:
// d_los = c(t)·g·l̂, d_az = −c(t)·g·â with c(t) the creep at P2 (docs/conventions.md), so memory
// is one block whatever the grid size. With `enuPath`, also writes east/north/up = c(last)·g.
void writeDisplacementTruth(const Scenario& sc, const std::vector<std::size_t>& dates, const std::string& path,
                            std::int64_t length, std::int64_t width, const GeoGrid* geo, const FillProjection& fill,
                            const std::string& enuPath = "") {
  const auto nd = static_cast<int>(dates.size());
  io::RasterWriter w(path, length, width, 2 * nd, io::DataType::Float32, geo);
  w.setMetadata("CONVENTIONS", "LOS negative = away from the sensor; azimuth positive = opposite to the flight direction; m, relative to the first date, master geometry");
  w.setMetadata("FIRST_DATE", sc.acquisitions.front().date.isoDate());
  std::unique_ptr<io::RasterWriter> we;
  if (!enuPath.empty()) {
    we = std::make_unique<io::RasterWriter>(enuPath, length, width, 3, io::DataType::Float32, geo);
    const char* names[3] = {"east", "north", "up"};
    for (int b = 0; b < 3; ++b) {
      we->setBandName(b + 1, names[b]);
      we->setBandUnit(b + 1, "m");
    }
    we->setMetadata("DATE", sc.acquisitions[dates.back()].date.isoDate());
  }
  for (int k = 0; k < nd; ++k) {
    const std::string d = sc.acquisitions[dates[static_cast<std::size_t>(k)]].date.compactDate();
    w.setBandName(2 * k + 1, "los_" + d);
    w.setBandName(2 * k + 2, "az_" + d);
    w.setBandUnit(2 * k + 1, "m");
    w.setBandUnit(2 * k + 2, "m");
  }
  ProjectionBlock b;
  for (std::int64_t row0 = 0; row0 < length; row0 += kTruthBlockRows) {
    b.resize(std::min(kTruthBlockRows, length - row0), width);
    fill(row0, b);
    const auto n = static_cast<std::size_t>(b.rows * b.cols);
    std::vector<float> los(n), az(n);
    // Projections per unit creep, then scaled per date (c(t) is a scalar).
    std::vector<double> pl(n), pa(n);
    for (std::size_t p = 0; p < n; ++p) {
      pl[p] = b.g[p].dot(b.los[p]);
      pa[p] = -b.g[p].dot(b.flight[p]);
    }
    for (int k = 0; k < nd; ++k) {
      const double cr = sc.creep(sc.acquisitions[dates[static_cast<std::size_t>(k)]].date);
      for (std::size_t p = 0; p < n; ++p) {
        los[p] = static_cast<float>(cr * pl[p]);
        az[p] = static_cast<float>(cr * pa[p]);
      }
      w.write(2 * k + 1, row0, 0, b.rows, b.cols, los.data());
      w.write(2 * k + 2, row0, 0, b.rows, b.cols, az.data());
    }
    if (we) {
      const double cr = sc.creep(sc.acquisitions[dates.back()].date);
      for (int c = 0; c < 3; ++c) {
        for (std::size_t p = 0; p < n; ++p) los[p] = static_cast<float>(cr * b.g[p][c]);
        we->write(c + 1, row0, 0, b.rows, b.cols, los.data());
      }
    }
  }
  w.commit();
  if (we) we->commit();
}

}  // namespace

SimSummary simulateStack(const SimParams& params) {
  params.validate();
  const auto t0 = std::chrono::steady_clock::now();
  if (params.threads > 0) setThreadCount(params.threads);
  auto log = log::get("simulate");
  const std::string out = fs::absolute(params.outDir).string();
  std::error_code ec;
  fs::create_directories(out + "/scenes", ec);
  fs::create_directories(out + "/truth", ec);
  if (ec) throw IoError("cannot create the output folder: " + ec.message(), {out, "", ""});

  const double scale = params.size == SimSize::Tiny     ? 0.256
                       : params.size == SimSize::Small  ? 1.0
                       : params.size == SimSize::Medium ? 3.0
                                                        : 10.0;
  Scenario sc(params.seed, scale);
  const std::int64_t L = std::llround(1000 * scale), W = std::llround(1000 * scale);
  const Ellipsoid ell;
  const std::size_t mi = static_cast<std::size_t>(sc.masterIndex);

  // Scenes to render (the master always).
  std::vector<bool> selected(sc.acquisitions.size(), params.scenes.empty());
  selected[mi] = true;
  for (const auto& want : params.scenes) {
    bool found = false;
    for (std::size_t k = 0; k < sc.acquisitions.size(); ++k)
      if (sc.acquisitions[k].id == want || sc.acquisitions[k].date.compactDate() == want) selected[k] = found = true;
    if (!found)
      throw InvalidInput("unknown scene (give an id such as ALOS2_20161003 or a date YYYYMMDD of the 28 acquisitions)",
                         {"", "scenes", want});
  }
  std::vector<std::size_t> rendered;
  for (std::size_t k = 0; k < sc.acquisitions.size(); ++k)
    if (selected[k]) rendered.push_back(k);

  // --- Terrain: DEM grid (1 arcsec, EPSG:4326) over the scene with margins.
  const double halfE = 0.5 * static_cast<double>(W) * 4.291 / std::sin(36.0 * kDeg) + 900.0;
  const double halfN = 0.5 * static_cast<double>(L) * 3.4 + 900.0;
  // The tiny master is centred 700 m west of the scene centre, so that its 256 × 256 px hold stable
  // ground, the river, the layover of the west wall and most of the slide; the others on the centre.
  const double centreE = params.size == SimSize::Tiny ? -700.0 : 0.0;
  Ground ground;
  ground.d = params.size == SimSize::Full ? 5.0 : 2.5;
  ground.e0 = centreE - halfE - 700.0;
  ground.e1 = centreE + halfE + 700.0;
  ground.n0 = -halfN - 700.0;
  ground.n1 = halfN + 700.0;
  double lonMin, latMin, lonMax, latMax;
  sc.toLonLat(ground.e0 - 1500.0, ground.n0 - 1500.0, lonMin, latMin);
  sc.toLonLat(ground.e1 + 1500.0, ground.n1 + 1500.0, lonMax, latMax);
  const double post = 1.0 / 3600.0;
  GeoGrid dg = GeoGrid::geographic(std::floor(lonMin / post) * post, std::ceil(lonMax / post) * post,
                                   std::floor(latMin / post) * post, std::ceil(latMax / post) * post, post);
  Raster<float> demTrue(dg.length, dg.width), demProc(dg.length, dg.width);
  parallelFor(dg.length, [&](std::int64_t r) {
    for (std::int64_t c = 0; c < dg.width; ++c) {
      double e, n;
      sc.toEN(dg.x(static_cast<double>(c)), dg.y(static_cast<double>(r)), e, n);
      const double h = sc.height(e, n);
      demTrue(r, c) = static_cast<float>(h);
      // SRTM-like errors: a bias and smooth errors of a few metres.
      demProc(r, c) = static_cast<float>(h + 3.0 + 5.0 * fractalNoise(e / 500.0, n / 500.0, params.seed + 909, 2));
    }
  });
  io::writeRaster(out + "/dem.tif", demProc, &dg, "height", "m", std::nullopt,
                  {{"DESCRIPTION", "simulated SRTM-like DEM (true DEM + bias + smooth errors), heights above WGS84"}});
  io::writeRaster(out + "/truth/dem_true.tif", demTrue, &dg, "height", "m");
  ground.dem = geometry::Dem(demTrue, dg);
  double hc;
  ground.dem.heightDeg(sc.lon0, sc.lat0, hc);
  log->info("terrain: DEM {} x {} at 1\", heights {:.0f}..{:.0f} m", dg.length, dg.width, ground.dem.minHeight(),
            ground.dem.maxHeight());

  // --- Master (final master: the central PALSAR-2 scene) and calibration of the slide motion.
  double gridH;
  {
    double lon, lat;
    sc.toLonLat(centreE, 0.0, lon, lat);
    ground.dem.heightDeg(lon, lat, gridH);
  }
  const geometry::SceneGeometry master = designScene(sc, mi, hc, L, W, centreE, gridH);
  auto viewAt = [&](const geometry::SceneGeometry& g, double e, double n, geometry::TargetView& v) {
    double lon, lat, h;
    sc.toLonLat(e, n, lon, lat);
    ground.dem.heightDeg(lon, lat, h);
    return geometry::viewFromTarget(g, {lon * kDeg, lat * kDeg, h}, v);
  };
  geometry::TargetView v2, v4;
  viewAt(master, sc.pointsEN[1][0], sc.pointsEN[1][1], v2);
  viewAt(master, sc.pointsEN[3][0], sc.pointsEN[3][1], v4);
  sc.calibrate(v2.losEnu, v2.flightEnu, v4.losEnu, v4.flightEnu);
  ground.gE.resize(dg.length, dg.width);
  ground.gN.resize(dg.length, dg.width);
  ground.gU.resize(dg.length, dg.width);
  parallelFor(dg.length, [&](std::int64_t r) {
    for (std::int64_t c = 0; c < dg.width; ++c) {
      double e, n;
      sc.toEN(dg.x(static_cast<double>(c)), dg.y(static_cast<double>(r)), e, n);
      const Vec3 g = sc.perCreep(e, n);
      ground.gE(r, c) = static_cast<float>(g.x());
      ground.gN(r, c) = static_cast<float>(g.y());
      ground.gU(r, c) = static_cast<float>(g.z());
    }
  });

  // Master footprint on the ground (border pixels, true DEM).
  std::vector<Vec3> footprint;
  {
    const std::int64_t stepPx = std::max<std::int64_t>(20, L / 50);
    auto add = [&](double line, double sample) {
      geometry::Rdr2GeoResult res;
      if (geometry::rdr2geo(master, line, sample, ground.dem, res) == Status::Ok) footprint.push_back(res.xyz);
    };
    for (std::int64_t i = 0; i <= L; i += stepPx) {
      add(static_cast<double>(std::min(i, L - 1)), 0);
      add(static_cast<double>(std::min(i, L - 1)), static_cast<double>(W - 1));
    }
    for (std::int64_t j = 0; j <= W; j += stepPx) {
      add(0, static_cast<double>(std::min(j, W - 1)));
      add(static_cast<double>(L - 1), static_cast<double>(std::min(j, W - 1)));
    }
  }

  // --- Scenes, each streamed to disk in bands of lines.
  io::Stack stack;
  stack.name = std::string("baige-simulated-") + simSizeName(params.size);
  stack.dem = out + "/dem.tif";
  stack.outputDir = out + "/run";
  stack.precipitation = out + "/precipitation.csv";
  stack.truthDir = out + "/truth";
  RenderOptions ropt;
  ropt.speckle = !params.noiseFreeTexture;
  std::vector<geometry::SceneGeometry> truthGeoms;
  json scenesJson = json::array();
  SimSummary summary;
  constexpr std::int64_t kSlcChunkLines = 512;  // lines rendered and written at a time (2 tile rows)
  for (const std::size_t k : rendered) {
    const auto& a = sc.acquisitions[k];
    const auto& plat = sc.platforms[static_cast<std::size_t>(a.platform)];
    geometry::SceneGeometry geom = k == mi ? master : coverFootprint(designScene(sc, k, hc, 2, 2), footprint, 48.0, 32.0);
    const auto ts = std::chrono::steady_clock::now();
    io::SceneMetadata md;
    md.id = a.id;
    md.platform = plat.name;
    md.sensor = plat.sensor;
    md.polarization = "HH";
    md.grid = geom.grid();
    double dt;
    Vec3 dp;
    md.orbit = metadataOrbit(sc, k, geom.orbit(), dt, dp);
    md.image = out + "/scenes/" + a.id + ".tif";
    md.imageKind = io::ImageKind::Slc;
    md.rangeBandwidth = plat.rangeBandwidth;
    md.azimuthBandwidth = plat.azimuthBandwidth;
    const double fsRange = kSpeedOfLight / (2.0 * geom.grid().rangePixelSpacing);
    const double pixArea = geom.grid().rangePixelSpacing / std::sin(36.0 * kDeg) * 3.4;
    md.calibrationConstantDb = -10.0 * std::log10(pixArea * std::min(0.95, plat.rangeBandwidth / fsRange) *
                                                  std::min(0.95, plat.azimuthBandwidth / geom.grid().prf()));
    {
      const SceneRenderer renderer(sc, ground, k, geom, ropt);
      const std::int64_t len = geom.grid().length, wid = geom.grid().width;
      io::RasterWriter w(md.image, len, wid, 1, io::DataType::CFloat32, nullptr);
      w.setBandName(1, "slc");
      w.setMetadata("SIMULATED", "orthotrack simulate, seed " + std::to_string(params.seed));
      Raster<cfloat> band(std::min(kSlcChunkLines, len), wid);
      for (std::int64_t row0 = 0; row0 < len; row0 += kSlcChunkLines) {
        const std::int64_t n = std::min(kSlcChunkLines, len - row0);
        const RasterView<cfloat> v = band.view().window(0, 0, n, wid);
        renderer.render(row0, v);
        w.write(1, row0, 0, n, wid, band.data());
      }
      w.commit();
    }
    md.metadataPath = out + "/scenes/" + a.id + ".json";
    io::writeSceneMetadata(md.metadataPath, md);
    stack.scenes.push_back(md);
    truthGeoms.push_back(geom);
    summary.sceneIds.push_back(a.id);
    summary.dates.push_back(a.date);
    geometry::Baseline bl;
    geometry::baseline(master, geom, {sc.lon0 * kDeg, sc.lat0 * kDeg, hc}, bl);
    scenesJson.push_back({{"id", a.id}, {"platform", plat.name}, {"date", a.date.iso(3)},
                          {"length", geom.grid().length}, {"width", geom.grid().width},
                          {"bperp_to_master_m", bl.perpendicular}, {"orbit_timing_error_s", dt},
                          {"orbit_position_error_m", {dp.x(), dp.y(), dp.z()}},
                          {"off_nadir_deg", plat.offNadirDeg + a.offNadirDelta},
                          {"creep_at_p2_m", sc.creep(a.date)}, {"soil_moisture_db", sc.soilMoistureDb(a.date)},
                          {"platform_bias_db", plat.radiometricBiasDb}});
    log->info("scene {:2}/{} {} ({} x {} px, B_perp {:+.0f} m) in {:.1f} s", summary.sceneIds.size(), rendered.size(), a.id,
              geom.grid().length, geom.grid().width, bl.perpendicular,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - ts).count());
  }

  // --- Truth, streamed in blocks of rows. Every place is given the displacement of the material
  // that lies there at the master date (what co-registered images show).
  const std::string tdir = out + "/truth";
  const double creepMaster = sc.creep(sc.acquisitions[mi].date);
  // True lookups master pixel -> scene pixel (static terrain, true orbits and DEM).
  for (std::size_t s = 0; s < rendered.size(); ++s) {
    const std::string id = sc.acquisitions[rendered[s]].id;
    io::RasterWriter w(tdir + "/lookup_" + id + ".tif", L, W, 2, io::DataType::Float32);
    w.setBandName(1, "line");
    w.setBandName(2, "sample");
    w.setNoData(1, std::nan(""));
    w.setMetadata("DESCRIPTION", "true master pixel -> " + id + " pixel (fractional line, sample)");
    Raster<float> line(kTruthBlockRows, W), sample(kTruthBlockRows, W);
    Raster<std::uint8_t> status(kTruthBlockRows, W);
    for (std::int64_t row0 = 0; row0 < L; row0 += kTruthBlockRows) {
      const std::int64_t n = std::min(kTruthBlockRows, L - row0);
      const auto blocks = makeBlocks(n, W, 32);
      parallelForBlocks(blocks, [&](const Block& b) {
        const Block full{row0 + b.row0, b.rows, 0, W};
        geometry::radarToRadarBlock<float>(master, truthGeoms[s], ground.dem, full, line.view().window(b.row0, 0, b.rows, W),
                                           sample.view().window(b.row0, 0, b.rows, W), status.view().window(b.row0, 0, b.rows, W));
      });
      w.write(1, row0, 0, n, W, line.data());
      w.write(2, row0, 0, n, W, sample.data());
    }
    w.commit();
  }
  // Displacement in the master radar grid, every rendered date.
  writeDisplacementTruth(sc, rendered, tdir + "/displacement_radar.tif", L, W, nullptr,
                         [&](std::int64_t row0, ProjectionBlock& pb) {
                           Raster<double> lon(pb.rows, W), lat(pb.rows, W);
                           Raster<float> le(pb.rows, W), ln(pb.rows, W), lu(pb.rows, W), fe(pb.rows, W), fn(pb.rows, W), fu(pb.rows, W);
                           geometry::TopoParams tp;
                           tp.layoverShadow = false;
                           const auto blocks = makeBlocks(pb.rows, W, 32);
                           parallelForBlocks(blocks, [&](const Block& b) {
                             geometry::TopoViews v;
                             auto win = [&](auto& r) { return r.view().window(b.row0, 0, b.rows, W); };
                             v.lon = win(lon); v.lat = win(lat);
                             v.losE = win(le); v.losN = win(ln); v.losU = win(lu);
                             v.flightE = win(fe); v.flightN = win(fn); v.flightU = win(fu);
                             geometry::computeTopoBlock(master, ground.dem, Block{row0 + b.row0, b.rows, 0, W}, v, tp);
                             for (std::int64_t r = b.row0; r < b.row0 + b.rows; ++r)
                               for (std::int64_t c = 0; c < W; ++c) {
                                 const auto p = static_cast<std::size_t>(r * W + c);
                                 if (!(lon(r, c) == lon(r, c))) continue;  // outside the DEM: zero displacement
                                 double e, n;
                                 sc.toEN(lon(r, c), lat(r, c), e, n);
                                 pb.g[p] = sc.perCreepOfMaterialAt(e, n, creepMaster);
                                 pb.los[p] = Vec3(le(r, c), ln(r, c), lu(r, c));
                                 pb.flight[p] = Vec3(fe(r, c), fn(r, c), fu(r, c));
                               }
                           });
                         });
  // Displacement on the map grid (the DEM grid over the master footprint), every rendered date, and ENU.
  {
    double fe0 = 1e18, fe1 = -1e18, fn0 = 1e18, fn1 = -1e18;
    for (const auto& p : footprint) {
      const auto llh = ell.toLonLatH(p);
      double e, n;
      sc.toEN(llh.lon / kDeg, llh.lat / kDeg, e, n);
      fe0 = std::min(fe0, e); fe1 = std::max(fe1, e); fn0 = std::min(fn0, n); fn1 = std::max(fn1, n);
    }
    double la0, lo0, la1, lo1;
    sc.toLonLat(fe0, fn0, lo0, la0);
    sc.toLonLat(fe1, fn1, lo1, la1);
    const auto c0 = static_cast<std::int64_t>(std::floor(dg.col(lo0))), c1 = static_cast<std::int64_t>(std::ceil(dg.col(lo1)));
    const auto r0 = static_cast<std::int64_t>(std::floor(dg.row(la1))), r1 = static_cast<std::int64_t>(std::ceil(dg.row(la0)));
    GeoGrid mg = dg;
    mg.transform[0] = dg.transform[0] + static_cast<double>(c0) * dg.dx();
    mg.transform[3] = dg.transform[3] + static_cast<double>(r0) * dg.dy();
    mg.length = r1 - r0 + 1;
    mg.width = c1 - c0 + 1;
    writeDisplacementTruth(sc, rendered, tdir + "/displacement_map.tif", mg.length, mg.width, &mg,
                           [&](std::int64_t row0, ProjectionBlock& pb) {
                             parallelFor(pb.rows, [&](std::int64_t r) {
                               const double lat = mg.y(static_cast<double>(row0 + r));
                               for (std::int64_t c = 0; c < pb.cols; ++c) {
                                 const double lon = mg.x(static_cast<double>(c));
                                 double e, n, h;
                                 sc.toEN(lon, lat, e, n);
                                 ground.dem.heightDeg(lon, lat, h);
                                 geometry::TargetView v;
                                 geometry::viewFromTarget(master, {lon * kDeg, lat * kDeg, h}, v);
                                 const auto p = static_cast<std::size_t>(r * pb.cols + c);
                                 pb.g[p] = sc.perCreepOfMaterialAt(e, n, creepMaster);
                                 pb.los[p] = v.losEnu;
                                 pb.flight[p] = v.flightEnu;
                               }
                             });
                           },
                           tdir + "/enu_map.tif");
  }
  // Points P1..P4.
  json points = json::array();
  {
    std::ostringstream csv;
    csv << "point,date,los_m,az_m,east_m,north_m,up_m\n";
    for (int p = 0; p < 4; ++p) {
      // The point is the material that started at pointsEN; its place is where it is at the master
      // date (what the co-registered products show there).
      const double e = sc.pointsEN[static_cast<std::size_t>(p)][0], n = sc.pointsEN[static_cast<std::size_t>(p)][1];
      const Vec3 gm = sc.perCreep(e, n);
      double lon, lat, h, lonOrigin, latOrigin;
      sc.toLonLat(e + creepMaster * gm.x(), n + creepMaster * gm.y(), lon, lat);
      sc.toLonLat(e, n, lonOrigin, latOrigin);
      ground.dem.heightDeg(lon, lat, h);
      geometry::TargetView v;
      geometry::viewFromTarget(master, {lon * kDeg, lat * kDeg, h}, v);
      for (const auto& a : sc.acquisitions) {
        const Vec3 u = sc.displacement(e, n, a.date);
        csv << "P" << p + 1 << "," << a.date.isoDate() << "," << fmt(u.dot(v.losEnu), 4) << "," << fmt(-u.dot(v.flightEnu), 4)
            << "," << fmt(u.x(), 4) << "," << fmt(u.y(), 4) << "," << fmt(u.z(), 4) << "\n";
      }
      const Vec3 uLast = sc.displacement(e, n, sc.acquisitions.back().date);
      points.push_back({{"name", "P" + std::to_string(p + 1)}, {"lon", lon}, {"lat", lat}, {"height_m", h},
                        {"lon_first_date", lonOrigin}, {"lat_first_date", latOrigin},
                        {"master_line", v.time}, {"final_los_m", uLast.dot(v.losEnu)}, {"final_az_m", -uLast.dot(v.flightEnu)},
                        {"final_downslope_m", uLast.norm()}});
    }
    writeText(tdir + "/points.csv", csv.str());
  }
  // Stages, polygon, precipitation, summary.
  json stages = json::array();
  {
    std::ostringstream csv;
    csv << "start,end,nominal_rate_mm_per_day,mean_rate_mm_per_day,label\n";
    for (const auto& s : sc.stages) {
      const double days = s.end.secondsSince(s.start) / 86400.0;
      const double mean = (sc.creep(s.end) - sc.creep(s.start)) / days * 1000.0;
      csv << s.start.isoDate() << "," << s.end.isoDate() << "," << s.rateMmPerDay << "," << fmt(mean, 2) << "," << s.label << "\n";
      stages.push_back({{"start", s.start.isoDate()}, {"end", s.end.isoDate()}, {"nominal_rate_mm_per_day", s.rateMmPerDay},
                        {"mean_rate_mm_per_day", mean}, {"label", s.label}});
    }
    writeText(tdir + "/stages.csv", csv.str());
  }
  {
    json ring = json::array();
    for (const auto& p : sc.slideBoundaryLonLat(96)) ring.push_back({p[0], p[1]});
    json gj = {{"type", "FeatureCollection"},
               {"features", {{{"type", "Feature"}, {"properties", {{"name", "landslide"}}},
                              {"geometry", {{"type", "Polygon"}, {"coordinates", {ring}}}}}}}};
    writeText(tdir + "/landslide.geojson", gj.dump(1) + "\n");
    std::ostringstream csv;
    csv << "date,precipitation_mm\n";
    for (const auto& m : sc.precipitation)
      csv << m.year << "-" << (m.month < 10 ? "0" : "") << m.month << "," << fmt(m.mm, 1) << "\n";
    writeText(out + "/precipitation.csv", csv.str());
  }
  json truth = {{"orthotrack_truth", 1},
                {"simulator_version", kSimulatorVersion},
                {"preset", params.preset},
                {"seed", params.seed},
                {"size", stack.name},
                {"master_id", sc.acquisitions[mi].id},
                {"failure_date", sc.failure.isoDate()},
                {"deformation_lag_months", sc.deformationLagMonths},
                {"soil_moisture_lag_months", sc.soilMoistureLagMonths},
                {"platform_bias_db", {{"PALSAR-1", sc.platforms[0].radiometricBiasDb}, {"PALSAR-2", sc.platforms[1].radiometricBiasDb}}},
                {"stages", stages},
                {"points", points},
                {"scenes", scenesJson},
                {"dem_error", "bias 3 m + smooth noise 5 m (std of the noise field) at ~500 m scale"},
                {"conventions", "LOS negative = away from the sensor; azimuth positive = opposite to the flight direction; "
                                "displacements in m relative to the first date, projected on the master geometry"}};
  writeText(tdir + "/truth.json", truth.dump(1) + "\n");
  stack.params["simulation"] = {{"seed", static_cast<std::int64_t>(params.seed)}};
  // The paper's network: temporal lower bounds 300 d / 70 d, upper bounds that keep the shortest such
  // pairs (31 + 44 in the paper), and 8 bridging pairs between the last and first three scenes.
  stack.params["network"] = {{"min_temporal_baseline_days", {{"PALSAR-1", 300.0}, {"PALSAR-2", 70.0}}},
                             {"max_temporal_baseline_days", {{"PALSAR-1", 650.0}, {"PALSAR-2", 490.0}}},
                             {"bridge_scenes", 3},
                             {"bridge_max_pairs", 8}};
  // Motion between the paired dates stays below ~8 px, so ±16 px of search suffice; a 32-px grid
  // step keeps the demo within minutes on two cores (users tracking at full density set step 16).
  stack.params["offsets"] = {{"windows", {64, 96, 128}}, {"search", 16}, {"step", 32}};
  io::writeStack(out + "/stack.toml", stack);

  summary.stackPath = out + "/stack.toml";
  summary.truthDir = tdir;
  summary.masterId = sc.acquisitions[mi].id;
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  log->info("simulated {} scenes in {:.1f} s: {}", rendered.size(), summary.seconds, summary.stackPath);
  return summary;
}

}  // namespace orthotrack::simulate

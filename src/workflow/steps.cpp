// Steps coregister, pairs, offsets, invert, geocode.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "context.hpp"
#include "share.hpp"
#include "orthotrack/core/log.hpp"
#include "orthotrack/core/tiling.hpp"
#include "orthotrack/geometry/layers.hpp"
#include "orthotrack/geometry/orbit_tools.hpp"
#include "orthotrack/io/dem.hpp"
#include "orthotrack/io/mintpy_h5.hpp"
#include "orthotrack/io/raster_io.hpp"
#include "orthotrack/workflow/products.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace orthotrack::workflow::detail {
constexpr const char* kConventions =
    "offsets: secondary minus reference (px); LOS displacement negative = away from the sensor; azimuth "
    "displacement positive = opposite to the flight direction; displacements in m relative to the first date";

std::string offsetsPath(const Context& ctx, const std::string& a, const std::string& b) {
  return ctx.run + "/offsets/" + a + "__" + b + ".tif";
}

RunNetwork readRunNetwork(const Context& ctx) {
  const json j = json::parse(io::readTextFile(ctx.run + "/network/network.json"));
  RunNetwork n;
  for (const auto& s : j.at("scenes")) {
    n.ids.push_back(s.at("id").get<std::string>());
    n.platforms.push_back(s.at("platform").get<std::string>());
    n.dates.push_back(DateTime::parse(s.at("date").get<std::string>()));
    n.bperp.push_back(s.at("bperp_m").get<double>());
  }
  for (const auto& p : j.at("pairs")) {
    n.pairs.emplace_back(p.at("ref").get<int>(), p.at("sec").get<int>());
    n.categories.push_back(p.at("category").get<std::string>());
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
StepResult stepCoregister(Context& ctx) {
  // This process's share of the scenes not done (share.hpp); the rest is the coordinator's.
  const auto shared = ctx.share->coregister();
  if (!shared) return {};
  const coreg::StackCoregSummary& sum = *shared;
  ctx.masterId.clear();
  ctx.loadMaster();
  StepResult r;
  r.outputs.push_back("coreg/master.json");
  json residuals = json::object();
  for (const auto& s : ctx.stack.scenes) {
    const auto p = coreg::sceneProducts(ctx.run, s.id);
    r.outputs.push_back(ctx.rel(p.slc));
    r.outputs.push_back(ctx.rel(p.lookup));
    r.outputs.push_back(ctx.rel(p.report));
  }
  for (const auto& rep : sum.reports)
    residuals[rep.secondaryId] = {{"rms_az_px", rep.residual.robustRmsAz}, {"rms_rg_px", rep.residual.robustRmsRg},
                                  {"used", rep.residual.used}};
  r.quality = {{"master", sum.masters.finalMaster}, {"dem_line_shift_px", sum.demCoreg.lineShift},
               {"dem_sample_shift_px", sum.demCoreg.sampleShift}, {"residuals", residuals}};
  // The paper's Figure 1: the improved and the traditional method side by side on the pair of two
  // platforms with the longest perpendicular baseline.
  if (ctx.compareTraditional && ctx.coregParams.method == coreg::Method::Improved) {
    const std::string id = figure1Scene(ctx);
    if (!id.empty()) {
      GeometryMasks masks(ctx, ctx.maskDilatePx);
      r.quality["figure1"] = compareMethods(ctx, id, masks);
      for (const char* suffix : {".improved.tif", ".traditional.tif", ".json"})
        r.outputs.push_back("coreg/compare/" + id + suffix);
    }
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
StepResult stepPairs(Context& ctx) {
  ctx.loadMaster();
  const json mj = json::parse(io::readTextFile(ctx.run + "/coreg/master.json"));
  std::map<std::string, double> bperp;
  for (const auto& b : mj.at("baselines_to_master"))
    if (b.contains("perpendicular_m")) bperp[b["id"].get<std::string>()] = b["perpendicular_m"].get<double>();
  std::vector<network::Scene> scenes;
  for (const auto& s : ctx.stack.scenes) scenes.push_back({s.id, s.platform, s.acquisitionTime(), bperp.count(s.id) ? bperp[s.id] : 0.0});
  const network::Network net = network::buildNetwork(scenes, ctx.netParams);
  fs::create_directories(ctx.run + "/network");
  network::writePairsCsv(ctx.run + "/network/pairs.csv", net);
  json j;
  j["scenes"] = json::array();
  for (const auto& s : net.scenes)
    j["scenes"].push_back({{"id", s.id}, {"platform", s.platform}, {"date", s.acquisition.iso(3)}, {"bperp_m", s.bperp_m}});
  j["pairs"] = json::array();
  for (const auto& p : net.pairs)
    j["pairs"].push_back({{"ref", p.ref}, {"sec", p.sec}, {"dt_days", p.dtDays}, {"bperp_m", p.bperp_m}, {"category", network::toString(p.category)}});
  j["counts"] = net.countByPlatformPair();
  j["same_platform"] = net.count(network::PairCategory::SamePlatform);
  j["cross_platform"] = net.count(network::PairCategory::CrossPlatform);
  j["connected"] = net.connectivity.connected();
  j["connectivity"] = net.connectivity.describe(net.dates());
  io::writeFileAtomic(ctx.run + "/network/network.json", j.dump(1) + "\n");
  log::get("pairs")->info("{} pairs: {} same-platform, {} cross-platform; {}", net.pairs.size(), j["same_platform"].get<int>(),
                          j["cross_platform"].get<int>(), j["connectivity"].get<std::string>());
  StepResult r;
  r.outputs = {"network/pairs.csv", "network/network.json"};
  r.quality = {{"pairs", net.pairs.size()}, {"counts", j["counts"]}, {"connected", net.connectivity.connected()}};
  return r;
}

// ---------------------------------------------------------------------------------------------
}  // namespace orthotrack::workflow::detail

namespace orthotrack::workflow {
void writeOffsetsProduct(const std::string& path, const offsets::OffsetField& f, const std::string& a, const std::string& b) {
  const auto& g = f.grid;
  io::RasterWriter w(path, g.rows, g.cols, 9, io::DataType::Float32);
  const char* names[] = {"range_offset", "azimuth_offset", "snr", "ncc", "cov_rr", "cov_aa", "cov_ra", "window", "flag"};
  const char* units[] = {"pixel", "pixel", "", "", "pixel^2", "pixel^2", "pixel^2", "pixel", ""};
  const Raster<float>* bands[] = {&f.range_offset, &f.azimuth_offset, &f.snr, &f.ncc, &f.cov_rr, &f.cov_aa, &f.cov_ra};
  for (int i = 0; i < 9; ++i) {
    w.setBandName(i + 1, names[i]);
    if (*units[i]) w.setBandUnit(i + 1, units[i]);
  }
  for (int i = 0; i < 7; ++i) w.write(i + 1, *bands[i]);
  Raster<float> win(g.rows, g.cols), flag(g.rows, g.cols);
  for (std::int64_t i = 0; i < g.rows; ++i)
    for (std::int64_t j = 0; j < g.cols; ++j) {
      win(i, j) = f.window(i, j);
      flag(i, j) = f.flag(i, j);
    }
  w.write(8, win);
  w.write(9, flag);
  w.setMetadata("ROW0", std::to_string(g.row0));
  w.setMetadata("COL0", std::to_string(g.col0));
  w.setMetadata("STEP_AZ", std::to_string(g.step_az));
  w.setMetadata("STEP_RG", std::to_string(g.step_rg));
  w.setMetadata("REFERENCE", a);
  w.setMetadata("SECONDARY", b);
  w.setMetadata("CONVENTIONS", detail::kConventions);
  w.setMetadata("FLAGS", "0 ok, 1 low_snr, 2 low_ncc, 3 edge, 4 nodata, 5 no_peak, 6 outlier");
  w.commit();
}

namespace {
/// Rows of one band of a raster (complex bands read as amplitude when T is float).
template <class T>
offsets::RowSource<T> fileRows(const std::shared_ptr<const io::RasterReader>& rd, int band) {
  return [rd, band](std::int64_t r0, std::int64_t n, T* out) { rd->read<T>(band, r0, 0, n, rd->width(), out); };
}
void checkSameSize(const io::RasterReader& ra, const io::RasterReader& rb) {
  if (ra.length() != rb.length() || ra.width() != rb.width())
    throw InvalidInput("the two images must have the same size (" + std::to_string(ra.length()) + " x " +
                           std::to_string(ra.width()) + " and " + std::to_string(rb.length()) + " x " + std::to_string(rb.width()) + ")",
                       {rb.info().path, "size", ra.info().path});
}
}  // namespace

offsets::OffsetField offsetsBetweenFiles(const std::string& reference, const std::string& secondary, int band,
                                         const offsets::OffsetParams& params, std::size_t memoryBytes) {
  const auto ra = std::make_shared<const io::RasterReader>(reference), rb = std::make_shared<const io::RasterReader>(secondary);
  checkSameSize(*ra, *rb);
  const std::int64_t L = ra->length(), W = ra->width();
  // Bands are held twice while they move (RollingRows): 2 × the pixel size.
  if (io::isComplex(ra->info().type) && io::isComplex(rb->info().type)) {
    const auto n = offsets::bandGridRowsForBudget(params, L, W, memoryBytes, threadCount(), 2 * sizeof(cfloat));
    return offsets::estimateOffsetsStreamed(fileRows<cfloat>(ra, band), fileRows<cfloat>(rb, band), L, W, params, n);
  }
  const auto n = offsets::bandGridRowsForBudget(params, L, W, memoryBytes, threadCount(), 2 * sizeof(float));
  return offsets::estimateOffsetsStreamed(fileRows<float>(ra, band), fileRows<float>(rb, band), L, W, params, n);
}
}  // namespace orthotrack::workflow

namespace orthotrack::workflow::detail {

namespace {
struct PairOffsets {
  offsets::OffsetField field;
  double maskedFraction = 0;  ///< of the master grid, masked as layover/shadow in either scene
};

/// Offsets of the rectified pair (a, b), streamed from their files through the engine in bands sized
/// to the run's memory budget; with `mask`, the layover/shadow of either scene is set to no-data in
/// both, band by band (GeometryMasks::pairRows), as GeometryMasks::apply does on whole images.
PairOffsets offsetsOfPair(Context& ctx, const std::string& a, const std::string& b, GeometryMasks& masks, bool mask) {
  const auto ra = std::make_shared<const io::RasterReader>(coreg::sceneProducts(ctx.run, a).slc);
  const auto rb = std::make_shared<const io::RasterReader>(coreg::sceneProducts(ctx.run, b).slc);
  checkSameSize(*ra, *rb);
  const std::int64_t L = ra->length(), W = ra->width();
  // Per secondary-band row: the two bands (held twice while they move) and, when masking, the mask
  // rows (twice) and the two lookups' rows read for them (2 × 2 Float64 per pixel of the new rows).
  const auto band = offsets::bandGridRowsForBudget(ctx.offParams, L, W, ctx.rp.memoryBytes, threadCount(), 2 * sizeof(cfloat),
                                                   static_cast<std::size_t>(W) * (mask ? 2 + 4 * sizeof(double) : 0));
  PairOffsets out;
  if (!mask) {
    out.field = offsets::estimateOffsetsStreamed(fileRows<cfloat>(ra, 1), fileRows<cfloat>(rb, 1), L, W, ctx.offParams, band);
    return out;
  }
  std::int64_t masked = 0;
  offsets::RollingRows<std::uint8_t> rows(
      [&](std::int64_t r0, std::int64_t n, std::uint8_t* m) { masked += masks.pairRows(a, b, r0, n, m); }, W);
  offsets::RowBand<std::uint8_t> mb;
  std::int64_t done = 0;  // mask rows [0, done) computed (each row once: the bands' rows only increase)
  auto onBand = [&](offsets::RowRange, offsets::RowRange sec) {
    if (done == 0 && sec.begin > 0) rows.rows(0, sec.begin);  // counted in the masked fraction
    mb = rows.rows(sec.begin, sec.end);
    done = sec.end;
  };
  auto maskedRows = [&](const std::shared_ptr<const io::RasterReader>& rd) -> offsets::RowSource<cfloat> {
    return [&, rd](std::int64_t r0, std::int64_t n, cfloat* z) {
      rd->read<cfloat>(1, r0, 0, n, W, z);
      const std::uint8_t* m = mb.view.row(r0 - mb.first_row);  // the band's mask covers the rows it asks for
      for (std::int64_t k = 0; k < n * W; ++k)
        if (m[k] != 0) z[k] = cfloat(0.0f, 0.0f);
    };
  };
  out.field = offsets::estimateOffsetsStreamed(maskedRows(ra), maskedRows(rb), L, W, ctx.offParams, band, onBand);
  if (done < L) rows.rows(std::max<std::int64_t>(done, 0), L);
  out.maskedFraction = static_cast<double>(masked) / static_cast<double>(std::max<std::int64_t>(L * W, 1));
  return out;
}
}  // namespace

StepResult stepOffsets(Context& ctx) {
  ctx.loadMaster();
  const RunNetwork net = readRunNetwork(ctx);
  fs::create_directories(ctx.run + "/offsets");
  StepResult r;
  auto logger = log::get("offsets");
  json stats = json::array();
  GeometryMasks masks(ctx, ctx.maskDilatePx);
  for (std::size_t k = 0; k < net.pairs.size(); ++k) {
    const auto& a = net.ids[static_cast<std::size_t>(net.pairs[k].first)];
    const auto& b = net.ids[static_cast<std::size_t>(net.pairs[k].second)];
    if (!ctx.share->takePair(k, stats)) continue;  // done, or another process's (share.hpp)
    const std::string path = offsetsPath(ctx, a, b);
    // Layover/shadow: ground that the two geometries do not image one-to-one is no-data for tracking.
    const bool cross = ctx.stack.scene(a).platform != ctx.stack.scene(b).platform;
    const bool mask = ctx.maskLayoverShadow == "all" || (cross && ctx.maskLayoverShadow == "cross");
    const PairOffsets po = offsetsOfPair(ctx, a, b, masks, mask);
    const offsets::OffsetField& f = po.field;
    writeOffsetsProduct(path, f, a, b);
    std::int64_t ok = 0;
    for (auto v : f.flag.vector()) ok += v == 0;
    stats.push_back({{"pair", a + "__" + b}, {"ok_fraction", static_cast<double>(ok) / static_cast<double>(f.flag.size())},
                     {"masked_fraction", po.maskedFraction}});
    r.outputs.push_back(ctx.rel(path));
    logger->info("pair {}/{} {} / {}: {:.0f}% ok", k + 1, net.pairs.size(), a, b, 100.0 * static_cast<double>(ok) / static_cast<double>(f.flag.size()));
    ctx.progress("offsets", static_cast<std::int64_t>(k + 1), static_cast<std::int64_t>(net.pairs.size()));
  }
  r.quality = {{"pairs", stats}};
  ctx.share->endPairs(r, stats);  // done markers; on the coordinator, every pair's outputs and quality
  return r;
}

// ---------------------------------------------------------------------------------------------
}  // namespace orthotrack::workflow::detail

namespace orthotrack::workflow {
namespace {
/// One multi-band float GeoTIFF with band names, unit, NaN nodata and metadata.
void writeBands(const std::string& path, const std::vector<const Raster<float>*>& bands, const std::vector<std::string>& names,
                const std::string& unit, const TimeseriesProductOptions& o, const std::string& note = "") {
  io::RasterWriter w(path, bands.front()->length(), bands.front()->width(), static_cast<int>(bands.size()), io::DataType::Float32, o.geo);
  for (std::size_t i = 0; i < bands.size(); ++i) {
    const int b = static_cast<int>(i + 1);
    w.setBandName(b, names[i]);
    if (!unit.empty()) w.setBandUnit(b, unit);
    w.setNoData(b, std::nan(""));
    w.write(b, *bands[i]);
  }
  for (const auto& [k, v] : o.metadata) w.setMetadata(k, v);
  if (!o.conventions.empty()) w.setMetadata("CONVENTIONS", o.conventions);
  if (!note.empty()) w.setMetadata("NOTE", note);
  w.commit();
}
}  // namespace

std::map<std::string, std::string> mintpyGeoAttributes(const GeoGrid& g) {
  auto f = [](double v) {
    std::ostringstream s;
    s.precision(17);
    s << v;
    return s.str();
  };
  const std::string unit = g.isGeographic() ? "degrees" : "meters";
  std::map<std::string, std::string> a{{"X_FIRST", f(g.transform[0])}, {"Y_FIRST", f(g.transform[3])}, {"X_STEP", f(g.transform[1])},
                                       {"Y_STEP", f(g.transform[5])},  {"X_UNIT", unit},                 {"Y_UNIT", unit}};
  if (g.epsg > 0) a["EPSG"] = std::to_string(g.epsg);
  return a;
}

std::vector<std::string> writeTimeseriesProducts(const timeseries::InversionResult& res, const std::string& dir,
                                                 const TimeseriesProductOptions& o) {
  if (res.components.empty()) throw InvalidInput("no component to write", {dir, "components", "0"});
  if (!o.h5ComponentSuffix && res.components.size() != 1)
    throw InvalidInput("plain timeseries.h5 names need exactly one component", {dir, "components", std::to_string(res.components.size())});
  if (!o.bperp.empty() && o.bperp.size() != res.dates.size())
    throw InvalidInput("one bperp per date is needed", {dir, "bperp", std::to_string(o.bperp.size())});
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw IoError("cannot create the folder: " + ec.message(), {dir, "", ""});
  std::vector<std::string> out;
  std::vector<std::string> dnames;
  for (const auto& d : res.dates) dnames.push_back("d_" + d.compactDate());
  std::vector<const Raster<float>*> rateBands, qBands;
  std::vector<std::string> rateNames, qNames;
  std::vector<Raster<float>> counts;  // pairs used and flags as float bands
  counts.reserve(2 * res.components.size());
  std::size_t wAll = res.windows.size() - 1;  // velocity.h5: the window "all", else the last one
  for (std::size_t w = 0; w < res.windows.size(); ++w)
    if (res.windows[w].name == "all") wAll = w;
  auto ptrs = [](const std::vector<Raster<float>>& v) {
    std::vector<const Raster<float>*> p;
    for (const auto& r : v) p.push_back(&r);
    return p;
  };
  std::map<std::string, std::string> h5 = o.h5Attributes;
  if (o.geo) h5.merge(mintpyGeoAttributes(*o.geo));
  for (const auto& c : res.components) {
    const std::string base = dir + "/" + c.name;
    writeBands(base + ".tif", ptrs(c.displacement), dnames, "m", o);
    writeBands(base + "_sigma.tif", ptrs(c.displacementSigma), dnames, "m", o, "+inf: epoch not connected to the first date");
    out.push_back(base + ".tif");
    out.push_back(base + "_sigma.tif");
    for (std::size_t w = 0; w < res.windows.size(); ++w) {
      rateBands.push_back(&c.rate[w]);
      rateNames.push_back(c.name + "_" + res.windows[w].name);
      rateBands.push_back(&c.rateSigma[w]);
      rateNames.push_back(c.name + "_sigma_" + res.windows[w].name);
    }
    Raster<float> used(c.flags.length(), c.flags.width()), flags(c.flags.length(), c.flags.width());
    for (std::size_t i = 0; i < used.size(); ++i) {
      used.data()[i] = c.pairsUsed.data()[i];
      flags.data()[i] = c.flags.data()[i];
    }
    counts.push_back(std::move(used));
    counts.push_back(std::move(flags));
    qBands.insert(qBands.end(), {&c.residualRms, &counts[counts.size() - 2], &counts.back()});
    qNames.insert(qNames.end(), {c.name + "_residual_rms", c.name + "_pairs_used", c.name + "_flags"});
    // MintPy layout.
    const std::string sfx = o.h5ComponentSuffix ? "_" + c.name : "";
    auto attrs = h5;
    attrs["COMPONENT"] = c.name;
    const std::string ts = dir + "/timeseries" + sfx + ".h5", vel = dir + "/velocity" + sfx + ".h5";
    io::writeMintpyTimeseries(ts, res.dates, c.displacement, o.bperp, attrs);
    const auto& win = res.windows[wAll];
    io::writeMintpyVelocity(vel, c.rate[wAll], c.rateSigma[wAll], win.start, win.end, attrs);
    out.push_back(ts);
    out.push_back(vel);
  }
  writeBands(dir + "/rates.tif", rateBands, rateNames, "m/yr", o);
  writeBands(dir + "/quality.tif", qBands, qNames, "", o, "flags: 1 no data, 2 disconnected, 4 robust not converged, 8 outliers down-weighted");
  out.push_back(dir + "/rates.tif");
  out.push_back(dir + "/quality.tif");
  return out;
}
}  // namespace orthotrack::workflow

namespace orthotrack::workflow::detail {
namespace {
struct OffsetGridInfo {
  std::int64_t row0 = 0, col0 = 0, step = 16, rows = 0, cols = 0;
};
// The chip grid of an offsets product, checked against the master grid it claims to sample: a
// product from another run or a tampered file is refused (InvalidInput naming file, key, value)
// before anything is inverted.
OffsetGridInfo gridOf(const io::RasterReader& rd, const RadarGrid& master) {
  const auto& md = rd.info().metadata;
  const std::string& path = rd.info().path;
  auto num = [&](const char* key) -> std::int64_t {
    const auto it = md.find(key);
    if (it == md.end()) throw InvalidInput("not an orthotrack offsets product (metadata missing)", {path, key, ""});
    try {
      std::size_t used = 0;
      const long long v = std::stoll(it->second, &used);
      if (used != it->second.size()) throw std::invalid_argument("trailing characters");
      return v;
    } catch (const std::exception&) {
      throw InvalidInput("expected an integer", {path, key, it->second});
    }
  };
  OffsetGridInfo g;
  g.row0 = num("ROW0");
  g.col0 = num("COL0");
  g.step = num("STEP_AZ");
  g.rows = rd.length();
  g.cols = rd.width();
  if (rd.info().bands < 9) throw InvalidInput("an offsets product has 9 bands", {path, "bands", std::to_string(rd.info().bands)});
  if (g.step < 1 || g.row0 < 0 || g.col0 < 0 || g.row0 + (g.rows - 1) * g.step >= master.length ||
      g.col0 + (g.cols - 1) * g.step >= master.width)
    throw InvalidInput("the offset grid does not fit the master grid (" + std::to_string(master.length) + " x " +
                           std::to_string(master.width) + " px)",
                       {path, "ROW0/COL0/STEP_AZ",
                        std::to_string(g.row0) + "/" + std::to_string(g.col0) + "/" + std::to_string(g.step) + ", " +
                            std::to_string(g.rows) + " x " + std::to_string(g.cols) + " chips"});
  return g;
}

// Pixel spacings of the master: slant range (m) and azimuth ground spacing (m) at the scene centre.
void spacings(const Context& ctx, double& dr, double& daz) {
  const auto& g = ctx.masterGeometry.grid();
  dr = g.rangePixelSpacing;
  const double t = ctx.masterGeometry.time(0.5 * static_cast<double>(g.length - 1));
  const double r = ctx.masterGeometry.range(0.5 * static_cast<double>(g.width - 1));
  if (geometry::azimuthGroundSpacing(ctx.masterGeometry, t, r, 3000.0, daz) != Status::Ok)
    throw NoConvergence("cannot compute the azimuth ground spacing of the master", {"", "master", ctx.masterId});
}
}  // namespace

StepResult stepInvert(Context& ctx) {
  ctx.loadMaster();
  const RunNetwork net = readRunNetwork(ctx);
  if (net.pairs.empty()) throw InvalidInput("the network has no pairs", {ctx.run + "/network/network.json", "pairs", "0"});
  double dr, daz;
  spacings(ctx, dr, daz);
  // Read every pair: displacement (m) and σ (m) for both components.
  const std::size_t np = net.pairs.size();
  std::vector<Raster<float>> los(np), az(np), slos(np), saz(np);
  OffsetGridInfo g;
  for (std::size_t k = 0; k < np; ++k) {
    const auto& a = net.ids[static_cast<std::size_t>(net.pairs[k].first)];
    const auto& b = net.ids[static_cast<std::size_t>(net.pairs[k].second)];
    io::RasterReader rd(offsetsPath(ctx, a, b));
    const auto gk = gridOf(rd, ctx.masterGeometry.grid());
    if (k == 0) g = gk;
    else if (gk.rows != g.rows || gk.cols != g.cols || gk.row0 != g.row0 || gk.col0 != g.col0 || gk.step != g.step)
      throw InvalidInput("offset grids differ between pairs", {rd.info().path, "grid", ""});
    const auto rg = rd.readAll<float>(1), azo = rd.readAll<float>(2), crr = rd.readAll<float>(5), caa = rd.readAll<float>(6),
               flag = rd.readAll<float>(9);
    los[k].resize(g.rows, g.cols);
    az[k].resize(g.rows, g.cols);
    slos[k].resize(g.rows, g.cols);
    saz[k].resize(g.rows, g.cols);
    const float nan = std::numeric_limits<float>::quiet_NaN();
    for (std::size_t i = 0; i < rg.size(); ++i) {
      const bool ok = flag.data()[i] == 0.0f && std::isfinite(rg.data()[i]) && std::isfinite(azo.data()[i]);
      los[k].data()[i] = ok ? static_cast<float>(-static_cast<double>(rg.data()[i]) * dr) : nan;
      az[k].data()[i] = ok ? static_cast<float>(-static_cast<double>(azo.data()[i]) * daz) : nan;
      const double fl = ctx.sigmaFloorPx;
      slos[k].data()[i] = static_cast<float>(std::sqrt(std::max(static_cast<double>(crr.data()[i]), 0.0) + fl * fl) * dr);
      saz[k].data()[i] = static_cast<float>(std::sqrt(std::max(static_cast<double>(caa.data()[i]), 0.0) + fl * fl) * daz);
    }
    if (ctx.filterSize > 1) {  // docs/method.md, "Noise filter before the inversion"; this rank's rows
      los[k] = ctx.share->filterRows(los[k], ctx.filterSize, ctx.filterMinValid, ctx.filterFlatness);
      az[k] = ctx.share->filterRows(az[k], ctx.filterSize, ctx.filterMinValid, ctx.filterFlatness);
    }
  }
  timeseries::SbasNetwork sn;
  sn.dates = net.dates;
  for (const auto& p : net.pairs) sn.pairs.push_back({p.first, p.second});
  std::vector<timeseries::ComponentStack> comps(2);
  comps[0].name = "los";
  comps[1].name = "azimuth";
  const RowRange rows = ctx.share->rows(g.rows);  // this rank's rows (all in one process)
  auto mine = [&](const Raster<float>& v) { return v.cview().window(rows.begin, 0, rows.end - rows.begin, v.width()); };
  for (std::size_t k = 0; k < np; ++k) {
    comps[0].displacement.push_back(mine(los[k]));
    comps[0].sigma.push_back(mine(slos[k]));
    comps[1].displacement.push_back(mine(az[k]));
    comps[1].sigma.push_back(mine(saz[k]));
  }
  auto ip = ctx.invParams;
  // Rate windows: one per platform period, and the whole span.
  ip.rateWindows.clear();
  std::vector<std::string> plats;
  for (std::size_t i = 0; i < net.dates.size(); ++i)
    if (std::find(plats.begin(), plats.end(), net.platforms[i]) == plats.end()) plats.push_back(net.platforms[i]);
  for (const auto& p : plats) {
    DateTime first, last;
    bool any = false;
    for (std::size_t i = 0; i < net.dates.size(); ++i)
      if (net.platforms[i] == p) {
        if (!any) first = net.dates[i];
        last = net.dates[i];
        any = true;
      }
    if (last > first) ip.rateWindows.push_back({p, first, last});
  }
  ip.rateWindows.push_back({"all", net.dates.front(), net.dates.back()});
  auto res = timeseries::invert(sn, comps, ip);
  if (!ctx.share->gatherRows(res, g.rows, g.cols)) return {};  // the coordinator writes the whole grid
  TimeseriesProductOptions po;
  po.metadata = {{"ROW0", std::to_string(g.row0)}, {"COL0", std::to_string(g.col0)}, {"STEP_AZ", std::to_string(g.step)},
                 {"STEP_RG", std::to_string(g.step)}};
  po.conventions = kConventions;
  for (double b : net.bperp) po.bperp.push_back(static_cast<float>(b));
  // MintPy: the offset grid is the master's radar grid looked down by `step` (ALOOKS/RLOOKS).
  const auto& mgrid = ctx.masterGeometry.grid();
  po.h5Attributes = {{"ALOOKS", std::to_string(g.step)},
                     {"RLOOKS", std::to_string(g.step)},
                     {"RANGE_PIXEL_SIZE", std::to_string(dr * static_cast<double>(g.step))},
                     {"AZIMUTH_PIXEL_SIZE", std::to_string(daz * static_cast<double>(g.step))},
                     {"WAVELENGTH", std::to_string(mgrid.wavelength)},
                     {"REFERENCE_SCENE", ctx.masterId},
                     {"mintpy.networkInversion.weightFunc", ip.useSigma ? "var" : "no"},
                     {"mintpy.networkInversion.minNormVelocity", "yes"},
                     {"orthotrack.robust", timeseries::toString(ip.robust)}};
  StepResult r;
  for (const auto& path : writeTimeseriesProducts(res, ctx.run + "/timeseries", po)) r.outputs.push_back(ctx.rel(path));
  json windows = json::array();
  for (const auto& w : res.windows) windows.push_back({{"name", w.name}, {"start", w.start.isoDate()}, {"end", w.end.isoDate()}});
  json meta = {{"dates", json::array()}, {"ids", net.ids}, {"platforms", net.platforms}, {"bperp_m", net.bperp},
               {"windows", windows}, {"range_spacing_m", dr}, {"azimuth_spacing_m", daz},
               {"grid", {{"row0", g.row0}, {"col0", g.col0}, {"step", g.step}, {"rows", g.rows}, {"cols", g.cols}}},
               {"master", ctx.masterId}};
  for (const auto& d : net.dates) meta["dates"].push_back(d.iso(3));
  io::writeFileAtomic(ctx.run + "/timeseries/timeseries.json", meta.dump(1) + "\n");
  r.outputs.push_back("timeseries/timeseries.json");
  r.quality = {{"range_spacing_m", dr}, {"azimuth_spacing_m", daz}, {"grid_rows", g.rows}, {"grid_cols", g.cols}};
  return r;
}

// ---------------------------------------------------------------------------------------------
Raster<float> geocodeChips(const geometry::MapLookup& lk, const Raster<float>& src, std::int64_t row0, std::int64_t col0,
                           std::int64_t step) {
  const std::int64_t rows = src.length(), cols = src.width();
  Raster<float> out(lk.line.length(), lk.line.width(), std::numeric_limits<float>::quiet_NaN());
  if (rows < 2 || cols < 2) return out;
  parallelFor(out.length(), [&](std::int64_t i) {
    for (std::int64_t j = 0; j < out.width(); ++j) {
      if (lk.status(i, j) != 0 || lk.mask(i, j) != 0) continue;  // no data in shadow and layover
      const double gi = (lk.line(i, j) - static_cast<double>(row0)) / static_cast<double>(step);
      const double gjj = (lk.sample(i, j) - static_cast<double>(col0)) / static_cast<double>(step);
      if (!(gi >= 0 && gjj >= 0 && gi <= static_cast<double>(rows - 1) && gjj <= static_cast<double>(cols - 1))) continue;
      const auto i0 = std::min<std::int64_t>(static_cast<std::int64_t>(gi), rows - 2), j0 = std::min<std::int64_t>(static_cast<std::int64_t>(gjj), cols - 2);
      const double fi = gi - static_cast<double>(i0), fj = gjj - static_cast<double>(j0);
      double sum = 0, wsum = 0;
      const double ws[4] = {(1 - fi) * (1 - fj), (1 - fi) * fj, fi * (1 - fj), fi * fj};
      const float vs[4] = {src(i0, j0), src(i0, j0 + 1), src(i0 + 1, j0), src(i0 + 1, j0 + 1)};
      for (int q = 0; q < 4; ++q)
        if (std::isfinite(vs[q]) && ws[q] > 0) { sum += ws[q] * static_cast<double>(vs[q]); wsum += ws[q]; }
      if (wsum > 0.5) out(i, j) = static_cast<float>(sum / wsum);
    }
  });
  return out;
}

StepResult stepGeocode(Context& ctx) {
  ctx.loadMaster();
  const json meta = json::parse(io::readTextFile(ctx.run + "/timeseries/timeseries.json"));
  const auto& gj = meta.at("grid");
  const std::int64_t row0 = gj.at("row0"), col0 = gj.at("col0"), step = gj.at("step"), rows = gj.at("rows"), cols = gj.at("cols");
  // Map grid: the master footprint at the chosen posting.
  const auto& mg = ctx.masterGeometry;
  const io::DemData wide = io::loadDem(ctx.stack.dem);
  const geometry::Dem dem0(wide.heights, wide.grid);
  double lo0 = 1e9, lo1 = -1e9, la0 = 1e9, la1 = -1e9;
  const auto L = mg.grid().length, W = mg.grid().width;
  for (std::int64_t i = 0; i <= 20; ++i)
    for (std::int64_t j = 0; j <= 20; ++j) {
      geometry::Rdr2GeoResult res;
      if (geometry::rdr2geo(mg, static_cast<double>(i * (L - 1)) / 20.0, static_cast<double>(j * (W - 1)) / 20.0, dem0, res) != Status::Ok)
        continue;
      lo0 = std::min(lo0, res.llh.lon / kDeg); lo1 = std::max(lo1, res.llh.lon / kDeg);
      la0 = std::min(la0, res.llh.lat / kDeg); la1 = std::max(la1, res.llh.lat / kDeg);
    }
  if (!(lo1 > lo0)) throw OutOfDomain("the master footprint could not be located on the DEM", {ctx.stack.dem, "dem", ""});
  const double post = ctx.geoPostingDeg;
  const GeoGrid grid = GeoGrid::geographic(std::floor(lo0 / post) * post, std::ceil(lo1 / post) * post,
                                           std::floor(la0 / post) * post, std::ceil(la1 / post) * post, post);
  const auto lk = geometry::mapToRadar(mg, dem0, grid);
  fs::create_directories(ctx.run + "/geo");
  StepResult r;
  std::map<std::string, std::vector<Raster<float>>> series;  // los / azimuth bands on the map grid
  std::map<std::string, Raster<float>> velocity;              // rates.tif bands "<c>_all", "<c>_sigma_all"
  for (const std::string name : {"los", "azimuth", "los_sigma", "azimuth_sigma", "rates", "quality"}) {
    const std::string in = ctx.run + "/timeseries/" + name + ".tif";
    io::RasterReader rd(in);
    io::RasterWriter w(ctx.run + "/geo/" + name + ".tif", grid.length, grid.width, rd.info().bands, io::DataType::Float32, &grid);
    for (int b = 1; b <= rd.info().bands; ++b) {
      (void)rows;
      (void)cols;
      Raster<float> out = geocodeChips(lk, rd.readAll<float>(b), row0, col0, step);
      const std::string& bandName = rd.info().bandNames[static_cast<std::size_t>(b - 1)];
      w.setBandName(b, bandName);
      w.setNoData(b, std::nan(""));
      w.write(b, out);
      // Kept for the geocoded MintPy files: the series and the whole-span rate.
      if (name == "los" || name == "azimuth") series[name].push_back(std::move(out));
      else if (name == "rates" && bandName.size() > 4 && bandName.ends_with("_all")) velocity[bandName] = std::move(out);
    }
    w.setMetadata("CONVENTIONS", kConventions);
    w.commit();
    r.outputs.push_back("geo/" + name + ".tif");
  }
  // MintPy layout on the map grid (geo_timeseries in MintPy's words).
  std::vector<DateTime> dates;
  for (const auto& d : meta.at("dates")) dates.push_back(DateTime::parse(d.get<std::string>()));
  std::vector<float> bperp;
  for (const auto& b : meta.at("bperp_m")) bperp.push_back(b.get<float>());
  auto attrs = mintpyGeoAttributes(grid);
  attrs["REFERENCE_SCENE"] = ctx.masterId;
  for (auto& [comp, bands] : series) {
    attrs["COMPONENT"] = comp;
    io::writeMintpyTimeseries(ctx.run + "/geo/timeseries_" + comp + ".h5", dates, bands, bperp, attrs);
    r.outputs.push_back("geo/timeseries_" + comp + ".h5");
    const auto v = velocity.find(comp + "_all"), sv = velocity.find(comp + "_sigma_all");
    if (v != velocity.end() && sv != velocity.end()) {
      io::writeMintpyVelocity(ctx.run + "/geo/velocity_" + comp + ".h5", v->second, sv->second, dates.front(), dates.back(), attrs);
      r.outputs.push_back("geo/velocity_" + comp + ".h5");
    }
  }
  r.quality = {{"posting_deg", post}, {"rows", grid.length}, {"cols", grid.width}};
  return r;
}

}  // namespace orthotrack::workflow::detail

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>

#include "orthotrack/core/error.hpp"
#include "orthotrack/core/log.hpp"
#include "orthotrack/coreg/coreg.hpp"
#include "orthotrack/io/dem.hpp"
#include "orthotrack/io/raster_io.hpp"

namespace orthotrack::coreg {

namespace fs = std::filesystem;

SceneProducts sceneProducts(const std::string& outDir, const std::string& id) {
  const std::string d = (fs::path(outDir) / "coreg").string();
  return {d + "/" + id + ".slc.tif", d + "/" + id + ".lookup.tif", d + "/" + id + ".json"};
}

bool isSceneDone(const std::string& outDir, const std::string& id, std::int64_t L, std::int64_t W) {
  const SceneProducts p = sceneProducts(outDir, id);
  if (!fs::exists(p.report) || !fs::exists(p.slc) || !fs::exists(p.lookup)) return false;
  try {
    const auto j = nlohmann::json::parse(io::readTextFile(p.report));
    if (!j.value("complete", false)) return false;
    const io::RasterReader a(p.slc), b(p.lookup);
    return a.length() == L && a.width() == W && b.length() == L && b.width() == W && b.info().bands == 2 &&
           io::isComplex(a.info().type);
  } catch (const std::exception&) {
    return false;
  }
}

Raster<cfloat> readSlc(const io::SceneMetadata& s) {
  const io::RasterReader r(s.image);
  if (r.length() != s.grid.length || r.width() != s.grid.width)
    throw InvalidInput("image size does not match the scene metadata", {s.image, "grid", std::to_string(r.length()) + "x" + std::to_string(r.width())});
  if (s.imageKind == io::ImageKind::Slc) return r.readAll<cfloat>(s.imageBand);
  const Raster<float> a = r.readAll<float>(s.imageBand);
  Raster<cfloat> out(a.length(), a.width());
  const bool intensity = s.imageKind == io::ImageKind::Intensity;
  for (std::size_t k = 0; k < a.size(); ++k) {
    const float v = a.data()[k];
    out.data()[k] = cfloat(intensity ? std::sqrt(std::max(v, 0.0f)) : v, 0.0f);
  }
  return out;
}

SecondaryInput secondaryFromFile(const io::SceneMetadata& s) {
  auto reader = std::make_shared<io::RasterReader>(s.image);
  if (reader->length() != s.grid.length || reader->width() != s.grid.width)
    throw InvalidInput("image size does not match the scene metadata", {s.image, "grid", std::to_string(reader->length()) + "x" + std::to_string(reader->width())});
  SecondaryInput in;
  in.geometry = sceneGeometry(s);
  const int band = s.imageBand;
  const io::ImageKind kind = s.imageKind;
  in.read = [reader, band, kind](std::int64_t r0, std::int64_t c0, std::int64_t rows, std::int64_t cols, cfloat* out) {
    if (kind == io::ImageKind::Slc) {
      reader->read<cfloat>(band, r0, c0, rows, cols, out);
      return;
    }
    std::vector<float> a(static_cast<std::size_t>(rows * cols));
    reader->read<float>(band, r0, c0, rows, cols, a.data());
    for (std::size_t k = 0; k < a.size(); ++k)
      out[k] = cfloat(kind == io::ImageKind::Intensity ? std::sqrt(std::max(a[k], 0.0f)) : a[k], 0.0f);
  };
  return in;
}

namespace {
std::unique_ptr<io::RasterWriter> slcWriter(const std::string& path, std::int64_t L, std::int64_t W, const std::string& masterId,
                                            const std::string& id, Method method) {
  fs::create_directories(fs::path(path).parent_path());
  auto w = std::make_unique<io::RasterWriter>(path, L, W, 1, io::DataType::CFloat32);
  w->setBandName(1, "slc");
  w->setMetadata("CONVENTIONS", "secondary SLC resampled to the master grid; 0 = no data; docs/conventions.md");
  w->setMetadata("MASTER", masterId);
  w->setMetadata("SECONDARY", id);
  w->setMetadata("METHOD", toString(method));
  return w;
}
}  // namespace

SlcSink sceneSlcSink(const std::string& outDir, const std::string& masterId, const std::string& id, Method method,
                     std::int64_t length, std::int64_t width) {
  struct State {
    std::unique_ptr<io::RasterWriter> writer;
    std::unique_ptr<io::RasterReader> reader;
  };
  auto st = std::make_shared<State>();
  const std::string path = sceneProducts(outDir, id).slc;
  SlcSink s;
  s.begin = [=] {
    st->reader.reset();
    st->writer = slcWriter(path, length, width, masterId, id, method);
  };
  s.write = [st](std::int64_t row0, RasterView<const cfloat> rows) {
    st->writer->write<cfloat>(1, row0, 0, rows.length(), rows.width(), rows.row(0));
  };
  s.end = [st, path] {
    st->writer->commit();
    st->writer.reset();
    st->reader = std::make_unique<io::RasterReader>(path);
  };
  s.read = [st](std::int64_t r0, std::int64_t c0, std::int64_t rows, std::int64_t cols, cfloat* out) {
    st->reader->read<cfloat>(1, r0, c0, rows, cols, out);
  };
  return s;
}

void writeLookupAndReport(const std::string& outDir, const RectifyResult& res, std::int64_t blockLines) {
  const SceneProducts p = sceneProducts(outDir, res.report.secondaryId);
  fs::create_directories(fs::path(p.lookup).parent_path());
  const std::int64_t L = res.lookup.masterLength(), W = res.lookup.masterWidth();
  {
    io::RasterWriter w(p.lookup, L, W, 2, io::DataType::Float64);
    w.setBandName(1, "secondary_line");
    w.setBandName(2, "secondary_sample");
    w.setBandUnit(1, "pixel");
    w.setBandUnit(2, "pixel");
    w.setNoData(1, std::numeric_limits<double>::quiet_NaN());
    w.setNoData(2, std::numeric_limits<double>::quiet_NaN());
    w.setMetadata("CONVENTIONS", "secondary (line, sample) of each master pixel (row, col), pixel centres at integers; docs/conventions.md");
    w.setMetadata("MASTER", res.report.masterId);
    w.setMetadata("SECONDARY", res.report.secondaryId);
    for (const Block& b : makeBlocks(L, W, blockLines)) {
      Raster<double> bl(b.rows, W), bs(b.rows, W);
      parallelFor(b.rows, [&](std::int64_t i) {
        res.lookup.fill(Block{b.row0 + i, 1, 0, W}, bl.view().window(i, 0, 1, W), bs.view().window(i, 0, 1, W));
      });
      w.write<double>(1, b.row0, 0, b.rows, W, bl.data());
      w.write<double>(2, b.row0, 0, b.rows, W, bs.data());
    }
    w.commit();
  }
  nlohmann::json j = res.report.toJson();
  j["products"] = {{"slc", fs::path(p.slc).filename().string()}, {"lookup", fs::path(p.lookup).filename().string()}};
  j["lookup_nodes"] = {{"step", res.lookup.step()}, {"first_node", "master (-step, -step)"}};
  j["complete"] = true;
  io::writeFileAtomic(p.report, j.dump(2));
}

void writeSceneProducts(const std::string& outDir, const RectifyResult& res, std::int64_t blockLines) {
  const SceneProducts p = sceneProducts(outDir, res.report.secondaryId);
  const std::int64_t L = res.slc.length(), W = res.slc.width();
  auto w = slcWriter(p.slc, L, W, res.report.masterId, res.report.secondaryId, res.report.method);
  for (const Block& b : makeBlocks(L, W, blockLines)) w->write<cfloat>(1, b.row0, 0, b.rows, W, res.slc.row(b.row0));
  w->commit();
  writeLookupAndReport(outDir, res, blockLines);
}

namespace {
io::LonLatBounds footprint(const geometry::SceneGeometry& g, double hMin, double hMax) {
  io::LonLatBounds b{1e9, -1e9, 1e9, -1e9};
  for (double h : {hMin, hMax}) {
    const geometry::Dem flat = geometry::Dem::constant(h);
    for (int a = 0; a <= 4; ++a)
      for (int c = 0; c <= 4; ++c) {
        geometry::Rdr2GeoResult r;
        if (geometry::rdr2geo(g, 0.25 * a * static_cast<double>(g.grid().length - 1),
                              0.25 * c * static_cast<double>(g.grid().width - 1), flat, r) != Status::Ok)
          continue;
        b.lonMin = std::min(b.lonMin, r.llh.lon / kDeg); b.lonMax = std::max(b.lonMax, r.llh.lon / kDeg);
        b.latMin = std::min(b.latMin, r.llh.lat / kDeg); b.latMax = std::max(b.latMax, r.llh.lat / kDeg);
      }
  }
  if (!(b.lonMax > b.lonMin)) throw OutOfDomain("cannot locate the master footprint", {"", "master.grid", ""});
  return b;
}

// The master's own products: its image copied block by block and the identity lookup.
void writeMasterProducts(const std::string& outDir, const io::SceneMetadata& m, const SlcWindowReader& read, std::int64_t blockLines) {
  RectifyResult r;
  r.report.masterId = r.report.secondaryId = m.id;
  r.report.method = Method::Improved;
  const int step = 8;
  const std::int64_t L = m.grid.length, W = m.grid.width;
  const std::int64_t nr = (L - 1) / step + 4, nc = (W - 1) / step + 4;
  Raster<double> nl(nr, nc), ns(nr, nc);
  for (std::int64_t i = 0; i < nr; ++i)
    for (std::int64_t j = 0; j < nc; ++j) { nl(i, j) = static_cast<double>((i - 1) * step); ns(i, j) = static_cast<double>((j - 1) * step); }
  r.lookup = Lookup(L, W, step, std::move(nl), std::move(ns));
  r.report.validPixels = L * W;
  auto w = slcWriter(sceneProducts(outDir, m.id).slc, L, W, m.id, m.id, Method::Improved);
  Raster<cfloat> block;
  for (const Block& b : makeBlocks(L, W, blockLines)) {
    if (block.length() != b.rows) block = Raster<cfloat>(b.rows, W);
    read(b.row0, 0, b.rows, W, block.data());
    w->write<cfloat>(1, b.row0, 0, b.rows, W, block.data());
  }
  w->commit();
  writeLookupAndReport(outDir, r, blockLines);
}

// Multi-looked master amplitude (multilookAmplitude) read in blocks of whole looks: each output line
// depends only on its own `az` input lines, so the blocks do not change it.
Raster<float> multilookFromReader(const SlcWindowReader& read, std::int64_t L, std::int64_t W, int az, int rg, std::int64_t blockLines) {
  const std::int64_t outL = L / az, outW = W / rg;
  Raster<float> out(outL, outW);
  const std::int64_t per = std::max<std::int64_t>(1, blockLines / az);  // output lines per block
  Raster<cfloat> z;
  for (std::int64_t k0 = 0; k0 < outL; k0 += per) {
    const std::int64_t k1 = std::min(outL, k0 + per), rows = (k1 - k0) * az;
    if (z.length() != rows) z = Raster<cfloat>(rows, W);
    read(k0 * az, 0, rows, W, z.data());
    const Raster<float> ml = multilookAmplitude(z.cview(), az, rg);
    for (std::int64_t k = 0; k < ml.length(); ++k) std::copy(ml.row(k), ml.row(k) + outW, out.row(k0 + k));
  }
  return out;
}
}  // namespace

StackCoregSummary coregisterStack(const io::Stack& stack, const CoregParams& p, const std::vector<std::string>& ids, bool force,
                                  const MasterParams& mp) {
  p.validate();
  auto logger = log::get("coreg");
  StackCoregSummary sum;
  sum.masters = selectMasters(stack.scenes, mp);
  const io::SceneMetadata& m = stack.scene(sum.masters.finalMaster);
  for (const auto& id : ids) (void)stack.scene(id);  // InvalidInput for unknown ids
  geometry::SceneGeometry mg = sceneGeometry(m);
  // DEM over the master footprint (heights from a first coarse pass over a wide range).
  // A first window (heights -500..9000 m, clipped to the DEM) gives the height range of the terrain;
  // the footprint over that range is what the DEM must cover.
  const io::LonLatBounds wide = footprint(mg, -500.0, 9000.0);
  const io::LonLatBounds ext = io::rasterBoundsLonLat(stack.dem);
  const io::LonLatBounds clip{std::max(wide.lonMin, ext.lonMin), std::min(wide.lonMax, ext.lonMax),
                              std::max(wide.latMin, ext.latMin), std::min(wide.latMax, ext.latMax)};
  if (!(clip.lonMax > clip.lonMin && clip.latMax > clip.latMin))
    throw OutOfDomain("the DEM does not overlap the master footprint", {stack.dem, "dem", ""});
  double hMin = 1e9, hMax = -1e9;
  const io::DemData probe = io::loadDem(stack.dem, clip);
  for (float v : probe.heights.vector())
    if (std::isfinite(v)) {
      hMin = std::min(hMin, static_cast<double>(v));
      hMax = std::max(hMax, static_cast<double>(v));
    }
  if (!(hMax >= hMin)) throw InvalidInput("the DEM has no valid heights over the master", {stack.dem, "dem", ""});
  // The footprint over the terrain's whole height range is wider than the ground the master sees
  // (a corner at the lowest height lies outside the terrain's highest parts): where it passes the
  // DEM's edge, the DEM's extent is used and lookup nodes beyond it are NaN (LookupStats).
  const io::LonLatBounds fp = footprint(mg, hMin - 50.0, hMax + 50.0);
  const io::LonLatBounds bb{std::max(fp.lonMin, ext.lonMin), std::min(fp.lonMax, ext.lonMax), std::max(fp.latMin, ext.latMin),
                            std::min(fp.latMax, ext.latMax)};
  if (bb.lonMin != fp.lonMin || bb.lonMax != fp.lonMax || bb.latMin != fp.latMin || bb.latMax != fp.latMax)
    logger->warn("the DEM ({:.5f}..{:.5f} E, {:.5f}..{:.5f} N) does not reach every edge of the master footprint over the "
                 "terrain's heights ({:.5f}..{:.5f} E, {:.5f}..{:.5f} N): master pixels beyond it are not mapped",
                 ext.lonMin, ext.lonMax, ext.latMin, ext.latMax, fp.lonMin, fp.lonMax, fp.latMin, fp.latMax);
  io::DemData dd = io::loadDem(stack.dem, bb, 0.02);
  const geometry::Dem dem(std::move(dd.heights), dd.grid);
  if (dem.validCount() == 0) throw InvalidInput("the DEM has no valid heights over the master", {stack.dem, "dem", ""});
  // The master is read in blocks (never whole): the multi-looked amplitude of step i, its own
  // products, and the rows each rectification needs.
  const SlcWindowReader masterRead = secondaryFromFile(m).read;
  nlohmann::json mj;
  if (p.method == Method::Improved && p.demCoreg.enabled) {
    const Raster<float> ml = multilookFromReader(masterRead, m.grid.length, m.grid.width, p.demCoreg.azimuthLooks,
                                                 p.demCoreg.rangeLooks, p.blockLines);
    sum.demCoreg = coregisterDem(mg, ml.cview(), dem, p.demCoreg);
    mg = sum.demCoreg.corrected;
  } else {
    sum.demCoreg.corrected = mg;
  }
  mj["master"] = m.id;
  mj["per_platform"] = sum.masters.perPlatform;
  nlohmann::json cands = nlohmann::json::array();
  for (const auto& c : sum.masters.candidates)
    cands.push_back({{"id", c.id}, {"platform", c.platform}, {"rms_temporal_days", c.rmsTemporalDays},
                     {"rms_perpendicular_m", c.rmsPerpendicular}, {"rms_doppler_hz", c.rmsDopplerHz}, {"cost", c.cost}});
  mj["candidates"] = cands;
  mj["dem_coreg"] = {{"line_shift_px", sum.demCoreg.lineShift}, {"sample_shift_px", sum.demCoreg.sampleShift},
                     {"time_shift_s", sum.demCoreg.timeShift}, {"range_bias_m", sum.demCoreg.rangeBias},
                     {"offsets_used", sum.demCoreg.offsetsUsed}, {"passes", sum.demCoreg.passes},
                     {"corrected_sensing_start", mg.grid().sensingStart.iso(9)},
                     {"corrected_starting_range_m", mg.grid().startingRange}};
  nlohmann::json bl = nlohmann::json::array();
  for (const auto& s : stack.scenes) {
    if (s.id == m.id) continue;
    try {
      const PairBaseline b = pairBaseline(m, s);
      bl.push_back({{"id", s.id}, {"temporal_days", b.temporalDays}, {"perpendicular_m", b.perpendicular},
                    {"doppler_difference_hz", b.dopplerDifferenceHz}});
    } catch (const OutOfDomain& e) {
      bl.push_back({{"id", s.id}, {"error", e.what()}});
    }
  }
  mj["baselines_to_master"] = bl;
  mj["method"] = toString(p.method);
  fs::create_directories(fs::path(stack.outputDir) / "coreg");
  io::writeFileAtomic((fs::path(stack.outputDir) / "coreg" / "master.json").string(), mj.dump(2));

  for (const auto& s : stack.scenes) {
    if (!ids.empty() && std::find(ids.begin(), ids.end(), s.id) == ids.end()) continue;
    if (!force && isSceneDone(stack.outputDir, s.id, m.grid.length, m.grid.width)) {
      logger->info("scene {} already co-registered, skipped", s.id);
      sum.skipped.push_back(s.id);
      continue;
    }
    // A scene being redone is not done until its new report is written (last).
    fs::remove(sceneProducts(stack.outputDir, s.id).report);
    if (s.id == m.id) {
      writeMasterProducts(stack.outputDir, m, masterRead, p.blockLines);
      sum.processed.push_back(s.id);
      continue;
    }
    logger->info("co-registering {} to {} ({})", s.id, m.id, toString(p.method));
    RectifyResult r = rectifyStreamed(mg, masterRead, secondaryFromFile(s), dem, p,
                                      sceneSlcSink(stack.outputDir, m.id, s.id, p.method, m.grid.length, m.grid.width));
    r.report.masterId = m.id;
    r.report.secondaryId = s.id;
    writeLookupAndReport(stack.outputDir, r, p.blockLines);
    sum.reports.push_back(r.report);
    sum.processed.push_back(s.id);
  }
  return sum;
}

}  // namespace orthotrack::coreg

// The paper's Figure 1: offsets between the master and the secondary of the other platform with the
// largest perpendicular baseline, rectified by the improved method (the run's own product) and by the
// traditional one, side by side (coreg/compare/; docs/run_directory.md).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <vector>

#include "context.hpp"
#include "orthotrack/analysis/series.hpp"
#include "orthotrack/core/log.hpp"
#include "orthotrack/coreg/master.hpp"
#include "orthotrack/io/raster_io.hpp"
#include "orthotrack/workflow/products.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace orthotrack::workflow::detail {

std::string figure1Scene(Context& ctx, double* bperp) {
  ctx.loadMaster();
  const auto& m = ctx.stack.scene(ctx.masterId);
  std::string best;
  double bv = -1;
  for (const auto& s : ctx.stack.scenes) {
    if (s.platform == m.platform) continue;
    const double b = std::abs(coreg::pairBaseline(m, s).perpendicular);
    if (b > bv) {
      bv = b;
      best = s.id;
    }
  }
  if (bperp) *bperp = bv;
  return best;
}

namespace {
// Chips whose window touches the slide polygon (9 points of the window tested on the ground).
Raster<std::uint8_t> slideChips(Context& ctx, const offsets::OffsetField& f, const geometry::Dem& dem) {
  Raster<std::uint8_t> in(f.grid.rows, f.grid.cols);
  std::string path = ctx.slidePolygon;
  if (path.empty() && !ctx.stack.truthDir.empty() && fs::exists(ctx.stack.truthDir + "/landslide.geojson"))
    path = ctx.stack.truthDir + "/landslide.geojson";
  if (path.empty() || !fs::exists(path)) return in;
  const auto polys = analysis::readGeoJsonPolygons(path);
  for (std::int64_t i = 0; i < f.grid.rows; ++i)
    for (std::int64_t j = 0; j < f.grid.cols; ++j) {
      const double h = 0.5 * f.window(i, j);
      for (int a = -1; a <= 1 && !in(i, j); ++a)
        for (int b = -1; b <= 1 && !in(i, j); ++b) {
          geometry::Rdr2GeoResult r;
          if (geometry::rdr2geo(ctx.masterGeometry, static_cast<double>(f.grid.centreRow(i)) + a * h,
                                static_cast<double>(f.grid.centreCol(j)) + b * h, dem, r) != Status::Ok)
            continue;
          if (analysis::pointInPolygon(r.llh.lon / kDeg, r.llh.lat / kDeg, polys)) in(i, j) = 1;
        }
    }
  return in;
}

json offsetStats(const offsets::OffsetField& f, const Raster<std::uint8_t>& slide) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Raster<float> rg(f.grid.rows, f.grid.cols, nan), az(f.grid.rows, f.grid.cols, nan);
  std::int64_t n = 0;
  double srg = 0, saz = 0;
  for (std::int64_t i = 0; i < f.grid.rows; ++i)
    for (std::int64_t j = 0; j < f.grid.cols; ++j) {
      if (f.flagAt(i, j) != offsets::Flag::ok || slide(i, j)) continue;
      rg(i, j) = f.range_offset(i, j);
      az(i, j) = f.azimuth_offset(i, j);
      srg += std::pow(static_cast<double>(rg(i, j)), 2);
      saz += std::pow(static_cast<double>(az(i, j)), 2);
      ++n;
    }
  // Spatially coherent part (what Figure 1 shows: topography-correlated artifacts): the median of
  // each component over 5 × 5 chips (at least 9 finite), whose random part is ~0.3× the per-chip
  // noise, then the RMS over the chips.
  const Raster<float> mrg = neighbourhoodMedian(rg, 2, 9), maz = neighbourhoodMedian(az, 2, 9);
  double s3 = 0;
  std::int64_t m3 = 0;
  for (std::size_t k = 0; k < mrg.size(); ++k)
    if (std::isfinite(mrg.data()[k]) && std::isfinite(maz.data()[k]) && std::isfinite(rg.data()[k])) {
      s3 += std::pow(static_cast<double>(mrg.data()[k]), 2) + std::pow(static_cast<double>(maz.data()[k]), 2);
      ++m3;
    }
  const double dn = static_cast<double>(std::max<std::int64_t>(n, 1));
  return {{"chips", n},
          {"rms_range_px", std::sqrt(srg / dn)},
          {"rms_azimuth_px", std::sqrt(saz / dn)},
          {"rms_px", std::sqrt((srg + saz) / dn)},
          {"rms_systematic_px", std::sqrt(s3 / static_cast<double>(std::max<std::int64_t>(m3, 1)))}};
}
}  // namespace

json compareMethods(Context& ctx, const std::string& id, GeometryMasks& masks) {
  ctx.loadMaster();
  auto logger = log::get("coreg");
  const std::string dir = ctx.run + "/coreg/compare";
  fs::create_directories(dir);
  const io::SceneMetadata& sc = ctx.stack.scene(id);
  Raster<cfloat> mslc = io::RasterReader(coreg::sceneProducts(ctx.run, ctx.masterId).slc).readAll<cfloat>();
  Raster<cfloat> imp = io::RasterReader(coreg::sceneProducts(ctx.run, id).slc).readAll<cfloat>();
  coreg::CoregParams p = ctx.coregParams;
  p.method = coreg::Method::Traditional;
  logger->info("Figure 1: rectifying {} by the traditional method for the comparison", id);
  Raster<cfloat> tra = coreg::rectify(ctx.masterGeometry, mslc.cview(), coreg::secondaryFromFile(sc), masks.dem(), p).slc;
  Raster<cfloat> m2 = mslc;
  const double maskedFraction = masks.apply(ctx.masterId, id, mslc, imp);
  masks.apply(ctx.masterId, id, m2, tra);
  const auto fi = offsets::estimateOffsets(mslc.cview(), imp.cview(), ctx.offParams);
  const auto ft = offsets::estimateOffsets(m2.cview(), tra.cview(), ctx.offParams);
  writeOffsetsProduct(dir + "/" + id + ".improved.tif", fi, ctx.masterId, id);
  writeOffsetsProduct(dir + "/" + id + ".traditional.tif", ft, ctx.masterId, id);
  const Raster<std::uint8_t> slide = slideChips(ctx, fi, masks.dem());
  json out = {{"reference", ctx.masterId},
              {"secondary", id},
              {"perpendicular_baseline_m", coreg::pairBaseline(ctx.stack.scene(ctx.masterId), sc).perpendicular},
              {"masked_fraction", maskedFraction},
              {"slide_chips_excluded", std::count(slide.vector().begin(), slide.vector().end(), std::uint8_t{1})},
              {"improved", offsetStats(fi, slide)},
              {"traditional", offsetStats(ft, slide)}};
  const double si = out["improved"]["rms_systematic_px"].get<double>(), stt = out["traditional"]["rms_systematic_px"].get<double>();
  out["ratio_systematic"] = si > 0 ? stt / si : 0.0;
  const double ri = out["improved"]["rms_px"].get<double>(), rt = out["traditional"]["rms_px"].get<double>();
  out["ratio"] = ri > 0 ? rt / ri : 0.0;
  io::writeFileAtomic(dir + "/" + id + ".json", out.dump(1));
  logger->info("Figure 1 ({} / {}, B_perp {:.0f} m): stable-ground offsets RMS improved {:.3f} px (systematic {:.3f}), "
               "traditional {:.3f} px (systematic {:.3f})",
               ctx.masterId, id, out["perpendicular_baseline_m"].get<double>(), ri, si, rt, stt);
  return out;
}

}  // namespace orthotrack::workflow::detail

// `orthotrack geometry STACK.toml --scene ID [--looks AZ,RG] [-o DIR]`: per-pixel geometry layers of
// one scene (radar grid, optionally multi-looked) over the stack's DEM, written as GeoTIFFs.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>

#include "orthotrack/core/error.hpp"
#include "orthotrack/core/log.hpp"
#include "orthotrack/core/tiling.hpp"
#include "orthotrack/geometry/layers.hpp"
#include "orthotrack/io/dem.hpp"
#include "orthotrack/io/raster_io.hpp"
#include "orthotrack/workflow/products.hpp"
#include "verbs.hpp"

namespace orthotrack::cli {
namespace {

constexpr const char* kGeometryConventions =
    "radar grid (row, col) = (azimuth line, range sample); lon/lat WGS84 degrees; heights m above WGS84; LOS unit "
    "vector target -> sensor in ENU; flight unit vector = horizontal sensor velocity direction in ENU; incidence "
    "and local incidence in degrees; layover_shadow bits 1 shadow, 2 layover";

/// "AZ,RG" → two positive integers; InvalidInput naming the option otherwise.
void parseLooks(const std::string& text, int& az, int& rg) {
  std::stringstream ss(text);
  std::string a, b;
  if (std::getline(ss, a, ',') && std::getline(ss, b) && !a.empty() && !b.empty()) {
    try {
      std::size_t ia = 0, ib = 0;
      az = std::stoi(a, &ia);
      rg = std::stoi(b, &ib);
      if (ia == a.size() && ib == b.size() && az >= 1 && rg >= 1) return;
    } catch (const std::exception&) {
    }
  }
  throw InvalidInput("looks must be two positive integers AZ,RG (e.g. 4,2)", {"", "--looks", text});
}

class GeometryVerb : public Verb {
 public:
  std::string name() const override { return "geometry"; }
  std::string help() const override {
    return "Per-pixel geometry layers of a scene (lon, lat, height, incidence, local incidence, LOS and flight ENU, "
           "layover/shadow) as GeoTIFFs";
  }
  void setup(CLI::App& cmd) override {
    cmd.add_option("stack", stack_, "Stack file (stack.toml); its DEM is used")->required();
    cmd.add_option("--scene", scene_, "Scene id")->required();
    cmd.add_option("--looks", looks_, "Multi-look factors AZ,RG of the output grid")->default_val("1,1");
    cmd.add_option("-o,--out", out_, "Output folder (default: geometry_<ID>)");
    cmd.add_flag("--doppler", doppler_,
                 "Use the scene's Doppler centroid LUT as the imaging geometry (default: zero Doppler, the geometry of "
                 "the scene format's grid)");
    cmd.add_flag("--no-mask", noMask_, "Skip the layover/shadow mask (about a third of the time)");
    cmd.add_option("--threads", threads_, "Threads (default: all)")->default_val(0);
  }

  int run() override {
    int az = 1, rg = 1;
    parseLooks(looks_, az, rg);
    io::StackCheck check;
    check.images = false;  // the geometry needs the metadata only
    const io::Stack st = io::loadStack(stack_, check);
    const io::SceneMetadata& sc = st.scene(scene_);
    if (az > sc.grid.length || rg > sc.grid.width)
      throw InvalidInput("looks larger than the scene (" + std::to_string(sc.grid.length) + " x " +
                             std::to_string(sc.grid.width) + " px)",
                         {"", "--looks", looks_});
    const geometry::SceneGeometry full(sc.orbit, sc.grid, doppler_ ? sc.doppler : LUT2d());
    const geometry::SceneGeometry geom = (az > 1 || rg > 1) ? full.multilooked(az, rg) : full;

    // The DEM over the scene's footprint (OutOfDomain, exit 4, if it does not cover it).
    io::Stack one = st;
    one.scenes = {sc};
    const auto fp = workflow::stackFootprint(one);
    const auto& b = fp.scenes.front().bounds;
    if (!fp.scenes.front().demCovers)
      throw OutOfDomain("the DEM does not cover the footprint of scene " + sc.id + " (lon " + std::to_string(b.lonMin) +
                            ".." + std::to_string(b.lonMax) + ", lat " + std::to_string(b.latMin) + ".." +
                            std::to_string(b.latMax) + ")",
                        {st.dem, "stack.dem", sc.id});
    const double margin = 0.01;  // deg, for the slope stencil and the mask profile
    const io::LonLatBounds want{std::max(b.lonMin - margin, fp.dem.lonMin), std::min(b.lonMax + margin, fp.dem.lonMax),
                                std::max(b.latMin - margin, fp.dem.latMin), std::min(b.latMax + margin, fp.dem.latMax)};
    io::DemData dd = io::loadDem(st.dem, want);
    geometry::DemOptions dopt;
    dopt.method = geometry::DemInterpolation::Bicubic;
    const geometry::Dem dem(std::move(dd.heights), dd.grid, dopt);

    const std::string dir = out_.empty() ? "geometry_" + sc.id : out_;
    std::filesystem::create_directories(dir);
    if (threads_ > 0) setThreadCount(threads_);
    geometry::TopoParams prm;
    prm.layoverShadow = !noMask_;
    prm.validate();

    const std::int64_t L = geom.grid().length, W = geom.grid().width;
    auto open = [&](const std::string& file, int bands, io::DataType type, const std::vector<std::string>& names,
                    const std::string& unit, std::optional<double> nodata) {
      auto w = std::make_unique<io::RasterWriter>(dir + "/" + file, L, W, bands, type);
      for (int k = 1; k <= bands; ++k) {
        w->setBandName(k, names[static_cast<std::size_t>(k - 1)]);
        w->setBandUnit(k, unit);
        if (nodata) w->setNoData(k, *nodata);
      }
      w->setMetadata("SCENE", sc.id);
      w->setMetadata("LOOKS", std::to_string(az) + "," + std::to_string(rg));
      w->setMetadata("SENSING_START", geom.grid().sensingStart.iso(9));
      w->setMetadata("AZIMUTH_TIME_INTERVAL_S", std::to_string(geom.grid().azimuthTimeInterval));
      w->setMetadata("STARTING_RANGE_M", std::to_string(geom.grid().startingRange));
      w->setMetadata("RANGE_PIXEL_SPACING_M", std::to_string(geom.grid().rangePixelSpacing));
      w->setMetadata("DOPPLER", doppler_ ? "scene LUT" : "zero");
      w->setMetadata("CONVENTIONS", kGeometryConventions);
      return w;
    };
    const double nan = std::numeric_limits<double>::quiet_NaN();
    auto wLon = open("lon.tif", 1, io::DataType::Float64, {"longitude"}, "degree", nan);
    auto wLat = open("lat.tif", 1, io::DataType::Float64, {"latitude"}, "degree", nan);
    auto wH = open("height.tif", 1, io::DataType::Float32, {"height"}, "m", nan);
    auto wInc = open("incidence.tif", 1, io::DataType::Float32, {"incidence"}, "degree", nan);
    auto wLoc = open("local_incidence.tif", 1, io::DataType::Float32, {"local_incidence"}, "degree", nan);
    auto wLos = open("los_enu.tif", 3, io::DataType::Float32, {"los_east", "los_north", "los_up"}, "1", nan);
    auto wFl = open("flight_enu.tif", 3, io::DataType::Float32, {"flight_east", "flight_north", "flight_up"}, "1", nan);
    auto wMask = open("mask.tif", 2, io::DataType::Byte, {"layover_shadow", "status"}, "", std::nullopt);
    wMask->setBandMetadata(1, "VALUES", "0 visible, 1 shadow, 2 layover, 3 both");
    wMask->setBandMetadata(2, "VALUES", "0 ok, 1 out of domain (orbit or DEM), 2 no convergence, 3 invalid value");

    // Chunks of whole blocks (the blocks of computeTopo: same results), computed in parallel.
    const std::int64_t chunk = prm.blockLines * std::max(4, 4 * threadCount());
    geometry::TopoLayers buf;
    std::int64_t bad = 0;
    for (std::int64_t r0 = 0; r0 < L; r0 += chunk) {
      const std::int64_t rows = std::min(chunk, L - r0);
      buf.resize(rows, W);
      auto blocks = makeBlocks(rows, W, prm.blockLines);
      parallelForBlocks(blocks, [&](const Block& bl) {
        const Block global{r0 + bl.row0, bl.rows, bl.col0, bl.cols};
        geometry::computeTopoBlock(geom, dem, global, geometry::TopoViews::window(buf, bl), prm);
      });
      wLon->write(1, buf.lon, r0);
      wLat->write(1, buf.lat, r0);
      wH->write(1, buf.height, r0);
      wInc->write(1, buf.incidence, r0);
      wLoc->write(1, buf.localIncidence, r0);
      wLos->write(1, buf.losE, r0);
      wLos->write(2, buf.losN, r0);
      wLos->write(3, buf.losU, r0);
      wFl->write(1, buf.flightE, r0);
      wFl->write(2, buf.flightN, r0);
      wFl->write(3, buf.flightU, r0);
      wMask->write(1, buf.mask, r0);
      wMask->write(2, buf.status, r0);
      for (auto v : buf.status.vector()) bad += v != 0;
    }
    for (auto* w : {wLon.get(), wLat.get(), wH.get(), wInc.get(), wLoc.get(), wLos.get(), wFl.get(), wMask.get()})
      w->commit();
    std::printf("geometry of %s: %lld x %lld px (looks %d,%d) in %s\n", sc.id.c_str(), static_cast<long long>(L),
                static_cast<long long>(W), az, rg, dir.c_str());
    if (bad > 0)
      log::get("geometry")->warn("{} of {} pixels have no geometry (status band of mask.tif)", bad, L * W);
    return 0;
  }

 private:
  std::string stack_, scene_, looks_, out_;
  bool doppler_ = false, noMask_ = false;
  int threads_ = 0;
};

}  // namespace

std::unique_ptr<Verb> makeGeometryVerb() { return std::make_unique<GeometryVerb>(); }

}  // namespace orthotrack::cli

// `orthotrack invert RUN_DIR [--force]` and
// `orthotrack invert --pairs LIST.csv -o OUT_DIR [--robust none|huber|tukey] [--no-weights] [--min-pairs N]`
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>

#include "orthotrack/core/error.hpp"
#include "orthotrack/core/tiling.hpp"
#include "orthotrack/io/raster_io.hpp"
#include "orthotrack/timeseries/sbas.hpp"
#include "orthotrack/workflow/products.hpp"
#include "orthotrack/workflow/run.hpp"
#include "verbs.hpp"

namespace orthotrack::cli {

/// Prints the steps of a one-step run (shared by the invert and geocode verbs).
void printStepRun(const workflow::RunSummary& s, const std::string& step) {
  std::printf("run     %s\n", s.runDir.c_str());
  for (const auto& st : s.steps)
    if (st.name == step)
      std::printf("  %-10s %s\n", st.name.c_str(),
                  st.skipped ? "complete (skipped; --force reruns it)" : (std::to_string(static_cast<int>(st.seconds + 0.5)) + " s").c_str());
}

namespace {

/// GDAL-backed raster source; one reader per file, nodata values read as NaN.
class GdalSource {
 public:
  timeseries::RasterSource source() {
    timeseries::RasterSource s;
    s.shape = [this](const std::string& path) {
      const auto& r = reader(path);
      return timeseries::RasterShape{r.length(), r.width(), r.info().bands};
    };
    s.read = [this](const std::string& path, int band, std::int64_t row0, std::int64_t rows, float* out) {
      const auto& r = reader(path);
      r.read<float>(band, row0, 0, rows, r.width(), out);
      const auto& nd = r.info().nodata[static_cast<std::size_t>(band - 1)];
      if (nd && !std::isnan(*nd)) {
        const auto v = static_cast<float>(*nd);
        std::replace(out, out + rows * r.width(), v, std::numeric_limits<float>::quiet_NaN());
      }
    };
    return s;
  }
  const io::RasterInfo& info(const std::string& path) { return reader(path).info(); }

 private:
  const io::RasterReader& reader(const std::string& path) {
    auto it = readers_.find(path);
    if (it == readers_.end()) {
      if (readers_.size() >= kMaxOpen) readers_.clear();  // long lists: stay well below the open-file limit
      it = readers_.emplace(path, std::make_unique<io::RasterReader>(path)).first;
    }
    return *it->second;
  }
  static constexpr std::size_t kMaxOpen = 256;
  std::map<std::string, std::unique_ptr<io::RasterReader>> readers_;
};

class InvertVerb : public Verb {
 public:
  std::string name() const override { return "invert"; }
  std::string help() const override {
    return "Invert pair displacements into time series: the invert step of a run directory, or any pair list "
           "(--pairs LIST.csv: date1,date2,path[,band][,sigma_path], metres) from this or another tracker";
  }
  void setup(CLI::App& cmd) override {
    cmd.add_option("run_dir", runDir_, "Run directory (holds manifest.json); its offsets step must be complete");
    cmd.add_flag("--force", force_, "Rerun the step even when it is complete");
    auto* pairs = cmd.add_option("--pairs", pairs_,
                                 "Pair list CSV: date1,date2,path[,band][,sigma_path]; displacement date2 - date1 in m, "
                                 "any GDAL rasters of one size; relative paths from the CSV's folder");
    // With --pairs only (a run directory takes its settings from its stack's [timeseries] section).
    cmd.add_option("-o,--out", out_, "Output folder (with --pairs)")->needs(pairs);
    cmd.add_option("--robust", robust_, "Robust reweighting (with --pairs): none, huber, tukey")
        ->check(CLI::IsMember({"none", "huber", "tukey"}))
        ->default_val("none")
        ->needs(pairs);
    cmd.add_flag("--no-weights", noWeights_, "Ignore the sigma rasters (with --pairs)")->needs(pairs);
    cmd.add_option("--min-pairs", minPairs_, "Pixels with fewer valid pairs are no data (with --pairs)")->default_val(1)->needs(pairs);
    cmd.add_option("--name", component_, "Component name: file names and MintPy COMPONENT (with --pairs)")
        ->default_val("displacement")
        ->needs(pairs);
    cmd.add_option("--threads", threads_, "Threads (0 = all cores)")->default_val(0);
    pairs->excludes(cmd.get_option("run_dir"));
    pairs->excludes(cmd.get_option("--force"));
  }

  int run() override {
    if (pairs_.empty()) {
      if (runDir_.empty()) throw InvalidInput("give a run directory or --pairs LIST.csv -o OUT_DIR", {"", "run_dir", ""});
      printStepRun(workflow::runStep(runDir_, "invert", force_, threads_), "invert");
      return 0;
    }
    if (out_.empty()) throw InvalidInput("--pairs needs an output folder", {pairs_, "-o", ""});
    if (threads_ > 0) setThreadCount(threads_);
    timeseries::InversionParams p;
    p.robust = timeseries::parseRobustLoss(robust_);
    p.useSigma = !noWeights_;
    p.minPairs = minPairs_;
    p.validate();
    GdalSource gdal;
    const auto list = timeseries::readPairList(pairs_);
    // Rows read per chunk: all pairs (and σ) of a chunk in about 1 GiB, at most 256 rows.
    std::int64_t chunkRows = 256;
    try {
      const auto width = std::max<std::int64_t>(1, gdal.info(list.front().path).width);
      const auto perRow = static_cast<std::int64_t>(list.size()) * width * 2 * static_cast<std::int64_t>(sizeof(float));
      chunkRows = std::clamp<std::int64_t>((std::int64_t{1} << 30) / perRow, 1, 256);
    } catch (const Error&) {
      // The first raster does not open: invertPairList reports it with its line.
    }
    const auto res = timeseries::invertPairList(pairs_, p, gdal.source(), component_, chunkRows);
    const io::RasterInfo first = gdal.info(list.front().path);  // a copy: the reader cache may be cleared
    workflow::TimeseriesProductOptions o;
    if (first.georeferenced) o.geo = &first.geo;
    o.conventions = "displacement in m relative to the first date, from pairs observing d(date2) - d(date1) (" + pairs_ + ")";
    o.h5ComponentSuffix = false;
    o.h5Attributes = {{"mintpy.networkInversion.weightFunc", p.useSigma && !list.front().sigmaPath.empty() ? "var" : "no"},
                      {"mintpy.networkInversion.minNormVelocity", "yes"},
                      {"orthotrack.robust", timeseries::toString(p.robust)},
                      {"orthotrack.pairs", pairs_}};
    const auto files = workflow::writeTimeseriesProducts(res, out_, o);

    const auto& c = res.components.front();
    std::int64_t solved = 0, disconnected = 0, outliers = 0;
    for (auto f : c.flags.vector()) {
      solved += (f & timeseries::kNoData) == 0;
      disconnected += (f & timeseries::kDisconnected) != 0;
      outliers += (f & timeseries::kOutliers) != 0;
    }
    std::printf("pairs   %zu over %zu dates, %s .. %s\n", list.size(), res.dates.size(), res.dates.front().isoDate().c_str(),
                res.dates.back().isoDate().c_str());
    std::printf("pixels  %lld x %lld: %lld solved, %lld with epochs not connected to the first date (NaN there), %lld with "
                "down-weighted outliers\n",
                static_cast<long long>(c.flags.length()), static_cast<long long>(c.flags.width()), static_cast<long long>(solved),
                static_cast<long long>(disconnected), static_cast<long long>(outliers));
    for (const auto& f : files) std::printf("wrote   %s\n", f.c_str());
    return 0;
  }

 private:
  std::string runDir_, pairs_, out_, robust_ = "none", component_ = "displacement";
  bool force_ = false, noWeights_ = false;
  int minPairs_ = 1, threads_ = 0;
};

}  // namespace

std::unique_ptr<Verb> makeInvertVerb() { return std::make_unique<InvertVerb>(); }

}  // namespace orthotrack::cli

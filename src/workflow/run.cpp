#include "orthotrack/workflow/run.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <thread>

#include "context.hpp"
#include "share.hpp"
#include "orthotrack/core/log.hpp"
#include "orthotrack/core/tiling.hpp"
#include "orthotrack/io/raster_io.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace orthotrack::workflow {
using namespace detail;

const std::vector<std::string>& stepNames() {
  static const std::vector<std::string> names = {"coregister", "pairs", "offsets", "invert", "geocode", "analysis", "report"};
  return names;
}

namespace detail {

std::string Context::rel(const std::string& abs) const { return fs::relative(abs, run).string(); }

void Context::loadMaster() {
  if (!masterId.empty()) return;
  const std::string p = run + "/coreg/master.json";
  const json j = json::parse(io::readTextFile(p));
  masterId = j.at("master").get<std::string>();
  const auto& m = stack.scene(masterId);
  RadarGrid g = m.grid;
  if (j.contains("dem_coreg") && j["dem_coreg"].contains("corrected_sensing_start")) {
    g.sensingStart = DateTime::parse(j["dem_coreg"]["corrected_sensing_start"].get<std::string>());
    g.startingRange = j["dem_coreg"]["corrected_starting_range_m"].get<double>();
  }
  masterGeometry = geometry::SceneGeometry(m.orbit, g, m.doppler);
}

void readConfig(Context& ctx) {
  Config& c = *ctx.cfg;
  // [coreg]
  const std::string method = c.str("coreg", "method", "improved", {"improved", "traditional"});
  ctx.coregParams.method = coreg::parseMethod(ctx.rp.method.empty() ? method : ctx.rp.method);
  ctx.masterParams.finalMaster = c.str("coreg", "master", "");
  ctx.masterParams.finalPlatform = c.str("coreg", "master_platform", "");
  ctx.coregParams.resample.taps = c.integer("coreg", "resample_taps", ctx.coregParams.resample.taps, 4, 32);
  ctx.compareTraditional = c.boolean("coreg", "compare_traditional", true);
  ctx.coregParams.refine.fit.order = ctx.coregParams.residual.fit.order = c.integer("coreg", "refine_order", 0, 0, 3);
  ctx.coregParams.lookup.tolerance = c.num("coreg", "lookup_tolerance_px", ctx.coregParams.lookup.tolerance, 0.0, 10.0);
  ctx.coregParams.memoryBytes = ctx.rp.memoryBytes;  // the budget changes blocks, never results
  // [network]
  if (const auto* v = c.raw("network", "min_temporal_baseline_days")) {
    if (!v->is_object()) throw InvalidInput("expected a table platform = days", {c.file(), "network.min_temporal_baseline_days", v->dump()});
    for (const auto& [plat, d] : v->items()) {
      if (!d.is_number() || d.get<double>() < 0)
        throw InvalidInput("expected a number of days >= 0", {c.file(), "network.min_temporal_baseline_days." + plat, d.dump()});
      ctx.netParams.platforms[plat].minTemporalBaselineDays = d.get<double>();
    }
  }
  if (const auto* v = c.raw("network", "max_temporal_baseline_days")) {
    if (!v->is_object()) throw InvalidInput("expected a table platform = days", {c.file(), "network.max_temporal_baseline_days", v->dump()});
    for (const auto& [plat, d] : v->items()) {
      if (!d.is_number() || d.get<double>() <= 0)
        throw InvalidInput("expected a number of days > 0", {c.file(), "network.max_temporal_baseline_days." + plat, d.dump()});
      ctx.netParams.platforms[plat].maxTemporalBaselineDays = d.get<double>();
    }
  }
  ctx.netParams.bridgeCount = c.integer("network", "bridge_scenes", ctx.netParams.bridgeCount, 0, 50);
  ctx.netParams.bridgeMaxPairs = c.integer("network", "bridge_max_pairs", ctx.netParams.bridgeMaxPairs, 0, 1000);
  ctx.netParams.allowDisconnected = c.boolean("network", "allow_disconnected", false);
  ctx.netParams.validate();
  // [offsets]
  auto& o = ctx.offParams;
  const auto wins = c.ints("offsets", "windows", {64, 96, 128}, 8, 1024);
  o.windows.clear();
  for (int w : wins) o.windows.push_back({w, w});
  const int search = c.integer("offsets", "search", 32, 1, 512);
  o.search_az = c.integer("offsets", "search_azimuth", search, 1, 512);
  o.search_rg = c.integer("offsets", "search_range", search, 1, 512);
  const int step = c.integer("offsets", "step", 16, 1, 1024);
  o.step_az = o.step_rg = step;
  o.oversample = c.integer("offsets", "oversample", 16, 1, 128);
  o.min_snr = static_cast<float>(c.num("offsets", "min_snr", 4.0, 0, 1e6));
  o.min_ncc = static_cast<float>(c.num("offsets", "min_ncc", 0.0, 0, 1));
  o.median_threshold = static_cast<float>(c.num("offsets", "median_threshold", 3.0, 0, 100));
  o.max_displacement = static_cast<float>(c.num("offsets", "max_displacement_px", 0.0, 0, 1e4));
  ctx.sigmaFloorPx = c.num("offsets", "sigma_floor_px", 0.05, 1e-4, 10);
  ctx.maskLayoverShadow = c.str("offsets", "mask_layover_shadow", "cross", {"cross", "all", "none"});
  ctx.maskDilatePx = c.integer("offsets", "mask_dilate_px", 2, 0, 64);
  o.max_nodata_fraction = static_cast<float>(c.num("offsets", "max_nodata_fraction", o.max_nodata_fraction, 0, 1));
  // FFTW_MEASURE picks its algorithm by timing, so two runs can round differently (offsets differing
  // at ~1e-6 px): off by default so that a rerun (or a resumed, killed run) gives bit-identical products.
  o.fftw_measure = c.boolean("offsets", "fftw_measure", false);
  o.validate();
  // [timeseries]
  ctx.invParams.robust = timeseries::parseRobustLoss(c.str("timeseries", "robust", "huber", {"none", "huber", "tukey"}));
  ctx.invParams.useSigma = c.boolean("timeseries", "weighted", true);
  ctx.invParams.minPairs = c.integer("timeseries", "min_pairs", 3, 1, 10000);
  ctx.filterSize = c.integer("timeseries", "filter_size", 3, 1, 15);
  if (ctx.filterSize % 2 == 0)
    throw InvalidInput("expected an odd number of chips (1 = off)", {c.file(), "timeseries.filter_size", std::to_string(ctx.filterSize)});
  ctx.filterMinValid = c.integer("timeseries", "filter_min_valid", 4, 1, 225);
  ctx.filterFlatness = c.num("timeseries", "filter_flatness", 2.0, 0.0, 100.0);
  ctx.invParams.validate();
  // [geocode]
  ctx.geoPostingDeg = c.num("geocode", "posting_deg", 1.0 / 1800.0, 1e-6, 1.0);
  // [analysis]
  if (const auto* v = c.raw("analysis", "points")) {
    if (!v->is_array()) throw InvalidInput("expected an array of {name, lon, lat}", {c.file(), "analysis.points", v->dump()});
    for (std::size_t i = 0; i < v->size(); ++i) {
      const auto& p = (*v)[i];
      const std::string key = "analysis.points[" + std::to_string(i) + "]";
      if (!p.is_object() || !p.contains("lon") || !p.contains("lat") || !p["lon"].is_number() || !p["lat"].is_number())
        throw InvalidInput("expected {name = \"P1\", lon = <deg>, lat = <deg>}", {c.file(), key, p.dump()});
      ctx.points.push_back({p.value("name", "point" + std::to_string(i + 1)), p["lon"].get<double>(), p["lat"].get<double>()});
    }
  }
  ctx.pointRadiusM = c.num("analysis", "point_radius_m", 0.0, 0.0, 10000.0);
  ctx.slidePolygon = c.str("analysis", "slide_polygon", "");
  if (!ctx.slidePolygon.empty() && fs::path(ctx.slidePolygon).is_relative())
    ctx.slidePolygon = (fs::path(ctx.stack.path).parent_path() / ctx.slidePolygon).string();
  c.checkUnknown({"coreg", "network", "offsets", "timeseries", "geocode", "analysis"});

  ctx.stepParams["coregister"] = {{"method", coreg::toString(ctx.coregParams.method)}, {"master", ctx.masterParams.finalMaster},
                                  {"master_platform", ctx.masterParams.finalPlatform}, {"taps", ctx.coregParams.resample.taps},
                                  {"compare_traditional", ctx.compareTraditional},
                                  {"refine_order", ctx.coregParams.refine.fit.order}, {"lookup_tolerance_px", ctx.coregParams.lookup.tolerance}};
  json net = json::object();
  for (const auto& [k, r] : ctx.netParams.platforms)
    net[k] = {r.minTemporalBaselineDays, r.maxTemporalBaselineDays ? *r.maxTemporalBaselineDays : -1.0};
  ctx.stepParams["pairs"] = {{"platforms", net}, {"bridge", ctx.netParams.bridgeCount}, {"bridge_max", ctx.netParams.bridgeMaxPairs},
                             {"allow_disconnected", ctx.netParams.allowDisconnected}};
  ctx.stepParams["offsets"] = {{"windows", wins}, {"search", {o.search_az, o.search_rg}}, {"step", step}, {"oversample", o.oversample},
                               {"min_snr", o.min_snr}, {"min_ncc", o.min_ncc}, {"median", o.median_threshold},
                               {"max_disp", o.max_displacement}, {"mask_layover_shadow", ctx.maskLayoverShadow},
                               {"mask_dilate_px", ctx.maskDilatePx}, {"max_nodata_fraction", o.max_nodata_fraction},
                               {"fftw_measure", o.fftw_measure}};
  ctx.stepParams["invert"] = {{"robust", timeseries::toString(ctx.invParams.robust)}, {"weighted", ctx.invParams.useSigma},
                              {"min_pairs", ctx.invParams.minPairs}, {"sigma_floor_px", ctx.sigmaFloorPx},
                              {"filter_size", ctx.filterSize}, {"filter_min_valid", ctx.filterMinValid},
                              {"filter_flatness", ctx.filterFlatness}};
  ctx.stepParams["geocode"] = {{"posting_deg", ctx.geoPostingDeg}};
  json pts = json::array();
  for (const auto& p : ctx.points) pts.push_back({p.name, p.lon, p.lat});
  ctx.stepParams["analysis"] = {{"points", pts}, {"slide_polygon", ctx.slidePolygon}, {"point_radius_m", ctx.pointRadiusM}};
  ctx.stepParams["report"] = json::object();
}

}  // namespace detail

namespace {
/// `--shard i/n`: this job's share of the scenes, the network, its share of the pairs (and the
/// scenes they need that no running job is co-registering); no manifest (docs/cluster.md).
RunSummary runShard(Context& ctx, WorkShare& share, std::size_t from, std::size_t until) {
  auto logger = log::get("run");
  RunSummary sum;
  sum.runDir = ctx.run;
  const std::string tag = "shard " + share.shard().text();
  auto timed = [&](const std::string& name, const std::function<void()>& f) {
    logger->info("{}: step {}: running its share", tag, name);
    const auto t0 = std::chrono::steady_clock::now();
    f();
    sum.steps.push_back({name, false, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()});
  };
  share.forceItems = from <= 0;
  timed("coregister", [&] { (void)share.coregister(); });
  if (until >= 1) timed("pairs", [&] { share.network(); });
  if (until >= 2) {
    share.forceItems = from <= 2;
    timed("offsets", [&] {
      share.ensureScenesOfPairs();
      share.planPairs();
      (void)stepOffsets(ctx);
    });
  }
  logger->info("{}: co-registered {} scenes and computed {} pairs; once every shard has finished, `orthotrack run {}` "
               "(without --shard) completes the stack and skips what the shards did",
               tag, share.scenesComputed(), share.pairsComputed(), ctx.stack.path);
  return sum;
}
}  // namespace

RunSummary runStack(const RunParams& params) {
  auto logger = log::get("run");
  Team& team = params.team ? *params.team : processTeam();
  const Shard shard = params.shard;
  if (params.threads > 0) setThreadCount(params.threads);
  else if (team.localSize() > 1 && !std::getenv("OMP_NUM_THREADS"))  // the ranks of a node share its cores
    setThreadCount(std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / team.localSize()));
  Context ctx;
  ctx.rp = params;
  const auto& names = stepNames();
  std::size_t from = names.size(), until = names.size() - 1;
  std::optional<RunLock> lock;
  std::optional<Manifest> manifest;
  // Every rank reads the stack and the parameters; rank 0 (or each shard job) creates and locks
  // the folder. An error on any rank ends every rank with it (Team::guard).
  team.guard([&] {
    if (shard.active() && team.size() > 1)
      throw InvalidInput("--shard splits a stack between independent jobs; under mpirun the ranks already share it",
                         {"", "--shard", shard.text()});
    ctx.stack = io::loadStack(params.stackPath);
    if (!params.outDir.empty()) ctx.stack.outputDir = fs::absolute(params.outDir).string();
    ctx.run = ctx.stack.outputDir;
    if (team.isRoot()) {
      std::error_code ec;
      fs::create_directories(ctx.run, ec);
      if (ec) throw IoError("cannot create the run folder: " + ec.message(), {ctx.run, "", ""});
      // Held to the end: a second run on this folder fails at once (IoError); shard jobs share it.
      lock.emplace(ctx.run, shard.active());
    }
    ctx.cfg = std::make_unique<Config>(ctx.stack.params, ctx.stack.path);
    readConfig(ctx);
    auto indexOf = [&](const std::string& s) -> std::size_t {
      const auto it = std::find(names.begin(), names.end(), s);
      if (it == names.end()) {
        std::string list;
        for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
        throw InvalidInput("unknown step (steps: " + list + ")", {"", "--from", s});
      }
      return static_cast<std::size_t>(it - names.begin());
    };
    if (!params.fromStep.empty()) from = indexOf(params.fromStep);
    if (!params.untilStep.empty()) until = indexOf(params.untilStep);
    if (team.isRoot() && !shard.active())
      manifest.emplace(ctx.run, json{{"software", std::string("orthotrack ") + ORTHOTRACK_VERSION},
                                     {"stack", ctx.stack.path},
                                     {"method", coreg::toString(ctx.coregParams.method)},
                                     {"threads", threadCount()},
                                     {"ranks", team.size()},
                                     {"memory_bytes", params.memoryBytes}});
  });
  WorkShare share(ctx, team, shard);
  ctx.share = &share;
  if (shard.active()) return runShard(ctx, share, from, until);

  RunSummary sum;
  sum.runDir = ctx.run;
  using StepFn = StepResult (*)(Context&);
  const StepFn fns[] = {stepCoregister, stepPairs, stepOffsets, stepInvert, stepGeocode, stepAnalysis, stepReport};
  bool forced = false;  // rank 0's
  for (std::size_t i = 0; i <= until; ++i) {
    const std::string& name = names[i];
    const json& sp = ctx.stepParams[name];
    // Rank 0 decides from the manifest: "skip", "run", or "force" (--from: done items again too).
    std::string decision = "run";
    team.guard([&] {
      if (!team.isRoot()) return;
      if (i >= from || forced) forced = true;
      if (params.requireEarlierComplete && i < until && !forced && !manifest->isComplete(name, sp)) {
        const json rec = manifest->step(name);
        const std::string status = rec.is_object() ? rec.value("status", "missing") : "missing";
        throw InvalidInput("step '" + name + "' of this run is not complete; run `orthotrack run " + ctx.stack.path + " --until " +
                               name + "` first",
                           {ctx.run + "/manifest.json", "steps." + name,
                            status == "complete" ? "complete, but its parameters or outputs changed" : status});
      }
      std::string why;
      if (!forced && manifest->isComplete(name, sp, &why)) {
        logger->info("step {}: complete, skipped", name);
        decision = "skip";
        return;
      }
      // A record that said complete but no longer verifies (size, checksum, parameters): say why.
      if (!forced && manifest->step(name).is_object() && manifest->step(name).value("status", "") == "complete")
        logger->warn("step {}: recorded complete but {}: running it again", name, why);
      // A step that reruns invalidates everything after it.
      forced = true;
      manifest->invalidate(name);
      for (std::size_t k = i + 1; k < names.size(); ++k) manifest->invalidate(names[k]);  // also those after `until`
      logger->info("step {}: running", name);
      decision = i >= from ? "force" : "run";
    });
    team.broadcast(decision, 0);
    if (decision == "skip") {
      sum.steps.push_back({name, true, 0});
      continue;
    }
    share.forceItems = decision == "force";
    // Scenes, pairs and row blocks are shared by every rank; the other steps are rank 0's.
    const bool everyone = name == "coregister" || name == "offsets" || name == "invert";
    const bool perStepPeak = resetPeakRss();
    const auto t0 = std::chrono::steady_clock::now();
    StepResult r;
    team.guard([&] {
      if (!everyone && !team.isRoot()) return;
      if (name == "offsets") share.planPairs();
      r = fns[i](ctx);
    });
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    // Items computed in this step by every rank (0 when a resumed run found them all done).
    const auto counts = team.allgather(std::to_string(share.scenesComputed()) + " " + std::to_string(share.pairsComputed()));
    team.guard([&] {
      if (!team.isRoot()) return;
      int scenes = 0, pairs = 0;
      for (const auto& c : counts) {
        scenes += std::atoi(c.c_str());
        pairs += std::atoi(c.c_str() + c.find(' ') + 1);
      }
      const double peakMiB = static_cast<double>(peakRssBytes()) / (1024.0 * 1024.0);
      json extra = {{"peak_rss_mib", peakMiB}, {"peak_rss_scope", perStepPeak ? "step" : "process"},
                    {"memory_budget_mib", static_cast<double>(params.memoryBytes) / (1024.0 * 1024.0)}};
      if (everyone) extra["ranks"] = team.size();
      if (name == "coregister") extra["scenes_computed"] = scenes;
      if (name == "offsets") {
        extra["pairs_computed"] = pairs;
        std::int64_t chips = 0;  // offset-grid nodes estimated, over every pair
        for (const auto& rel : r.outputs) {
          const io::RasterReader rd(ctx.run + "/" + rel);
          chips += rd.length() * rd.width();
        }
        extra["offsets"] = chips;
        extra["offsets_per_second"] = secs > 0 ? static_cast<double>(chips) / secs : 0.0;
      }
      manifest->complete(name, sp, r.outputs, secs, r.quality, extra);
      logger->info("step {}: done in {:.1f} s, peak memory {:.0f} MiB{}", name, secs, peakMiB,
                   name == "coregister" ? fmt::format(", {} scenes computed", scenes)
                   : name == "offsets"  ? fmt::format(", {} pairs computed", pairs)
                                        : std::string());
    });
    sum.steps.push_back({name, false, secs});
  }
  if (team.isRoot()) {
    if (fs::exists(ctx.run + "/report/report.html")) sum.reportPath = ctx.run + "/report/report.html";
    if (fs::exists(ctx.run + "/analysis/summary.json")) sum.summary = json::parse(io::readTextFile(ctx.run + "/analysis/summary.json"));
  }
  return sum;
}

namespace {
/// Stack and method of an existing run directory, from its manifest.
RunParams paramsOfRunDir(const std::string& runDir) {
  const std::string m = runDir + "/manifest.json";
  if (!fs::exists(m)) throw IoError("not a run directory (no manifest.json)", {runDir, "", ""});
  json j;
  try {
    j = json::parse(io::readTextFile(m));
  } catch (const json::exception& e) {
    throw InvalidInput(std::string("corrupt manifest: ") + e.what(), {m, "", ""});
  }
  if (!j.contains("stack") || !j["stack"].is_string()) throw InvalidInput("the manifest names no stack", {m, "stack", ""});
  RunParams rp;
  rp.stackPath = j["stack"].get<std::string>();
  rp.outDir = runDir;
  if (j.contains("method") && j["method"].is_string()) rp.method = j["method"].get<std::string>();
  return rp;
}
}  // namespace

RunSummary reportRun(const std::string& runDir) {
  RunParams rp = paramsOfRunDir(runDir);
  rp.fromStep = "report";
  return runStack(rp);
}

RunSummary runStep(const std::string& runDir, const std::string& step, bool force, int threads) {
  RunParams rp = paramsOfRunDir(runDir);
  rp.untilStep = step;
  rp.fromStep = force ? step : "";
  rp.threads = threads;
  rp.requireEarlierComplete = true;
  return runStack(rp);
}

CoregisterSummary coregisterScenes(const CoregisterParams& p) {
  if (p.threads > 0) setThreadCount(p.threads);
  detail::Context ctx;
  ctx.rp.stackPath = p.stackPath;
  ctx.rp.method = p.method;
  ctx.rp.memoryBytes = p.memoryBytes;
  ctx.stack = io::loadStack(p.stackPath);
  if (!p.outDir.empty()) ctx.stack.outputDir = fs::absolute(p.outDir).string();
  ctx.run = ctx.stack.outputDir;
  std::error_code ec;
  fs::create_directories(ctx.run, ec);
  if (ec) throw IoError("cannot create the run folder: " + ec.message(), {ctx.run, "", ""});
  const detail::RunLock lock(ctx.run);
  ctx.cfg = std::make_unique<detail::Config>(ctx.stack.params, ctx.stack.path);
  detail::readConfig(ctx);
  for (const auto& id : p.scenes) (void)ctx.stack.scene(id);  // InvalidInput naming an unknown scene
  if (p.compare && ctx.coregParams.method != coreg::Method::Improved)
    throw InvalidInput("--compare compares the traditional method with the improved one: use it with --method improved",
                       {ctx.stack.path, "--method", coreg::toString(ctx.coregParams.method)});
  const auto sum = coreg::coregisterStack(ctx.stack, ctx.coregParams, p.scenes, p.force, ctx.masterParams);
  CoregisterSummary out;
  out.runDir = ctx.run;
  out.master = sum.masters.finalMaster;
  out.processed = sum.processed;
  out.skipped = sum.skipped;
  if (p.compare) {
    ctx.masterId.clear();
    ctx.loadMaster();
    std::vector<std::string> ids;
    for (const auto& id : p.scenes)
      if (id != ctx.masterId) ids.push_back(id);
    if (p.scenes.empty()) {
      const std::string id = detail::figure1Scene(ctx);
      if (id.empty()) throw InvalidInput("--compare: the stack has no scene of another platform than the master", {ctx.stack.path, "--scene", ""});
      ids.push_back(id);
    }
    detail::GeometryMasks masks(ctx, ctx.maskDilatePx);
    for (const auto& id : ids) {
      if (!coreg::isSceneDone(ctx.run, id, ctx.masterGeometry.grid().length, ctx.masterGeometry.grid().width))
        throw InvalidInput("--compare needs the scene rectified first", {ctx.run + "/coreg", "--scene", id});
      out.comparisons.push_back(detail::compareMethods(ctx, id, masks));
    }
  }
  return out;
}

}  // namespace orthotrack::workflow

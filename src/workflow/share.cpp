// Work shares of a run across ranks and shard jobs, and the per-item done markers (share.hpp).
#include "share.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "context.hpp"
#include "orthotrack/core/error.hpp"
#include "orthotrack/core/log.hpp"
#include "orthotrack/coreg/master.hpp"
#include "orthotrack/io/raster_io.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace orthotrack::workflow::detail {

std::string hashJson(const json& j) {
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a 64, as fileChecksum
  for (const char c : j.dump()) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

std::string checkDoneMarker(const std::string& runDir, const std::string& markerPath, const std::string& paramsHash) {
  std::error_code ec;
  if (!fs::exists(markerPath, ec)) return "no done marker";
  const json m = json::parse(io::readTextFile(markerPath), nullptr, false);
  if (m.is_discarded() || !m.is_object() || !m.contains("outputs") || !m["outputs"].is_object()) return "unreadable done marker";
  if (m.value("params", "") != paramsHash) return "parameters or inputs changed";
  for (const auto& [rel, rec] : m["outputs"].items())
    if (std::string bad = verifyFileRecord(runDir + "/" + rel, rec, rel); !bad.empty()) return bad;
  return "";
}

void writeDoneMarker(const std::string& runDir, const std::string& markerPath, const std::string& item, const std::string& paramsHash,
                     const std::vector<std::string>& outputs, const json& quality) {
  json out = json::object();
  for (const auto& rel : outputs) out[rel] = fileRecord(runDir + "/" + rel);
  const json m = {{"item", item}, {"params", paramsHash}, {"outputs", out}, {"quality", quality}};
  io::writeFileAtomic(markerPath, m.dump(1) + "\n");
}

RowRange rowShare(std::int64_t length, std::int64_t blockRows, int rank, int size) {
  const std::int64_t br = std::max<std::int64_t>(1, blockRows), nb = (length + br - 1) / br;
  const std::int64_t b0 = nb * rank / size, b1 = nb * (rank + 1) / size;
  return {std::min(length, b0 * br), std::min(length, b1 * br)};
}

// ---------------------------------------------------------------------------------------------
std::unique_ptr<ItemClaim> ItemClaim::take(const std::string& runDir, const std::string& name, bool wait) {
  const std::string dir = runDir + "/.work/claims";
  std::error_code ec;
  fs::create_directories(dir, ec);
  const std::string path = dir + "/" + name + ".lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw IoError(std::string("cannot create a claim file: ") + std::strerror(errno), {path, "", ""});
  int rc;
  do rc = ::flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB));
  while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) return nullptr;
    throw IoError(std::string("cannot lock a claim file: ") + std::strerror(err), {path, "", ""});
  }
  return std::unique_ptr<ItemClaim>(new ItemClaim(fd));
}

ItemClaim::~ItemClaim() {
  if (fd_ >= 0) ::close(fd_);
}

// ---------------------------------------------------------------------------------------------
namespace {
std::string sceneMarker(const std::string& run, const std::string& id) { return run + "/coreg/" + id + ".done.json"; }
std::string pairName(const std::string& a, const std::string& b) { return a + "__" + b; }
std::string pairMarker(const std::string& run, const std::string& a, const std::string& b) {
  return run + "/offsets/" + pairName(a, b) + ".done.json";
}
std::vector<std::string> sceneOutputs(const std::string& id) {
  return {"coreg/" + id + ".slc.tif", "coreg/" + id + ".lookup.tif", "coreg/" + id + ".json"};
}
}  // namespace

WorkShare::WorkShare(Context& ctx, Team& team, Shard shard) : ctx_(ctx), team_(team), shard_(shard) {}

WorkShare::~WorkShare() {
  if (scratch_.empty()) return;
  std::error_code ec;
  fs::remove_all(scratch_, ec);
}

std::string WorkShare::scratch() {
  if (scratch_.empty()) {
    char host[256] = {0};
    if (::gethostname(host, sizeof host - 1) != 0) std::strcpy(host, "host");
    scratch_ = ctx_.run + "/.work/" + host + "-" + std::to_string(::getpid());
    std::error_code ec;
    fs::create_directories(scratch_ + "/coreg", ec);
    if (ec) throw IoError("cannot create the scratch folder: " + ec.message(), {scratch_, "", ""});
  }
  return scratch_;
}

const std::string& WorkShare::masterId() {
  if (masterId_.empty()) masterId_ = coreg::selectMasters(ctx_.stack.scenes, ctx_.masterParams).finalMaster;
  return masterId_;
}

std::string WorkShare::sceneHash(const std::string& id) {
  return hashJson({{"step", "coregister"}, {"params", ctx_.stepParams["coregister"]}, {"master", masterId()}, {"scene", id}});
}

std::string WorkShare::pairHash(const std::string& a, const std::string& b) {
  // The pair's inputs are the two rectified scenes: the records of their rasters (from their
  // markers; the report holds a timing) enter the hash, so a scene computed again with other
  // bytes makes its pairs pending.
  json inputs = json::array();
  for (const auto& id : {a, b}) {
    std::error_code ec;
    const std::string mp = sceneMarker(ctx_.run, id);
    const json m = fs::exists(mp, ec) ? json::parse(io::readTextFile(mp), nullptr, false) : json();
    const bool ok = m.is_object() && m.contains("outputs") && m["outputs"].is_object();
    for (const auto& rel : sceneOutputs(id))
      if (!rel.ends_with(".json")) inputs.push_back(ok ? m["outputs"].value(rel, json()) : json());
  }
  return hashJson({{"step", "offsets"}, {"params", ctx_.stepParams["offsets"]}, {"pair", pairName(a, b)}, {"inputs", inputs}});
}

std::vector<bool> WorkShare::doneItems(std::size_t n, const std::function<std::string(std::size_t)>& check) {
  // Each rank reads back (checksums) every size-th item; the answers are shared.
  std::string mine;
  team_.guard([&] {
    for (std::size_t i = static_cast<std::size_t>(team_.rank()); i < n; i += static_cast<std::size_t>(team_.size()))
      mine += check(i).empty() ? '1' : '0';
  });
  const auto all = team_.allgather(mine);
  std::vector<bool> done(n, false);
  for (std::size_t r = 0; r < all.size(); ++r)
    for (std::size_t k = 0; k < all[r].size(); ++k) done[r + k * all.size()] = all[r][k] == '1';
  return done;
}

bool WorkShare::masterJsonCurrent() const {
  const std::string p = ctx_.run + "/coreg/master.json";
  std::error_code ec;
  if (!fs::exists(p, ec)) return false;
  const json j = json::parse(io::readTextFile(p), nullptr, false);
  return !j.is_discarded() && j.is_object() && j.value("master", "") == masterId_ &&
         j.value("method", "") == coreg::toString(ctx_.coregParams.method);
}

void WorkShare::publishShared(const std::string& rel) {
  const std::string src = scratch() + "/" + rel, dst = ctx_.run + "/" + rel;
  const std::string lockPath = ctx_.run + "/.work/publish.lock";
  const int fd = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw IoError(std::string("cannot create the publish lock: ") + std::strerror(errno), {lockPath, "", ""});
  while (::flock(fd, LOCK_EX) != 0 && errno == EINTR) {
  }
  std::error_code ec;
  const bool same = fs::exists(dst, ec) && io::readTextFile(dst) == io::readTextFile(src);
  if (!same) {
    fs::create_directories(fs::path(dst).parent_path(), ec);
    fs::rename(src, dst, ec);
  }
  ::close(fd);
  if (ec) throw IoError("cannot move a shared file into place: " + ec.message(), {dst, "", ""});
}

void WorkShare::computeScenes(const std::vector<std::string>& ids, bool needMasterJson) {
  if (ids.empty() && !needMasterJson) return;
  for (const auto& id : ids) fs::remove(sceneMarker(ctx_.run, id));
  std::vector<std::string> call = ids;
  if (call.empty()) call.push_back(masterId());  // only master.json is wanted (the master itself is done)
  if (coordinator()) {
    coreg::coregisterStack(ctx_.stack, ctx_.coregParams, call, /*force=*/!ids.empty(), ctx_.masterParams);
  } else {
    io::Stack st = ctx_.stack;
    st.outputDir = scratch();
    coreg::coregisterStack(st, ctx_.coregParams, call, /*force=*/true, ctx_.masterParams);
    std::error_code ec;
    fs::create_directories(ctx_.run + "/coreg", ec);
    for (const auto& id : ids)
      for (const auto& rel : sceneOutputs(id)) {  // the report last: it says the scene is complete
        fs::rename(scratch_ + "/" + rel, ctx_.run + "/" + rel, ec);
        if (ec) throw IoError("cannot move a co-registered scene into place: " + ec.message(), {ctx_.run + "/" + rel, "", ""});
      }
    if (shard_.active()) publishShared("coreg/master.json");
  }
  for (const auto& id : ids) writeDoneMarker(ctx_.run, sceneMarker(ctx_.run, id), "scene " + id, sceneHash(id), sceneOutputs(id));
  scenesComputed_ += static_cast<int>(ids.size());
}

std::optional<coreg::StackCoregSummary> WorkShare::coregister() {
  auto logger = log::get("coreg");
  const auto& scenes = ctx_.stack.scenes;
  const std::size_t n = scenes.size();
  team_.guard([&] { (void)masterId(); });
  const auto inShard = [&](std::size_t i) { return static_cast<int>(i % static_cast<std::size_t>(shard_.count)) == shard_.index - 1; };
  std::vector<bool> done(n, false);
  if (!forceItems)
    done = doneItems(n, [&](std::size_t i) {
      if (shard_.active() && !inShard(i)) return std::string("not this shard's");
      return checkDoneMarker(ctx_.run, sceneMarker(ctx_.run, scenes[i].id), sceneHash(scenes[i].id));
    });
  // Pending scenes, the master first (it goes to rank 0, whose share is otherwise one scene less).
  std::vector<std::size_t> pending;
  for (std::size_t i = 0; i < n; ++i)
    if (!done[i] && (!shard_.active() || inShard(i))) pending.insert(scenes[i].id == masterId() ? pending.begin() : pending.end(), i);
  std::vector<std::string> mine;
  std::vector<std::unique_ptr<ItemClaim>> claims;
  team_.guard([&] {
    for (std::size_t p = 0; p < pending.size(); ++p) {
      const std::string& id = scenes[pending[p]].id;
      if (shard_.active()) {
        // Another job may hold it (a shard that needed it for its pairs): leave it to that job.
        auto c = ItemClaim::take(ctx_.run, "scene-" + id, false);
        if (!c || (!forceItems && checkDoneMarker(ctx_.run, sceneMarker(ctx_.run, id), sceneHash(id)).empty())) continue;
        claims.push_back(std::move(c));
        mine.push_back(id);
      } else if (static_cast<int>(p % static_cast<std::size_t>(team_.size())) == team_.rank()) {
        mine.push_back(id);
      }
    }
    if (team_.isRoot()) {
      std::size_t share = n;  // scenes of this process's share (all but a shard's)
      if (shard_.active()) share = (n + static_cast<std::size_t>(shard_.count - shard_.index)) / static_cast<std::size_t>(shard_.count);
      logger->info("coregister: {} scenes{}, {} done, {} to compute{}", share, shard_.active() ? " in shard " + shard_.text() : "",
                   share - pending.size(), pending.size(), team_.size() > 1 ? " over " + std::to_string(team_.size()) + " ranks" : "");
    }
    computeScenes(mine, coordinator() ? !masterJsonCurrent() : shard_.active() && !masterJsonCurrent());
    claims.clear();
  });
  if (team_.size() > 1) logger->warn("rank {}: co-registered {} scenes", team_.rank(), mine.size());
  if (!coordinator()) return std::nullopt;
  // The whole stack's summary from the files, whoever made them.
  coreg::StackCoregSummary sum;
  const json mj = json::parse(io::readTextFile(ctx_.run + "/coreg/master.json"));
  sum.masters.finalMaster = mj.at("master").get<std::string>();
  sum.demCoreg.lineShift = mj.at("dem_coreg").at("line_shift_px").get<double>();
  sum.demCoreg.sampleShift = mj.at("dem_coreg").at("sample_shift_px").get<double>();
  for (const auto& s : scenes) {
    if (s.id == sum.masters.finalMaster) continue;
    const std::string p = coreg::sceneProducts(ctx_.run, s.id).report;
    const json rj = json::parse(io::readTextFile(p));
    coreg::CoregReport rep;
    rep.secondaryId = s.id;
    const json& res = rj.at("residual");
    rep.residual.robustRmsAz = res.at("robust_rms_az_px").get<double>();
    rep.residual.robustRmsRg = res.at("robust_rms_rg_px").get<double>();
    rep.residual.used = res.at("used").get<std::int64_t>();
    sum.reports.push_back(rep);
  }
  return sum;
}

// ---------------------------------------------------------------------------------------------
void WorkShare::network() {
  const std::string run = ctx_.run, work = scratch();
  std::error_code ec;
  fs::copy_file(run + "/coreg/master.json", work + "/coreg/master.json", fs::copy_options::overwrite_existing, ec);
  if (ec) throw IoError("cannot copy the master's record into the scratch folder: " + ec.message(), {run + "/coreg/master.json", "", ""});
  ctx_.run = work;
  try {
    (void)stepPairs(ctx_);
  } catch (...) {
    ctx_.run = run;
    throw;
  }
  ctx_.run = run;
  publishShared("network/pairs.csv");
  publishShared("network/network.json");
}

void WorkShare::ensureScenesOfPairs() {
  const RunNetwork net = readRunNetwork(ctx_);
  std::vector<std::string> needed;
  for (std::size_t k = 0; k < net.pairs.size(); ++k) {
    if (static_cast<int>(k % static_cast<std::size_t>(shard_.count)) != shard_.index - 1) continue;
    for (int s : {net.pairs[k].first, net.pairs[k].second}) {
      const std::string& id = net.ids[static_cast<std::size_t>(s)];
      if (std::find(needed.begin(), needed.end(), id) == needed.end()) needed.push_back(id);
    }
  }
  auto logger = log::get("coreg");
  for (std::size_t round = 0;; ++round) {
    std::vector<std::string> pending;
    for (const auto& id : needed)
      if (!checkDoneMarker(ctx_.run, sceneMarker(ctx_.run, id), sceneHash(id)).empty()) pending.push_back(id);
    if (pending.empty()) return;
    if (round > 2 * needed.size() + 2)
      throw IoError("scenes stay not done after being co-registered: " + pending.front(), {sceneMarker(ctx_.run, pending.front()), "", ""});
    // Free ones are computed here; one held by another job is waited for (its job may die: then
    // the next round takes it).
    std::vector<std::unique_ptr<ItemClaim>> claims;
    std::vector<std::string> ids;
    for (const auto& id : pending)
      if (auto c = ItemClaim::take(ctx_.run, "scene-" + id, false)) {
        if (!checkDoneMarker(ctx_.run, sceneMarker(ctx_.run, id), sceneHash(id)).empty()) {
          claims.push_back(std::move(c));
          ids.push_back(id);
        }
      }
    if (!ids.empty()) {
      logger->info("shard {}: co-registering {} scenes that its pairs need", shard_.text(), ids.size());
      computeScenes(ids, false);
      continue;
    }
    logger->info("shard {}: waiting for scene {} (another job is co-registering it)", shard_.text(), pending.front());
    ItemClaim::take(ctx_.run, "scene-" + pending.front(), true);
  }
}

void WorkShare::planPairs() {
  const RunNetwork net = readRunNetwork(ctx_);
  const std::size_t n = net.pairs.size();
  pairs_.assign(n, PairItem{});
  const auto inShard = [&](std::size_t k) { return static_cast<int>(k % static_cast<std::size_t>(shard_.count)) == shard_.index - 1; };
  team_.guard([&] {
    for (std::size_t k = 0; k < n; ++k) {
      auto& p = pairs_[k];
      p.a = net.ids[static_cast<std::size_t>(net.pairs[k].first)];
      p.b = net.ids[static_cast<std::size_t>(net.pairs[k].second)];
      p.hash = pairHash(p.a, p.b);
    }
  });
  if (!forceItems) {
    const auto done = doneItems(n, [&](std::size_t k) {
      if (shard_.active() && !inShard(k)) return std::string("not this shard's");
      return checkDoneMarker(ctx_.run, pairMarker(ctx_.run, pairs_[k].a, pairs_[k].b), pairs_[k].hash);
    });
    for (std::size_t k = 0; k < n; ++k) pairs_[k].done = done[k];
  }
  std::size_t pos = 0, pending = 0, share = 0;
  for (std::size_t k = 0; k < n; ++k) {
    auto& p = pairs_[k];
    if (shard_.active() && !inShard(k)) continue;
    ++share;
    if (p.done) continue;
    ++pending;
    p.mine = shard_.active() || static_cast<int>(pos++ % static_cast<std::size_t>(team_.size())) == team_.rank();
  }
  if (team_.isRoot())
    log::get("offsets")->info("offsets: {} pairs{}, {} done, {} to compute{}", share, shard_.active() ? " in shard " + shard_.text() : "",
                              share - pending, pending, team_.size() > 1 ? " over " + std::to_string(team_.size()) + " ranks" : "");
}

void WorkShare::finishTakenPair(const json& stats) {
  if (!taken_) return;
  const PairItem& p = pairs_[*taken_];
  json quality = json::object();
  if (!stats.empty() && stats.back().is_object() && stats.back().value("pair", "") == pairName(p.a, p.b)) quality = stats.back();
  writeDoneMarker(ctx_.run, pairMarker(ctx_.run, p.a, p.b), "pair " + pairName(p.a, p.b), p.hash,
                  {"offsets/" + pairName(p.a, p.b) + ".tif"}, quality);
  ++pairsComputed_;
  taken_.reset();
  takenClaim_.reset();
}

bool WorkShare::takePair(std::size_t k, const json& stats) {
  finishTakenPair(stats);
  if (k >= pairs_.size()) throw InvalidInput("the offsets step ran without a plan of its pairs", {ctx_.run, "offsets", std::to_string(k)});
  const PairItem& p = pairs_[k];
  if (!p.mine) return false;
  if (shard_.active()) {
    auto c = ItemClaim::take(ctx_.run, "pair-" + pairName(p.a, p.b), false);
    if (!c || (!forceItems && checkDoneMarker(ctx_.run, pairMarker(ctx_.run, p.a, p.b), p.hash).empty())) return false;
    takenClaim_ = std::move(c);
  }
  std::error_code ec;
  fs::remove(pairMarker(ctx_.run, p.a, p.b), ec);
  taken_ = k;
  return true;
}

void WorkShare::endPairs(StepResult& r, const json& stats) {
  team_.guard([&] { finishTakenPair(stats); });
  if (team_.size() > 1) log::get("offsets")->warn("rank {}: computed {} pairs", team_.rank(), pairsComputed_);
  if (!coordinator()) return;
  // Every pair of the network, computed now or before, with its quality from its marker.
  r.outputs.clear();
  json all = json::array();
  for (const auto& p : pairs_) {
    const json m = json::parse(io::readTextFile(pairMarker(ctx_.run, p.a, p.b)));
    all.push_back(m.value("quality", json::object()));
    r.outputs.push_back("offsets/" + pairName(p.a, p.b) + ".tif");
  }
  r.quality = {{"pairs", all}};
}

// ---------------------------------------------------------------------------------------------
RowRange WorkShare::rows(std::int64_t length) const {
  return rowShare(length, ctx_.invParams.blockRows, team_.rank(), team_.size());
}

Raster<float> WorkShare::filterRows(const Raster<float>& v, int size, int minValid, double flatness) const {
  const double noise = fieldNoise(v);  // a statistic of the whole field, as in one process
  const RowRange rr = rows(v.length());
  if (rr.begin == 0 && rr.end == v.length()) return sigmaFilter(v, size, minValid, noise, flatness);
  Raster<float> out = v;
  if (rr.end <= rr.begin) return out;
  // The filter is local (size × size): the rows plus a halo of size/2 give the same values.
  const std::int64_t h = size / 2, r0 = std::max<std::int64_t>(0, rr.begin - h), r1 = std::min(v.length(), rr.end + h);
  const std::int64_t W = v.width();
  Raster<float> sub(r1 - r0, W);
  std::copy(v.data() + r0 * W, v.data() + r1 * W, sub.data());
  const Raster<float> f = sigmaFilter(sub, size, minValid, noise, flatness);
  std::copy(f.data() + (rr.begin - r0) * W, f.data() + (rr.end - r0) * W, out.data() + rr.begin * W);
  return out;
}

namespace {
/// Calls f on every raster of a component result, in a fixed order.
template <class F>
void eachRaster(timeseries::ComponentResult& c, F&& f) {
  for (auto& r : c.displacement) f(r);
  for (auto& r : c.displacementSigma) f(r);
  for (auto& r : c.unconstrained) f(r);
  for (auto& r : c.rate) f(r);
  for (auto& r : c.rateSigma) f(r);
  f(c.residualRms);
  f(c.pairsUsed);
  f(c.flags);
}
}  // namespace

bool WorkShare::gatherRows(timeseries::InversionResult& res, std::int64_t length, std::int64_t W) {
  if (team_.size() == 1) return true;
  std::string bytes;
  for (auto& c : res.components)
    eachRaster(c, [&](auto& r) { bytes.append(reinterpret_cast<const char*>(r.data()), r.size() * sizeof(*r.data())); });
  team_.guard([] {});  // every rank inverted its rows
  const auto parts = team_.gather(bytes, 0);
  if (!team_.isRoot()) return false;
  std::vector<std::size_t> pos(parts.size(), 0);
  for (auto& c : res.components) {
    eachRaster(c, [&](auto& r) {
      using T = std::remove_reference_t<decltype(*r.data())>;
      std::remove_reference_t<decltype(r)> full(length, W);
      for (std::size_t k = 0; k < parts.size(); ++k) {
        const RowRange rr = rowShare(length, ctx_.invParams.blockRows, static_cast<int>(k), team_.size());
        const std::size_t n = static_cast<std::size_t>((rr.end - rr.begin) * W) * sizeof(T);
        if (pos[k] + n > parts[k].size()) throw IoError("a rank sent fewer inverted rows than expected", {"", "rank", std::to_string(k)});
        std::memcpy(reinterpret_cast<char*>(full.data() + rr.begin * W), parts[k].data() + pos[k], n);
        pos[k] += n;
      }
      r = std::move(full);
    });
  }
  return true;
}

}  // namespace orthotrack::workflow::detail

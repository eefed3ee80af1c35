#include "orthotrack/coreg/master.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "orthotrack/core/error.hpp"
#include "orthotrack/core/log.hpp"
#include "orthotrack/geometry/orbit_tools.hpp"

namespace orthotrack::coreg {

geometry::SceneGeometry sceneGeometry(const io::SceneMetadata& s) { return geometry::SceneGeometry(s.orbit, s.grid, s.doppler); }

namespace {
double centreDoppler(const geometry::SceneGeometry& g) {
  const double l = 0.5 * static_cast<double>(g.grid().length - 1), s = 0.5 * static_cast<double>(g.grid().width - 1);
  return g.dopplerAt(g.time(l), g.range(s));
}
}  // namespace

PairBaseline pairBaseline(const io::SceneMetadata& ref, const io::SceneMetadata& sec, double heightM) {
  const geometry::SceneGeometry gr = sceneGeometry(ref), gs = sceneGeometry(sec);
  const geometry::Dem flat = geometry::Dem::constant(heightM);
  geometry::Rdr2GeoResult res;
  const double l = 0.5 * static_cast<double>(ref.grid.length - 1), s = 0.5 * static_cast<double>(ref.grid.width - 1);
  if (geometry::rdr2geo(gr, l, s, flat, res) != Status::Ok)
    throw OutOfDomain("cannot locate the reference scene centre on the ground", {ref.metadataPath, "scene.centre", ref.id});
  geometry::Baseline b;
  if (geometry::baseline(gr, gs, res.llh, b) != Status::Ok)
    throw OutOfDomain("the secondary orbit does not see the reference scene centre", {sec.metadataPath, "scene.orbit", sec.id});
  PairBaseline out;
  out.reference = ref.id;
  out.secondary = sec.id;
  out.temporalDays = sec.acquisitionTime().secondsSince(ref.acquisitionTime()) / 86400.0;
  out.perpendicular = b.perpendicular;
  out.parallel = b.parallel;
  out.dopplerDifferenceHz = centreDoppler(gs) - centreDoppler(gr);
  return out;
}

MasterSelection selectMasters(const std::vector<io::SceneMetadata>& scenes, const MasterParams& prm) {
  if (scenes.empty()) throw InvalidInput("no scenes to select a master from", {"", "coreg.master.scenes", "0"});
  std::vector<std::string> platforms;
  std::vector<const io::SceneMetadata*> sorted;
  for (const auto& s : scenes) sorted.push_back(&s);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto* a, const auto* b) { return a->acquisitionTime() < b->acquisitionTime(); });
  for (const auto* s : sorted)
    if (std::find(platforms.begin(), platforms.end(), s->platform) == platforms.end()) platforms.push_back(s->platform);
  MasterSelection sel;
  auto logger = log::get("coreg");
  for (const auto& pf : platforms) {
    std::vector<const io::SceneMetadata*> group;
    for (const auto* s : sorted)
      if (s->platform == pf) group.push_back(s);
    std::vector<MasterCandidate> cands;
    for (const auto* a : group) {
      MasterCandidate c;
      c.id = a->id;
      c.platform = pf;
      double st = 0, sp = 0, sd = 0;
      int n = 0;
      for (const auto* b : group) {
        if (a == b) continue;
        const PairBaseline pb = pairBaseline(*a, *b, prm.heightM);
        st += pb.temporalDays * pb.temporalDays;
        sp += pb.perpendicular * pb.perpendicular;
        sd += pb.dopplerDifferenceHz * pb.dopplerDifferenceHz;
        ++n;
      }
      if (n > 0) {
        c.rmsTemporalDays = std::sqrt(st / n);
        c.rmsPerpendicular = std::sqrt(sp / n);
        c.rmsDopplerHz = std::sqrt(sd / n);
      }
      cands.push_back(c);
    }
    double mt = 0, mp = 0, md = 0;
    for (const auto& c : cands) {
      mt = std::max(mt, c.rmsTemporalDays);
      mp = std::max(mp, c.rmsPerpendicular);
      md = std::max(md, c.rmsDopplerHz);
    }
    std::size_t best = 0;
    for (std::size_t k = 0; k < cands.size(); ++k) {
      auto& c = cands[k];
      c.cost = (mt > 0 ? c.rmsTemporalDays / mt : 0) + (mp > 0 ? c.rmsPerpendicular / mp : 0) + (md > 0 ? c.rmsDopplerHz / md : 0);
      if (c.cost < cands[best].cost) best = k;  // ties: the earliest scene
      logger->info("master candidate {} ({}): rms Bt {:.1f} d, rms Bperp {:.1f} m, rms dfdc {:.1f} Hz, cost {:.3f}", c.id, pf,
                   c.rmsTemporalDays, c.rmsPerpendicular, c.rmsDopplerHz, c.cost);
    }
    sel.perPlatform[pf] = cands[best].id;
    sel.candidates.insert(sel.candidates.end(), cands.begin(), cands.end());
  }
  if (!prm.finalMaster.empty()) {
    if (std::none_of(scenes.begin(), scenes.end(), [&](const auto& s) { return s.id == prm.finalMaster; }))
      throw InvalidInput("unknown final master scene", {"", "coreg.master", prm.finalMaster});
    sel.finalMaster = prm.finalMaster;
  } else if (!prm.finalPlatform.empty()) {
    const auto it = sel.perPlatform.find(prm.finalPlatform);
    if (it == sel.perPlatform.end()) throw InvalidInput("unknown final-master platform", {"", "coreg.master_platform", prm.finalPlatform});
    sel.finalMaster = it->second;
  } else {
    sel.finalMaster = sel.perPlatform.at(platforms.size() > 1 ? platforms[1] : platforms[0]);
  }
  logger->info("final master: {}", sel.finalMaster);
  return sel;
}

}  // namespace orthotrack::coreg

#include "orthotrack/network/network.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <set>
#include <sstream>

#include "orthotrack/core/error.hpp"
#include "orthotrack/core/log.hpp"

namespace orthotrack::network {
namespace {

constexpr double kSecondsPerDay = 86400.0;

std::string num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

void validateRule(const PlatformRule& r, const std::string& name) {
  if (!std::isfinite(r.minTemporalBaselineDays) || r.minTemporalBaselineDays < 0.0)
    throw InvalidInput("minimum temporal baseline must be finite and >= 0 days",
                       {"", "network.min_temporal_baseline_days." + name, num(r.minTemporalBaselineDays)});
  if (r.maxTemporalBaselineDays &&
      (!std::isfinite(*r.maxTemporalBaselineDays) || *r.maxTemporalBaselineDays < r.minTemporalBaselineDays))
    throw InvalidInput("maximum temporal baseline must be finite and >= the minimum (" +
                           num(r.minTemporalBaselineDays) + " days)",
                       {"", "network.max_temporal_baseline_days." + name, num(*r.maxTemporalBaselineDays)});
  if (r.maxPairsPerScene && *r.maxPairsPerScene < 1)
    throw InvalidInput("maximum pairs per scene must be >= 1",
                       {"", "network.max_pairs_per_scene." + name, std::to_string(*r.maxPairsPerScene)});
}

struct UnionFind {
  std::vector<int> p;
  explicit UnionFind(int n) : p(static_cast<std::size_t>(n)) { std::iota(p.begin(), p.end(), 0); }
  int find(int x) {
    while (p[static_cast<std::size_t>(x)] != x) x = p[static_cast<std::size_t>(x)] = p[static_cast<std::size_t>(p[static_cast<std::size_t>(x)])];
    return x;
  }
  void unite(int a, int b) {
    a = find(a);
    b = find(b);
    if (a != b) p[static_cast<std::size_t>(std::max(a, b))] = std::min(a, b);
  }
};

}  // namespace

std::string toString(PairCategory c) { return c == PairCategory::SamePlatform ? "same_platform" : "cross_platform"; }

void NetworkParams::validate() const {
  for (const auto& [name, r] : platforms) {
    if (name.empty()) throw InvalidInput("platform name must not be empty", {"", "network.platforms", ""});
    validateRule(r, name);
  }
  validateRule(defaultRule, "default");
  if (bridgeCount < 0)
    throw InvalidInput("bridging scene count must be >= 0", {"", "network.bridge_count", std::to_string(bridgeCount)});
  if (bridgeMaxPairs < 0)
    throw InvalidInput("maximum bridging pairs must be >= 0 (0 = all)",
                       {"", "network.bridge_max_pairs", std::to_string(bridgeMaxPairs)});
}

const PlatformRule& NetworkParams::rule(const std::string& platform) const {
  auto it = platforms.find(platform);
  return it == platforms.end() ? defaultRule : it->second;
}

Connectivity analyzeConnectivity(int nDates, const std::vector<std::pair<int, int>>& pairs) {
  Connectivity c;
  if (nDates <= 0) return c;
  UnionFind uf(nDates);
  // Difference array over intervals: pair (i<j) spans intervals i..j-1.
  std::vector<int> span(static_cast<std::size_t>(nDates), 0);
  for (auto [a, b] : pairs) {
    if (a < 0 || b < 0 || a >= nDates || b >= nDates || a == b) continue;
    uf.unite(a, b);
    const int i = std::min(a, b), j = std::max(a, b);
    ++span[static_cast<std::size_t>(i)];
    --span[static_cast<std::size_t>(j)];
  }
  // Label components in order of their smallest date, so date 0 is in component 0.
  std::map<int, int> label;
  c.dateComponent.resize(static_cast<std::size_t>(nDates));
  for (int d = 0; d < nDates; ++d) {
    const int root = uf.find(d);
    auto it = label.find(root);
    if (it == label.end()) it = label.emplace(root, static_cast<int>(label.size())).first;
    c.dateComponent[static_cast<std::size_t>(d)] = it->second;
    if (it->second != 0) c.unconstrainedDates.push_back(d);
  }
  c.componentCount = static_cast<int>(label.size());
  int run = 0;
  for (int m = 0; m + 1 < nDates; ++m) {
    run += span[static_cast<std::size_t>(m)];
    if (run == 0) c.unspannedIntervals.push_back(m);
  }
  return c;
}

std::string Connectivity::describe(const std::vector<DateTime>& dates) const {
  std::ostringstream s;
  s << componentCount << (componentCount == 1 ? " component" : " components");
  if (!unspannedIntervals.empty()) {
    s << "; intervals spanned by no pair:";
    for (int m : unspannedIntervals) {
      s << ' ' << m;
      if (static_cast<std::size_t>(m + 1) < dates.size())
        s << " (" << dates[static_cast<std::size_t>(m)].isoDate() << ".." << dates[static_cast<std::size_t>(m + 1)].isoDate() << ")";
    }
  }
  if (!unconstrainedDates.empty()) {
    s << "; dates not connected to the first date:";
    for (int d : unconstrainedDates) {
      s << ' ';
      if (static_cast<std::size_t>(d) < dates.size()) s << dates[static_cast<std::size_t>(d)].isoDate();
      else s << d;
    }
  }
  return s.str();
}

std::vector<DateTime> Network::dates() const {
  std::vector<DateTime> d;
  d.reserve(scenes.size());
  for (const auto& s : scenes) d.push_back(s.acquisition);
  return d;
}

std::map<std::string, int> Network::countByPlatformPair() const {
  std::map<std::string, int> out;
  for (const auto& p : pairs) {
    const auto& a = scenes[static_cast<std::size_t>(p.ref)].platform;
    const auto& b = scenes[static_cast<std::size_t>(p.sec)].platform;
    ++out[a == b ? a : a + "/" + b];
  }
  return out;
}

int Network::count(PairCategory c) const {
  return static_cast<int>(std::count_if(pairs.begin(), pairs.end(), [&](const Pair& p) { return p.category == c; }));
}

Network buildNetwork(std::vector<Scene> scenes, const NetworkParams& params) {
  params.validate();
  if (scenes.size() < 2)
    throw InvalidInput("a pair network needs at least 2 scenes", {"", "network.scenes", std::to_string(scenes.size())});
  std::stable_sort(scenes.begin(), scenes.end(), [](const Scene& a, const Scene& b) { return a.acquisition < b.acquisition; });
  std::set<std::string> ids;
  for (std::size_t k = 0; k < scenes.size(); ++k) {
    const auto& s = scenes[k];
    if (s.id.empty()) throw InvalidInput("scene id must not be empty", {"", "network.scenes.id", s.acquisition.iso(0)});
    if (!ids.insert(s.id).second) throw InvalidInput("duplicate scene id", {"", "network.scenes.id", s.id});
    if (!std::isfinite(s.bperp_m)) throw InvalidInput("perpendicular baseline must be finite", {"", "network.scenes." + s.id + ".bperp_m", num(s.bperp_m)});
    if (k > 0 && s.acquisition == scenes[k - 1].acquisition)
      throw InvalidInput("two scenes share the acquisition time " + s.acquisition.iso(3) + " (one epoch per scene)",
                         {"", "network.scenes.id", scenes[k - 1].id + "," + s.id});
  }
  Network net;
  net.scenes = std::move(scenes);
  const auto& sc = net.scenes;
  const int n = static_cast<int>(sc.size());
  auto makePair = [&](int i, int j, PairCategory cat) {
    Pair p;
    p.ref = std::min(i, j);
    p.sec = std::max(i, j);
    p.dtDays = sc[static_cast<std::size_t>(p.sec)].acquisition.secondsSince(sc[static_cast<std::size_t>(p.ref)].acquisition) / kSecondsPerDay;
    p.bperp_m = sc[static_cast<std::size_t>(p.sec)].bperp_m - sc[static_cast<std::size_t>(p.ref)].bperp_m;
    p.category = cat;
    return p;
  };

  // Platforms in order of their first acquisition, with their scene indices.
  std::vector<std::string> order;
  std::map<std::string, std::vector<int>> members;
  for (int k = 0; k < n; ++k) {
    const auto& pl = sc[static_cast<std::size_t>(k)].platform;
    if (!members.count(pl)) order.push_back(pl);
    members[pl].push_back(k);
  }

  // Same-platform pairs.
  for (const auto& pl : order) {
    const auto& idx = members[pl];
    const PlatformRule& r = params.rule(pl);
    std::vector<Pair> cand;
    for (std::size_t a = 0; a < idx.size(); ++a)
      for (std::size_t b = a + 1; b < idx.size(); ++b) {
        Pair p = makePair(idx[a], idx[b], PairCategory::SamePlatform);
        // A tolerance of 1 µs·day keeps "dt == bound" pairs whatever the time of day rounding.
        if (p.dtDays + 1e-6 < r.minTemporalBaselineDays) continue;
        if (r.maxTemporalBaselineDays && p.dtDays > *r.maxTemporalBaselineDays + 1e-6) continue;
        cand.push_back(p);
      }
    if (r.maxPairsPerScene) {
      std::stable_sort(cand.begin(), cand.end(), [](const Pair& x, const Pair& y) {
        return x.dtDays != y.dtDays ? x.dtDays < y.dtDays : (x.ref != y.ref ? x.ref < y.ref : x.sec < y.sec);
      });
      std::map<int, int> used;
      for (const auto& p : cand)
        if (used[p.ref] < *r.maxPairsPerScene && used[p.sec] < *r.maxPairsPerScene) {
          ++used[p.ref];
          ++used[p.sec];
          net.pairs.push_back(p);
        }
    } else {
      net.pairs.insert(net.pairs.end(), cand.begin(), cand.end());
    }
  }

  // Bridging pairs between consecutive platforms.
  if (params.bridgeCount > 0)
    for (std::size_t q = 0; q + 1 < order.size(); ++q) {
      const auto& a = members[order[q]];
      const auto& b = members[order[q + 1]];
      const std::size_t ka = std::min<std::size_t>(static_cast<std::size_t>(params.bridgeCount), a.size());
      const std::size_t kb = std::min<std::size_t>(static_cast<std::size_t>(params.bridgeCount), b.size());
      std::vector<Pair> cand;
      for (std::size_t u = a.size() - ka; u < a.size(); ++u)
        for (std::size_t v = 0; v < kb; ++v) cand.push_back(makePair(a[u], b[v], PairCategory::CrossPlatform));
      if (params.bridgeMaxPairs > 0 && cand.size() > static_cast<std::size_t>(params.bridgeMaxPairs)) {
        std::stable_sort(cand.begin(), cand.end(), [](const Pair& x, const Pair& y) { return x.dtDays < y.dtDays; });
        cand.resize(static_cast<std::size_t>(params.bridgeMaxPairs));
      }
      net.pairs.insert(net.pairs.end(), cand.begin(), cand.end());
    }

  std::sort(net.pairs.begin(), net.pairs.end(), [](const Pair& x, const Pair& y) {
    return x.ref != y.ref ? x.ref < y.ref : x.sec < y.sec;
  });
  std::vector<std::pair<int, int>> edges;
  for (const auto& p : net.pairs) edges.emplace_back(p.ref, p.sec);
  net.connectivity = analyzeConnectivity(n, edges);
  const auto dates = net.dates();
  if (!net.connectivity.connected()) {
    if (!params.allowDisconnected)
      throw InvalidInput("the pair network is disconnected: " + net.connectivity.describe(dates) +
                             "; add pairs (bridging, lower temporal bounds) or set network.allow_disconnected",
                         {"", "network.allow_disconnected", "false"});
    log::get("network")->warn("disconnected pair network accepted: {}", net.connectivity.describe(dates));
  }
  log::get("network")->info("{} scenes, {} pairs ({} same platform, {} cross platform)", n, net.pairs.size(),
                            net.count(PairCategory::SamePlatform), net.count(PairCategory::CrossPlatform));
  return net;
}

std::vector<PlatformPeriod> platformPeriods(const Network& net) {
  std::vector<PlatformPeriod> out;
  for (const auto& s : net.scenes) {
    auto it = std::find_if(out.begin(), out.end(), [&](const PlatformPeriod& p) { return p.platform == s.platform; });
    if (it == out.end()) out.push_back({s.platform, s.acquisition, s.acquisition});
    else it->last = s.acquisition;
  }
  return out;
}

void writePairsCsv(const std::string& path, const Network& net) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    if (!f) throw IoError("cannot open for writing", {tmp, "", ""});
    f << "id1,id2,date1,date2,dt_days,bperp_m,category\n";
    char buf[64];
    for (const auto& p : net.pairs) {
      const auto& a = net.scenes[static_cast<std::size_t>(p.ref)];
      const auto& b = net.scenes[static_cast<std::size_t>(p.sec)];
      f << a.id << ',' << b.id << ',' << a.acquisition.isoDate() << ',' << b.acquisition.isoDate() << ',';
      std::snprintf(buf, sizeof buf, "%.3f,%.2f,", p.dtDays, p.bperp_m);
      f << buf << toString(p.category) << '\n';
    }
    f.flush();
    if (!f) throw IoError("write failed", {tmp, "", ""});
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw IoError("cannot rename " + tmp + ": " + ec.message(), {path, "", ""});
}

}  // namespace orthotrack::network

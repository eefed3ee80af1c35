#pragma once
/// Offset-pair network: which scene pairs to correlate, their baselines, and whether the network
/// can be inverted into a time series (see docs/network.md).
///
/// Selection rule (the Baige paper, section 2.2): within each platform, every pair whose temporal
/// baseline is at least a per-platform lower bound, regardless of the perpendicular baseline
/// (optionally bounded above and limited per scene); between platforms that follow each other in
/// time, every pair between the last k scenes of one and the first k of the next ("bridging").
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "orthotrack/core/datetime.hpp"

namespace orthotrack::network {

/// One acquisition as the network sees it.
struct Scene {
  std::string id;          ///< unique scene identifier (file stem, product id)
  std::string platform;    ///< e.g. "PALSAR-1", "PALSAR-2" (selects the PlatformRule)
  DateTime acquisition;    ///< UTC sensing mid-time (docs/conventions.md: an acquisition's date)
  double bperp_m = 0.0;    ///< perpendicular baseline to the stack reference, m (from the caller)
};

/// Same-platform selection rule.
struct PlatformRule {
  double minTemporalBaselineDays = 30.0;               ///< days, pairs with dt >= this are kept (>= 0)
  std::optional<double> maxTemporalBaselineDays;       ///< days, pairs with dt <= this (>= min)
  std::optional<int> maxPairsPerScene;                 ///< >= 1: greedy, shortest dt first
};

struct NetworkParams {
  /// Rules per platform name. Defaults from the paper: PALSAR-1 300 days, PALSAR-2 70 days.
  std::map<std::string, PlatformRule> platforms{{"PALSAR-1", PlatformRule{300.0, {}, {}}},
                                                {"PALSAR-2", PlatformRule{70.0, {}, {}}}};
  /// Rule for platforms not listed in `platforms` (generic default: dt >= 30 days).
  PlatformRule defaultRule{};
  /// Bridging: all pairs between the last `bridgeCount` scenes of a platform and the first
  /// `bridgeCount` scenes of the next platform in time order (0 = no bridging).
  int bridgeCount = 3;
  /// Keep only the `bridgeMaxPairs` shortest bridging pairs of each transition (0 = all k·k).
  /// 8 with k = 3 drops the longest-dt pair and reproduces the paper's count (docs/network.md).
  int bridgeMaxPairs = 0;
  /// Accept a network whose date graph is disconnected; the unspanned epochs/intervals are then
  /// reported in Connectivity (never silently zero motion). Otherwise InvalidInput.
  bool allowDisconnected = false;

  /// Throws InvalidInput naming the key, e.g. "network.min_temporal_baseline_days.PALSAR-1".
  void validate() const;
  /// Rule for a platform (the listed one or defaultRule).
  const PlatformRule& rule(const std::string& platform) const;
};

enum class PairCategory { SamePlatform, CrossPlatform };
std::string toString(PairCategory c);  ///< "same_platform" / "cross_platform"

/// A pair of epochs; `ref` is the earlier (index into Network::scenes, time order).
struct Pair {
  int ref = 0;               ///< earlier scene index (Network::scenes order)
  int sec = 0;               ///< later scene index
  double dtDays = 0.0;       ///< temporal baseline, days, later minus earlier (> 0)
  double bperp_m = 0.0;      ///< perpendicular baseline, m: bperp(sec) − bperp(ref)
  PairCategory category = PairCategory::SamePlatform;
};

/// Connectivity of the date graph (dates = nodes, pairs = edges).
struct Connectivity {
  int componentCount = 0;                ///< connected components (1 = connected)
  std::vector<int> dateComponent;        ///< per date: component label, 0 = component of date 0
  std::vector<int> unspannedIntervals;   ///< interval m = (date m, date m+1] crossed by no pair
  std::vector<int> unconstrainedDates;   ///< dates not connected to date 0 (their displacement
                                         ///< relative to the first date is not determined)
  bool connected() const { return componentCount == 1; }
  /// One-line human description ("2 components; intervals 13 (2011-02-28..2014-10-06) unspanned").
  std::string describe(const std::vector<DateTime>& dates) const;
};

/// Connectivity of `nDates` dates linked by pairs (i, j) (indices, any order).
Connectivity analyzeConnectivity(int nDates, const std::vector<std::pair<int, int>>& pairs);

struct Network {
  std::vector<Scene> scenes;   ///< sorted by acquisition time (one epoch per scene)
  std::vector<Pair> pairs;     ///< sorted by (ref, sec)
  Connectivity connectivity;
  std::vector<DateTime> dates() const;
  std::map<std::string, int> countByPlatformPair() const;  ///< "PALSAR-1", "PALSAR-1/PALSAR-2" → count
  int count(PairCategory c) const;
};

/// Selects the pairs. Throws InvalidInput on bad params, fewer than 2 scenes, duplicate scene ids
/// or acquisition times, non-finite bperp, or (unless allowDisconnected) a disconnected network.
Network buildNetwork(std::vector<Scene> scenes, const NetworkParams& params = {});

/// First and last acquisition of each platform (time order of first acquisition): the default
/// rate windows of the time series.
struct PlatformPeriod {
  std::string platform;
  DateTime first, last;
};
std::vector<PlatformPeriod> platformPeriods(const Network& net);

/// CSV with header `id1,id2,date1,date2,dt_days,bperp_m,category` (dates YYYY-MM-DD, dt with
/// 3 decimals, bperp with 2). Written to a temporary name and renamed. Throws IoError.
void writePairsCsv(const std::string& path, const Network& net);

}  // namespace orthotrack::network

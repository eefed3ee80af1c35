#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "orthotrack/core/error.hpp"
#include "orthotrack/network/network.hpp"
#include "paper_stack.hpp"
#include "test_data.hpp"

using namespace orthotrack;
using namespace orthotrack::network;

namespace {
double days(const DateTime& a, const DateTime& b) { return b.secondsSince(a) / 86400.0; }

// Brute-force reference of the paper's rule written plainly: all same-platform pairs with
// dt >= bound, all last-k × first-k bridging pairs.
int bruteSame(const std::vector<Scene>& s, const std::string& pl, double minDays) {
  int n = 0;
  for (std::size_t i = 0; i < s.size(); ++i)
    for (std::size_t j = 0; j < s.size(); ++j)
      if (s[i].platform == pl && s[j].platform == pl && days(s[i].acquisition, s[j].acquisition) >= minDays) ++n;
  return n;
}
}  // namespace

TEST(PaperStack, DatesOnRepeatGrids) {
  const auto s = test::paperStack();
  ASSERT_EQ(s.size(), 28u);
  for (std::size_t k = 1; k < 14; ++k) {
    const double d = std::round(days(s[0].acquisition, s[k].acquisition));
    EXPECT_EQ(std::fmod(d, 46.0), 0.0) << s[k].id;
  }
  for (std::size_t k = 15; k < 28; ++k) {
    const double d = std::round(days(s[14].acquisition, s[k].acquisition));
    EXPECT_EQ(std::fmod(d, 14.0), 0.0) << s[k].id;
  }
}

TEST(Network, PaperDefaultsCategories) {
  const auto stack = test::paperStack();
  const Network net = buildNetwork(stack);
  const auto c = net.countByPlatformPair();
  // Default rules = the paper's lower bounds only. Counted against the brute-force reference.
  EXPECT_EQ(c.at("PALSAR-1"), bruteSame(stack, "PALSAR-1", 300.0));
  EXPECT_EQ(c.at("PALSAR-2"), bruteSame(stack, "PALSAR-2", 70.0));
  EXPECT_EQ(c.at("PALSAR-1/PALSAR-2"), 9);  // 3 × 3 bridging pairs
  EXPECT_EQ(net.count(PairCategory::CrossPlatform), 9);
  EXPECT_TRUE(net.connectivity.connected());
  EXPECT_TRUE(net.connectivity.unspannedIntervals.empty());
  // The figures quoted in docs/network.md.
  EXPECT_EQ(c.at("PALSAR-1"), 65);
  EXPECT_EQ(c.at("PALSAR-2"), 88);
  // The paper's 1978-day pair 2010-02-25 – 2015-07-27 is one of the bridging pairs.
  bool found = false;
  for (const auto& p : net.pairs)
    if (net.scenes[p.ref].id == "P1_20100225" && net.scenes[p.sec].id == "P2_20150727") {
      found = true;
      EXPECT_EQ(p.category, PairCategory::CrossPlatform);
      EXPECT_NEAR(p.dtDays, 1978.0, 0.5);
    }
  EXPECT_TRUE(found);
  for (const auto& p : net.pairs) {
    EXPECT_LT(p.ref, p.sec);
    EXPECT_GT(p.dtDays, 0.0);
    EXPECT_DOUBLE_EQ(p.bperp_m, net.scenes[p.sec].bperp_m - net.scenes[p.ref].bperp_m);
  }
}

TEST(Network, BridgeMaxPairsDropsLongest) {
  NetworkParams prm;
  prm.bridgeMaxPairs = 8;
  const Network net = buildNetwork(test::paperStack(), prm);
  EXPECT_EQ(net.count(PairCategory::CrossPlatform), 8);
  double maxDt = 0;
  for (const auto& p : net.pairs)
    if (p.category == PairCategory::CrossPlatform) maxDt = std::max(maxDt, p.dtDays);
  // The dropped pair is the longest: first of the last 3 PALSAR-1 (2010-02-25) × third PALSAR-2
  // (2015-07-27) = 1978 days; the longest kept is 2010-07-13 – 2015-07-27 or 2010-02-25 – 2015-06-29.
  EXPECT_LT(maxDt, 1977.0);
}

TEST(Network, PaperCountsWithUpperBounds) {
  // Upper bounds found in docs/network.md that bring the same-platform counts near 31 / 44.
  NetworkParams prm;
  prm.platforms["PALSAR-1"].maxTemporalBaselineDays = 650.0;
  prm.platforms["PALSAR-2"].maxTemporalBaselineDays = 490.0;
  prm.bridgeMaxPairs = 8;
  const Network net = buildNetwork(test::paperStack(), prm);
  const auto c = net.countByPlatformPair();
  EXPECT_EQ(c.at("PALSAR-1"), 32);
  EXPECT_EQ(c.at("PALSAR-2"), 44);
  EXPECT_EQ(c.at("PALSAR-1/PALSAR-2"), 8);
  EXPECT_TRUE(net.connectivity.connected());
  for (const auto& p : net.pairs) {
    const auto& r = prm.rule(net.scenes[p.ref].platform);
    if (p.category == PairCategory::SamePlatform) {
      EXPECT_GE(p.dtDays, r.minTemporalBaselineDays - 1e-6);
      EXPECT_LE(p.dtDays, *r.maxTemporalBaselineDays + 1e-6);
    }
  }
}

TEST(Network, MaxPairsPerScene) {
  NetworkParams prm;
  prm.platforms["PALSAR-2"].maxPairsPerScene = 3;
  const Network net = buildNetwork(test::paperStack(), prm);
  std::map<int, int> used;
  for (const auto& p : net.pairs)
    if (p.category == PairCategory::SamePlatform && net.scenes[p.ref].platform == "PALSAR-2") {
      ++used[p.ref];
      ++used[p.sec];
      EXPECT_GE(p.dtDays, 70.0 - 1e-6);
    }
  for (auto [k, n] : used) EXPECT_LE(n, 3) << k;
  EXPECT_GT(used.size(), 10u);
}

TEST(Network, DisconnectedIsErrorUnlessAllowed) {
  NetworkParams prm;
  prm.bridgeCount = 0;
  try {
    buildNetwork(test::paperStack(), prm);
    FAIL() << "expected InvalidInput";
  } catch (const InvalidInput& e) {
    EXPECT_EQ(e.context().key, "network.allow_disconnected");
    EXPECT_NE(std::string(e.what()).find("2011-02-28..2014-10-06"), std::string::npos) << e.what();
  }
  prm.allowDisconnected = true;
  const Network net = buildNetwork(test::paperStack(), prm);
  EXPECT_EQ(net.connectivity.componentCount, 2);
  ASSERT_EQ(net.connectivity.unspannedIntervals.size(), 1u);
  EXPECT_EQ(net.connectivity.unspannedIntervals[0], 13);
  EXPECT_EQ(net.connectivity.unconstrainedDates.size(), 14u);
  EXPECT_EQ(net.connectivity.unconstrainedDates.front(), 14);
}

TEST(Connectivity, InterleavedComponentsWithoutUnspannedInterval) {
  // Dates 0..3, pairs (0,2) and (1,3): every interval is crossed, yet two components.
  const auto c = analyzeConnectivity(4, {{0, 2}, {1, 3}});
  EXPECT_EQ(c.componentCount, 2);
  EXPECT_TRUE(c.unspannedIntervals.empty());
  EXPECT_EQ(c.unconstrainedDates, (std::vector<int>{1, 3}));
  const auto d = analyzeConnectivity(5, {{0, 1}, {3, 4}});
  EXPECT_EQ(d.componentCount, 3);  // {0,1}, {2}, {3,4}
  EXPECT_EQ(d.unspannedIntervals, (std::vector<int>{1, 2}));
}

TEST(Network, BadParamsNameKeyAndValue) {
  NetworkParams prm;
  prm.platforms["PALSAR-1"].minTemporalBaselineDays = -5;
  try {
    prm.validate();
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_EQ(e.context().key, "network.min_temporal_baseline_days.PALSAR-1");
    EXPECT_EQ(e.context().value, "-5");
  }
  NetworkParams q;
  q.platforms["PALSAR-2"].maxTemporalBaselineDays = 10.0;
  try {
    q.validate();
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_EQ(e.context().key, "network.max_temporal_baseline_days.PALSAR-2");
    EXPECT_EQ(e.context().value, "10");
  }
  NetworkParams r;
  r.bridgeCount = -1;
  EXPECT_THROW(r.validate(), InvalidInput);
  auto s = test::paperStack();
  s[3].id = s[2].id;
  EXPECT_THROW(buildNetwork(s, {}), InvalidInput);
  EXPECT_THROW(buildNetwork({s[0]}, {}), InvalidInput);
}

TEST(Network, CsvWriter) {
  const Network net = buildNetwork(test::paperStack());
  const auto dir = test::tempDir("pairs_csv");
  const auto path = (dir / "pairs.csv").string();
  writePairsCsv(path, net);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  std::ifstream f(path);
  std::string line;
  std::getline(f, line);
  EXPECT_EQ(line, "id1,id2,date1,date2,dt_days,bperp_m,category");
  int rows = 0, cross = 0;
  while (std::getline(f, line)) {
    ++rows;
    if (line.find("cross_platform") != std::string::npos) ++cross;
    if (line.rfind("P1_20100225,P2_20150727,", 0) == 0) {
      EXPECT_NE(line.find(",2010-02-25,2015-07-27,1978.000,"), std::string::npos) << line;
    }
  }
  EXPECT_EQ(rows, static_cast<int>(net.pairs.size()));
  EXPECT_EQ(cross, 9);
  std::filesystem::remove_all(dir);
}

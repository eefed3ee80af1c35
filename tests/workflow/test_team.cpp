// The team layer of `orthotrack run` (workflow/team.hpp, share.hpp) without MPI: the failure
// agreement of Team::guard on a team of threads (a failure on one rank ends every rank, none
// waits), `--shard` parsing (also through the CLI: exit 2 naming --shard), the row blocks of the
// inversion (cover every row once, cut where the inversion cuts its own blocks), the noise filter on
// a rank's rows (bit-identical to the whole-field filter), the gather of inverted rows, and the done
// markers (a truncated or altered product, or other parameters, is not done).
#include <gtest/gtest.h>

#include <barrier>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <random>
#include <thread>

#include "../../src/workflow/context.hpp"
#include "../../src/workflow/share.hpp"
#include "cli_runner.hpp"
#include "orthotrack/core/error.hpp"
#include "orthotrack/io/raster_io.hpp"
#include "orthotrack/workflow/team.hpp"
#include "test_data.hpp"

using namespace orthotrack;
using namespace orthotrack::workflow;
using namespace orthotrack::workflow::detail;
namespace fs = std::filesystem;

namespace {

/// A team of threads in one process: every collective is an exchange through shared slots between
/// two barriers (a stand-in for MPI with the same matching rule: collectives pair up by order).
struct Exchange {
  explicit Exchange(int n) : size(n), bar(n), slots(static_cast<std::size_t>(n)) {}
  int size;
  std::barrier<> bar;
  std::vector<std::string> slots;
};
class ThreadTeam : public Team {
 public:
  ThreadTeam(Exchange& x, int rank) : x_(x), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return x_.size; }
  int localSize() const override { return x_.size; }
  std::vector<std::string> allgather(const std::string& bytes) override {
    x_.slots[static_cast<std::size_t>(rank_)] = bytes;
    x_.bar.arrive_and_wait();
    auto all = x_.slots;
    x_.bar.arrive_and_wait();
    return all;
  }
  std::vector<std::string> gather(const std::string& bytes, int root) override {
    auto all = allgather(bytes);
    return rank_ == root ? all : std::vector<std::string>{};
  }
  void broadcast(std::string& bytes, int root) override { bytes = allgather(bytes)[static_cast<std::size_t>(root)]; }
  int allreduceMax(int v) override {
    int m = v;
    for (const auto& s : allgather(std::to_string(v))) m = std::max(m, std::stoi(s));
    return m;
  }

 private:
  Exchange& x_;
  int rank_;
};

/// Runs body(team) on n threads; returns, per rank, "ok" or "<exception type>: <code> <what>".
std::vector<std::string> onThreads(int n, const std::function<void(Team&)>& body) {
  Exchange x(n);
  std::vector<std::string> out(static_cast<std::size_t>(n));
  std::vector<std::thread> th;
  for (int r = 0; r < n; ++r)
    th.emplace_back([&, r] {
      ThreadTeam t(x, r);
      try {
        body(t);
        out[static_cast<std::size_t>(r)] = t.failureAgreed() ? "ok (agreed failure?)" : "ok";
      } catch (const PeerFailure& e) {
        out[static_cast<std::size_t>(r)] = "peer " + std::to_string(e.rank()) + ": " + std::to_string(e.exitCode()) + " " + e.what();
      } catch (const std::exception& e) {
        out[static_cast<std::size_t>(r)] = std::string("own: ") + std::to_string(exitCodeOf(e)) + " " + e.what();
      }
    });
  for (auto& t : th) t.join();
  return out;
}

TEST(Team, GuardEndsEveryRankWithTheFailingRanksError) {
  const auto out = onThreads(3, [](Team& t) {
    t.guard([&] {
      if (t.rank() == 1) throw IoError("disk full", {"/run/offsets/A__B.tif", "", ""});
    });
    t.barrier();  // never reached after a failure: would pair with nothing on the failing rank
  });
  EXPECT_EQ(out[1].rfind("own: 3 ", 0), 0u) << out[1];
  for (int r : {0, 2}) {
    EXPECT_EQ(out[static_cast<std::size_t>(r)].rfind("peer 1: 3 ", 0), 0u) << out[static_cast<std::size_t>(r)];
    EXPECT_NE(out[static_cast<std::size_t>(r)].find("disk full"), std::string::npos);
    EXPECT_NE(out[static_cast<std::size_t>(r)].find("/run/offsets/A__B.tif"), std::string::npos);
  }
}

TEST(Team, AFailureBeforeAnInnerGuardMeetsThePeersInnerGuard) {
  // Rank 0 fails in the outer work; rank 1 has gone on to a nested guard (as in a step that
  // exchanges data). The agreements pair up by order, so both leave, none waits.
  auto fut = std::async(std::launch::async, [] {
    return onThreads(2, [](Team& t) {
      t.guard([&] {
        if (t.rank() == 0) throw InvalidInput("bad key", {"stack.toml", "offsets.step", "0"});
        t.guard([] {});
        std::string data = "rows";
        t.broadcast(data, 0);  // only after an agreed success
      });
    });
  });
  ASSERT_EQ(fut.wait_for(std::chrono::seconds(20)), std::future_status::ready) << "a rank is waiting for a peer";
  const auto out = fut.get();
  EXPECT_EQ(out[0].rfind("own: 2 ", 0), 0u) << out[0];
  EXPECT_EQ(out[1].rfind("peer 0: 2 ", 0), 0u) << out[1];
}

TEST(Team, EveryRankFailingKeepsItsOwnErrorAndSuccessThrowsNothing) {
  const auto out = onThreads(2, [](Team& t) {
    t.guard([] {});
    t.guard([&] { throw NoConvergence("rank " + std::to_string(t.rank()), {}); });
  });
  EXPECT_EQ(out[0], "own: 5 rank 0");
  EXPECT_EQ(out[1], "own: 5 rank 1");
  SerialTeam serial;
  EXPECT_THROW(serial.guard([] { throw OutOfDomain("x", {}); }), OutOfDomain);
  EXPECT_NO_THROW(serial.guard([] {}));
  EXPECT_FALSE(serial.failureAgreed());
}

TEST(Shard, ParsesIOfNAndRejectsTheRestNamingTheOption) {
  const Shard s = parseShard("2/5");
  EXPECT_EQ(s.index, 2);
  EXPECT_EQ(s.count, 5);
  EXPECT_TRUE(s.active());
  EXPECT_EQ(s.text(), "2/5");
  EXPECT_FALSE(Shard{}.active());
  for (const char* bad : {"0/2", "3/2", "x", "1/0", "2", "/2", "1/", "-1/2", "1/2/3", "a/b", "1 /2", "1/1000000"}) {
    try {
      parseShard(bad);
      ADD_FAILURE() << bad << " accepted";
    } catch (const InvalidInput& e) {
      EXPECT_EQ(e.context().key, "--shard") << bad;
      EXPECT_EQ(e.context().value, bad);
    }
  }
}

TEST(Shard, TheCliRefusesBadSharesWithExitCode2NamingShard) {
  for (const char* bad : {"0/2", "3/2", "x"}) {
    const auto r = test::runCli(std::string("run /nonexistent/stack.toml --shard ") + bad);
    EXPECT_EQ(r.code, 2) << bad << ": " << r.out;
    EXPECT_NE(r.out.find("--shard"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(bad), std::string::npos) << r.out;
  }
}

TEST(RowShare, CoversEveryRowOnceCutAtTheInversionsBlocks) {
  for (std::int64_t L : {0, 1, 31, 32, 33, 100, 1000})
    for (int size : {1, 2, 3, 5, 40}) {
      std::int64_t next = 0;
      for (int r = 0; r < size; ++r) {
        const RowRange rr = rowShare(L, 32, r, size);
        EXPECT_EQ(rr.begin, next) << L << " rows, rank " << r << " of " << size;
        EXPECT_GE(rr.end, rr.begin);
        EXPECT_TRUE(rr.begin % 32 == 0 || rr.begin == L);
        next = rr.end;
      }
      EXPECT_EQ(next, L);
    }
  // Balanced: 1000 rows = 32 blocks; 3 ranks get 10, 11, 11 blocks.
  EXPECT_EQ(rowShare(1000, 32, 0, 3).end, 320);
  EXPECT_EQ(rowShare(1000, 32, 1, 3).end, 672);
}

/// A team that only knows its rank (for the parts of WorkShare that exchange nothing).
class FixedRank : public SerialTeam {
 public:
  FixedRank(int r, int n) : r_(r), n_(n) {}
  int rank() const override { return r_; }
  int size() const override { return n_; }

 private:
  int r_, n_;
};

TEST(WorkShare, TheNoiseFilterOnARanksRowsEqualsTheWholeFieldFilter) {
  std::mt19937 rng(11);
  std::normal_distribution<float> noise(0.0f, 0.05f);
  Raster<float> v(77, 41);
  for (std::int64_t i = 0; i < v.length(); ++i)
    for (std::int64_t j = 0; j < v.width(); ++j)
      v(i, j) = (j > 20 ? 1.5f : 0.0f) + 0.01f * static_cast<float>(i) + noise(rng);
  for (int k = 0; k < 300; ++k) v(rng() % 77, rng() % 41) = std::numeric_limits<float>::quiet_NaN();
  Context ctx;
  ctx.invParams.blockRows = 8;
  for (int size : {3, 5}) {
    const Raster<float> whole = sigmaFilter(v, size, 4, fieldNoise(v), 2.0);
    for (int n : {2, 3, 4}) {
      for (int r = 0; r < n; ++r) {
        FixedRank team(r, n);
        WorkShare share(ctx, team, {});
        const RowRange rr = share.rows(v.length());
        const Raster<float> f = share.filterRows(v, size, 4, 2.0);
        std::int64_t differ = 0;
        for (std::int64_t i = rr.begin; i < rr.end; ++i)
          for (std::int64_t j = 0; j < v.width(); ++j) {
            const float a = f(i, j), b = whole(i, j);
            differ += !(a == b || (std::isnan(a) && std::isnan(b)));
          }
        EXPECT_EQ(differ, 0) << "filter " << size << ", rank " << r << " of " << n;
      }
    }
  }
}

TEST(WorkShare, GatherRowsAssemblesTheWholeGridOnRankZero) {
  const std::int64_t L = 45, W = 7;
  auto value = [](std::int64_t i, std::int64_t j, int k) { return static_cast<float>(1000 * k + 10 * i + j); };
  Exchange x(3);
  std::vector<timeseries::InversionResult> results(3);
  std::vector<std::thread> th;
  std::vector<int> returned(3, -1);
  for (int r = 0; r < 3; ++r)
    th.emplace_back([&, r] {
      ThreadTeam team(x, r);
      Context ctx;
      ctx.invParams.blockRows = 4;
      WorkShare share(ctx, team, {});
      const RowRange rr = share.rows(L);
      auto& res = results[static_cast<std::size_t>(r)];
      timeseries::ComponentResult c;
      c.name = "los";
      for (int k = 0; k < 2; ++k) {
        Raster<float> d(rr.end - rr.begin, W);
        for (std::int64_t i = rr.begin; i < rr.end; ++i)
          for (std::int64_t j = 0; j < W; ++j) d(i - rr.begin, j) = value(i, j, k);
        c.displacement.push_back(d);
      }
      c.pairsUsed.resize(rr.end - rr.begin, W, static_cast<std::int16_t>(r + 1));
      c.flags.resize(rr.end - rr.begin, W, static_cast<std::uint8_t>(r));
      c.residualRms.resize(rr.end - rr.begin, W, 0.5f);
      res.components.push_back(c);
      returned[static_cast<std::size_t>(r)] = share.gatherRows(res, L, W);
    });
  for (auto& t : th) t.join();
  EXPECT_EQ(returned, (std::vector<int>{1, 0, 0}));
  const auto& c = results[0].components.at(0);
  ASSERT_EQ(c.displacement.size(), 2u);
  for (int k = 0; k < 2; ++k) {
    ASSERT_EQ(c.displacement[static_cast<std::size_t>(k)].length(), L);
    for (std::int64_t i = 0; i < L; ++i)
      for (std::int64_t j = 0; j < W; ++j) EXPECT_EQ(c.displacement[static_cast<std::size_t>(k)](i, j), value(i, j, k));
  }
  for (int r = 0; r < 3; ++r) {
    const RowRange rr = rowShare(L, 4, r, 3);
    for (std::int64_t i = rr.begin; i < rr.end; ++i) {
      EXPECT_EQ(c.pairsUsed(i, 3), r + 1);
      EXPECT_EQ(c.flags(i, 3), r);
      EXPECT_EQ(c.residualRms(i, 3), 0.5f);
    }
  }
}

TEST(DoneMarker, OnlyAnIntactProductWithTheSameParametersIsDone) {
  const fs::path dir = test::tempDir("done_marker");
  fs::create_directories(dir / "offsets");
  const std::string product = (dir / "offsets/A__B.tif").string(), marker = (dir / "offsets/A__B.done.json").string();
  {
    std::ofstream f(product, std::ios::binary);
    for (int k = 0; k < 5000; ++k) f.put(static_cast<char>(k * 7));
  }
  EXPECT_EQ(checkDoneMarker(dir.string(), marker, "h1"), "no done marker");
  writeDoneMarker(dir.string(), marker, "pair A__B", "h1", {"offsets/A__B.tif"}, {{"ok_fraction", 0.5}});
  EXPECT_EQ(checkDoneMarker(dir.string(), marker, "h1"), "");
  EXPECT_EQ(checkDoneMarker(dir.string(), marker, "h2"), "parameters or inputs changed");
  // One byte changed (same size): the checksum tells.
  {
    std::fstream f(product, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4000);
    f.put('x');
  }
  EXPECT_NE(checkDoneMarker(dir.string(), marker, "h1").find("offsets/A__B.tif: checksum"), std::string::npos);
  // Truncated (a killed copy): the size tells.
  fs::resize_file(product, 2500);
  EXPECT_EQ(checkDoneMarker(dir.string(), marker, "h1"), "offsets/A__B.tif: 2500 bytes, recorded 5000");
  fs::remove(product);
  EXPECT_EQ(checkDoneMarker(dir.string(), marker, "h1"), "offsets/A__B.tif: missing");
  // A marker cut short is not a marker.
  fs::resize_file(marker, 10);
  EXPECT_EQ(checkDoneMarker(dir.string(), marker, "h1"), "unreadable done marker");
  fs::remove_all(dir);
}

TEST(DoneMarker, HashOfParametersIsStableAndSensitive) {
  const nlohmann::json a = {{"step", 16}, {"windows", {64, 96}}};
  EXPECT_EQ(hashJson(a), hashJson(nlohmann::json::parse(a.dump())));
  EXPECT_NE(hashJson(a), hashJson({{"step", 16}, {"windows", {64, 128}}}));
  EXPECT_EQ(hashJson(a).size(), 16u);
}

}  // namespace

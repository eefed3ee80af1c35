/// Throughput of the per-pixel SBAS inversion (pixels/s) on the peer benchmark's network
/// (/work/shared/bench-reference/ts_inversion_bench.py): 28 dates, 83 pairs (31 PALSAR-1-like pairs
/// with dt >= 300 d, 44 PALSAR-2-like pairs with dt >= 70 d, 8 bridging pairs), each pair missing
/// with probability 0.1 independently per pixel, ONE component (two components cost twice as much).
/// The reference is the plain per-pixel loop written like MintPy's path for pixels with missing
/// pairs: drop NaN rows, build the masked velocity-form design matrix, solve it with its own Eigen
/// SVD (rcond 1e-5), residual, cumulative sum. It is measured in the same process; counters
/// `x_vs_jacobi` and `x_vs_bdc` give the speed-up against it (same thread count for both sides is
/// NOT assumed: the reference is always 1 thread, as in the peer table).
#include <benchmark/benchmark.h>

#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

#include <ctime>

#include "orthotrack/core/tiling.hpp"
#include "orthotrack/timeseries/sbas.hpp"

using namespace orthotrack;
using namespace orthotrack::timeseries;

namespace {

/// Process CPU seconds (all threads): on a shared, loaded machine the per-core rate
/// pixels / CPU-second is the stable figure; wall-clock rates are reported beside it.
double cpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

SbasNetwork peerNetwork() {
  SbasNetwork net;
  const DateTime d0(2007, 1, 15), d1(2014, 10, 1);
  for (int k = 0; k < 14; ++k) net.dates.push_back(d0.plusSeconds(92.0 * 86400 * k));
  for (int k = 0; k < 14; ++k) net.dates.push_back(d1.plusSeconds(84.0 * 86400 * k));
  auto shortest = [&](int off, double lower, std::size_t count) {
    std::vector<std::tuple<double, int, int>> c;
    for (int i = 0; i < 14; ++i)
      for (int j = i + 1; j < 14; ++j) {
        const double dt = net.dates[off + j].secondsSince(net.dates[off + i]) / 86400.0;
        if (dt >= lower) c.emplace_back(dt, off + i, off + j);
      }
    std::sort(c.begin(), c.end());
    c.resize(std::min(count, c.size()));
    for (auto& [dt, i, j] : c) net.pairs.push_back({i, j});
  };
  shortest(0, 300, 31);
  shortest(14, 70, 44);
  for (int i = 10; i < 14; ++i)
    for (int j = 14; j < 16; ++j) net.pairs.push_back({i, j});
  return net;
}

struct Data {
  SbasNetwork net;
  std::int64_t L = 0, W = 0;
  std::vector<Raster<float>> obs, sig;
  std::vector<double> dt;  // years
};

const Data& data() {
  static const Data d = [] {
    Data x;
    x.net = peerNetwork();
    x.L = 100;
    x.W = 200;
    std::mt19937_64 rng(7);
    std::normal_distribution<double> g(0, 1);
    std::uniform_real_distribution<double> u(0, 1);
    const int nd = x.net.dateCount();
    for (int k = 0; k + 1 < nd; ++k) x.dt.push_back(x.net.dates[k + 1].secondsSince(x.net.dates[k]) / (365.25 * 86400));
    for (int k = 0; k < x.net.pairCount(); ++k) {
      x.obs.emplace_back(x.L, x.W);
      x.sig.emplace_back(x.L, x.W);
    }
    for (std::int64_t p = 0; p < x.L * x.W; ++p) {
      std::vector<double> cum(static_cast<std::size_t>(nd), 0.0);
      for (int k = 1; k < nd; ++k) cum[k] = cum[k - 1] + g(rng) * x.dt[k - 1];
      for (int k = 0; k < x.net.pairCount(); ++k) {
        const auto& pr = x.net.pairs[k];
        const double s = 0.05 * (0.5 + u(rng));
        x.obs[k].data()[p] = u(rng) < 0.1 ? std::nanf("") : static_cast<float>(cum[pr.second] - cum[pr.first] + s * g(rng));
        x.sig[k].data()[p] = static_cast<float>(s);
      }
    }
    return x;
  }();
  return d;
}

/// The plain per-pixel reference; returns a checksum so nothing is optimized away.
template <class Svd>
double referenceLoop(const Data& d, std::int64_t npix) {
  const int n = d.net.dateCount() - 1, m = d.net.pairCount();
  double check = 0;
  for (std::int64_t p = 0; p < npix; ++p) {
    std::vector<int> rows;
    for (int k = 0; k < m; ++k)
      if (std::isfinite(d.obs[k].data()[p])) rows.push_back(k);
    Eigen::MatrixXd B = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(rows.size()), n);
    Eigen::VectorXd y(static_cast<Eigen::Index>(rows.size()));
    for (std::size_t q = 0; q < rows.size(); ++q) {
      const auto& pr = d.net.pairs[rows[q]];
      for (int k = pr.first; k < pr.second; ++k) B(static_cast<Eigen::Index>(q), k) = d.dt[k];
      y(static_cast<Eigen::Index>(q)) = d.obs[rows[q]].data()[p];
    }
    if ((B.array() != 0).colwise().count().minCoeff() < 1) continue;  // redundancy check
    Svd svd(B, Eigen::ComputeThinU | Eigen::ComputeThinV);
    svd.setThreshold(1e-5);
    const Eigen::VectorXd v = svd.solve(y);
    const double res = (y - B * v).norm();
    double cum = 0;
    for (int k = 0; k < n; ++k) cum += v(k) * d.dt[k];
    check += cum + res;
  }
  return check;
}

template <class Svd>
double referenceRate() {
  static double rate = [] {
    const auto& d = data();
    const std::int64_t npix = 4000;
    double best = 0;
    for (int rep = 0; rep < 3; ++rep) {
      const double t0 = cpuSeconds();
      benchmark::DoNotOptimize(referenceLoop<Svd>(d, npix));
      const double s = cpuSeconds() - t0;
      best = std::max(best, npix / s);
    }
    return best;
  }();
  return rate;
}

void BM_ReferencePerPixelJacobiSVD(benchmark::State& st) {
  const auto& d = data();
  const std::int64_t npix = 2000;
  for (auto _ : st) benchmark::DoNotOptimize(referenceLoop<Eigen::JacobiSVD<Eigen::MatrixXd>>(d, npix));
  st.counters["pixels_per_s"] = benchmark::Counter(static_cast<double>(npix * st.iterations()), benchmark::Counter::kIsRate);
}

void BM_ReferencePerPixelBDCSVD(benchmark::State& st) {
  const auto& d = data();
  const std::int64_t npix = 2000;
  for (auto _ : st) benchmark::DoNotOptimize(referenceLoop<Eigen::BDCSVD<Eigen::MatrixXd>>(d, npix));
  st.counters["pixels_per_s"] = benchmark::Counter(static_cast<double>(npix * st.iterations()), benchmark::Counter::kIsRate);
}

/// args: threads, weighted (0/1), robust (0 none, 1 tukey)
void BM_Orthotrack(benchmark::State& st) {
  const auto& d = data();
  const int threads = static_cast<int>(st.range(0));
  const bool weighted = st.range(1) != 0;
  InversionParams prm;
  if (st.range(2) == 1) prm.robust = RobustLoss::Tukey;
  ComponentStack cs;
  cs.name = "los";
  for (const auto& r : d.obs) cs.displacement.push_back(r.cview());
  if (weighted)
    for (const auto& r : d.sig) cs.sigma.push_back(r.cview());
  const double refJ = referenceRate<Eigen::JacobiSVD<Eigen::MatrixXd>>();
  const double refB = referenceRate<Eigen::BDCSVD<Eigen::MatrixXd>>();
  setThreadCount(threads);
  double wall = 0, cpu = 0;
  double disconnected = 0;
  for (auto _ : st) {
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = cpuSeconds();
    auto r = invert(d.net, {cs}, prm);
    benchmark::DoNotOptimize(r.components[0].displacement.back().data());
    disconnected = static_cast<double>(std::count_if(r.components[0].flags.vector().begin(), r.components[0].flags.vector().end(),
                                                     [](std::uint8_t f) { return (f & kDisconnected) != 0; }));
    wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    cpu += cpuSeconds() - c0;
  }
  const double px = static_cast<double>(d.L * d.W);
  st.counters["pixels_per_s"] = benchmark::Counter(px * static_cast<double>(st.iterations()), benchmark::Counter::kIsRate);
  st.counters["ref_jacobi_px_cpu_s"] = refJ;
  st.counters["ref_bdc_px_cpu_s"] = refB;
  const double oursCpu = px * static_cast<double>(st.iterations()) / cpu;  // per CPU-second (per core)
  const double oursWall = px * static_cast<double>(st.iterations()) / wall;
  st.counters["disconnected_frac"] = disconnected / px;
  st.counters["px_per_cpu_s"] = oursCpu;
  // Per-core speed-up (both sides per CPU-second) and wall speed-up against the 1-thread reference.
  st.counters["x_core_vs_jacobi"] = oursCpu / refJ;
  st.counters["x_core_vs_bdc"] = oursCpu / refB;
  st.counters["x_wall_vs_bdc"] = oursWall / refB;
}

}  // namespace

BENCHMARK(BM_ReferencePerPixelJacobiSVD)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ReferencePerPixelBDCSVD)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Orthotrack)
    ->ArgNames({"threads", "weighted", "robust"})
    ->Args({1, 0, 0})
    ->Args({2, 0, 0})
    ->Args({1, 1, 0})
    ->Args({2, 1, 0})
    ->Args({1, 1, 1})
    ->Args({2, 1, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

// Offset-tracking throughput on the peer-benchmark pair (PEER_BENCHMARKS.md): 2048 × 2048 float32
// amplitudes (texture × single-look speckle band 0.8, shift (−1.6, +2.3), speckle coherence 0.9),
// search ±32, step 32, oversample 16. Measured in the same run:
//   orthotrack   estimateOffsets over the whole grid (windows 64, 96, 128 and the 3-window mode)
//   opencv       cv::matchTemplate(TM_CCOEFF_NORMED) per chip + minMaxLoc + the same sub-pixel step
//                (PeakRefiner, oversample 16), OpenMP over chips, per-thread result buffers
//   fft_floor    2 r2c + 1 c2r 2-D FFTW transforms per chip at the chip's FFT size (plans reused)
// on 1 and 2 threads. glibc's malloc thresholds are raised first (mallopt) so that OpenCV's per-call
// allocations do not trim the heap after every chip (PEER_BENCHMARKS.md, caveat 2): this is the
// fair OpenCV reference; orthotrack allocates nothing per chip either way.
// After the runs a summary prints offsets/s and the ratios (orthotrack / OpenCV, time per chip /
// FFT floor).
#include <benchmark/benchmark.h>
#include <fftw3.h>
#include <malloc.h>
#include <omp.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <map>
#include <string>

#include "orthotrack/core/tiling.hpp"
#include "orthotrack/offsets/ncc.hpp"
#include "orthotrack/offsets/offsets.hpp"
#include "sim.hpp"

using namespace orthotrack;
using namespace orthotrack::offsets;

namespace {

constexpr int kN = 2048, kSearch = 32, kStep = 32, kOvs = 16;

const test::Pair& pair() {
  static const test::Pair p = test::speckledPair(kN, -1.6, 2.3, 0.9, 0.8, 20261124);
  return p;
}

struct Result {
  double seconds = 0;  // best wall time per iteration
  double cpu = 0;      // process CPU time (all threads) of that iteration
  double chips = 0;
  double mae = 0;      // median absolute error |d − truth| (2-D), px
};
std::map<std::string, Result>& results() {
  static std::map<std::string, Result> r;
  return r;
}
void record(const std::string& key, double s, double cpu, double chips, double mae) {
  auto& r = results()[key];
  if (r.seconds == 0 || s < r.seconds) r = {s, cpu, chips, mae};
}
double cpuNow() { return double(std::clock()) / CLOCKS_PER_SEC; }

OffsetParams params(const std::vector<ChipSize>& w) {
  OffsetParams p;
  p.windows = w;
  p.search_az = p.search_rg = kSearch;
  p.step_az = p.step_rg = kStep;
  p.oversample = kOvs;
  p.median_threshold = 0;
  return p;
}

double medianAbsErr(const OffsetField& f) {
  std::vector<double> e;
  for (std::int64_t i = 0; i < f.grid.rows; ++i)
    for (std::int64_t j = 0; j < f.grid.cols; ++j)
      if (f.flagAt(i, j) == Flag::ok)
        e.push_back(std::hypot(double(f.azimuth_offset(i, j)) + 1.6, double(f.range_offset(i, j)) - 2.3));
  if (e.empty()) return -1;
  std::nth_element(e.begin(), e.begin() + static_cast<std::ptrdiff_t>(e.size() / 2), e.end());
  return e[e.size() / 2];
}

void BM_Orthotrack(benchmark::State& st) {
  const int w = static_cast<int>(st.range(0)), threads = static_cast<int>(st.range(1));
  const auto p = w > 0 ? params({{w, w}}) : params({{64, 64}, {96, 96}, {128, 128}});
  const int saved = threadCount();
  setThreadCount(threads);
  OffsetEngine eng(p, kN, kN);  // plans and workspaces once, outside the timing
  OffsetField f(eng.grid());
  const auto& pr = pair();
  for (auto _ : st) {
    const double c0 = cpuNow();
    const auto t0 = std::chrono::steady_clock::now();
    eng.process(RowBand<float>{pr.ref.cview(), 0}, RowBand<float>{pr.sec.cview(), 0}, 0, eng.grid().rows, f);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    st.SetIterationTime(s);
    record("orthotrack/" + std::to_string(w) + "/" + std::to_string(threads), s, cpuNow() - c0,
           double(eng.grid().rows * eng.grid().cols), medianAbsErr(f));
  }
  setThreadCount(saved);
  st.SetItemsProcessed(st.iterations() * eng.grid().rows * eng.grid().cols);
}

void BM_OpenCV(benchmark::State& st) {
  const int w = static_cast<int>(st.range(0)), threads = static_cast<int>(st.range(1));
  const auto g = makeGrid(params({{w, w}}), kN, kN);
  const auto& pr = pair();
  cv::Mat ref(kN, kN, CV_32F, const_cast<float*>(pr.ref.data())), sec(kN, kN, CV_32F, const_cast<float*>(pr.sec.data()));
  cv::setNumThreads(1);
  const std::int64_t n = g.rows * g.cols;
  std::vector<float> dy(static_cast<std::size_t>(n)), dx(static_cast<std::size_t>(n));
  for (auto _ : st) {
    const double c0 = cpuNow();
    const auto t0 = std::chrono::steady_clock::now();
#pragma omp parallel num_threads(threads)
    {
      cv::Mat res;
      PeakRefiner refiner(6, kOvs);
#pragma omp for schedule(dynamic, 8)
      for (std::int64_t k = 0; k < n; ++k) {
        const int r = static_cast<int>(g.centreRow(k / g.cols)) - w / 2, c = static_cast<int>(g.centreCol(k % g.cols)) - w / 2;
        const cv::Mat tmpl = ref(cv::Rect(c, r, w, w));
        const cv::Mat srch = sec(cv::Rect(c - kSearch, r - kSearch, w + 2 * kSearch, w + 2 * kSearch));
        cv::matchTemplate(srch, tmpl, res, cv::TM_CCOEFF_NORMED);
        cv::Point loc;
        cv::minMaxLoc(res, nullptr, nullptr, nullptr, &loc);
        const auto sp = refiner.refine(RasterView<const float>(res.ptr<float>(), res.rows, res.cols, res.step1()), loc.y, loc.x);
        dy[static_cast<std::size_t>(k)] = static_cast<float>(loc.y - kSearch + sp.dr);
        dx[static_cast<std::size_t>(k)] = static_cast<float>(loc.x - kSearch + sp.dc);
      }
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double c1 = cpuNow();
    st.SetIterationTime(s);
    std::vector<double> e;
    for (std::int64_t k = 0; k < n; ++k) e.push_back(std::hypot(double(dy[static_cast<std::size_t>(k)]) + 1.6, double(dx[static_cast<std::size_t>(k)]) - 2.3));
    std::nth_element(e.begin(), e.begin() + static_cast<std::ptrdiff_t>(e.size() / 2), e.end());
    record("opencv/" + std::to_string(w) + "/" + std::to_string(threads), s, c1 - c0, double(n), e[e.size() / 2]);
  }
  st.SetItemsProcessed(st.iterations() * n);
}

void BM_FftFloor(benchmark::State& st) {
  const int w = static_cast<int>(st.range(0)), threads = static_cast<int>(st.range(1));
  const int s = smoothSize(w + 2 * kSearch), nr = s * s, nc = s * (s / 2 + 1);
  const auto g = makeGrid(params({{w, w}}), kN, kN);
  const std::int64_t n = g.rows * g.cols;
  struct Buf {
    float *a, *b, *c;
    fftwf_complex *A, *B;
  };
  std::vector<Buf> bufs(static_cast<std::size_t>(threads));
  for (auto& u : bufs) {
    u.a = fftwf_alloc_real(static_cast<std::size_t>(nr));
    u.b = fftwf_alloc_real(static_cast<std::size_t>(nr));
    u.c = fftwf_alloc_real(static_cast<std::size_t>(nr));
    u.A = fftwf_alloc_complex(static_cast<std::size_t>(nc));
    u.B = fftwf_alloc_complex(static_cast<std::size_t>(nc));
    for (int i = 0; i < nr; ++i) u.a[i] = u.b[i] = float(i % 7);
  }
  fftwf_plan pf = fftwf_plan_dft_r2c_2d(s, s, bufs[0].a, bufs[0].A, FFTW_MEASURE);
  fftwf_plan pi = fftwf_plan_dft_c2r_2d(s, s, bufs[0].B, bufs[0].c, FFTW_MEASURE);
  for (auto& u : bufs)
    for (int i = 0; i < nr; ++i) u.a[i] = u.b[i] = float(i % 7);
  for (auto _ : st) {
    const double c0 = cpuNow();
    const auto t0 = std::chrono::steady_clock::now();
#pragma omp parallel num_threads(threads)
    {
      Buf& u = bufs[static_cast<std::size_t>(omp_get_thread_num())];
#pragma omp for schedule(static)
      for (std::int64_t k = 0; k < n; ++k) {
        fftwf_execute_dft_r2c(pf, u.a, u.A);
        fftwf_execute_dft_r2c(pf, u.b, u.B);
        fftwf_execute_dft_c2r(pi, u.B, u.c);
      }
    }
    const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    st.SetIterationTime(t);
    record("floor/" + std::to_string(w) + "/" + std::to_string(threads), t, cpuNow() - c0, double(n), 0);
  }
  fftwf_destroy_plan(pf);
  fftwf_destroy_plan(pi);
  for (auto& u : bufs) {
    fftwf_free(u.a), fftwf_free(u.b), fftwf_free(u.c), fftwf_free(u.A), fftwf_free(u.B);
  }
  st.SetItemsProcessed(st.iterations() * n);
}

void args(benchmark::internal::Benchmark* b, bool multi) {
  for (int t : {1, 2}) {
    for (int w : {64, 96, 128}) b->Args({w, t});
    if (multi) b->Args({0, t});
  }
  b->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(3);
}

}  // namespace

BENCHMARK(BM_Orthotrack)->Apply([](benchmark::internal::Benchmark* b) { args(b, true); });
BENCHMARK(BM_OpenCV)->Apply([](benchmark::internal::Benchmark* b) { args(b, false); });
BENCHMARK(BM_FftFloor)->Apply([](benchmark::internal::Benchmark* b) { args(b, false); });

int main(int argc, char** argv) {
  // Fair OpenCV reference: no heap trimming after each chip (see the header comment).
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  benchmark::Initialize(&argc, argv);
  pair();  // generate the images before any timing
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  auto& r = results();
  std::printf("\nSUMMARY (2048x2048, search ±%d, step %d, oversample %d; best wall time of the iterations)\n"
              "Ratios use process CPU time per chip (robust on a shared machine); offsets/s are wall-clock.\n",
              kSearch, kStep, kOvs);
  std::printf("%-10s %-7s %10s %10s %9s %11s %11s %11s %9s %9s %9s\n", "window", "threads", "ot_off/s", "ocv_off/s",
              "ot/ocv", "ot_cpu_us", "ocv_cpu_us", "floor_cpu", "ocv/ot", "ot/floor", "mae_px");
  for (int t : {1, 2})
    for (int w : {64, 96, 128, 0}) {
      const std::string k = std::to_string(w) + "/" + std::to_string(t);
      if (!r.count("orthotrack/" + k)) continue;
      const auto& o = r["orthotrack/" + k];
      const double otCpu = o.cpu / o.chips * 1e6;
      double ocvRate = 0, ocvCpu = 0, floorCpu = 0, ocvMae = 0;
      const std::string k64 = w > 0 ? k : "64/" + std::to_string(t);
      if (r.count("opencv/" + k64)) {
        const auto& c = r["opencv/" + k64];
        ocvRate = c.chips / c.seconds;
        ocvCpu = c.cpu / c.chips * 1e6;
        ocvMae = c.mae;
      }
      for (int ww : {64, 96, 128})
        if ((w == 0 || ww == w) && r.count("floor/" + std::to_string(ww) + "/" + std::to_string(t))) {
          const auto& f = r["floor/" + std::to_string(ww) + "/" + std::to_string(t)];
          floorCpu += f.cpu / f.chips * 1e6;
        }
      std::printf("%-10s %-7d %10.0f %10.0f %9.2f %11.1f %11.1f %11.1f %9.2f %9.2f %9.3f  (opencv mae %.3f)%s\n",
                  w > 0 ? std::to_string(w).c_str() : "64+96+128", t, o.chips / o.seconds, ocvRate,
                  ocvRate > 0 ? o.chips / o.seconds / ocvRate : 0.0, otCpu, ocvCpu, floorCpu,
                  otCpu > 0 ? ocvCpu / otCpu : 0.0, floorCpu > 0 ? otCpu / floorCpu : 0.0, o.mae, ocvMae,
                  w == 0 ? "  [OpenCV at window 64; floor = sum of the 3 sizes]" : "");
    }
  OffsetParams p;
  p.step_az = p.step_rg = 16;
  std::printf("\nMemory estimate, 10000x10000 pair, windows 64/96/128, search ±32, step 16, 2 threads, bands of 8 grid rows:\n"
              "  float32 amplitudes %.0f MiB, complex64 SLCs %.0f MiB\n",
              double(estimateMemoryBytes(p, 10000, 10000, 8, 2, 4)) / (1 << 20),
              double(estimateMemoryBytes(p, 10000, 10000, 8, 2, 8)) / (1 << 20));
  return 0;
}

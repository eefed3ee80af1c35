// `orthotrack run STACK.toml [--out RUN_DIR] [--method improved|traditional] [--threads N] [--from STEP] [--memory 3G]`
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>

#include "orthotrack/core/error.hpp"
#include "orthotrack/io/raster_io.hpp"
#include "orthotrack/workflow/run.hpp"
#include "verbs.hpp"

namespace orthotrack::cli {

std::size_t parseMemorySize(const std::string& text, const std::string& option) {
  const auto bad = [&](const std::string& why) {
    return InvalidInput("expected a memory size such as 512M, 2G or 3GiB (" + why + ")", {"", option, text});
  };
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  if (i == 0) throw bad("no number");
  double v = 0;
  try {
    std::size_t used = 0;
    v = std::stod(text.substr(0, i), &used);
    if (used != i) throw bad("not a number");
  } catch (const std::logic_error&) {
    throw bad("not a number");
  }
  std::string unit;
  for (char c : text.substr(i)) unit += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  double scale = 0;
  if (unit.empty() || unit == "B") scale = 1;
  else if (unit == "K" || unit == "KB" || unit == "KIB") scale = 0x1p10;
  else if (unit == "M" || unit == "MB" || unit == "MIB") scale = 0x1p20;
  else if (unit == "G" || unit == "GB" || unit == "GIB") scale = 0x1p30;
  else if (unit == "T" || unit == "TB" || unit == "TIB") scale = 0x1p40;
  else throw bad("unknown unit");
  const double bytes = v * scale;
  if (!(bytes >= 0x1p26)) throw bad("at least 64M");
  if (!(bytes <= 0x1p50)) throw bad("at most 1024T");
  return static_cast<std::size_t>(bytes);
}

void capGdalCache(std::size_t memoryBytes) {
  const std::size_t mib = std::clamp<std::size_t>((memoryBytes / 16) >> 20, 16, 1024);
  setenv("GDAL_CACHEMAX", std::to_string(mib).c_str(), 0);
}

namespace {

class RunVerb : public Verb {
 public:
  std::string name() const override { return "run"; }
  std::string help() const override {
    return "Run the whole method on a stack: co-registration, pairs, offsets, inversion, geocoding, analysis, report";
  }
  void setup(CLI::App& cmd) override {
    cmd.add_option("stack", p_.stackPath, "Stack file (stack.toml)")->required();
    cmd.add_option("--out,-o", p_.outDir, "Run folder (default: the stack's output folder)");
    cmd.add_option("--method", p_.method, "Co-registration: improved (ortho-rectified, default) or traditional")
        ->check(CLI::IsMember({"improved", "traditional"}));
    cmd.add_option("--threads", p_.threads, "Threads (0 = all cores)")->default_val(0);
    std::string steps;
    for (const auto& s : workflow::stepNames()) steps += (steps.empty() ? "" : ", ") + s;
    cmd.add_option("--from", p_.fromStep, "Force this step and every later one (" + steps + ")");
    cmd.add_option("--until", p_.untilStep, "Stop after this step");
    cmd.add_option("--shard", shard_,
                   "i/n: this job's share of n independent jobs (job arrays): its scenes and pairs, then stop; "
                   "a later run without --shard completes the stack (docs/cluster.md)");
    cmd.add_option("--memory", memory_, "Memory budget of the steps (e.g. 512M, 2G): blocks are sized to it, so the peak "
                                        "memory follows it, not the scene size")
        ->default_val("3G");
  }
  int run() override {
    p_.memoryBytes = parseMemorySize(memory_);
    capGdalCache(p_.memoryBytes);
    if (!shard_.empty()) p_.shard = workflow::parseShard(shard_);
    // Under mpirun only rank 0 draws progress and prints the summary.
    const bool root = workflow::processTeam().isRoot();
    const bool tty = isatty(STDERR_FILENO) != 0;
    auto start = std::chrono::steady_clock::now();
    std::string current;
    p_.progress = [&](const std::string& step, std::int64_t done, std::int64_t total) {
      if (step != current) {
        current = step;
        start = std::chrono::steady_clock::now();
      }
      const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const double eta = done > 0 ? el * static_cast<double>(total - done) / static_cast<double>(done) : 0.0;
      if (tty) {
        const int width = 30, fill = total > 0 ? static_cast<int>(width * done / total) : 0;
        std::fprintf(stderr, "\r%-10s [%.*s%*s] %lld/%lld  ETA %4.0f s", step.c_str(), fill, "##############################",
                     width - fill, "", static_cast<long long>(done), static_cast<long long>(total), eta);
        if (done == total) std::fprintf(stderr, "\n");
      } else {
        std::fprintf(stderr, "progress %s %lld/%lld eta %.0f s\n", step.c_str(), static_cast<long long>(done),
                     static_cast<long long>(total), eta);
      }
    };
    if (!root) p_.progress = nullptr;
    const auto s = workflow::runStack(p_);
    if (!root) return 0;
    std::printf("run     %s%s\n", s.runDir.c_str(), p_.shard.active() ? ("  (shard " + p_.shard.text() + ")").c_str() : "");
    // Peak memory and offsets/s of each step that ran, as recorded in the manifest.
    nlohmann::json steps;
    try {
      steps = nlohmann::json::parse(io::readTextFile(s.runDir + "/manifest.json")).at("steps");
    } catch (const std::exception&) {
      steps = nlohmann::json::object();
    }
    for (const auto& st : s.steps) {
      if (st.skipped) {
        std::printf("  %-10s complete (skipped)\n", st.name.c_str());
        continue;
      }
      std::string line = std::to_string(static_cast<int>(st.seconds + 0.5)) + " s";
      const nlohmann::json rec = steps.contains(st.name) ? steps[st.name] : nlohmann::json::object();
      char buf[96];
      if (rec.contains("peak_rss_mib") && rec["peak_rss_mib"].is_number()) {
        std::snprintf(buf, sizeof buf, "  peak %.0f MiB", rec["peak_rss_mib"].get<double>());
        line += buf;
      }
      if (rec.contains("offsets_per_second") && rec["offsets_per_second"].is_number()) {
        std::snprintf(buf, sizeof buf, "  %.0f offsets/s", rec["offsets_per_second"].get<double>());
        line += buf;
      }
      std::printf("  %-10s %s\n", st.name.c_str(), line.c_str());
    }
    if (!s.reportPath.empty()) std::printf("report  %s\n", s.reportPath.c_str());
    if (s.summary.contains("truth_comparison")) {
      std::printf("\n%-52s %8s %10s %10s  %-26s %s\n", "quantity", "paper", "this run", "truth", "target", "met");
      for (const auto& r : s.summary["truth_comparison"]["rows"]) {
        auto num = [](const nlohmann::json& v) { return v.is_number() ? v.get<double>() : std::nan(""); };
        std::printf("%-52s %8s %10.2f %10.2f  %-26s %s\n", r.at("quantity").get<std::string>().c_str(),
                    r.at("paper").get<std::string>().c_str(), num(r.at("measured")), num(r.at("truth")),
                    r.at("target").get<std::string>().c_str(), r.at("pass").get<bool>() ? "yes" : "NO");
      }
    }
    return 0;
  }

 private:
  workflow::RunParams p_;
  std::string memory_;
  std::string shard_;
};

class ReportVerb : public Verb {
 public:
  std::string name() const override { return "report"; }
  std::string help() const override { return "Write (again) the HTML report of a run directory"; }
  void setup(CLI::App& cmd) override { cmd.add_option("run_dir", dir_, "Run directory (holds manifest.json)")->required(); }
  int run() override {
    const auto s = workflow::reportRun(dir_);
    std::printf("report  %s\n", s.reportPath.c_str());
    return 0;
  }

 private:
  std::string dir_;
};

}  // namespace

std::unique_ptr<Verb> makeRunVerb() { return std::make_unique<RunVerb>(); }
std::unique_ptr<Verb> makeReportVerb() { return std::make_unique<ReportVerb>(); }

}  // namespace orthotrack::cli

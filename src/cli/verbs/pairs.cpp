// `orthotrack pairs STACK.toml [-o pairs.csv] [--plot network.png] [--epochs FILE] [--allow-disconnected]`
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>

#include "orthotrack/core/error.hpp"
#include "orthotrack/io/raster_io.hpp"
#include "orthotrack/report/report.hpp"
#include "orthotrack/workflow/run.hpp"
#include "verbs.hpp"

namespace fs = std::filesystem;

namespace orthotrack::cli {
namespace {

class PairsVerb : public Verb {
 public:
  std::string name() const override { return "pairs"; }
  std::string help() const override {
    return "Select the offset pairs of a stack (the paper's rule: per-platform temporal bounds, bridging pairs) and write "
           "the list (CSV) and the network plot (PNG)";
  }
  void setup(CLI::App& cmd) override {
    cmd.add_option("stack", stack_, "Stack file (stack.toml); rules from its [network] section")->required();
    cmd.add_option("-o,--out", csv_, "Pair list CSV: id1,id2,date1,date2,dt_days,bperp_m,category")->default_val("pairs.csv");
    cmd.add_option("--plot", png_, "Network plot PNG, date against perpendicular baseline (default: network.png beside the CSV)");
    cmd.add_option("--epochs", epochs_,
                   "Per-epoch CSV: pairs per scene and connectivity flags (default: <CSV stem>_epochs.csv beside the CSV)");
    cmd.add_flag("--allow-disconnected", allow_,
                 "Accept a disconnected network (else exit 2); the epochs not connected to the first date are flagged");
  }

  int run() override {
    workflow::NetworkPlan plan;
    try {
      plan = workflow::planNetwork(stack_, allow_ ? std::optional<bool>(true) : std::nullopt);
    } catch (const InvalidInput& e) {
      if (e.context().key != "network.allow_disconnected") throw;
      throw InvalidInput(e.message() + " (or pass --allow-disconnected)", e.context());
    }
    const auto& net = plan.network;
    const auto dates = net.dates();
    const auto& conn = net.connectivity;
    const fs::path csvPath(csv_);
    const fs::path dir = csvPath.parent_path();
    if (png_.empty()) png_ = (dir / "network.png").string();
    if (epochs_.empty()) epochs_ = (dir / (csvPath.stem().string() + "_epochs.csv")).string();
    if (!dir.empty()) {
      std::error_code ec;
      fs::create_directories(dir, ec);
      if (ec) throw IoError("cannot create the folder: " + ec.message(), {dir.string(), "", ""});
    }
    network::writePairsCsv(csv_, net);

    // Per epoch: pairs touching it, component, whether it is tied to the first date, whether the
    // interval to the next date is crossed by some pair (never silently zero motion).
    const std::size_t n = net.scenes.size();
    std::vector<int> degree(n, 0);
    for (const auto& p : net.pairs) {
      ++degree[static_cast<std::size_t>(p.ref)];
      ++degree[static_cast<std::size_t>(p.sec)];
    }
    std::vector<bool> unconstrained(n, false), unspannedAfter(n, false);
    for (int d : conn.unconstrainedDates) unconstrained[static_cast<std::size_t>(d)] = true;
    for (int m : conn.unspannedIntervals) unspannedAfter[static_cast<std::size_t>(m)] = true;
    std::ostringstream ep;
    ep << "id,date,platform,bperp_m,pairs,component,connected_to_first,next_interval_spanned\n";
    for (std::size_t i = 0; i < n; ++i) {
      const auto& s = net.scenes[i];
      char bp[32];
      std::snprintf(bp, sizeof bp, "%.2f", s.bperp_m);
      ep << s.id << ',' << s.acquisition.isoDate() << ',' << s.platform << ',' << bp << ',' << degree[i] << ','
         << conn.dateComponent[i] << ',' << (unconstrained[i] ? 0 : 1) << ',' << (i + 1 < n ? (unspannedAfter[i] ? "0" : "1") : "")
         << '\n';
    }
    io::writeFileAtomic(epochs_, ep.str());

    // The plot: categories as the report draws them; flagged epochs get their own marker colour.
    report::NetworkPlot np;
    np.title = "Pair network (" + std::to_string(net.pairs.size()) + " pairs)";
    for (std::size_t i = 0; i < n; ++i) {
      np.dates.push_back(net.scenes[i].acquisition);
      np.platforms.push_back(net.scenes[i].platform + (unconstrained[i] ? " (not connected)" : ""));
      np.bperp.push_back(net.scenes[i].bperp_m);
    }
    for (const auto& p : net.pairs)
      np.pairs.push_back({p.ref, p.sec,
                          p.category == network::PairCategory::CrossPlatform ? "cross-platform"
                                                                              : net.scenes[static_cast<std::size_t>(p.ref)].platform});
    report::writeNetworkPng(np, png_);

    // Summary.
    std::printf("stack    %s: %zu scenes, %s .. %s, baselines to master %s\n", stack_.c_str(), n, dates.front().isoDate().c_str(),
                dates.back().isoDate().c_str(), plan.master.c_str());
    std::printf("pairs    %zu: %d same-platform, %d cross-platform\n", net.pairs.size(), net.count(network::PairCategory::SamePlatform),
                net.count(network::PairCategory::CrossPlatform));
    std::map<std::string, std::vector<const network::Pair*>> byKind;
    for (const auto& p : net.pairs) {
      const auto& a = net.scenes[static_cast<std::size_t>(p.ref)].platform;
      const auto& b = net.scenes[static_cast<std::size_t>(p.sec)].platform;
      byKind[a == b ? a : a + "/" + b].push_back(&p);
    }
    for (const auto& [kind, ps] : byKind) {
      double dt0 = 1e300, dt1 = 0, bp = 0;
      for (const auto* p : ps) {
        dt0 = std::min(dt0, p->dtDays);
        dt1 = std::max(dt1, p->dtDays);
        bp = std::max(bp, std::abs(p->bperp_m));
      }
      std::printf("  %-22s %4zu pairs, dt %6.0f .. %6.0f days, |bperp| <= %7.1f m\n", kind.c_str(), ps.size(), dt0, dt1, bp);
    }
    std::printf("network  %s\n", conn.connected() ? "connected" : ("DISCONNECTED: " + conn.describe(dates)).c_str());
    for (std::size_t i = 0; i < n; ++i)
      if (unconstrained[i] || degree[i] == 0)
        std::printf("  flagged epoch %s (%s): %d pairs, %s\n", net.scenes[i].acquisition.isoDate().c_str(), net.scenes[i].id.c_str(),
                    degree[i], unconstrained[i] ? "not connected to the first date" : "no pair");
    std::printf("wrote    %s, %s, %s\n", csv_.c_str(), png_.c_str(), epochs_.c_str());
    return 0;
  }

 private:
  std::string stack_, csv_, png_, epochs_;
  bool allow_ = false;
};

}  // namespace

std::unique_ptr<Verb> makePairsVerb() { return std::make_unique<PairsVerb>(); }

}  // namespace orthotrack::cli

// `orthotrack offsets REFERENCE SECONDARY -o OUT.tif [--window 64,96,128] [--search 32] [--step 16] ...`
#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "orthotrack/core/error.hpp"
#include "orthotrack/io/raster_io.hpp"
#include "orthotrack/offsets/offsets.hpp"
#include "orthotrack/workflow/products.hpp"
#include "verbs.hpp"

namespace orthotrack::cli {
namespace {

// Budget of the bands, workspaces and output field (about the 8-grid-row bands of docs/offsets.md
// on a 10 000 x 10 000 complex pair): memory does not grow with the pair's size.
constexpr std::size_t kMemoryBytes = std::size_t{64} << 20;

class OffsetsVerb : public Verb {
 public:
  std::string name() const override { return "offsets"; }
  std::string help() const override {
    return "Offsets between two co-registered rasters (amplitude, intensity or complex SLC) by normalized cross-correlation";
  }
  void setup(CLI::App& cmd) override {
    cmd.add_option("reference", ref_, "Reference raster (any GDAL format)")->required()->check(CLI::ExistingFile);
    cmd.add_option("secondary", sec_, "Secondary raster, same size")->required()->check(CLI::ExistingFile);
    cmd.add_option("-o,--out", out_, "Output GeoTIFF")->required();
    cmd.add_option("--band", band_, "Band of both rasters")->default_val(1);
    cmd.add_option("--window", windows_, "Chip sizes in px; the highest-SNR estimate is kept")->delimiter(',')->default_str("64,96,128");
    cmd.add_option("--search", search_, "Half search range (px)")->default_val(32);
    cmd.add_option("--step", step_, "Grid step (px)")->default_val(16);
    cmd.add_option("--oversample", p_.oversample, "Sub-pixel oversampling (1..128)")->default_val(16);
    cmd.add_option("--min-snr", p_.min_snr, "Flag estimates below this SNR")->default_val(0.0f);
    cmd.add_option("--min-ncc", p_.min_ncc, "Flag estimates below this peak NCC")->default_val(0.0f);
    cmd.add_option("--max-displacement", p_.max_displacement, "Flag larger offsets (px, 0 = off)")->default_val(0.0f);
  }
  int run() override {
    if (windows_.empty()) windows_ = {64, 96, 128};
    p_.windows.clear();
    for (int w : windows_) p_.windows.push_back({w, w});
    p_.search_az = p_.search_rg = search_;
    p_.step_az = p_.step_rg = step_;
    // Bands are read once each: GDAL's block cache (default 5 % of the RAM) would only grow the
    // resident set. 128 MB holds the tiles of two bands; a user's GDAL_CACHEMAX is kept.
    setenv("GDAL_CACHEMAX", "128", 0);
    // Streamed in bands (workflow::offsetsBetweenFiles): memory stays bounded by two bands, the
    // per-thread workspaces and the output field whatever the image size (docs/offsets.md).
    const auto f = workflow::offsetsBetweenFiles(ref_, sec_, band_, p_, kMemoryBytes);
    workflow::writeOffsetsProduct(out_, f, ref_, sec_);
    std::int64_t ok = 0;
    for (auto v : f.flag.vector()) ok += v == 0;
    std::printf("offsets %s: %lld x %lld grid (row0 %lld, col0 %lld, step %d), %lld ok\n", out_.c_str(),
                static_cast<long long>(f.grid.rows), static_cast<long long>(f.grid.cols), static_cast<long long>(f.grid.row0),
                static_cast<long long>(f.grid.col0), step_, static_cast<long long>(ok));
    return 0;
  }

 private:
  std::string ref_, sec_, out_;
  int band_ = 1, search_ = 32, step_ = 16;
  std::vector<int> windows_;
  offsets::OffsetParams p_;
};

}  // namespace

std::unique_ptr<Verb> makeOffsetsVerb() { return std::make_unique<OffsetsVerb>(); }

}  // namespace orthotrack::cli

#pragma once
// Rendering of one SLC from the ground scatterers (forward ground → radar accumulation), streamed
// in bands of image lines so that a scene of any size is never held in memory whole.
#include <vector>

#include "orthotrack/core/geogrid.hpp"
#include "orthotrack/core/raster.hpp"
#include "orthotrack/geometry/dem.hpp"
#include "orthotrack/geometry/range_doppler.hpp"
#include "scenario.hpp"

namespace orthotrack::simulate::detail {

/// The ground: a jittered lattice of point scatterers over [e0, e1] × [n0, n1] (m), spacing d.
struct Ground {
  double e0 = 0, e1 = 0, n0 = 0, n1 = 0, d = 2.5;
  geometry::Dem dem;           // the true DEM (EPSG:4326)
  Raster<float> gE, gN, gU;    // displacement per unit creep (m/m) on the DEM nodes, ENU
  std::int64_t rows() const { return static_cast<std::int64_t>((n1 - n0) / d); }
  std::int64_t cols() const { return static_cast<std::int64_t>((e1 - e0) / d); }
};

struct RenderOptions {
  bool speckle = true;        // false: noise-free texture (no speckle, no thermal noise)
  double snrDb = 14.0;        // thermal SNR of flat terrain at nominal backscatter
};

/// Renders the SLC of acquisition `acq` (index into scenario.acquisitions) with its TRUE geometry.
/// Construction prepares the per-DEM-node radar positions and brightness and the line/sample span
/// of every chunk of the scatterer lattice (memory ∝ DEM nodes + lattice rows × chunks, not the
/// image); render() then fills any band of lines. Results are bit-identical whatever the bands and
/// the thread count (every pixel sums its scatterers in lattice order).
class SceneRenderer {
 public:
  SceneRenderer(const Scenario& sc, const Ground& ground, std::size_t acq, const geometry::SceneGeometry& geom,
                const RenderOptions& opt);
  /// Image lines [row0, row0 + out.length()) × all samples (out.width() == grid width), overwritten.
  void render(std::int64_t row0, RasterView<cfloat> out) const;

 private:
  struct Span {
    float lineMin, lineMax, sampleMin, sampleMax;  // px, conservative (kernel and motion included)
  };
  void renderBand(std::int64_t row0, std::int64_t rows, RasterView<cfloat> out, std::int64_t outRow0) const;

  const Scenario& sc_;
  const Ground& ground_;
  std::size_t acq_;
  const geometry::SceneGeometry& geom_;
  RenderOptions opt_;
  Raster<double> nLine_, nSample_;                       // per DEM node: radar line, sample (px)
  Raster<float> nDl_, nDs_, nBright_;                    // per DEM node: px/m of height, σ0 factor
  std::int64_t chunkCols_ = 64;                            // lattice columns per chunk
  std::int64_t nChunks_ = 0;
  std::vector<Span> spans_;                                // lattice row-major, nChunks_ per row
  // AR(1) speckle coefficients per date of this platform, [0] stable ground, [1] slide:
  // x_k = a_k x_{k−1} + s_k m_k with a_k = exp(−Δt_k/τ), s_k = sqrt(1 − a_k²).
  std::vector<double> arA_[2], arS_[2];
  std::size_t kIndex_ = 0;                                 // index of this date among its platform's
};

}  // namespace orthotrack::simulate::detail

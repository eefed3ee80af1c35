#pragma once
// Rendering of one SLC from the ground scatterers (forward ground → radar accumulation).
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
Raster<cfloat> renderScene(const Scenario& sc, const Ground& ground, std::size_t acq,
                           const geometry::SceneGeometry& geom, const RenderOptions& opt);

}  // namespace orthotrack::simulate::detail

// Layover/shadow masks in the master grid, so that tracking between two different imaging geometries
// only sees ground that both geometries image one-to-one (docs/method.md, "Layover and shadow").
#include <algorithm>
#include <cmath>

#include "context.hpp"
#include "orthotrack/core/log.hpp"
#include "orthotrack/core/tiling.hpp"
#include "orthotrack/coreg/master.hpp"
#include "orthotrack/geometry/layers.hpp"
#include "orthotrack/io/dem.hpp"
#include "orthotrack/io/raster_io.hpp"

namespace orthotrack::workflow::detail {
namespace {
// Max filter over (2r + 1) × (2r + 1), separable.
void dilate(Raster<std::uint8_t>& m, int r) {
  if (r <= 0) return;
  const std::int64_t L = m.length(), W = m.width();
  Raster<std::uint8_t> t(L, W);
  parallelFor(L, [&](std::int64_t i) {
    for (std::int64_t j = 0; j < W; ++j) {
      std::uint8_t v = 0;
      for (std::int64_t q = std::max<std::int64_t>(0, j - r); q <= std::min(W - 1, j + r); ++q) v |= m(i, q);
      t(i, j) = v;
    }
  });
  parallelFor(L, [&](std::int64_t i) {
    for (std::int64_t j = 0; j < W; ++j) {
      std::uint8_t v = 0;
      for (std::int64_t a = std::max<std::int64_t>(0, i - r); a <= std::min(L - 1, i + r); ++a) v |= t(a, j);
      m(i, j) = v;
    }
  });
}
}  // namespace

const geometry::Dem& GeometryMasks::dem() {
  if (!dem_) {
    io::DemData d = io::loadDem(ctx_.stack.dem);
    dem_ = std::make_unique<geometry::Dem>(std::move(d.heights), d.grid);
  }
  return *dem_;
}

const Raster<std::uint8_t>& GeometryMasks::master() {
  if (master_.size() == 0) {
    ctx_.loadMaster();
    const auto& g = ctx_.masterGeometry;
    const geometry::Dem& d = dem();
    master_.resize(g.grid().length, g.grid().width);
    parallelFor(master_.length(), [&](std::int64_t i) {
      geometry::layoverShadowLine(g, d, i, 0, master_.width(), &master_(i, 0));
    });
  }
  return master_;
}

void GeometryMasks::bits(const std::string& id, std::int64_t row0, std::int64_t rows, Raster<std::uint8_t>& out) {
  ctx_.loadMaster();
  const auto& mg = ctx_.masterGeometry;
  const geometry::Dem& d = dem();
  out.resize(rows, mg.grid().width);
  parallelFor(rows, [&](std::int64_t i) { geometry::layoverShadowLine(mg, d, row0 + i, 0, out.width(), &out(i, 0)); });
  if (id == ctx_.masterId || rows == 0) return;
  // The scene's own layover/shadow, in its radar grid over the part these master rows map to, sampled
  // at the lookup (master pixel → scene line, sample), shifted to bits 4 (shadow) and 8 (layover).
  // layoverShadowLine does not depend on the block of samples it is asked for, so the result of a
  // row does not depend on the rows asked with it.
  const io::RasterReader rd(coreg::sceneProducts(ctx_.run, id).lookup);
  Raster<double> L(rows, out.width()), S(rows, out.width());
  rd.read<double>(1, row0, 0, rows, out.width(), L.data());
  rd.read<double>(2, row0, 0, rows, out.width(), S.data());
  double l0 = 1e300, l1 = -1e300, s0 = 1e300, s1 = -1e300;
  for (std::size_t k = 0; k < L.size(); ++k)
    if (std::isfinite(L.data()[k]) && std::isfinite(S.data()[k])) {
      l0 = std::min(l0, L.data()[k]);
      l1 = std::max(l1, L.data()[k]);
      s0 = std::min(s0, S.data()[k]);
      s1 = std::max(s1, S.data()[k]);
    }
  if (!(l0 <= l1)) return;
  const auto g = coreg::sceneGeometry(ctx_.stack.scene(id));
  const std::int64_t a0 = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(l0)) - 1);
  const std::int64_t a1 = std::min<std::int64_t>(g.grid().length - 1, static_cast<std::int64_t>(std::ceil(l1)) + 1);
  const std::int64_t b0 = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(s0)) - 1);
  const std::int64_t b1 = std::min<std::int64_t>(g.grid().width - 1, static_cast<std::int64_t>(std::ceil(s1)) + 1);
  if (a0 > a1 || b0 > b1) return;
  Raster<std::uint8_t> sm(a1 - a0 + 1, b1 - b0 + 1);
  parallelFor(sm.length(), [&](std::int64_t i) { geometry::layoverShadowLine(g, d, a0 + i, b0, sm.width(), &sm(i, 0)); });
  parallelFor(out.length(), [&](std::int64_t i) {
    for (std::int64_t j = 0; j < out.width(); ++j) {
      const double l = L(i, j), s = S(i, j);
      if (!std::isfinite(l) || !std::isfinite(s)) continue;
      const auto li = static_cast<std::int64_t>(std::lround(l)) - a0, si = static_cast<std::int64_t>(std::lround(s)) - b0;
      if (li < 0 || si < 0 || li >= sm.length() || si >= sm.width()) continue;
      out(i, j) = static_cast<std::uint8_t>(out(i, j) | (sm(li, si) << 2));
    }
  });
}

const Raster<std::uint8_t>& GeometryMasks::of(const std::string& id) {
  auto it = scenes_.find(id);
  if (it != scenes_.end()) return it->second;
  Raster<std::uint8_t> out;
  if (id == ctx_.masterId) {
    const Raster<std::uint8_t>& mm = master();
    out.resize(mm.length(), mm.width());
    std::copy(mm.data(), mm.data() + mm.size(), out.data());
  } else {
    ctx_.loadMaster();
    bits(id, 0, ctx_.masterGeometry.grid().length, out);
  }
  dilate(out, dilatePx_);
  std::int64_t n = 0;
  for (auto v : out.vector()) n += v != 0;
  log::get("offsets")->debug("layover/shadow mask of {} in the master grid: {:.1f}% of the pixels", id,
                             100.0 * static_cast<double>(n) / static_cast<double>(std::max<std::size_t>(out.size(), 1)));
  return scenes_.emplace(id, std::move(out)).first->second;
}

std::int64_t GeometryMasks::pairRows(const std::string& a, const std::string& b, std::int64_t row0, std::int64_t rows,
                                     std::uint8_t* out) {
  ctx_.loadMaster();
  const std::int64_t L = ctx_.masterGeometry.grid().length;
  // Dilation (a max filter) commutes with the union, so the union of the two dilated masks is the
  // dilation of the union of the bits; rows within dilatePx_ of the block are needed for it.
  const std::int64_t u0 = std::max<std::int64_t>(0, row0 - dilatePx_), u1 = std::min(L, row0 + rows + dilatePx_);
  Raster<std::uint8_t> ma, mb;
  bits(a, u0, u1 - u0, ma);
  if (b != a && b != ctx_.masterId) {
    bits(b, u0, u1 - u0, mb);
    for (std::size_t k = 0; k < ma.size(); ++k) ma.data()[k] |= mb.data()[k];
  }
  dilate(ma, dilatePx_);
  std::int64_t n = 0;
  const std::uint8_t* src = &ma(row0 - u0, 0);
  for (std::int64_t k = 0; k < rows * ma.width(); ++k) {
    out[k] = src[k];
    n += src[k] != 0;
  }
  return n;
}

double GeometryMasks::apply(const std::string& a, const std::string& b, Raster<cfloat>& ia, Raster<cfloat>& ib) {
  if (scenes_.size() >= 8)  // bounded cache: keep only the two scenes of this pair
    for (auto it = scenes_.begin(); it != scenes_.end();) it = (it->first == a || it->first == b) ? std::next(it) : scenes_.erase(it);
  const Raster<std::uint8_t>& ma = of(a);
  const Raster<std::uint8_t>& mb = of(b);
  std::int64_t n = 0;
  for (std::size_t k = 0; k < ia.size(); ++k)
    if (ma.data()[k] != 0 || mb.data()[k] != 0) {
      ia.data()[k] = cfloat(0.0f, 0.0f);
      ib.data()[k] = cfloat(0.0f, 0.0f);
      ++n;
    }
  return static_cast<double>(n) / static_cast<double>(std::max<std::size_t>(ia.size(), 1));
}

}  // namespace orthotrack::workflow::detail

#pragma once
/// Low-order 2-D polynomials in (master line, master sample) and their robust (IRLS) fit.
///
/// A polynomial of total degree `order` (0..3) in normalised coordinates
///   u = (line − lineMean) / lineScale,  v = (sample − sampleMean) / sampleScale
/// with terms ordered by degree d = 0..order and, inside a degree, u^(d−k)·v^k for k = 0..d:
///   order 1: c0 + c1·u + c2·v;  order 2: … + c3·u² + c4·u·v + c5·v².
/// Used for the lookup corrections of the co-registration (values in secondary pixels) and for
/// the residual offsets (values in master pixels). Equations: docs/coreg.md.
#include <cstdint>
#include <vector>

namespace orthotrack::coreg {

struct Poly2d {
  int order = 0;
  double lineMean = 0, lineScale = 1, sampleMean = 0, sampleScale = 1;
  std::vector<double> coeffs;  ///< termCount(order) coefficients (empty = the zero polynomial)

  static int termCount(int order) { return (order + 1) * (order + 2) / 2; }
  /// Value at a master (line, sample) (pixel units of the master grid).
  double eval(double line, double sample) const noexcept;
  /// Partial derivatives d/dline and d/dsample at a master (line, sample).
  void gradient(double line, double sample, double& dLine, double& dSample) const noexcept;
  bool isZero() const noexcept;
  /// Adds another polynomial of the same normalisation (any order; the result has the larger).
  /// Throws InvalidInput if the normalisations differ.
  Poly2d& operator+=(const Poly2d& other);
  /// Same normalisation, zero coefficients of the given order.
  static Poly2d zero(int order, double lineMean, double lineScale, double sampleMean, double sampleScale);
};

/// Parameters of the robust fit. Keys `coreg.fit.<member>` in errors.
struct RobustFitParams {
  int order = 1;             ///< total degree 0..3
  int huberIterations = 4;   ///< Huber reweighting steps from the median start (robust start)
  int maxIterations = 30;    ///< Tukey biweight IRLS steps after those
  double tukeyC = 4.685;     ///< Tukey constant, in units of the robust residual scale
  double huberK = 1.345;     ///< Huber constant, in robust scales
  double minScale = 1e-3;    ///< floor of the robust scale (value units, px): avoids 0 on perfect data
  double tolerance = 1e-6;   ///< stop when the largest coefficient change is below this (value units)
  int minPoints = 0;         ///< minimum points with weight > 0 (0: 3 × termCount)
  void validate() const;     ///< InvalidInput naming coreg.fit.<key>
};

/// A two-component sample set: values a and b (e.g. azimuth and range corrections) observed at
/// master (line, sample) with prior weights (0 = masked; e.g. from SNR). NaN values are skipped.
struct FitData {
  std::vector<double> line, sample, a, b, weight;
  /// Normalisation of the fitted polynomials; when lineScale > 0 it is used as given, otherwise
  /// it is the centre and half-extent of the usable points.
  double lineMean = 0, lineScale = 0, sampleMean = 0, sampleScale = 0;
  void add(double l, double s, double va, double vb, double w = 1.0) {
    line.push_back(l); sample.push_back(s); a.push_back(va); b.push_back(vb); weight.push_back(w);
  }
  std::size_t size() const { return line.size(); }
};

struct RobustFitResult {
  Poly2d a, b;                   ///< fitted polynomials of the two components
  std::int64_t points = 0;       ///< finite points with prior weight > 0
  std::int64_t inliers = 0;      ///< points with final robust weight > 0
  double scaleA = 0, scaleB = 0; ///< robust residual scales (1.4826·MAD), value units
  double rmsA = 0, rmsB = 0;     ///< RMS residual over the inliers
  double meanA = 0, meanB = 0;   ///< mean residual over the inliers
  int iterations = 0;
  bool converged = false;
  std::vector<double> robustWeight;  ///< final robust weight per input point (0 = rejected/masked)
};

/// Joint IRLS fit of both components with a shared robust weight per point (a point that is an
/// outlier in either component is down-weighted in both): median start, Huber, then Tukey biweight
/// on the combined standardised residual sqrt((ra/sa)² + (rb/sb)²)/sqrt(2). Throws InvalidInput if
/// there are fewer than minPoints usable points (naming `coreg.fit.points`).
RobustFitResult fitRobust(const FitData& data, const RobustFitParams& params);

/// Ordinary (non-robust) weighted least squares of both components (used for comparisons/tests).
RobustFitResult fitLeastSquares(const FitData& data, int order);

}  // namespace orthotrack::coreg

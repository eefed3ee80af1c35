#pragma once
/// SLC → amplitude or intensity (docs/import.md §5): optional 2× oversampling of the complex image in
/// azimuth and range by FFT zero padding before detection (|z|² doubles the bandwidth: without it the
/// detected image aliases, as ampcor's oversampling avoids), multi-looking, and calibration by the
/// product's constant K (σ0 = 10·log10(|DN|²) + K dB) when the scene carries one.
///
/// Spectrum centre: an SLC's azimuth spectrum is centred at the Doppler centroid f_dc, i.e. at
/// ν = f_dc · Δt cycles per line (Δt the azimuth time interval), and wraps around ±1/2. Zero padding
/// inserts the zeros at ν + 1/2 (the demodulated spectrum's Nyquist), so the band is never split.
#include <cstdint>
#include <optional>
#include <string>

#include "orthotrack/core/radar_grid.hpp"
#include "orthotrack/core/raster.hpp"
#include "orthotrack/io/scene.hpp"

namespace orthotrack::io {

struct AmplitudeParams {
  int oversample = 1;                    ///< 1 (none) or 2: factor in azimuth and range before detection
  int azimuthLooks = 1, rangeLooks = 1;  ///< multi-look window, in pixels of the (oversampled) grid
  bool intensity = false;                ///< output |z|² (intensity) instead of |z| (amplitude)
  bool calibrate = true;                 ///< multiply the intensity by 10^(K/10) when the scene has K
  std::int64_t blockLines = 256;         ///< input lines per block (memory ≈ (blockLines + 2·marginLines) · width · 32 B)
  std::int64_t marginLines = 64;         ///< input lines of overlap on each side of a block's azimuth FFT
  /// InvalidInput naming `amplitude.<key>` and the value.
  void validate() const;
};

/// The complex image oversampled by `factor` (1 or 2) in both directions by FFT zero padding: output
/// (m, n) lies at input position (m / factor, n / factor), exactly the input at even (m, n). The
/// spectra are centred at `azimuthCentre` and `rangeCentre` (cycles per input sample, e.g. f_dc · Δt):
/// exact for signals periodic over the window and band-limited to centre ± 1/2.
Raster<cfloat> oversampleSlc(RasterView<const cfloat> in, int factor, double azimuthCentre = 0.0,
                             double rangeCentre = 0.0);

/// Mean over windows of az × rg pixels: output floor(length/az) × floor(width/rg), window k covers
/// rows [k·az, (k+1)·az) (incomplete edge windows dropped, as RadarGrid::multilook).
Raster<float> multilookMean(RasterView<const float> in, int azimuthLooks, int rangeLooks);

/// Oversampling, detection (|z|²), multi-looking and calibration of an in-memory SLC; amplitude is
/// the square root of the multi-looked (calibrated) intensity. `calibrationDb` is K (applied when
/// set and params.calibrate).
Raster<float> slcToAmplitude(RasterView<const cfloat> slc, const AmplitudeParams& params, double azimuthCentre = 0.0,
                             std::optional<double> calibrationDb = std::nullopt);

/// The grid of the output: spacings / oversample and sizes × oversample, then multi-looked.
RadarGrid amplitudeGrid(const RadarGrid& grid, const AmplitudeParams& params);

/// Streams a scene's SLC image (blocks of lines with overlapping margins for the azimuth FFT; the
/// Doppler centroid of each block's centre sets its azimuth spectrum centre) into a float32 GeoTIFF
/// `outImage` (band "amplitude" or "intensity"). Returns the output scene: same id, orbit and
/// Doppler, `amplitudeGrid`, image kind amplitude/intensity, and K = 0 when calibrated (the values
/// are then σ0 in linear units) or the scene's K otherwise. InvalidInput if the scene is not an SLC.
SceneMetadata writeAmplitude(const SceneMetadata& scene, const std::string& outImage, const AmplitudeParams& params);

}  // namespace orthotrack::io

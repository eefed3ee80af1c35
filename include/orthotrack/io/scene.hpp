#pragma once
/// Scenes and stacks: the project's own input format (see README "Input format").
///
/// A scene is one acquisition: an image (any GDAL raster: complex SLC, amplitude or intensity) and
/// a human-readable JSON metadata file with its radar grid, orbit and optional Doppler centroid.
/// A stack (`stack.toml`) names a DEM, an output folder, processing parameters and the scenes.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "orthotrack/core/datetime.hpp"
#include "orthotrack/core/lut2d.hpp"
#include "orthotrack/core/orbit.hpp"
#include "orthotrack/core/radar_grid.hpp"

namespace orthotrack::io {

/// What the image's pixels are.
enum class ImageKind { Slc, Amplitude, Intensity };
ImageKind parseImageKind(const std::string& text);  ///< "slc" | "amplitude" | "intensity"
std::string toString(ImageKind k);

struct SceneMetadata {
  std::string id;            ///< unique within a stack, e.g. "P1_20070115"
  std::string platform;      ///< e.g. "PALSAR-1"; pairs and masters are chosen per platform
  std::string sensor;        ///< free text (mission, mode), optional
  std::string polarization;  ///< e.g. "HH", optional
  RadarGrid grid;            ///< sampling grid of the image (zero-Doppler geometry)
  Orbit orbit;               ///< state vectors (ECEF, WGS84)
  LUT2d doppler;             ///< Doppler centroid (Hz) over (azimuth time, slant range); empty = 0 Hz
  std::string image;         ///< image path, absolute after loading
  int imageBand = 1;         ///< 1-based band of the image
  ImageKind imageKind = ImageKind::Slc;
  double rangeBandwidth = 0;    ///< Hz, 0 = unknown (used for resampling filters)
  double azimuthBandwidth = 0;  ///< Hz, 0 = unknown
  std::optional<double> calibrationConstantDb;  ///< σ0 = 10·log10(|DN|²) + K (dB), if known
  std::string metadataPath;  ///< where this metadata was read from ("" if built in memory)

  /// Date of the acquisition (sensing mid-time), the epoch used by the time series.
  DateTime acquisitionTime() const { return grid.sensingMid(); }
};

/// Parses a scene metadata JSON file. Relative image paths resolve against the file's folder.
/// Throws InvalidInput/IoError naming the file and key.
SceneMetadata readSceneMetadata(const std::string& path);
SceneMetadata sceneFromJson(const nlohmann::json& j, const std::string& sourcePath, const std::string& baseDir);
nlohmann::json sceneToJson(const SceneMetadata& s, const std::string& baseDir = "");
/// Checks that a scene's image exists, opens, and agrees with its metadata (size, band, kind).
/// Errors name the metadata file, the key and the image path.
void checkSceneImage(const SceneMetadata& s);
/// Writes atomically; the image path is written relative to the file's folder when below it.
void writeSceneMetadata(const std::string& path, const SceneMetadata& s);

struct Stack {
  std::string path;        ///< the stack.toml file (absolute)
  std::string name;        ///< [stack] name
  std::string dem;         ///< DEM path (absolute)
  std::string outputDir;   ///< run directory (absolute), default "<stack dir>/run"
  std::string precipitation;  ///< optional monthly precipitation CSV (absolute), "" if none
  std::string truthDir;    ///< optional simulated truth folder (absolute), "" if none
  nlohmann::json params = nlohmann::json::object();  ///< processing sections ([coreg], [offsets], ...)
  std::vector<SceneMetadata> scenes;  ///< sorted by acquisition time

  const SceneMetadata& scene(const std::string& id) const;  ///< InvalidInput if unknown
  std::vector<std::string> platforms() const;  ///< in order of first acquisition
};

/// What loadStack checks (all by default).
struct StackCheck {
  bool images = true;  ///< image files exist, open, and their size matches the metadata
  bool orbitCoverage = true;  ///< every orbit covers its scene's sensing time
};

/// Reads and validates a stack.toml and every scene it names. Errors name the file, key and value:
/// missing key, wrong type, out-of-range value, missing/unreadable file, image size not matching its
/// metadata, duplicate scene ids, < 4 state vectors, orbit times not increasing, orbit not covering
/// the scene's sensing time.
Stack loadStack(const std::string& path, const StackCheck& check = {});
/// Writes a stack.toml (paths relative to its folder when below it).
void writeStack(const std::string& path, const Stack& stack);

}  // namespace orthotrack::io

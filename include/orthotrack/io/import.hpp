#pragma once
/// Import of agency products into the project's own scene format, and stack building.
///
/// `importProduct` turns one product (NISAR/ISCE3 RSLC HDF5, ALOS PALSAR-1/2 CEOS Level 1.1, or a
/// scene JSON of our own format pointing at a GeoTIFF/ENVI image) into scenes: each scene's image
/// is written as a tiled GeoTIFF (complex64 for SLC) by streaming blocks of lines, and its metadata
/// as a scene JSON (`writeSceneMetadata`). `buildStack` collects imported scenes into a `Stack`
/// (sorted by acquisition time, grouped by platform) that `writeStack` turns into a stack.toml.
///
/// Formats, fields and limitations: docs/import.md.
///
/// Example:
/// \code
///   io::ImportParams p;
///   p.polarizations = {"HH"};
///   auto scenes = io::importProduct("envisat.h5", "scenes", p);     // scenes/ENVISAT_20030226_HH/...
///   io::BuildStackParams sp;
///   sp.stackPath = "stack.toml";
///   io::Stack st = io::buildStack({"scenes"}, "dem.tif", sp);
///   io::writeStack("stack.toml", st);
/// \endcode
#include <cstdint>
#include <string>
#include <vector>

#include "orthotrack/io/raster_io.hpp"
#include "orthotrack/io/scene.hpp"

namespace orthotrack::io {

/// Product formats `importProduct` recognizes.
enum class ProductFormat {
  NisarRslc,  ///< NISAR/ISCE3 RSLC HDF5: /science/LSAR/{SLC,RSLC}/...
  AlosCeos,   ///< ALOS PALSAR-1/2 CEOS: a folder with LED-* and IMG-*, or one of those files
  SceneJson,  ///< our own scene metadata JSON (image: GeoTIFF, ENVI or any GDAL raster)
};
std::string toString(ProductFormat f);

/// Detects the format of `input` (a file or a folder) from its content and names. Throws IoError if
/// it does not exist, InvalidInput naming the file if the format is not recognized (e.g. a zip: unpack
/// it first).
ProductFormat detectFormat(const std::string& input);

struct ImportParams {
  /// NISAR frequencies to import ("A", "B"); empty = every frequency that holds image datasets.
  std::vector<std::string> frequencies;
  /// Polarizations to import ("HH", "HV", ...); empty = every polarization present. A requested
  /// polarization that the product lacks is an InvalidInput error.
  std::vector<std::string> polarizations;
  /// Platform name written to the scenes; "" = derived from the product ("ENVISAT", "UAVSAR",
  /// "NISAR", "PALSAR-1", "PALSAR-2").
  std::string platform;
  /// Scene id; "" = "<platform tag>_<YYYYMMDD>[_<frequency>]_<pol>". Only allowed when the import
  /// yields a single scene.
  std::string id;
  /// Lines per read/write block (memory is blockLines × width × 8 bytes).
  std::int64_t blockLines = 256;
  /// Largest image accepted, in GiB of complex64 pixels; larger sizes (e.g. from a corrupted header)
  /// are InvalidInput instead of an allocation failure.
  double maxImageGiB = 32.0;
  /// GeoTIFF options of the written images.
  WriteOptions write;

  /// InvalidInput naming `import.<key>` and the value.
  void validate() const;
};

/// Imports one product into `outDir` (created if needed): each scene goes to
/// `<outDir>/<id>/<id>.json` with its image `<outDir>/<id>/<id>.slc.tif` (complex64, tiled). A scene
/// JSON input is only validated (image opens, size, band and kind match) and returned; nothing is
/// written. Returns the scenes with `metadataPath` and `image` set (absolute).
/// Errors: IoError (missing/unreadable/truncated files) and InvalidInput (malformed content), each
/// naming the file and the record or dataset.
std::vector<SceneMetadata> importProduct(const std::string& input, const std::string& outDir,
                                         const ImportParams& params = {});

/// Validates a scene JSON of our own format and its image (see importProduct); returns the scene.
SceneMetadata validateSceneJson(const std::string& path);

/// Scene id from a platform, date and polarization: e.g. ("PALSAR-2", 2014-09-09, "A", "HH") ->
/// "PALSAR2_20140909_HH"; frequency other than "A"/"" is added: "NISAR_20250101_B_HV".
std::string makeSceneId(const std::string& platform, const DateTime& t, const std::string& frequency,
                        const std::string& polarization);

struct BuildStackParams {
  std::string name = "stack";  ///< [stack] name
  /// Where the stack.toml will be written ("" = current folder/stack.toml): the default output
  /// folder is "<its folder>/run".
  std::string stackPath;
  std::string outputDir;  ///< run folder; "" = "<stack folder>/run"
  /// Keep only scenes of these platforms / this polarization ("" or empty = all).
  std::vector<std::string> platforms;
  std::string polarization;
};

/// Scene JSON files among `inputs`: a file is taken as is; a folder contributes every `*.json` in
/// it or in its direct subfolders that is a scene file (has the key "orthotrack_scene"). Sorted by
/// path. IoError for a missing input; InvalidInput if a folder holds no scene.
std::vector<std::string> findSceneFiles(const std::vector<std::string>& inputs);

/// Builds a stack from scene JSON files or folders of imported scenes (findSceneFiles): reads and
/// validates every scene (image size, orbit coverage), keeps the requested platforms/polarization,
/// sorts by platform (in order of first acquisition) then acquisition time, and checks that ids are
/// unique and that no platform has two scenes of the same polarization at the same time. The DEM
/// must exist (IoError). Paths in the result are absolute; write it with writeStack.
Stack buildStack(const std::vector<std::string>& sceneJsonOrDirs, const std::string& dem,
                 const BuildStackParams& params = {});

}  // namespace orthotrack::io

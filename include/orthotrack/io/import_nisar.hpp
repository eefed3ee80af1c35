#pragma once
/// NISAR / ISCE3 RSLC HDF5 products (group /science/LSAR/SLC or /science/LSAR/RSLC).
///
/// What is read from where (relative to the product group; see docs/import.md):
/// - image: swaths/frequency{A,B}/{pol} (complex64, lines × samples), pols from listOfPolarizations
/// - azimuth grid: swaths/zeroDopplerTime (s since the epoch in its `units` attribute
///   "seconds since YYYY-MM-DD HH:MM:SS") and swaths/zeroDopplerTimeSpacing (s)
/// - range grid: swaths/frequencyX/slantRange (m) and slantRangeSpacing (m)
/// - wavelength: c / swaths/frequencyX/processedCenterFrequency (Hz)
/// - bandwidths: swaths/frequencyX/processed{Range,Azimuth}Bandwidth (Hz)
/// - orbit: metadata/orbit/{time, position, velocity} (ECEF m, m/s; time with its own units epoch)
/// - Doppler centroid: metadata/processingInformation/parameters/frequencyX/dopplerCentroid (Hz)
///   on parameters/{zeroDopplerTime, slantRange}
/// - look side: identification/lookDirection; platform: identification/missionId
#include <map>
#include <string>
#include <vector>

#include "orthotrack/io/import.hpp"

namespace orthotrack::io {

struct NisarProductInfo {
  std::string path;         ///< the HDF5 file
  std::string group;        ///< e.g. "/science/LSAR/SLC"
  std::string mission;      ///< identification/missionId ("" if absent)
  std::string productType;  ///< identification/productType ("" if absent)
  /// Frequency ("A", "B") -> polarizations that have an image dataset, in listOfPolarizations order.
  std::map<std::string, std::vector<std::string>> images;
};

/// True if the file starts with the HDF5 signature.
bool isHdf5File(const std::string& path);

/// Opens the product and lists its frequencies and polarizations. IoError if the file cannot be
/// opened as HDF5; InvalidInput naming the file if it has no /science/LSAR/{SLC,RSLC} group or no
/// image dataset.
NisarProductInfo inspectNisar(const std::string& path);

/// The metadata of one frequency/polarization (image path left empty, imageKind Slc). Errors name
/// the file and the dataset (missing dataset, wrong shape, unparsable time units, non-finite
/// values, irregular axes).
SceneMetadata readNisarMetadata(const std::string& path, const std::string& frequency,
                                const std::string& polarization);

/// Imports the selected frequencies/polarizations (see importProduct).
std::vector<SceneMetadata> importNisar(const std::string& path, const std::string& outDir,
                                       const ImportParams& params);

}  // namespace orthotrack::io

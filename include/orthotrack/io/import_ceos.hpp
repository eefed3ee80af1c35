#pragma once
/// ALOS PALSAR-1 / PALSAR-2 products in CEOS format (JAXA Level 1.1 SLC; Level 1.5 leaders).
///
/// A product is a folder with a leader `LED-<scene>` and one image file per polarization
/// `IMG-<pol>-<scene>`. Every CEOS record starts with a 12-byte header (big-endian): sequence number
/// (4 bytes), three subtype/type codes (1 byte each, type code in byte 6), record length (4 bytes).
/// Leader fields are ASCII at fixed 1-based byte positions; image record prefixes are big-endian
/// binary; Level 1.1 samples are big-endian IEEE float (I, Q). Field positions: docs/import.md.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "orthotrack/core/orbit.hpp"
#include "orthotrack/core/raster.hpp"
#include "orthotrack/io/import.hpp"

namespace orthotrack::io {

/// The 12-byte header of a CEOS record.
struct CeosRecordHeader {
  std::int64_t offset = 0;      ///< byte offset of the record in its file
  std::uint32_t sequence = 0;   ///< record sequence number (1 = file descriptor)
  std::uint8_t subtype1 = 0;    ///< first record subtype code
  std::uint8_t type = 0;        ///< record type code (e.g. 10 data set summary, 30 platform position)
  std::uint8_t subtype2 = 0;
  std::uint8_t subtype3 = 0;
  std::uint32_t length = 0;     ///< record length in bytes, header included
};

/// What the leader file says (fields not present in a product are 0 / empty).
struct CeosLeader {
  std::string path;
  std::string mission;       ///< DSS bytes 397-412: "ALOS" or "ALOS2"
  std::string platform;      ///< "PALSAR-1" or "PALSAR-2"
  std::string sensorId;      ///< DSS bytes 413-444, sensor id and mode, e.g. "ALOS2 -L -0315-"
  std::string sceneId;       ///< DSS bytes 21-36
  std::string productLevel;  ///< DSS bytes 1095-1110: "1.1" (SLC) or "1.5" (ground range / geocoded)
  std::string productType;   ///< DSS bytes 1111-1142, e.g. "STANDARD GEOCODED IMAGE"
  DateTime sceneCentreTime;  ///< DSS bytes 69-100 (YYYYMMDDhhmmssttt), UTC
  double sceneCentreLat = 0;   ///< deg, geodetic (DSS 117-132)
  double sceneCentreLon = 0;   ///< deg (DSS 133-148)
  double wavelength = 0;       ///< m (DSS 501-516)
  double rangeSamplingRate = 0;  ///< Hz (DSS 711-726, MHz in the file)
  double rangeGateDelay = 0;     ///< s, early edge (DSS 727-742, µs in the file)
  double pulseLength = 0;        ///< s (DSS 743-758, µs in the file)
  double prf = 0;                ///< Hz (DSS 935-950, mHz in the file)
  double clockAngle = 0;         ///< deg, sensor clock angle (DSS 477-484): +90 right-looking, -90 left
  LookSide lookSide = LookSide::Right;
  double incidenceAngleCentre = 0;  ///< deg (DSS 485-492)
  double offNadirAngle = 0;         ///< deg (DSS 1839-1854; 0 if blank)
  double azimuthLooks = 0, rangeLooks = 0;  ///< DSS 1175-1190, 1191-1206
  double totalAzimuthBandwidth = 0;  ///< Hz (DSS 1239-1254)
  double totalRangeBandwidth = 0;    ///< Hz (DSS 1255-1270, kHz in the file)
  double lineSpacing = 0;   ///< m (DSS 1687-1702)
  double pixelSpacing = 0;  ///< m (DSS 1703-1718)
  double dopplerConstant = 0;  ///< Hz (DSS 1735-1750)
  double dopplerLinear = 0;    ///< Hz per range pixel (DSS 1751-1766)
  /// Radiometric data record (type 50) bytes 21-36: JAXA calibration factor CF (dB), if present.
  /// σ0 = 10·log10(I² + Q²) + CF − 32 for Level 1.1, 10·log10(DN²) + CF for Level 1.5.
  std::optional<double> calibrationFactorDb;
  /// The constant K of σ0 = 10·log10(|DN|²) + K for this product level (CF − 32 for L1.1).
  std::optional<double> calibrationConstantDb() const {
    if (!calibrationFactorDb) return std::nullopt;
    return productLevel == "1.1" ? *calibrationFactorDb - 32.0 : *calibrationFactorDb;
  }
  /// Platform position data record: reference frame as written (e.g. "ECR"), first time, spacing.
  std::string orbitFrame;
  DateTime orbitFirstTime;
  double orbitInterval = 0;  ///< s
  double greenwichHourAngle = 0;  ///< deg at the first point (used when the frame is inertial)
  /// State vectors, ECEF (WGS84-fixed) m and m/s: converted from an inertial frame with the
  /// Greenwich hour angle when the record says ECI, and from mm/s when velocities are in mm/s.
  std::vector<StateVector> stateVectors;
  std::vector<CeosRecordHeader> records;  ///< every record of the leader, in file order

  /// The orbit of the state vectors (Lagrange interpolation).
  Orbit orbit() const { return Orbit(stateVectors); }
};

/// Parses a leader file. IoError if missing/unreadable/truncated; InvalidInput naming the file, the
/// record and the field for wrong record lengths, missing records, and unparsable or absurd values.
CeosLeader readCeosLeader(const std::string& path);
/// Parses the bytes of a leader file (as read from `path`, which errors name); readCeosLeader reads
/// the file and calls this.
CeosLeader parseCeosLeader(const std::vector<unsigned char>& bytes, const std::string& path);

/// File descriptor record of an image file (IMG-*), ASCII fields at 1-based byte positions.
struct CeosImageDescriptor {
  std::string path;
  std::int64_t descriptorLength = 0;  ///< length of this first record (720)
  std::int64_t numRecords = 0;        ///< bytes 181-186: number of SAR data records
  std::int64_t recordLength = 0;      ///< bytes 187-192
  int bitsPerSample = 0;              ///< bytes 217-220
  int samplesPerGroup = 0;            ///< bytes 221-224
  int bytesPerGroup = 0;              ///< bytes 225-228 (8 for complex float)
  std::int64_t numLines = 0;          ///< bytes 237-244
  int leftBorder = 0;                 ///< bytes 245-248
  std::int64_t numPixels = 0;         ///< bytes 249-256
  int rightBorder = 0;                ///< bytes 257-260
  std::string interleaving;           ///< bytes 269-272 ("BSQ")
  std::int64_t prefixBytes = 0;       ///< bytes 277-280 (412 for L1.1 signal data, 192 for L1.5)
  std::int64_t dataBytes = 0;         ///< bytes 281-288
  std::int64_t suffixBytes = 0;       ///< bytes 289-292
  std::string dataFormat;             ///< bytes 429-432: "C*8" (complex float) or "IU2" (L1.5)
};

/// Reads and checks the descriptor (sizes consistent with each other). Does not require the data
/// records to be present (see checkCeosImageComplete).
CeosImageDescriptor readCeosImageDescriptor(const std::string& path);
/// IoError naming the file and the first missing record if the file is shorter than
/// descriptorLength + numRecords × recordLength.
void checkCeosImageComplete(const CeosImageDescriptor& d);

/// Prefix of one Level 1.1 signal data record (big-endian binary fields).
struct CeosLinePrefix {
  CeosRecordHeader header;
  std::int64_t lineNumber = 0;  ///< bytes 13-16, 1-based
  std::int64_t leftFill = 0, dataPixels = 0, rightFill = 0;  ///< bytes 21-32
  int year = 0, dayOfYear = 0;  ///< bytes 37-40, 41-44
  std::int64_t msOfDay = 0;     ///< bytes 45-48
  std::uint64_t usOfDay = 0;    ///< bytes 85-92 (PALSAR-2 only; 0 otherwise)
  int txPolarization = 0, rxPolarization = 0;  ///< bytes 53-54, 55-56: 0 = H, 1 = V
  double prf = 0;               ///< Hz (bytes 57-60, mHz in the file)
  double slantRangeFirst = 0;   ///< m, slant range of the first sample (bytes 117-120)
  DateTime time;                ///< acquisition time of the line (µs field when valid, else ms)
};

/// Reads Level 1.1 SLC lines from an IMG file: checks every record's header (sequence number, record
/// length, line number) while reading.
class CeosSlcReader {
 public:
  /// `palsar2` selects the PALSAR-2 prefix (µs time field). IoError/InvalidInput as documented.
  CeosSlcReader(const std::string& path, bool palsar2);
  const CeosImageDescriptor& descriptor() const { return d_; }
  std::int64_t length() const { return d_.numRecords; }
  std::int64_t width() const { return d_.dataBytes / 8; }
  /// Prefix of line `line` (0-based).
  CeosLinePrefix prefix(std::int64_t line) const;
  /// Reads lines [line0, line0 + n) into `out` (n × width complex64, host byte order). `prefixes`, if
  /// given, receives each line's prefix.
  void readLines(std::int64_t line0, std::int64_t n, cfloat* out, std::vector<CeosLinePrefix>* prefixes = nullptr) const;

 private:
  CeosLinePrefix parsePrefix(const unsigned char* rec, std::int64_t line) const;
  CeosImageDescriptor d_;
  bool palsar2_ = false;
};

/// Scene metadata of a Level 1.1 image from its leader and the prefixes of its first and last lines
/// (image path left empty).
SceneMetadata ceosSceneMetadata(const CeosLeader& leader, const CeosSlcReader& image, const std::string& polarization);

/// Imports a CEOS product (folder, LED-* or one IMG-* file); see importProduct. Level 1.5 is an
/// InvalidInput error (ground-range/geocoded amplitude has no slant-range radar grid).
std::vector<SceneMetadata> importCeos(const std::string& input, const std::string& outDir, const ImportParams& params);

}  // namespace orthotrack::io

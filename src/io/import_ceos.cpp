// ALOS PALSAR-1/2 CEOS reader. See include/orthotrack/io/import_ceos.hpp and docs/import.md.
#include "orthotrack/io/import_ceos.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "orthotrack/core/error.hpp"
#include "orthotrack/core/limits.hpp"
#include "orthotrack/core/log.hpp"

namespace fs = std::filesystem;

namespace orthotrack::io {
namespace {

constexpr double kSpeedOfLight = 299792458.0;
constexpr double kEarthRotationRate = 7.2921158553e-5;  // rad/s (WGS84)

std::uint32_t be32(const unsigned char* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | std::uint32_t(p[3]);
}
std::uint16_t be16(const unsigned char* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }
std::uint64_t be64(const unsigned char* p) { return (std::uint64_t(be32(p)) << 32) | be32(p + 4); }
float beFloat(const unsigned char* p) { return std::bit_cast<float>(be32(p)); }

CeosRecordHeader parseHeader(const unsigned char* p, std::int64_t offset) {
  CeosRecordHeader h;
  h.offset = offset;
  h.sequence = be32(p);
  h.subtype1 = p[4];
  h.type = p[5];
  h.subtype2 = p[6];
  h.subtype3 = p[7];
  h.length = be32(p + 8);
  return h;
}

std::string trim(std::string s) {
  while (!s.empty() && (std::isspace(static_cast<unsigned char>(s.back())) || s.back() == '\0')) s.pop_back();
  std::size_t b = 0;
  while (b < s.size() && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  return s.substr(b);
}

// ASCII fields of one record at 1-based, inclusive byte positions; errors name file, record, field.
struct AsciiRecord {
  const std::string& file;
  std::string record;  // e.g. "data set summary record (#2)"
  const unsigned char* data;
  std::size_t size;

  std::string raw(int a, int b) const {
    if (a < 1 || static_cast<std::size_t>(b) > size)
      throw InvalidInput("record too short for bytes " + std::to_string(a) + "-" + std::to_string(b), {file, record, std::to_string(size)});
    return std::string(reinterpret_cast<const char*>(data) + a - 1, static_cast<std::size_t>(b - a + 1));
  }
  std::string text(int a, int b) const { return trim(raw(a, b)); }
  std::string key(int a, int b, const std::string& name) const {
    return record + ": " + name + " (bytes " + std::to_string(a) + "-" + std::to_string(b) + ")";
  }
  // Number; `required` = blank is an error (else returns `def`).
  double num(int a, int b, const std::string& name, bool required = true, double def = 0.0) const {
    std::string s = text(a, b);
    if (s.empty()) {
      if (required) throw InvalidInput("blank field", {file, key(a, b, name), ""});
      return def;
    }
    for (auto& c : s)
      if (c == 'D' || c == 'd') c = 'E';  // Fortran exponent
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end == s.c_str() || *end != '\0' || !std::isfinite(v)) throw InvalidInput("not a number", {file, key(a, b, name), s});
    return v;
  }
  std::int64_t integer(int a, int b, const std::string& name) const {
    const std::string s = text(a, b);
    if (s.empty()) throw InvalidInput("blank field", {file, key(a, b, name), ""});
    char* end = nullptr;
    const long long v = std::strtoll(s.c_str(), &end, 10);
    if (end == s.c_str() || *end != '\0') throw InvalidInput("not an integer", {file, key(a, b, name), s});
    return v;
  }
  double positive(int a, int b, const std::string& name) const {
    const double v = num(a, b, name);
    if (!(v > 0)) throw InvalidInput("must be positive", {file, key(a, b, name), text(a, b)});
    return v;
  }
};

std::vector<unsigned char> readFile(const std::string& path, std::size_t maxBytes) {
  if (!fs::exists(path)) throw IoError("file not found", {path, "", ""});
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("file cannot be read", {path, "", ""});
  const auto size = fs::file_size(path);
  if (size > maxBytes) throw InvalidInput("file too large for a leader (" + std::to_string(size) + " bytes)", {path, "", ""});
  std::vector<unsigned char> buf(static_cast<std::size_t>(size));
  if (size > 0 && !in.read(reinterpret_cast<char*>(buf.data()), static_cast<std::streamsize>(size)))
    throw IoError("read failed", {path, "", ""});
  return buf;
}

std::string recordName(const CeosRecordHeader& h) {
  std::string n;
  switch (h.type) {
    case 192: n = "file descriptor record"; break;
    case 10: n = "data set summary record"; break;
    case 20: n = "map projection data record"; break;
    case 30: n = "platform position data record"; break;
    case 40: n = "attitude data record"; break;
    case 50: n = "radiometric data record"; break;
    case 60: n = "data quality summary record"; break;
    case 200: n = "facility related data record"; break;
    default: n = "record type " + std::to_string(h.type);
  }
  return n + " (#" + std::to_string(h.sequence) + ")";
}

// YYYYMMDDhhmmss[fraction digits] -> DateTime.
bool parseCompactTime(const std::string& s, DateTime& out) {
  if (s.size() < 14 || !std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) return false;
  const int Y = std::stoi(s.substr(0, 4)), M = std::stoi(s.substr(4, 2)), D = std::stoi(s.substr(6, 2));
  const int h = std::stoi(s.substr(8, 2)), m = std::stoi(s.substr(10, 2)), sec = std::stoi(s.substr(12, 2));
  if (Y < 1990 || Y > 2100 || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60) return false;
  double frac = 0;
  if (s.size() > 14) frac = std::stod("0." + s.substr(14));
  out = DateTime(Y, M, D, h, m, sec + frac);
  return true;
}

void parseDss(CeosLeader& L, const AsciiRecord& r) {
  L.sceneId = r.text(21, 36) + r.text(37, 68);
  const std::string t = r.text(69, 100);
  if (!parseCompactTime(t, L.sceneCentreTime))
    throw InvalidInput("scene centre time must read YYYYMMDDhhmmssttt (years 1990..2100)", {L.path, r.key(69, 100, "input scene centre time"), t});
  L.sceneCentreLat = r.num(117, 132, "scene centre latitude", false);
  L.sceneCentreLon = r.num(133, 148, "scene centre longitude", false);
  L.mission = r.text(397, 412);
  if (L.mission == "ALOS2" || L.mission == "ALOS-2") L.platform = "PALSAR-2";
  else if (L.mission == "ALOS" || L.mission == "ALOS1" || L.mission == "ALOS-1") L.platform = "PALSAR-1";
  else throw InvalidInput("unknown mission (expected ALOS or ALOS2)", {L.path, r.key(397, 412, "sensor platform mission identifier"), L.mission});
  L.sensorId = r.text(413, 444);
  L.clockAngle = r.num(477, 484, "sensor clock angle");
  if (std::abs(L.clockAngle - 90.0) < 1.0) L.lookSide = LookSide::Right;
  else if (std::abs(L.clockAngle + 90.0) < 1.0) L.lookSide = LookSide::Left;
  else throw InvalidInput("sensor clock angle must be +90 (right-looking) or -90 (left-looking)", {L.path, r.key(477, 484, "sensor clock angle"), r.text(477, 484)});
  L.incidenceAngleCentre = r.num(485, 492, "incidence angle at scene centre", false);
  L.wavelength = r.positive(501, 516, "radar wavelength");
  if (L.wavelength < 0.01 || L.wavelength > 1.0) throw InvalidInput("radar wavelength out of range 0.01..1 m", {L.path, r.key(501, 516, "radar wavelength"), r.text(501, 516)});
  L.rangeSamplingRate = r.positive(711, 726, "range sampling rate (MHz)") * 1e6;
  L.rangeGateDelay = r.num(727, 742, "range gate delay (us)", false) * 1e-6;
  L.pulseLength = r.num(743, 758, "range pulse length (us)", false) * 1e-6;
  L.prf = r.positive(935, 950, "nominal PRF (mHz)") * 1e-3;
  if (L.prf < 100 || L.prf > 10000) throw InvalidInput("PRF out of range 100..10000 Hz", {L.path, r.key(935, 950, "nominal PRF (mHz)"), r.text(935, 950)});
  L.productLevel = r.text(1095, 1110);
  L.productType = r.text(1111, 1142);
  L.azimuthLooks = r.num(1175, 1190, "nominal number of looks in azimuth", false);
  L.rangeLooks = r.num(1191, 1206, "nominal number of looks in range", false);
  L.totalAzimuthBandwidth = r.num(1239, 1254, "total processor bandwidth in azimuth (Hz)", false);
  L.totalRangeBandwidth = r.num(1255, 1270, "total processor bandwidth in range (kHz)", false) * 1e3;
  L.lineSpacing = r.num(1687, 1702, "line spacing (m)", false);
  L.pixelSpacing = r.num(1703, 1718, "pixel spacing (m)", false);
  L.dopplerConstant = r.num(1735, 1750, "Doppler centroid constant term (Hz)", false);
  L.dopplerLinear = r.num(1751, 1766, "Doppler centroid linear term (Hz/pixel)", false);
  if (r.size >= 1854) L.offNadirAngle = r.num(1839, 1854, "off-nadir angle", false);
}

void parsePlatformPosition(CeosLeader& L, const AsciiRecord& r) {
  const std::int64_t n = r.integer(141, 144, "number of data points");
  if (n < 4 || n > 64) throw InvalidInput("number of data points must be within 4..64", {L.path, r.key(141, 144, "number of data points"), std::to_string(n)});
  const int Y = static_cast<int>(r.integer(145, 148, "year of first point"));
  const int M = static_cast<int>(r.integer(149, 152, "month of first point"));
  const int D = static_cast<int>(r.integer(153, 156, "day of first point"));
  if (Y < 1990 || Y > 2100 || M < 1 || M > 12 || D < 1 || D > 31)
    throw InvalidInput("invalid date of the first point", {L.path, r.key(145, 156, "date of first point"), r.raw(145, 156)});
  const double sod = r.num(161, 182, "seconds of day of first point");
  if (sod < 0 || sod >= 86401) throw InvalidInput("seconds of day out of range", {L.path, r.key(161, 182, "seconds of day of first point"), r.text(161, 182)});
  L.orbitInterval = r.positive(183, 204, "time interval between points");
  L.orbitFrame = r.text(205, 268);
  L.greenwichHourAngle = r.num(269, 290, "Greenwich mean hour angle", false);
  L.orbitFirstTime = DateTime(Y, M, D).plusSeconds(sod);
  const int first = 387, stride = 132;
  if (static_cast<std::size_t>(first - 1 + n * stride) > r.size)
    throw InvalidInput(std::to_string(n) + " data points do not fit in the record", {L.path, r.key(141, 144, "number of data points"), std::to_string(r.size)});

  std::string frame = L.orbitFrame;
  std::transform(frame.begin(), frame.end(), frame.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  const bool inertial = frame.find("ECI") != std::string::npos || frame.find("INERTIAL") != std::string::npos;
  if (!inertial && frame.find("ECR") == std::string::npos && frame.find("ECEF") == std::string::npos && !frame.empty())
    log::get("import")->warn("{}: platform position frame \"{}\" taken as Earth-fixed", L.path, L.orbitFrame);
  if (inertial && r.text(269, 290).empty())
    throw InvalidInput("inertial state vectors need the Greenwich mean hour angle", {L.path, r.key(269, 290, "Greenwich mean hour angle"), ""});

  L.stateVectors.clear();
  for (std::int64_t k = 0; k < n; ++k) {
    const int a = first + static_cast<int>(k) * stride;
    const std::string name = "data point " + std::to_string(k + 1);
    double v[6];
    for (int j = 0; j < 6; ++j) v[j] = r.num(a + 22 * j, a + 22 * j + 21, name + (j < 3 ? " position" : " velocity"));
    Vec3 pos(v[0], v[1], v[2]), vel(v[3], v[4], v[5]);
    const double rn = pos.norm(), vn = vel.norm();
    if (rn < 6.3e6 || rn > 8.0e6)
      throw InvalidInput("position radius " + std::to_string(rn) + " m is not a low Earth orbit", {L.path, r.key(a, a + 65, name + " position"), ""});
    if (vn > 1e6 && vn < 1e7) vel *= 1e-3;  // mm/s (PALSAR-1 leaders)
    else if (!(vn > 1e3 && vn < 1e4))
      throw InvalidInput("velocity " + std::to_string(vn) + " is neither m/s nor mm/s of an orbit", {L.path, r.key(a + 66, a + 131, name + " velocity"), ""});
    const double dt = static_cast<double>(k) * L.orbitInterval;
    if (inertial) {  // rotate into the Earth-fixed frame
      const double th = L.greenwichHourAngle * M_PI / 180.0 + kEarthRotationRate * dt;
      const double c = std::cos(th), s = std::sin(th);
      const Vec3 pe(c * pos.x() + s * pos.y(), -s * pos.x() + c * pos.y(), pos.z());
      const Vec3 ve(c * vel.x() + s * vel.y(), -s * vel.x() + c * vel.y(), vel.z());
      const Vec3 w(0, 0, kEarthRotationRate);
      pos = pe;
      vel = ve - w.cross(pe);
    }
    L.stateVectors.push_back({L.orbitFirstTime.plusSeconds(dt), pos, vel});
  }
}

}  // namespace

CeosLeader readCeosLeader(const std::string& path) { return parseCeosLeader(readFile(path, std::size_t(256) << 20), path); }

CeosLeader parseCeosLeader(const std::vector<unsigned char>& buf, const std::string& path) {
  CeosLeader L;
  L.path = path;
  if (buf.size() < 720) throw IoError("file too short for a CEOS file descriptor (" + std::to_string(buf.size()) + " bytes)", {path, "file descriptor record", ""});
  // Walk the records by their headers.
  std::int64_t off = 0;
  while (off < static_cast<std::int64_t>(buf.size())) {
    if (off + 12 > static_cast<std::int64_t>(buf.size()))
      throw IoError("truncated record header at byte " + std::to_string(off), {path, "record #" + std::to_string(L.records.size() + 1), ""});
    const CeosRecordHeader h = parseHeader(buf.data() + off, off);
    if (h.sequence != L.records.size() + 1)
      throw InvalidInput("record sequence number " + std::to_string(h.sequence) + " where " + std::to_string(L.records.size() + 1) + " was expected (corrupted file?)",
                         {path, "record at byte " + std::to_string(off), std::to_string(h.sequence)});
    if (h.length < 12 || h.length > (64u << 20))
      throw InvalidInput("invalid record length", {path, recordName(h) + " at byte " + std::to_string(off), std::to_string(h.length)});
    if (off + h.length > static_cast<std::int64_t>(buf.size()))
      throw IoError("file truncated inside " + recordName(h) + " (needs " + std::to_string(off + h.length) + " bytes, has " + std::to_string(buf.size()) + ")",
                    {path, recordName(h), std::to_string(h.length)});
    L.records.push_back(h);
    off += h.length;
  }
  const auto& fdr = L.records.front();
  if (fdr.type != 192) throw InvalidInput("first record is not a file descriptor (type code 192)", {path, recordName(fdr), std::to_string(fdr.type)});
  AsciiRecord fd{path, recordName(fdr), buf.data(), fdr.length};
  const std::string doc = fd.text(17, 28);
  if (doc.rfind("CEOS-SAR", 0) != 0) throw InvalidInput("not a CEOS-SAR file (document id)", {path, fd.key(17, 28, "document id"), doc});

  // The file descriptor announces the number and length of the records; check against the headers.
  const std::int64_t nDss = fd.integer(181, 186, "number of data set summary records");
  const std::int64_t lDss = fd.integer(187, 192, "data set summary record length");
  const std::int64_t nPpd = fd.integer(205, 210, "number of platform position records");
  const std::int64_t lPpd = fd.integer(211, 216, "platform position record length");
  const CeosRecordHeader* dss = nullptr;
  const CeosRecordHeader* ppd = nullptr;
  for (const auto& h : L.records) {
    if (h.type == 10 && !dss) dss = &h;
    if (h.type == 30 && !ppd) ppd = &h;
  }
  if (nDss < 1 || !dss) throw InvalidInput("no data set summary record (type 10)", {path, "data set summary record", std::to_string(nDss)});
  if (nPpd < 1 || !ppd) throw InvalidInput("no platform position data record (type 30)", {path, "platform position data record", std::to_string(nPpd)});
  if (dss->length != lDss)
    throw InvalidInput("wrong record length: the file descriptor says " + std::to_string(lDss), {path, recordName(*dss), std::to_string(dss->length)});
  if (ppd->length != lPpd)
    throw InvalidInput("wrong record length: the file descriptor says " + std::to_string(lPpd), {path, recordName(*ppd), std::to_string(ppd->length)});

  parseDss(L, AsciiRecord{path, recordName(*dss), buf.data() + dss->offset, dss->length});
  parsePlatformPosition(L, AsciiRecord{path, recordName(*ppd), buf.data() + ppd->offset, ppd->length});
  // Radiometric data record (optional): calibration factor CF (dB), bytes 21-36.
  for (const auto& h : L.records)
    if (h.type == 50 && h.length >= 36) {
      const AsciiRecord r{path, recordName(h), buf.data() + h.offset, h.length};
      if (!r.text(21, 36).empty()) {
        const double cf = r.num(21, 36, "calibration factor (dB)");
        if (cf < -200 || cf > 0)
          throw InvalidInput("calibration factor out of range -200..0 dB", {path, r.key(21, 36, "calibration factor (dB)"), r.text(21, 36)});
        L.calibrationFactorDb = cf;
      }
      break;
    }
  return L;
}

CeosImageDescriptor readCeosImageDescriptor(const std::string& path) {
  if (!fs::exists(path)) throw IoError("file not found", {path, "", ""});
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("file cannot be read", {path, "", ""});
  std::vector<unsigned char> b(720);
  in.read(reinterpret_cast<char*>(b.data()), 720);
  if (in.gcount() < 720) throw IoError("file too short for a CEOS file descriptor (" + std::to_string(in.gcount()) + " bytes)", {path, "file descriptor record", ""});
  const CeosRecordHeader h = parseHeader(b.data(), 0);
  const std::string rec = "image file descriptor record";
  if (h.sequence != 1 || h.type != 192) throw InvalidInput("first record is not a file descriptor (type code 192)", {path, rec, std::to_string(h.type)});
  if (h.length < 720 || h.length > (1u << 20)) throw InvalidInput("wrong record length", {path, rec, std::to_string(h.length)});
  AsciiRecord r{path, rec, b.data(), b.size()};
  const std::string doc = r.text(17, 28);
  if (doc.rfind("CEOS-SAR", 0) != 0) throw InvalidInput("not a CEOS-SAR file (document id)", {path, r.key(17, 28, "document id"), doc});
  CeosImageDescriptor d;
  d.path = path;
  d.descriptorLength = h.length;
  d.numRecords = r.integer(181, 186, "number of SAR data records");
  d.recordLength = r.integer(187, 192, "SAR data record length");
  d.bitsPerSample = static_cast<int>(r.integer(217, 220, "number of bits per sample"));
  d.samplesPerGroup = static_cast<int>(r.integer(221, 224, "number of samples per data group"));
  d.bytesPerGroup = static_cast<int>(r.integer(225, 228, "number of bytes per data group"));
  d.numLines = r.integer(237, 244, "number of lines per data set");
  d.leftBorder = static_cast<int>(r.integer(245, 248, "number of left border pixels"));
  d.numPixels = r.integer(249, 256, "number of pixels per line");
  d.rightBorder = static_cast<int>(r.integer(257, 260, "number of right border pixels"));
  d.interleaving = r.text(269, 272);
  d.prefixBytes = r.integer(277, 280, "bytes of prefix data per record");
  d.dataBytes = r.integer(281, 288, "bytes of SAR data per record");
  d.suffixBytes = r.text(289, 292).empty() ? 0 : r.integer(289, 292, "bytes of suffix data per record");
  d.dataFormat = r.text(429, 432);
  limits::checkRasterShape(d.numLines, d.numPixels, {path, r.key(237, 256, "number of lines per data set x pixels per line"), ""});
  if (d.numRecords < 1 || d.numLines < 1 || d.numPixels < 1)
    throw InvalidInput("image must have at least one line and one pixel", {path, r.key(181, 256, "record/line/pixel counts"),
                       std::to_string(d.numRecords) + " records, " + std::to_string(d.numLines) + " lines, " + std::to_string(d.numPixels) + " pixels"});
  if (d.prefixBytes < 12 || d.dataBytes < 1 || d.suffixBytes < 0)
    throw InvalidInput("invalid prefix/data sizes", {path, r.key(277, 292, "prefix/data/suffix bytes"), std::to_string(d.prefixBytes) + "/" + std::to_string(d.dataBytes)});
  if (d.recordLength != d.prefixBytes + d.dataBytes + d.suffixBytes)
    throw InvalidInput("wrong record length: prefix " + std::to_string(d.prefixBytes) + " + data " + std::to_string(d.dataBytes) + " + suffix " +
                           std::to_string(d.suffixBytes) + " bytes",
                       {path, r.key(187, 192, "SAR data record length"), std::to_string(d.recordLength)});
  if (d.bytesPerGroup < 1 || d.dataBytes != d.numPixels * d.bytesPerGroup)
    throw InvalidInput("bytes of SAR data per record must equal pixels x bytes per pixel (" + std::to_string(d.numPixels) + " x " +
                           std::to_string(d.bytesPerGroup) + ")",
                       {path, r.key(281, 288, "bytes of SAR data per record"), std::to_string(d.dataBytes)});
  return d;
}

void checkCeosImageComplete(const CeosImageDescriptor& d) {
  const auto size = static_cast<std::int64_t>(fs::file_size(d.path));
  const std::int64_t need = d.descriptorLength + d.numRecords * d.recordLength;
  if (size < need) {
    const std::int64_t complete = std::max<std::int64_t>(0, (size - d.descriptorLength) / d.recordLength);
    throw IoError("file truncated: " + std::to_string(d.numRecords) + " records of " + std::to_string(d.recordLength) +
                      " bytes need " + std::to_string(need) + " bytes, the file has " + std::to_string(size),
                  {d.path, "SAR data record " + std::to_string(complete + 1) + " (line " + std::to_string(complete + 1) + ")", ""});
  }
}

CeosSlcReader::CeosSlcReader(const std::string& path, bool palsar2) : d_(readCeosImageDescriptor(path)), palsar2_(palsar2) {
  if (d_.dataFormat != "C*8" || d_.bytesPerGroup != 8)
    throw InvalidInput("not a Level 1.1 SLC image: SAR data format must be \"C*8\" (complex float, 8 bytes per pixel)",
                       {path, "image file descriptor record: SAR data format code (bytes 429-432)", d_.dataFormat});
  if (d_.prefixBytes < 128) throw InvalidInput("signal data prefix too short (needs >= 128 bytes)", {path, "image file descriptor record: bytes of prefix data (bytes 277-280)", std::to_string(d_.prefixBytes)});
  if (d_.numRecords != d_.numLines)
    throw InvalidInput("multi-channel image files are not supported (records != lines)", {path, "image file descriptor record: number of SAR data records (bytes 181-186)", std::to_string(d_.numRecords)});
  checkCeosImageComplete(d_);
}

CeosLinePrefix CeosSlcReader::parsePrefix(const unsigned char* rec, std::int64_t line) const {
  CeosLinePrefix p;
  p.header = parseHeader(rec, d_.descriptorLength + line * d_.recordLength);
  const std::string where = "SAR data record " + std::to_string(line + 1) + " (line " + std::to_string(line + 1) + ")";
  if (p.header.sequence != static_cast<std::uint32_t>(line + 2))
    throw InvalidInput("record sequence number " + std::to_string(p.header.sequence) + " where " + std::to_string(line + 2) + " was expected",
                       {d_.path, where, std::to_string(p.header.sequence)});
  if (p.header.length != static_cast<std::uint32_t>(d_.recordLength))
    throw InvalidInput("wrong record length: the file descriptor says " + std::to_string(d_.recordLength), {d_.path, where, std::to_string(p.header.length)});
  p.lineNumber = be32(rec + 12);
  if (p.lineNumber != line + 1)
    throw InvalidInput("image line number " + std::to_string(p.lineNumber) + " where " + std::to_string(line + 1) + " was expected",
                       {d_.path, where + ": line number (bytes 13-16)", std::to_string(p.lineNumber)});
  p.leftFill = be32(rec + 20);
  p.dataPixels = be32(rec + 24);
  p.rightFill = be32(rec + 28);
  p.year = static_cast<int>(be32(rec + 36));
  p.dayOfYear = static_cast<int>(be32(rec + 40));
  p.msOfDay = be32(rec + 44);
  p.txPolarization = be16(rec + 52);
  p.rxPolarization = be16(rec + 54);
  p.prf = be32(rec + 56) * 1e-3;
  if (palsar2_) p.usOfDay = be64(rec + 84);
  p.slantRangeFirst = static_cast<double>(be32(rec + 116));
  if (p.year < 1990 || p.year > 2100 || p.dayOfYear < 1 || p.dayOfYear > 366 || p.msOfDay >= 86'401'000)
    throw InvalidInput("invalid acquisition time (year " + std::to_string(p.year) + ", day " + std::to_string(p.dayOfYear) + ", ms " +
                           std::to_string(p.msOfDay) + ")",
                       {d_.path, where + ": sensor acquisition time (bytes 37-48)", ""});
  const DateTime day = DateTime(p.year, 1, 1).plusSeconds((p.dayOfYear - 1) * 86400.0);
  // The µs field (PALSAR-2) refines the ms field when both agree.
  const bool useUs = palsar2_ && p.usOfDay > 0 && std::llabs(static_cast<long long>(p.usOfDay / 1000) - p.msOfDay) <= 1;
  p.time = useUs ? DateTime::fromNanoseconds(day.nanoseconds() + static_cast<std::int64_t>(p.usOfDay) * 1000)
                 : DateTime::fromNanoseconds(day.nanoseconds() + p.msOfDay * 1'000'000);
  return p;
}

CeosLinePrefix CeosSlcReader::prefix(std::int64_t line) const {
  if (line < 0 || line >= d_.numRecords) throw InvalidInput("line out of range", {d_.path, "line", std::to_string(line)});
  std::ifstream in(d_.path, std::ios::binary);
  std::vector<unsigned char> b(static_cast<std::size_t>(d_.prefixBytes));
  in.seekg(d_.descriptorLength + line * d_.recordLength);
  if (!in.read(reinterpret_cast<char*>(b.data()), d_.prefixBytes))
    throw IoError("cannot read record prefix", {d_.path, "SAR data record " + std::to_string(line + 1), ""});
  return parsePrefix(b.data(), line);
}

void CeosSlcReader::readLines(std::int64_t line0, std::int64_t n, cfloat* out, std::vector<CeosLinePrefix>* prefixes) const {
  if (line0 < 0 || n < 0 || line0 + n > d_.numRecords)
    throw InvalidInput("line range leaves the image (" + std::to_string(d_.numRecords) + " lines)", {d_.path, "lines", std::to_string(line0) + "+" + std::to_string(n)});
  std::ifstream in(d_.path, std::ios::binary);
  if (!in) throw IoError("file cannot be read", {d_.path, "", ""});
  in.seekg(d_.descriptorLength + line0 * d_.recordLength);
  std::vector<unsigned char> rec(static_cast<std::size_t>(d_.recordLength));
  const std::int64_t W = width();
  if (prefixes) prefixes->clear();
  for (std::int64_t i = 0; i < n; ++i) {
    if (!in.read(reinterpret_cast<char*>(rec.data()), d_.recordLength))
      throw IoError("file truncated", {d_.path, "SAR data record " + std::to_string(line0 + i + 1), ""});
    const CeosLinePrefix p = parsePrefix(rec.data(), line0 + i);
    const unsigned char* s = rec.data() + d_.prefixBytes;
    cfloat* o = out + i * W;
    for (std::int64_t j = 0; j < W; ++j) o[j] = cfloat(beFloat(s + 8 * j), beFloat(s + 8 * j + 4));
    if (prefixes) prefixes->push_back(p);
  }
}

SceneMetadata ceosSceneMetadata(const CeosLeader& L, const CeosSlcReader& img, const std::string& pol) {
  const CeosLinePrefix first = img.prefix(0);
  const CeosLinePrefix last = img.prefix(img.length() - 1);
  const std::string& path = img.descriptor().path;
  SceneMetadata s;
  s.platform = L.platform;
  s.sensor = L.mission + " " + L.sensorId + " L" + L.productLevel;
  s.polarization = pol;
  s.imageKind = ImageKind::Slc;
  s.grid.length = img.length();
  s.grid.width = img.width();
  s.grid.sensingStart = first.time;
  s.grid.azimuthTimeInterval = 1.0 / L.prf;
  if (first.prf > 0 && std::abs(first.prf - L.prf) > 1.0)
    throw InvalidInput("PRF of the first line (" + std::to_string(first.prf) + " Hz) differs from the leader's (" + std::to_string(L.prf) + " Hz)",
                       {path, "SAR data record 1: PRF (bytes 57-60)", std::to_string(first.prf)});
  if (first.slantRangeFirst < 1e5 || first.slantRangeFirst > 3e6)
    throw InvalidInput("slant range to the first sample out of range 100..3000 km", {path, "SAR data record 1: slant range to 1st data sample (bytes 117-120)",
                       std::to_string(first.slantRangeFirst)});
  if (last.slantRangeFirst != first.slantRangeFirst)
    throw InvalidInput("slant range of the first sample changes along the image (" + std::to_string(first.slantRangeFirst) + " m, then " +
                           std::to_string(last.slantRangeFirst) + " m at the last line): not supported",
                       {path, "SAR data record " + std::to_string(img.length()) + ": slant range to 1st data sample (bytes 117-120)", ""});
  s.grid.startingRange = first.slantRangeFirst;
  s.grid.rangePixelSpacing = kSpeedOfLight / (2.0 * L.rangeSamplingRate);
  s.grid.wavelength = L.wavelength;
  s.grid.lookSide = L.lookSide;
  // Line times: the last line should sit at (n - 1) / PRF after the first (1 ms time stamps).
  const double span = last.time.secondsSince(first.time);
  const double expect = static_cast<double>(img.length() - 1) * s.grid.azimuthTimeInterval;
  if (std::abs(span - expect) > 0.002 + 2 * s.grid.azimuthTimeInterval)
    log::get("import")->warn("{}: line time stamps span {} s but {} lines at the leader PRF span {} s", path, span, img.length(), expect);
  if (L.totalRangeBandwidth > 0) s.rangeBandwidth = L.totalRangeBandwidth;
  if (L.totalAzimuthBandwidth > 0) s.azimuthBandwidth = L.totalAzimuthBandwidth;
  s.calibrationConstantDb = L.calibrationConstantDb();
  s.orbit = L.orbit();
  // Doppler centroid: constant + linear in range pixel, exact in a bilinear 2 x 2 table.
  if (L.dopplerConstant != 0.0 || L.dopplerLinear != 0.0) {
    const double w1 = static_cast<double>(std::max<std::int64_t>(s.grid.width - 1, 1));
    const double dy = std::max(s.grid.sensingStop().secondsSince(s.grid.sensingStart), s.grid.azimuthTimeInterval);
    const double f0 = L.dopplerConstant, f1 = L.dopplerConstant + L.dopplerLinear * w1;
    s.doppler = LUT2d(s.grid.startingRange, w1 * s.grid.rangePixelSpacing, 2, 0.0, dy, 2, {f0, f1, f0, f1}, s.grid.sensingStart);
  }
  s.id = makeSceneId(s.platform, s.grid.sensingMid(), "", pol);
  s.grid.validate(path);
  return s;
}

namespace {

// "IMG-HH-ALOS2...": the polarization tag after "IMG-".
std::string polFromName(const std::string& name) {
  if (name.rfind("IMG-", 0) != 0 || name.size() < 7) return "";
  const std::string p = name.substr(4, 2);
  const bool ok = (p[0] == 'H' || p[0] == 'V') && (p[1] == 'H' || p[1] == 'V') && name[6] == '-';
  return ok ? p : "";
}

}  // namespace

std::vector<SceneMetadata> importCeos(const std::string& input, const std::string& outDir, const ImportParams& p) {
  p.validate();
  const bool isDir = fs::is_directory(input);
  const fs::path dir = isDir ? fs::path(input) : fs::path(input).parent_path().empty() ? fs::path(".") : fs::path(input).parent_path();
  const std::string name = isDir ? "" : fs::path(input).filename().string();

  std::vector<fs::path> leaders, images;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    const std::string n = e.path().filename().string();
    if (n.rfind("LED-", 0) == 0) leaders.push_back(e.path());
    if (n.rfind("IMG-", 0) == 0) images.push_back(e.path());
  }
  std::sort(leaders.begin(), leaders.end());
  std::sort(images.begin(), images.end());
  fs::path led;
  if (name.rfind("LED-", 0) == 0) led = input;
  else if (leaders.size() == 1) led = leaders.front();
  else if (leaders.empty()) throw IoError("no leader file LED-* next to the image", {dir.string(), "LED-*", ""});
  else throw InvalidInput("several leader files: import one LED-* file", {dir.string(), "LED-*", std::to_string(leaders.size())});
  if (name.rfind("IMG-", 0) == 0) images = {fs::path(input)};

  const CeosLeader L = readCeosLeader(led.string());
  if (L.productLevel != "1.1")
    throw InvalidInput("only Level 1.1 (SLC, slant range) can be imported; Level 1.5 is ground-range/geocoded amplitude without a "
                       "slant-range radar grid",
                       {led.string(), "data set summary record: product level code (bytes 1095-1110)", L.productLevel});
  // ScanSAR L1.1 comes as one IMG file per sub-swath (IMG-HH-<scene>-F1 ...): not a stripmap grid.
  std::vector<std::pair<fs::path, std::string>> jobs;
  for (const auto& img : images) {
    const std::string n = img.filename().string();
    if (n.size() > 3 && n[n.size() - 3] == '-' && n[n.size() - 2] == 'F' && std::isdigit(static_cast<unsigned char>(n.back())))
      throw InvalidInput("ScanSAR sub-swath image (unknown mode for offset tracking): only stripmap Level 1.1 is supported", {img.string(), "file name", n});
    std::string pol = polFromName(n);
    if (pol.empty()) throw InvalidInput("cannot tell the polarization from the file name (expected IMG-<HH|HV|VH|VV>-...)", {img.string(), "file name", n});
    if (!p.polarizations.empty() && std::find(p.polarizations.begin(), p.polarizations.end(), pol) == p.polarizations.end()) continue;
    jobs.emplace_back(img, pol);
  }
  for (const auto& want : p.polarizations)
    if (std::none_of(jobs.begin(), jobs.end(), [&](const auto& j) { return j.second == want; }))
      throw InvalidInput("polarization not in the product", {dir.string(), "IMG-" + want + "-*", want});
  if (jobs.empty()) throw IoError("no image file IMG-* in the product", {dir.string(), "IMG-*", ""});
  if (!p.id.empty() && jobs.size() > 1)
    throw InvalidInput("an explicit scene id needs a single polarization", {dir.string(), "import.id", p.id});

  std::vector<SceneMetadata> out;
  const bool palsar2 = L.platform == "PALSAR-2";
  for (const auto& [img, pol] : jobs) {
    CeosSlcReader reader(img.string(), palsar2);
    const double gib = static_cast<double>(reader.length()) * static_cast<double>(reader.width()) * 8.0 / (1024.0 * 1024.0 * 1024.0);
    if (gib > p.maxImageGiB || reader.width() > std::numeric_limits<int>::max() || reader.length() > std::numeric_limits<int>::max())
      throw InvalidInput("image of " + std::to_string(reader.length()) + " x " + std::to_string(reader.width()) + " pixels exceeds import.max_image_gib",
                         {img.string(), "image file descriptor record", std::to_string(gib) + " GiB"});
    SceneMetadata s = ceosSceneMetadata(L, reader, pol);
    if (!p.platform.empty()) {
      s.platform = p.platform;
      s.id = makeSceneId(s.platform, s.grid.sensingMid(), "", pol);
    }
    if (!p.id.empty()) s.id = p.id;
    const fs::path sdir = fs::path(outDir) / s.id;
    const std::string tif = fs::absolute(sdir / (s.id + ".slc.tif")).string();
    const std::string meta = fs::absolute(sdir / (s.id + ".json")).string();
    log::get("import")->info("importing {} -> {}", img.string(), tif);
    {
      RasterWriter w(tif, s.grid.length, s.grid.width, 1, DataType::CFloat32, nullptr, p.write);
      w.setBandName(1, pol);
      w.setMetadata("SOURCE", img.string());
      const std::int64_t block = std::min<std::int64_t>(p.blockLines, s.grid.length);
      std::vector<cfloat> buf(static_cast<std::size_t>(block * s.grid.width));
      std::vector<CeosLinePrefix> pre;
      for (std::int64_t r0 = 0; r0 < s.grid.length; r0 += block) {
        const std::int64_t n = std::min(block, s.grid.length - r0);
        reader.readLines(r0, n, buf.data(), &pre);
        for (const auto& q : pre)
          if (q.slantRangeFirst != s.grid.startingRange)
            throw InvalidInput("slant range of the first sample changes along the image (" + std::to_string(s.grid.startingRange) + " m, then " +
                                   std::to_string(q.slantRangeFirst) + " m): not supported",
                               {img.string(), "SAR data record " + std::to_string(q.lineNumber) + ": slant range to 1st data sample (bytes 117-120)", ""});
        w.write(1, r0, 0, n, s.grid.width, buf.data());
      }
      w.commit();
    }
    s.image = tif;
    s.imageBand = 1;
    s.metadataPath = meta;
    writeSceneMetadata(meta, s);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace orthotrack::io

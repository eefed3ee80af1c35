#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "orthotrack/core/error.hpp"
#include "orthotrack/core/log.hpp"
#include "orthotrack/timeseries/sbas.hpp"

namespace orthotrack::timeseries {
namespace {

std::string trim(std::string s) {
  auto sp = [](unsigned char ch) { return std::isspace(ch) != 0; };
  while (!s.empty() && sp(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t a = 0;
  while (a < s.size() && sp(static_cast<unsigned char>(s[a]))) ++a;
  return s.substr(a);
}

bool parseDate(const std::string& text, DateTime& out) {
  if (text.size() == 8 && std::all_of(text.begin(), text.end(), [](unsigned char ch) { return std::isdigit(ch) != 0; })) {
    const int y = std::stoi(text.substr(0, 4)), m = std::stoi(text.substr(4, 2)), d = std::stoi(text.substr(6, 2));
    if (m < 1 || m > 12 || d < 1 || d > 31) return false;
    out = DateTime(y, m, d);
    return true;
  }
  return DateTime::tryParse(text, out);
}

/// A local file path (as opposed to a GDAL virtual path "/vsi..." or a driver-prefixed
/// subdataset name such as `NETCDF:"f.nc":vx` or `HDF5:"f.h5"://x`).
bool isPlainPath(const std::string& p) {
  if (p.rfind("/vsi", 0) == 0) return false;
  const auto colon = p.find(':');
  if (colon == std::string::npos || colon == 0) return true;
  return !std::all_of(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(colon),
                      [](unsigned char ch) { return std::isalnum(ch) != 0 || ch == '_'; });
}

bool parseInt(const std::string& text, int& out) {
  if (text.empty() || text.size() > 9) return false;
  std::size_t a = (text[0] == '-' || text[0] == '+') ? 1 : 0;
  if (a == text.size() || !std::all_of(text.begin() + static_cast<std::ptrdiff_t>(a), text.end(),
                                       [](unsigned char ch) { return std::isdigit(ch) != 0; }))
    return false;
  out = std::stoi(text);
  return true;
}

}  // namespace

std::vector<PairListEntry> readPairList(const std::string& csvPath) {
  std::ifstream f(csvPath);
  if (!f) throw IoError("cannot open the pair list", {csvPath, "", ""});
  const std::filesystem::path base = std::filesystem::path(csvPath).parent_path();
  static const char* const kColumns[] = {"date1", "date2", "path", "band", "sigma_path"};
  std::vector<PairListEntry> out;
  std::string line;
  int lineNo = 0;
  bool first = true;
  while (std::getline(f, line)) {
    ++lineNo;
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) cols.push_back(trim(cell));
    const std::string at = "line " + std::to_string(lineNo);
    const bool header = first && !cols.empty() && [&] {
      std::string low = cols[0];
      std::transform(low.begin(), low.end(), low.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      return low == "date1";
    }();
    first = false;
    if (header) continue;
    if (cols.size() < 3)
      throw InvalidInput(std::string("missing column '") + kColumns[cols.size()] + "' (expected date1,date2,path[,band][,sigma_path])",
                         {csvPath, at + "." + kColumns[cols.size()], line});
    if (cols.size() > 5)
      throw InvalidInput("too many columns (" + std::to_string(cols.size()) + "; expected date1,date2,path[,band][,sigma_path])",
                         {csvPath, at, line});
    PairListEntry e;
    e.line = lineNo;
    if (!parseDate(cols[0], e.date1))
      throw InvalidInput("cannot parse the date (YYYY-MM-DD, YYYYMMDD or ISO date-time)", {csvPath, at + ".date1", cols[0]});
    if (!parseDate(cols[1], e.date2))
      throw InvalidInput("cannot parse the date (YYYY-MM-DD, YYYYMMDD or ISO date-time)", {csvPath, at + ".date2", cols[1]});
    if (!(e.date1 < e.date2))
      throw InvalidInput("date1 must be earlier than date2 (displacement = date2 − date1)", {csvPath, at + ".date2", cols[0] + "," + cols[1]});
    auto resolve = [&](const std::string& p) {
      const std::filesystem::path q(p);
      return (isPlainPath(p) && q.is_relative() ? base / q : q).string();
    };
    if (cols[2].empty()) throw InvalidInput("empty path", {csvPath, at + ".path", line});
    e.path = resolve(cols[2]);
    // Four columns: the fourth is a band when it is an integer, else the sigma path.
    std::size_t sigmaCol = 4;
    if (cols.size() >= 4) {
      int band = 0;
      if (parseInt(cols[3], band)) {
        if (band < 1) throw InvalidInput("band must be >= 1", {csvPath, at + ".band", cols[3]});
        e.band = band;
      } else if (cols.size() == 5 && !cols[3].empty()) {
        throw InvalidInput("band must be a positive integer", {csvPath, at + ".band", cols[3]});
      } else if (cols.size() == 4) {
        sigmaCol = 3;
      }
    }
    if (cols.size() > sigmaCol && !cols[sigmaCol].empty()) e.sigmaPath = resolve(cols[sigmaCol]);
    out.push_back(std::move(e));
  }
  if (out.empty()) throw InvalidInput("the pair list has no pairs", {csvPath, "", ""});
  return out;
}

InversionResult invertPairList(const std::string& csvPath, const InversionParams& params, const RasterSource& source,
                               const std::string& componentName, std::int64_t chunkRows) {
  params.validate();
  if (!source.shape || !source.read) throw InvalidInput("raster source callbacks are not set", {"", "timeseries.raster_source", ""});
  if (chunkRows < 1) throw InvalidInput("must be >= 1", {"", "timeseries.chunk_rows", std::to_string(chunkRows)});
  const auto list = readPairList(csvPath);
  SbasNetwork net;
  for (const auto& e : list) {
    net.dates.push_back(e.date1);
    net.dates.push_back(e.date2);
  }
  std::sort(net.dates.begin(), net.dates.end());
  net.dates.erase(std::unique(net.dates.begin(), net.dates.end()), net.dates.end());
  auto indexOf = [&](const DateTime& d) {
    return static_cast<int>(std::lower_bound(net.dates.begin(), net.dates.end(), d) - net.dates.begin());
  };
  for (const auto& e : list) net.pairs.push_back({indexOf(e.date1), indexOf(e.date2)});
  net.validate();
  const bool withSigma = std::all_of(list.begin(), list.end(), [](const PairListEntry& e) { return !e.sigmaPath.empty(); });
  if (!withSigma && std::any_of(list.begin(), list.end(), [](const PairListEntry& e) { return !e.sigmaPath.empty(); }))
    log::get("timeseries")->warn("{}: sigma_path given for some pairs only; inverting without weights", csvPath);

  // Every raster opens, has the first pair's size and the band asked for, before any pixel is read.
  auto shapeOf = [&](const std::string& path, const std::string& key) {
    try {
      return source.shape(path);
    } catch (const Error& e) {
      throw InvalidInput("cannot open the raster: " + e.message(), {csvPath, key, path});
    }
  };
  auto dims = [](const RasterShape& s) { return std::to_string(s.length) + " x " + std::to_string(s.width); };
  const std::string at0 = "line " + std::to_string(list[0].line);
  const RasterShape first = shapeOf(list[0].path, at0 + ".path");
  const std::int64_t L = first.length, W = first.width;
  for (const auto& e : list) {
    const std::string at = "line " + std::to_string(e.line);
    const RasterShape s = shapeOf(e.path, at + ".path");
    if (s.length != L || s.width != W)
      throw InvalidInput("raster is " + dims(s) + " but the first pair's (" + at0 + ") is " + dims(first), {csvPath, at + ".path", e.path});
    if (e.band > s.bands)
      throw InvalidInput("band out of range (" + e.path + " has " + std::to_string(s.bands) + " band(s))",
                         {csvPath, at + ".band", std::to_string(e.band)});
    if (withSigma) {
      const RasterShape t = shapeOf(e.sigmaPath, at + ".sigma_path");
      if (t.length != L || t.width != W)
        throw InvalidInput("sigma raster is " + dims(t) + " but the displacement is " + dims(s), {csvPath, at + ".sigma_path", e.sigmaPath});
    }
  }

  InversionResult result;
  result.dates = net.dates;
  result.windows = params.rateWindows.empty() ? defaultRateWindows(net.dates) : params.rateWindows;
  ComponentResult full;
  full.name = componentName;
  const auto nd = net.dates.size(), nw = result.windows.size();
  for (std::size_t d = 0; d < nd; ++d) {
    full.displacement.emplace_back(L, W);
    full.displacementSigma.emplace_back(L, W);
    full.unconstrained.emplace_back(L, W);
  }
  for (std::size_t k = 0; k < nw; ++k) {
    full.rate.emplace_back(L, W);
    full.rateSigma.emplace_back(L, W);
  }
  full.residualRms.resize(L, W);
  full.pairsUsed.resize(L, W);
  full.flags.resize(L, W);

  std::vector<Raster<float>> disp(list.size()), sig(withSigma ? list.size() : 0);
  for (std::int64_t r0 = 0; r0 < L; r0 += chunkRows) {
    const std::int64_t rows = std::min(chunkRows, L - r0);
    ComponentStack cs;
    cs.name = componentName;
    for (std::size_t k = 0; k < list.size(); ++k) {
      disp[k].resize(rows, W);
      source.read(list[k].path, list[k].band, r0, rows, disp[k].data());
      cs.displacement.push_back(disp[k].cview());
      if (withSigma) {
        sig[k].resize(rows, W);
        source.read(list[k].sigmaPath, 1, r0, rows, sig[k].data());
        cs.sigma.push_back(sig[k].cview());
      }
    }
    InversionParams p = params;
    p.rateWindows = result.windows;
    const auto part = invert(net, {cs}, p).components.at(0);
    auto copyRows = [&](auto& dst, const auto& src) {
      std::copy(src.data(), src.data() + src.size(), dst.row(r0));
    };
    for (std::size_t d = 0; d < nd; ++d) {
      copyRows(full.displacement[d], part.displacement[d]);
      copyRows(full.displacementSigma[d], part.displacementSigma[d]);
      copyRows(full.unconstrained[d], part.unconstrained[d]);
    }
    for (std::size_t k = 0; k < nw; ++k) {
      copyRows(full.rate[k], part.rate[k]);
      copyRows(full.rateSigma[k], part.rateSigma[k]);
    }
    copyRows(full.residualRms, part.residualRms);
    copyRows(full.pairsUsed, part.pairsUsed);
    copyRows(full.flags, part.flags);
  }
  result.components.push_back(std::move(full));
  return result;
}

}  // namespace orthotrack::timeseries

#include "orthotrack/core/geogrid.hpp"

#include <cmath>

#include "orthotrack/core/error.hpp"

namespace orthotrack {

GeoGrid GeoGrid::geographic(double lonMin, double lonMax, double latMin, double latMax, double d) {
  if (!(d > 0) || !(lonMax > lonMin) || !(latMax > latMin))
    throw InvalidInput("geographic grid needs lonMax > lonMin, latMax > latMin and a positive spacing",
                       {"", "geogrid", std::to_string(lonMin) + "," + std::to_string(lonMax) + "," +
                                           std::to_string(latMin) + "," + std::to_string(latMax) + "," + std::to_string(d)});
  GeoGrid g;
  g.epsg = 4326;
  g.width = static_cast<std::int64_t>(std::ceil((lonMax - lonMin) / d - 1e-9));
  g.length = static_cast<std::int64_t>(std::ceil((latMax - latMin) / d - 1e-9));
  g.transform = {lonMin, d, 0.0, latMax, 0.0, -d};
  return g;
}

}  // namespace orthotrack

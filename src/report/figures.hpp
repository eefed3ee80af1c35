#pragma once
// Layout of the report's figures into canvases (drawn to SVG and PNG by canvas.cpp).
#include <string>
#include <utility>
#include <vector>

#include "canvas.hpp"
#include "orthotrack/report/report.hpp"

namespace orthotrack::report::detail {

/// Colour limits of a map: given ones, else percentiles (see MapLayer::vmin).
std::pair<double, double> mapLimits(const MapLayer& m);
/// "Nice" axis ticks (1, 2, 5 × 10^k steps) covering [lo, hi], about `target` of them.
std::vector<double> niceTicks(double lo, double hi, int target);
/// Date ticks (unix ms) with labels ("2016", "2016-07", "2016-07-15") for [t0, t1] (unix ms).
std::vector<std::pair<double, std::string>> dateTicks(double t0, double t1, int maxTicks);
/// Unix milliseconds of a DateTime.
double unixMs(const DateTime& t);

Canvas layoutMap(const MapLayer& m);
Canvas layoutChart(const Chart& c, const std::vector<const Series*>& series);
Canvas layoutNetwork(const NetworkPlot& n);

}  // namespace orthotrack::report::detail

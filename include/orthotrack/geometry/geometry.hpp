#pragma once
/// The radar geometry module (docs/geometry.md): DEM look-up, Range-Doppler solvers, per-pixel
/// layers and look-up tables, orbit helpers.
#include "orthotrack/geometry/dem.hpp"
#include "orthotrack/geometry/layers.hpp"
#include "orthotrack/geometry/orbit_tools.hpp"
#include "orthotrack/geometry/range_doppler.hpp"

#pragma once
/// HDF5 products in MintPy's layout (datasets at the root, metadata as root string attributes), so
/// MintPy's readfile/view/tsview open them. Written under "<path>.tmp" and renamed when complete.
#include <map>
#include <string>
#include <vector>

#include "orthotrack/core/datetime.hpp"
#include "orthotrack/core/raster.hpp"

namespace orthotrack::io {

/// timeseries.h5: `timeseries` float32 [ndate, length, width] (m, 0 at the first date), `date`
/// S8 [ndate] (YYYYMMDD), `bperp` float32 [ndate] (m; zeros if empty). Root attributes:
/// FILE_TYPE=timeseries, UNIT=m, LENGTH, WIDTH, REF_DATE (first date), START_DATE, END_DATE,
/// DATA_TYPE=float32, PROCESSOR=orthotrack, CONVENTIONS, plus `extra` (e.g. geocoding X_FIRST…,
/// or mintpy.networkInversion.* keys). Throws InvalidInput on size mismatches, IoError on HDF5 errors.
void writeMintpyTimeseries(const std::string& path, const std::vector<DateTime>& dates,
                           const std::vector<Raster<float>>& displacement, const std::vector<float>& bperp = {},
                           const std::map<std::string, std::string>& extra = {});

/// velocity.h5: `velocity` and `velocityStd` float32 [length, width] (m/year). Root attributes:
/// FILE_TYPE=velocity, UNIT=m/year, LENGTH, WIDTH, START_DATE, END_DATE, DATE12, REF_DATE,
/// DATA_TYPE, PROCESSOR, CONVENTIONS, plus `extra`.
void writeMintpyVelocity(const std::string& path, const Raster<float>& velocity, const Raster<float>& velocityStd,
                         const DateTime& start, const DateTime& end, const std::map<std::string, std::string>& extra = {});

}  // namespace orthotrack::io

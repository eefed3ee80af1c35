#pragma once
// The six-scene subset of the simulated small stack (build/sim_small) that the slow workflow tests
// run end to end: three scenes per platform, master ALOS2_20161003, no Figure-1 comparison, coarse
// offsets (one 64 px window every 64 px), 10 pairs; about 20–45 s a run on two cores. The `tiny`
// size cannot be used: its 256 px master multi-looks to 64 px, smaller than the DEM
// co-registration's 48 px window with ±12 px search.
#include <fstream>
#include <string>

namespace orthotrack::test {

/// Writes the stack file `path` (named `name`) over the simulated stack in folder `sim`.
inline void writeSixSceneStack(const std::string& path, const std::string& sim, const std::string& name) {
  std::ofstream t(path);
  t << "[stack]\nname = \"" << name << "\"\ndem = \"" << sim << "/dem.tif\"\noutput = \"run\"\nprecipitation = \"" << sim
    << "/precipitation.csv\"\ntruth = \"" << sim << "/truth\"\nscenes = [\n";
  for (const char* id : {"ALOS1_20070102", "ALOS1_20080105", "ALOS1_20090107", "ALOS2_20150727", "ALOS2_20160125", "ALOS2_20161003"})
    t << "  \"" << sim << "/scenes/" << id << ".json\",\n";
  t << "]\n\n[coreg]\nmaster = \"ALOS2_20161003\"\ncompare_traditional = false\n\n"
       "[network]\nbridge_max_pairs = 4\nbridge_scenes = 2\n"
       "max_temporal_baseline_days = { \"PALSAR-1\" = 800.0, \"PALSAR-2\" = 490.0 }\n"
       "min_temporal_baseline_days = { \"PALSAR-1\" = 300.0, \"PALSAR-2\" = 70.0 }\n\n"
       "[offsets]\nsearch = 16\nstep = 64\nwindows = [64]\n";
}

}  // namespace orthotrack::test

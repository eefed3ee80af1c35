#include "verbs.hpp"

namespace orthotrack::cli {

std::vector<std::unique_ptr<Verb>> makeVerbs() {
  std::vector<std::unique_ptr<Verb>> v;
  v.push_back(makeRunVerb());
  v.push_back(makeReportVerb());
  v.push_back(makeCoregisterVerb());
  v.push_back(makeSimulateVerb());
  v.push_back(makeOffsetsVerb());
  v.push_back(makeInfoVerb());
  v.push_back(makeImportVerb());
  v.push_back(makeStackVerb());
  v.push_back(makeGeometryVerb());
  v.push_back(makeLocateVerb());
  v.push_back(makePairsVerb());
  v.push_back(makeInvertVerb());
  v.push_back(makeGeocodeVerb());
  return v;
}

}  // namespace orthotrack::cli

#pragma once
#include "../verb.hpp"
#include "orthotrack/io/scene.hpp"
#include "orthotrack/workflow/run.hpp"

namespace orthotrack::cli {
std::unique_ptr<Verb> makeInfoVerb();
std::unique_ptr<Verb> makeSimulateVerb();
std::unique_ptr<Verb> makeRunVerb();
std::unique_ptr<Verb> makeCoregisterVerb();
std::unique_ptr<Verb> makeReportVerb();
std::unique_ptr<Verb> makeOffsetsVerb();
std::unique_ptr<Verb> makeImportVerb();
std::unique_ptr<Verb> makeStackVerb();
std::unique_ptr<Verb> makeGeometryVerb();
std::unique_ptr<Verb> makeLocateVerb();
std::unique_ptr<Verb> makePairsVerb();
std::unique_ptr<Verb> makeInvertVerb();
std::unique_ptr<Verb> makeGeocodeVerb();
/// Prints the record of `step` of a one-step run (invert.cpp; used by the invert and geocode verbs).
void printStepRun(const workflow::RunSummary& s, const std::string& step);
}  // namespace orthotrack::cli

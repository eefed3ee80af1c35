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
/// A memory size as `--memory` takes it: a number with an optional unit K, M, G, T (binary: 2G =
/// 2·2^30 bytes; also KiB/KB/MiB/MB/GiB/GB/TiB/TB) or none (bytes); at least 64 MiB. InvalidInput
/// naming `option` and the text otherwise (run.cpp).
std::size_t parseMemorySize(const std::string& text, const std::string& option = "--memory");
/// Caps GDAL's block cache to 1/16 of a memory budget (16 MiB .. 1 GiB) unless the user set
/// GDAL_CACHEMAX: the cache counts against the budget (run.cpp).
void capGdalCache(std::size_t memoryBytes);
}  // namespace orthotrack::cli

#pragma once
#include "../verb.hpp"
#include "orthotrack/io/scene.hpp"

namespace orthotrack::cli {
std::unique_ptr<Verb> makeInfoVerb();
std::unique_ptr<Verb> makeSimulateVerb();
std::unique_ptr<Verb> makeRunVerb();
std::unique_ptr<Verb> makeReportVerb();
std::unique_ptr<Verb> makeOffsetsVerb();
std::unique_ptr<Verb> makeImportVerb();
std::unique_ptr<Verb> makeStackVerb();
}  // namespace orthotrack::cli

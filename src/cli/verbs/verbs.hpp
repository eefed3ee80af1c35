#pragma once
#include "../verb.hpp"
#include "orthotrack/io/scene.hpp"

namespace orthotrack::cli {
std::unique_ptr<Verb> makeInfoVerb();
std::unique_ptr<Verb> makeSimulateVerb();
std::unique_ptr<Verb> makeRunVerb();
}  // namespace orthotrack::cli

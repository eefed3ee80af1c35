#pragma once
#include "../verb.hpp"
#include "orthotrack/io/scene.hpp"

namespace orthotrack::cli {
std::unique_ptr<Verb> makeInfoVerb();
}  // namespace orthotrack::cli

#pragma once
/// The one logger. Library code logs through channels ("geometry", "coreg", ...) to stderr by
/// default; it never writes to stdout. The CLI sets the level (--verbose / --quiet).
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace orthotrack::log {

/// Logger of a channel (created on first use, sharing the global sinks and level).
std::shared_ptr<spdlog::logger> get(const std::string& channel);
/// Global level for every channel.
void setLevel(spdlog::level::level_enum level);

}  // namespace orthotrack::log

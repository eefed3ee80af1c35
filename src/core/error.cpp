#include "orthotrack/core/error.hpp"

namespace orthotrack {

Error::Error(const std::string& message, ErrorContext ctx)
    : std::runtime_error(compose(message, ctx)), ctx_(std::move(ctx)), message_(message) {}

std::string Error::compose(const std::string& message, const ErrorContext& ctx) {
  std::string out;
  if (!ctx.file.empty()) out += ctx.file + ": ";
  if (!ctx.key.empty()) out += "'" + ctx.key + "': ";
  out += message;
  if (!ctx.value.empty()) out += " (value: " + ctx.value + ")";
  return out;
}

}  // namespace orthotrack

#include "orthotrack/core/log.hpp"

#include <mutex>

#include <spdlog/sinks/stdout_color_sinks.h>

namespace orthotrack::log {
namespace {
std::mutex& mutex() { static std::mutex m; return m; }
spdlog::level::level_enum& level() { static auto l = spdlog::level::info; return l; }
}  // namespace

std::shared_ptr<spdlog::logger> get(const std::string& channel) {
  std::lock_guard<std::mutex> lock(mutex());
  if (auto l = spdlog::get(channel)) return l;
  static auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  auto l = std::make_shared<spdlog::logger>(channel, sink);
  l->set_level(level());
  l->set_pattern("[%H:%M:%S] [%n] %^%l%$: %v");
  spdlog::register_logger(l);
  return l;
}

void setLevel(spdlog::level::level_enum lv) {
  std::lock_guard<std::mutex> lock(mutex());
  level() = lv;
  spdlog::set_level(lv);
  spdlog::apply_all([lv](const std::shared_ptr<spdlog::logger>& l) { l->set_level(lv); });
}

}  // namespace orthotrack::log

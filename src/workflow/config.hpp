#pragma once
// Typed access to the processing sections of a stack file, with errors naming the stack file, the
// key (section.key) and the value, and a check that no unknown key was given (a typo must not be
// silently ignored).
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "orthotrack/core/error.hpp"

namespace orthotrack::workflow::detail {

class Config {
 public:
  Config(const nlohmann::json& params, std::string file) : p_(params), file_(std::move(file)) {}

  bool has(const std::string& sec, const std::string& key) const {
    return p_.contains(sec) && p_[sec].is_object() && p_[sec].contains(key);
  }
  const nlohmann::json* raw(const std::string& sec, const std::string& key) {
    known_.insert(sec + "." + key);
    return has(sec, key) ? &p_[sec][key] : nullptr;
  }
  double num(const std::string& sec, const std::string& key, double def, double lo, double hi) {
    const auto* v = raw(sec, key);
    if (!v) return def;
    if (!v->is_number()) throw InvalidInput("expected a number", {file_, sec + "." + key, v->dump()});
    const double d = v->get<double>();
    if (!(d >= lo && d <= hi))
      throw InvalidInput("must be within " + fmt(lo) + " .. " + fmt(hi), {file_, sec + "." + key, v->dump()});
    return d;
  }
  int integer(const std::string& sec, const std::string& key, int def, int lo, int hi) {
    const auto* v = raw(sec, key);
    if (!v) return def;
    if (!v->is_number_integer()) throw InvalidInput("expected an integer", {file_, sec + "." + key, v->dump()});
    const auto d = v->get<long long>();
    if (d < lo || d > hi)
      throw InvalidInput("must be within " + std::to_string(lo) + " .. " + std::to_string(hi), {file_, sec + "." + key, v->dump()});
    return static_cast<int>(d);
  }
  bool boolean(const std::string& sec, const std::string& key, bool def) {
    const auto* v = raw(sec, key);
    if (!v) return def;
    if (!v->is_boolean()) throw InvalidInput("expected true or false", {file_, sec + "." + key, v->dump()});
    return v->get<bool>();
  }
  std::string str(const std::string& sec, const std::string& key, const std::string& def,
                  const std::vector<std::string>& allowed = {}) {
    const auto* v = raw(sec, key);
    if (!v) return def;
    if (!v->is_string()) throw InvalidInput("expected a string", {file_, sec + "." + key, v->dump()});
    const std::string s = v->get<std::string>();
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), s) == allowed.end()) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      throw InvalidInput("must be one of: " + list, {file_, sec + "." + key, s});
    }
    return s;
  }
  std::vector<int> ints(const std::string& sec, const std::string& key, std::vector<int> def, int lo, int hi) {
    const auto* v = raw(sec, key);
    if (!v) return def;
    if (!v->is_array() || v->empty()) throw InvalidInput("expected a non-empty array of integers", {file_, sec + "." + key, v->dump()});
    std::vector<int> out;
    for (const auto& x : *v) {
      if (!x.is_number_integer() || x.get<long long>() < lo || x.get<long long>() > hi)
        throw InvalidInput("expected integers within " + std::to_string(lo) + " .. " + std::to_string(hi),
                           {file_, sec + "." + key, v->dump()});
      out.push_back(x.get<int>());
    }
    return out;
  }
  /// Marks a whole sub-table as known (validated elsewhere).
  void known(const std::string& sec, const std::string& key) { known_.insert(sec + "." + key); }
  /// InvalidInput for the first key of `sections` that was never asked for.
  void checkUnknown(const std::vector<std::string>& sections) const {
    for (const auto& [sec, vals] : p_.items()) {
      if (std::find(sections.begin(), sections.end(), sec) == sections.end()) {
        if (sec == "simulation") continue;  // written by the simulator, informative only
        throw InvalidInput("unknown section (known: " + join(sections) + ")", {file_, "[" + sec + "]", ""});
      }
      if (!vals.is_object()) throw InvalidInput("expected a table", {file_, sec, vals.dump()});
      for (const auto& [k, v] : vals.items())
        if (!known_.count(sec + "." + k)) throw InvalidInput("unknown key", {file_, sec + "." + k, v.dump()});
    }
  }
  const std::string& file() const { return file_; }

 private:
  static std::string fmt(double d) {
    std::string s = std::to_string(d);
    while (s.size() > 1 && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }
  static std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  }
  const nlohmann::json& p_;
  std::string file_;
  std::set<std::string> known_;
};

}  // namespace orthotrack::workflow::detail

#pragma once
/// Error types of orthotrack. Every error says what was wrong and where: the file, the key (or
/// record/dataset) and the offending value, so that a user can fix the input without reading code.
#include <stdexcept>
#include <string>

namespace orthotrack {

/// Where an error came from. Any field may be empty.
struct ErrorContext {
  std::string file;   ///< path of the offending file
  std::string key;    ///< config key, record, dataset or field name
  std::string value;  ///< the offending value, as text
};

/// Base of all orthotrack errors. what() is the full message including the context.
class Error : public std::runtime_error {
 public:
  Error(const std::string& message, ErrorContext ctx = {});
  const ErrorContext& context() const noexcept { return ctx_; }
  const std::string& message() const noexcept { return message_; }

 private:
  static std::string compose(const std::string& message, const ErrorContext& ctx);
  ErrorContext ctx_;
  std::string message_;
};

/// Bad user input: configuration, metadata, sizes, values. CLI exit code 2.
class InvalidInput : public Error {
 public:
  using Error::Error;
};
/// A file cannot be read or written. CLI exit code 3.
class IoError : public Error {
 public:
  using Error::Error;
};
/// A query outside the domain of a function (time outside an orbit, point outside a DEM). Exit 4.
class OutOfDomain : public Error {
 public:
  using Error::Error;
};
/// An iterative solver did not converge. CLI exit code 5.
class NoConvergence : public Error {
 public:
  using Error::Error;
};

}  // namespace orthotrack

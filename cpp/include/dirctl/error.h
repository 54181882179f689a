// dirctl::Error and its subclasses: the one error hierarchy of the engine.
//
// Every failure the engine reports is one of these; the bindings map each to a
// Python class that also subclasses the natural builtin. Messages name the
// object, the field or the row at fault and say what to do about it.
// Invariant: a function that throws one of these has changed nothing.
#pragma once

#include <stdexcept>
#include <string>

namespace dirctl {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(printable(message)) {}

  // A message travels as a C string (what()): an embedded NUL, quoted from
  // a CSV cell or a path, is spelled "\0" instead of cutting it short.
  static std::string printable(std::string message) {
    for (std::size_t at = message.find('\0'); at != std::string::npos; at = message.find('\0', at + 2))
      message.replace(at, 1, "\\0");
    return message;
  }
};

// The named object does not exist (or is invisible to the acting context).
class NotFound : public Error {
 public:
  using Error::Error;
};

// A unique value is already held by another object; the message names it.
class Conflict : public Error {
 public:
  using Error::Error;
};

// The object is not in a state that allows this (a run that already
// ended, cancelled again, reported twice); the message names the state.
class InvalidState : public Conflict {
 public:
  using Conflict::Conflict;
};

// A field, value, pair or argument is not acceptable.
class InvalidArgument : public Error {
 public:
  using Error::Error;
};

// The acting context may not do this (see authz).
class PermissionDenied : public Error {
 public:
  explicit PermissionDenied(const std::string& message, std::string rule = "")
      : Error(message), rule_(std::move(rule)) {}
  // The stable id of the rule that denied (see Rule in dirctl/authz.h).
  const std::string& rule() const noexcept { return rule_; }

 private:
  std::string rule_;
};

// The file or SQLite failed: locked, corrupt, foreign, too new, I/O.
class StorageError : public Error {
 public:
  StorageError(const std::string& message, int sqlite_code = 0)
      : Error(message), sqlite_code_(sqlite_code) {}
  int sqlite_code() const noexcept { return sqlite_code_; }

 private:
  int sqlite_code_;
};

}  // namespace dirctl

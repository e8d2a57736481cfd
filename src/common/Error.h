#pragma once
// Errors carry the exit code the CLI returns for them, so that a front end only has to catch and report.
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace soundalike {

// Documented in README.md ("Exit codes"); keep the two in sync.
enum class ExitCode : int {
  ok = 0,
  internal = 1,      // a bug or an unexpected failure
  usage = 2,         // bad command-line options or arguments
  not_found = 3,     // an input file is missing or cannot be opened
  undecodable = 4,   // not a media file, corrupt or truncated
  no_audio = 5,      // a media file without audio, or with an empty audio stream
  partial = 6,       // a batch finished but some items failed (they are listed)
  bad_model = 7,     // a model file is missing, corrupt, truncated or foreign
  bad_data = 8,      // a data set or library database is unusable
  cannot_write = 9,  // an output file or folder cannot be written
  missing_resource = 10,  // a required installed resource (e.g. a General MIDI soundfont) is absent
  interrupted = 130, // stopped by SIGINT after saving what was finished
};

class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ExitCode code() const noexcept { return code_; }

 private:
  ExitCode code_;
};

// An error about one input file; what() reads "<path>: <reason>".
class InputError : public Error {
 public:
  InputError(ExitCode code, const std::filesystem::path& path, std::string_view reason)
      : Error(code, path.string() + ": " + std::string(reason)), path_(path), reason_(reason) {}
  const std::filesystem::path& path() const noexcept { return path_; }
  const std::string& reason() const noexcept { return reason_; }

 private:
  std::filesystem::path path_;
  std::string reason_;
};

}  // namespace soundalike

#pragma once
// Small formatting helpers shared by the commands.
#include <cstdio>
#include <string>

#include "common/Error.h"

namespace soundalike::app {

// "3:25.41" (or "1:02:03.00" past an hour)
std::string format_duration(double seconds);

// One line on stderr: "soundalike: <what>".
void report(const Error& e);

// The exit status of a batch: all items failed -> the first failure's code; some failed -> partial.
class BatchStatus {
 public:
  void success() { ++ok_; }
  void failure(const Error& e) {
    report(e);
    if (failed_++ == 0) first_ = int(e.code());
  }
  int code() const {
    if (failed_ == 0) return 0;
    return ok_ == 0 ? first_ : int(ExitCode::partial);
  }
  int failed() const { return failed_; }

 private:
  int ok_ = 0, failed_ = 0, first_ = 0;
};

}  // namespace soundalike::app

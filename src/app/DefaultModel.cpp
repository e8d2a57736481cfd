#include "app/DefaultModel.h"

#include <algorithm>
#include <cstdlib>
#include <system_error>

#include "common/Error.h"

namespace soundalike::app {

namespace fs = std::filesystem;

namespace {

fs::path running_executable() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe;
}

#if defined(SOUNDALIKE_BUILD_DIR) && defined(SOUNDALIKE_SOURCE_MODELS_DIR)
// True for the soundalike binary and the test programs of the build tree this code was compiled in,
// never for an installed copy: an installed program must not depend on the source tree it came from.
bool runs_from_build_tree(const fs::path& exe) {
  std::error_code ec;
  const fs::path build = fs::weakly_canonical(SOUNDALIKE_BUILD_DIR, ec);
  if (ec || exe.empty()) return false;
  const fs::path e = fs::weakly_canonical(exe, ec);
  if (ec) return false;
  return std::mismatch(build.begin(), build.end(), e.begin(), e.end()).first == build.end();
}
#endif

}  // namespace

std::optional<fs::path> default_model_path() {
  if (const char* env = std::getenv("SOUNDALIKE_MODEL"); env && *env) return fs::path(env);
  std::error_code ec;
  const fs::path exe = running_executable();
  // <prefix>/bin/soundalike -> <prefix>/share/soundalike/models, as `cmake --install` lays it out.
  if (!exe.empty()) {
    const fs::path installed = exe.parent_path().parent_path() / "share" / "soundalike" / "models" / "default.model";
    if (fs::is_regular_file(installed, ec)) return installed;
  }
#if defined(SOUNDALIKE_BUILD_DIR) && defined(SOUNDALIKE_SOURCE_MODELS_DIR)
  if (runs_from_build_tree(exe))
    if (const fs::path p = fs::path(SOUNDALIKE_SOURCE_MODELS_DIR) / "default.model"; fs::is_regular_file(p, ec)) return p;
#endif
  return std::nullopt;
}

std::string resolve_model_name(const std::string& name) {
  if (name != "default") return name;
  if (auto p = default_model_path()) return p->string();
  throw Error(ExitCode::missing_resource,
              "no default model found (looked for $SOUNDALIKE_MODEL and ../share/soundalike/models/default.model "
              "beside the program)");
}

}  // namespace soundalike::app

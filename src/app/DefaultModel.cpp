#include "app/DefaultModel.h"

#include <cstdlib>
#include <system_error>

#include "common/Error.h"

namespace soundalike::app {

namespace fs = std::filesystem;

std::optional<fs::path> default_model_path() {
  if (const char* env = std::getenv("SOUNDALIKE_MODEL"); env && *env) return fs::path(env);
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    // build/soundalike -> <source>/models; <prefix>/bin/soundalike -> <prefix>/share/soundalike/models
    for (const fs::path& candidate : {exe.parent_path().parent_path() / "models" / "default.model",
                                      exe.parent_path().parent_path() / "share" / "soundalike" / "models" / "default.model"})
      if (fs::is_regular_file(candidate, ec)) return candidate;
  }
#ifdef SOUNDALIKE_SOURCE_MODELS_DIR
  if (const fs::path p = fs::path(SOUNDALIKE_SOURCE_MODELS_DIR) / "default.model"; fs::is_regular_file(p, ec)) return p;
#endif
  return std::nullopt;
}

std::string resolve_model_name(const std::string& name) {
  if (name != "default") return name;
  if (auto p = default_model_path()) return p->string();
  throw Error(ExitCode::missing_resource,
              "no default model found (looked for $SOUNDALIKE_MODEL and models/default.model beside the program)");
}

}  // namespace soundalike::app

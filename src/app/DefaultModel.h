#pragma once
// Where the model shipped with soundalike lives, so that `index` and `similar` work without --model.
#include <filesystem>
#include <optional>
#include <string>

namespace soundalike::app {

// The shipped model file: $SOUNDALIKE_MODEL when set, else ../share/soundalike/models/default.model
// relative to the running executable (an installed tree), else, for a program running from the build
// tree it was compiled in, the source tree's models/default.model. nullopt when none is found.
std::optional<std::filesystem::path> default_model_path();

// A --model or --backbone-weights value as a path: "default" names the shipped model (Error
// missing_resource when it is absent); anything else is taken as given.
std::string resolve_model_name(const std::string& name);

}  // namespace soundalike::app

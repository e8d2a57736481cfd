#pragma once
// The web UI (web/), compiled into the binary so the server needs no files beside it.
#include <map>
#include <span>
#include <string>

namespace soundalike::app {

// "/index.html" -> bytes. Only these exact keys are ever served: no client string reaches the file system.
const std::map<std::string, std::span<const unsigned char>, std::less<>>& web_assets();

}  // namespace soundalike::app

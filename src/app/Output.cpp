#include "app/Output.h"

#include <cmath>

namespace soundalike::app {

std::string format_duration(double seconds) {
  if (!(seconds >= 0)) seconds = 0;
  const long centis = std::lround(seconds * 100);
  const long h = centis / 360000, m = (centis / 6000) % 60;
  const double s = double(centis % 6000) / 100.0;
  char buf[48];
  if (h > 0) std::snprintf(buf, sizeof buf, "%ld:%02ld:%05.2f", h, m, s);
  else std::snprintf(buf, sizeof buf, "%ld:%05.2f", m, s);
  return buf;
}

void report(const Error& e) { std::fprintf(stderr, "soundalike: %s\n", e.what()); }

}  // namespace soundalike::app

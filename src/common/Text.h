#pragma once
// Case folding for the comparisons soundalike makes: tags, file extensions, option names, hex tokens.
// ASCII only, on purpose: tags in other scripts compare as written rather than through a locale that
// differs from machine to machine.
#include <string>
#include <string_view>

namespace soundalike {

inline std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return out;
}

}  // namespace soundalike

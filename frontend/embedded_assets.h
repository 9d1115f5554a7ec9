#pragma once
// Assets compiled into the binary at build time (see frontend/CMakeLists.txt), so that no
// platform needs runtime file I/O for them.
#include <cstddef>

namespace imc::ui {

extern const unsigned char kFontRegular[]; // DejaVu Sans (Debian fonts-dejavu-core)
extern const size_t kFontRegularSize;

} // namespace imc::ui

#pragma once
// A 5×7 pixel bitmap font (printable ASCII and the few symbols the report writes: ± ° σ ² × µ Δ α,
// dashes), drawn for this project, so PNG figures carry readable text without a font library.
#include <array>
#include <cstdint>
#include <string>

namespace orthotrack::report::detail {

constexpr int kGlyphWidth = 5, kGlyphHeight = 7, kAdvance = 6;

/// Rows (top to bottom) of the glyph of code point `c`; bit 4 is the leftmost pixel. Unknown code
/// points give '?'.
const std::array<std::uint8_t, 7>& glyph(char32_t c);
/// Code points of a UTF-8 string (invalid bytes become U+FFFD).
std::u32string decodeUtf8(const std::string& s);
/// Width in font pixels (scale 1) of the text: 6 per character, minus the trailing gap.
int textWidth(const std::string& s);

}  // namespace orthotrack::report::detail

// Builds the four ICC profiles with lcms2. Each call uses its own lcms2 context, so writers on
// several threads never share lcms2 state.
#include "io/icc_profiles.hpp"

#include <lcms2.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace nightstack {

namespace {

struct ContextDeleter {
  void operator()(void* context) const { cmsDeleteContext(static_cast<cmsContext>(context)); }
};
struct ProfileDeleter {
  void operator()(void* profile) const { cmsCloseProfile(static_cast<cmsHPROFILE>(profile)); }
};
struct ToneCurveDeleter {
  void operator()(cmsToneCurve* curve) const { cmsFreeToneCurve(curve); }
};
struct TextDeleter {
  void operator()(cmsMLU* text) const { cmsMLUfree(text); }
};
using Context = std::unique_ptr<void, ContextDeleter>;
using Profile = std::unique_ptr<void, ProfileDeleter>;
using ToneCurve = std::unique_ptr<cmsToneCurve, ToneCurveDeleter>;

void check(bool succeeded, const char* what) {
  if (!succeeded) throw std::runtime_error(std::string("lcms2 could not ") + what);
}

// D65 as IEC 61966-2-1 gives it, which is also what lcms2 2.14's own sRGB profile uses, so the
// linear profile has exactly its colorants and differs from it only in the tone curves.
constexpr cmsCIExyY d65_white = {0.3127, 0.3290, 1.0};

// IEC 61966-2-1: Y = ((X + 0.055) / 1.055)^2.4 above 0.04045, X / 12.92 below; lcms2's
// parametric type 4 is Y = (aX + b)^g for X >= d, cX below, with parameters {g, a, b, c, d}.
ToneCurve tone_curve(cmsContext context, bool linear) {
  const cmsFloat64Number srgb[5] = {2.4, 1.0 / 1.055, 0.055 / 1.055, 1.0 / 12.92, 0.04045};
  ToneCurve curve(linear ? cmsBuildGamma(context, 1.0) : cmsBuildParametricToneCurve(context, 4, srgb));
  check(curve != nullptr, "build a tone curve");
  return curve;
}

Profile rgb_profile(cmsContext context, bool linear) {
  if (!linear) return Profile(cmsCreate_sRGBProfileTHR(context));
  // ITU-R BT.709 primaries, as sRGB.
  const cmsCIExyYTRIPLE primaries = {{0.6400, 0.3300, 1.0}, {0.3000, 0.6000, 1.0}, {0.1500, 0.0600, 1.0}};
  ToneCurve curve = tone_curve(context, true);
  cmsToneCurve* curves[3] = {curve.get(), curve.get(), curve.get()};
  return Profile(cmsCreateRGBProfileTHR(context, &d65_white, &primaries, curves));
}

Profile gray_profile(cmsContext context, bool linear) {
  ToneCurve curve = tone_curve(context, linear);
  return Profile(cmsCreateGrayProfileTHR(context, &d65_white, curve.get()));
}

void set_description(cmsContext context, cmsHPROFILE profile, const char* description) {
  std::unique_ptr<cmsMLU, TextDeleter> text(cmsMLUalloc(context, 1));
  check(text != nullptr, "allocate the profile description");
  check(cmsMLUsetASCII(text.get(), "en", "US", description) != 0, "set the profile description");
  check(cmsWriteTag(profile, cmsSigProfileDescriptionTag, text.get()) != 0, "write the profile description");
}

// lcms2 stamps the header with the current time (bytes 24-35: year, month, day, hour, minute,
// second, 16-bit big-endian each); a fixed date instead makes the same image give the same file
// on every run. The profile ID (bytes 84-99) is left zero, so no checksum covers the date.
void set_fixed_creation_date(std::vector<std::uint8_t>& bytes) {
  const std::uint16_t date[6] = {2000, 1, 1, 0, 0, 0};
  for (std::size_t field = 0; field < 6; ++field) {
    bytes[24 + 2 * field] = static_cast<std::uint8_t>(date[field] >> 8);
    bytes[25 + 2 * field] = static_cast<std::uint8_t>(date[field] & 0xFF);
  }
}

const char* description(bool linear, int channels) {
  if (channels == 1) return linear ? "Linear gray (gamma 1.0)" : "Gray (sRGB curve)";
  return linear ? "Linear sRGB (gamma 1.0)" : "sRGB";
}

}  // namespace

std::vector<std::uint8_t> icc_profile(bool linear, int channels) {
  if (channels != 1 && channels != 3) {
    throw std::invalid_argument("icc_profile: " + std::to_string(channels) +
                                " channels; profiles exist for 1 or 3");
  }
  Context context(cmsCreateContext(nullptr, nullptr));
  check(context != nullptr, "create a context");
  const auto handle = static_cast<cmsContext>(context.get());
  Profile profile = channels == 3 ? rgb_profile(handle, linear) : gray_profile(handle, linear);
  check(profile != nullptr, "create the profile");
  set_description(handle, profile.get(), description(linear, channels));

  cmsUInt32Number size = 0;
  check(cmsSaveProfileToMem(profile.get(), nullptr, &size) != 0 && size > 0, "measure the profile");
  std::vector<std::uint8_t> bytes(size);
  check(cmsSaveProfileToMem(profile.get(), bytes.data(), &size) != 0, "serialise the profile");
  bytes.resize(size);
  check(size >= 128, "write a whole profile header");
  set_fixed_creation_date(bytes);
  return bytes;
}

}  // namespace nightstack

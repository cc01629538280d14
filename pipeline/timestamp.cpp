// Calendar arithmetic without the C library's time zone: days from civil dates, and back.
#include "pipeline/timestamp.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <regex>

namespace nightstack {

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's civil-from-days algorithm).
long long days_from_civil(long long year, unsigned month, unsigned day) {
  year -= month <= 2;
  const long long era = (year >= 0 ? year : year - 399) / 400;
  const unsigned year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<long long>(day_of_era) - 719468;
}

void civil_from_days(long long days, long long& year, unsigned& month, unsigned& day) {
  days += 719468;
  const long long era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned day_of_era = static_cast<unsigned>(days - era * 146097);
  const unsigned year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const unsigned day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const unsigned shifted_month = (5 * day_of_year + 2) / 153;
  day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
  month = shifted_month < 10 ? shifted_month + 3 : shifted_month - 9;
  year = static_cast<long long>(year_of_era) + era * 400 + (month <= 2);
}

}  // namespace

std::optional<double> parse_timestamp(const std::string& text) {
  static const std::regex pattern(
      R"(^\s*(\d{4})[-:](\d{2})[-:](\d{2})(?:[T ](\d{2}):(\d{2}):(\d{2}(?:\.\d*)?))?\s*(?:Z|UTC)?\s*$)");
  std::smatch match;
  if (!std::regex_match(text, match, pattern)) return std::nullopt;
  const long long year = std::stoll(match[1]);
  const unsigned month = static_cast<unsigned>(std::stoul(match[2]));
  const unsigned day = static_cast<unsigned>(std::stoul(match[3]));
  if (month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
  double seconds = static_cast<double>(days_from_civil(year, month, day)) * 86400.0;
  if (match[4].matched) {
    const int hours = std::stoi(match[4]);
    const int minutes = std::stoi(match[5]);
    const double second = std::stod(match[6]);
    if (hours > 23 || minutes > 59 || second >= 61) return std::nullopt;
    seconds += hours * 3600.0 + minutes * 60.0 + second;
  }
  return seconds;
}

std::string format_timestamp(double seconds, int decimals) {
  decimals = std::clamp(decimals, 0, 9);
  const double scale = std::pow(10.0, decimals);
  // Round once, in units of the last digit shown, so 59.9996 s does not print as "60.000".
  const long long units = std::llround(seconds * scale);
  const long long per_day = 86400LL * static_cast<long long>(scale);
  long long days = units / per_day;
  long long within_day = units % per_day;
  if (within_day < 0) {
    within_day += per_day;
    --days;
  }
  long long year = 0;
  unsigned month = 0, day = 0;
  civil_from_days(days, year, month, day);
  const long long scale_units = static_cast<long long>(scale);
  const long long whole_seconds = within_day / scale_units;
  char text[64];
  int length = std::snprintf(text, sizeof text, "%04lld-%02u-%02uT%02lld:%02lld:%02lld", year, month, day,
                             whole_seconds / 3600, whole_seconds / 60 % 60, whole_seconds % 60);
  std::string result(text, static_cast<std::size_t>(length));
  if (decimals > 0) {
    std::string fraction = std::to_string(within_day % scale_units);
    result += '.';
    result.append(static_cast<std::size_t>(decimals) - fraction.size(), '0');
    result += fraction;
  }
  return result;
}

double modified_julian_date(double seconds) { return seconds / 86400.0 + 40587.0; }

}  // namespace nightstack

#include "imc/timestamp.h"

#include <cstdio>

namespace imc {

namespace {

constexpr int64_t kMsPerDay = 86'400'000;
// 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z.
constexpr int64_t kMinMs = -62'167'219'200'000;
constexpr int64_t kMaxMs = 253'402'300'799'999;

struct CivilDate {
  int64_t year;
  int month; // 1..12
  int day;   // 1..31
};

// The inverse of "days since 1970-01-01" in the proleptic Gregorian calendar, by 400-year eras
// (146097 days each) counted from 0000-03-01 so that the leap day falls at the end of a year.
CivilDate civil_from_days(int64_t days) {
  days += 719468; // 0000-03-01 -> 1970-01-01
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t day_of_era = days - era * 146097; // [0, 146096]
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365; // [0, 399]
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t mp = (5 * day_of_year + 2) / 153; // month from March, [0, 11]
  const int day = int(day_of_year - (153 * mp + 2) / 5 + 1);
  const int month = int(mp < 10 ? mp + 3 : mp - 9);
  const int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  return {year, month, day};
}

} // namespace

std::string format_rfc3339_ms(int64_t unix_ms) {
  if (unix_ms < kMinMs)
    unix_ms = kMinMs;
  if (unix_ms > kMaxMs)
    unix_ms = kMaxMs;
  int64_t days = unix_ms / kMsPerDay;
  int64_t ms_of_day = unix_ms % kMsPerDay;
  if (ms_of_day < 0) {
    ms_of_day += kMsPerDay;
    days -= 1;
  }
  const CivilDate date = civil_from_days(days);
  const int hour = int(ms_of_day / 3'600'000);
  const int minute = int(ms_of_day / 60'000 % 60);
  const int second = int(ms_of_day / 1000 % 60);
  const int millisecond = int(ms_of_day % 1000);
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", int(date.year),
                date.month, date.day, hour, minute, second, millisecond);
  return buffer;
}

} // namespace imc

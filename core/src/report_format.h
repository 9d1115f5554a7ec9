#pragma once
// Internal: number formatting shared by the report's JSON, CSV and HTML writers.
#include "imc/report.h"

namespace imc::report {

// `x` rounded to 4 decimals (the precision every output uses); NaN for a non-finite value;
// never -0.
double rounded(double x);

} // namespace imc::report

#pragma once
// CSV tables (RFC 4180) for importing dataset metadata (`imc pack import`).
//
// Hand-written rather than taken from Debian: libfccp-dev (fast-cpp-csv-parser) reads files on
// a thread of its own and does not accept newlines inside quoted fields, which real metadata
// tables contain; libcsv-dev is a C callback library that keeps no line numbers, so errors could
// not name the line, and it would be one more native dependency for a hundred lines of parsing.
// This one is pure (bytes in, table out), so it also builds for wasm.
#include "imc/result.h"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imc {

struct CsvRow {
  size_t line = 0;                 // 1-based line of the file where the record starts
  std::vector<std::string> fields; // as many as the header has columns
};

struct CsvTable {
  std::vector<std::string> header; // names, spaces trimmed; unique except unnamed ("") ones
  std::vector<CsvRow> rows;        // data records, header excluded

  // Index of the column named `name` (exact match), or nullopt.
  std::optional<size_t> column(std::string_view name) const;
  bool has_column(std::string_view name) const { return column(name).has_value(); }
  // The field of `row` in column `name`, or "" when the table has no such column.
  const std::string &field(const CsvRow &row, std::string_view name) const;
};

// Parses RFC 4180 text: fields separated by commas, records by CRLF or LF; a field in double
// quotes may hold commas, line breaks and doubled quotes (""). A UTF-8 byte-order mark at the
// start is skipped, and so are empty lines (spreadsheets leave them at the end). The first
// record is the header.
//
// Errors (Error::file = `source`, Error::pointer = "line N"): an empty file; a column name used
// twice (unnamed columns, such as the index column some tools write first, are allowed); a quote
// inside an unquoted field; text after a closing quote; a quoted field still open at the end of
// the file (named at the line where it opened); a record whose field count differs from the
// header's. Every error is reported, not only the first.
Result<CsvTable> parse_csv(std::string_view text, std::string_view source);

} // namespace imc

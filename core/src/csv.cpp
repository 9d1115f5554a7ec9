// RFC 4180 reader: one pass over the bytes, tracking the line where each record starts.
#include "imc/csv.h"

#include <map>

namespace imc {

namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr size_t kMaxQuotedBytes = 40; // enough of a field to recognise it in a message

std::string quoted_excerpt(std::string_view s) {
  if (s.size() <= kMaxQuotedBytes) return "\"" + std::string(s) + "\"";
  size_t cut = kMaxQuotedBytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut; // whole UTF-8
  return "\"" + std::string(s.substr(0, cut)) + "...\"";
}

std::string trimmed(std::string_view s) {
  const size_t begin = s.find_first_not_of(" \t");
  if (begin == s.npos) return "";
  const size_t end = s.find_last_not_of(" \t");
  return std::string(s.substr(begin, end - begin + 1));
}

class CsvReader {
public:
  CsvReader(std::string_view text, std::string_view source, Errors &errors)
      : text_(text), source_(source), errors_(errors) {
    if (text_.substr(0, kUtf8Bom.size()) == kUtf8Bom) pos_ = kUtf8Bom.size();
  }

  // The records of the file; malformed ones are reported and left out.
  std::vector<CsvRow> records() {
    std::vector<CsvRow> out;
    while (!at_end()) {
      if (line_break_length() > 0) { // an empty line
        skip_line_break();
        continue;
      }
      CsvRow record;
      record.line = line_;
      if (read_record(record.fields)) out.push_back(std::move(record));
      if (unterminated_) break;
    }
    return out;
  }

  void report(size_t line, std::string expected, std::string found) {
    errors_.push_back({std::string(source_), "line " + std::to_string(line), std::move(expected),
                       std::move(found)});
  }

private:
  bool at_end() const { return pos_ >= text_.size(); }

  // 2 for CRLF, 1 for LF, 0 when not at a line break. A lone CR is data.
  size_t line_break_length() const {
    if (at_end()) return 0;
    if (text_[pos_] == '\n') return 1;
    if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') return 2;
    return 0;
  }

  void skip_line_break() {
    pos_ += line_break_length();
    ++line_;
  }

  bool at_field_end() const { return at_end() || text_[pos_] == ',' || line_break_length() > 0; }

  // Reads fields up to the end of the record; false when the record is malformed.
  bool read_record(std::vector<std::string> &fields) {
    bool ok = true;
    for (;;) {
      std::string field;
      const bool quoted = !at_end() && text_[pos_] == '"';
      ok = (quoted ? read_quoted(field) : read_unquoted(field)) && ok;
      fields.push_back(std::move(field));
      if (unterminated_) return false;
      if (!at_end() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (!at_end()) skip_line_break();
      return ok;
    }
  }

  bool read_unquoted(std::string &field) {
    const size_t begin = pos_;
    while (!at_field_end()) ++pos_;
    field.assign(text_.substr(begin, pos_ - begin));
    if (field.find('"') == std::string::npos) return true;
    report(line_, "a field holding a quote (\") to be quoted, with the quote doubled",
           quoted_excerpt(field));
    return false;
  }

  bool read_quoted(std::string &field) {
    const size_t opened_on = line_;
    ++pos_; // the opening quote
    for (;;) {
      if (at_end()) {
        report(opened_on, "a closing quote for the field that opens on this line",
               "the end of the file");
        unterminated_ = true;
        return false;
      }
      const char c = text_[pos_];
      if (c == '"') {
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
          field += '"';
          pos_ += 2;
          continue;
        }
        ++pos_; // the closing quote
        break;
      }
      if (c == '\n') ++line_;
      field += c;
      ++pos_;
    }
    if (at_field_end()) return true;
    const size_t begin = pos_;
    while (!at_field_end()) ++pos_;
    report(line_, "a comma or the end of the line after a closing quote",
           quoted_excerpt(text_.substr(begin, pos_ - begin)));
    return false;
  }

  std::string_view text_;
  std::string_view source_;
  Errors &errors_;
  size_t pos_ = 0;
  size_t line_ = 1;
  bool unterminated_ = false;
};

} // namespace

std::optional<size_t> CsvTable::column(std::string_view name) const {
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  return std::nullopt;
}

const std::string &CsvTable::field(const CsvRow &row, std::string_view name) const {
  static const std::string kEmpty;
  const auto index = column(name);
  if (!index || *index >= row.fields.size()) return kEmpty;
  return row.fields[*index];
}

Result<CsvTable> parse_csv(std::string_view text, std::string_view source) {
  Errors errors;
  CsvReader reader(text, source, errors);
  std::vector<CsvRow> records = reader.records();
  if (records.empty()) {
    if (errors.empty())
      errors.push_back(
          {std::string(source), "", "a header line naming the columns", "an empty file"});
    return errors;
  }

  CsvTable table;
  const CsvRow &header = records.front();
  std::map<std::string, size_t> first_index;
  for (size_t i = 0; i < header.fields.size(); ++i) {
    std::string name = trimmed(header.fields[i]);
    if (!name.empty()) {
      const auto [it, inserted] = first_index.emplace(name, i + 1);
      if (!inserted)
        reader.report(header.line, "each column name once",
                      quoted_excerpt(name) + " in columns " + std::to_string(it->second) + " and " +
                          std::to_string(i + 1));
    }
    table.header.push_back(std::move(name));
  }
  for (size_t r = 1; r < records.size(); ++r) {
    CsvRow &row = records[r];
    if (row.fields.size() != table.header.size()) {
      reader.report(row.line,
                    std::to_string(table.header.size()) + " fields (one per column of the header)",
                    std::to_string(row.fields.size()));
      continue;
    }
    table.rows.push_back(std::move(row));
  }
  if (!errors.empty()) return errors;
  return table;
}

} // namespace imc

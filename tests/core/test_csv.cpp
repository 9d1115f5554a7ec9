// parse_csv: RFC 4180 tables for dataset metadata.
#include "imc/csv.h"

#include <gtest/gtest.h>

namespace imc {
namespace {

CsvTable parsed(std::string_view text) {
  auto table = parse_csv(text, "t.csv");
  EXPECT_TRUE(table.ok()) << (table.ok() ? "" : format_errors(table.errors()));
  return table.ok() ? std::move(table).value() : CsvTable{};
}

Errors errors_of(std::string_view text) {
  auto table = parse_csv(text, "t.csv");
  EXPECT_FALSE(table.ok());
  return table.ok() ? Errors{} : table.errors();
}

TEST(Csv, ReadsHeaderAndRowsWithTheirLines) {
  const CsvTable t = parsed("a,b\n1,2\n3,4\n");
  EXPECT_EQ(t.header, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0].fields, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(t.rows[0].line, 2u);
  EXPECT_EQ(t.rows[1].line, 3u);
}

TEST(Csv, QuotedFieldsHoldCommasQuotesAndLineBreaks) {
  const CsvTable t = parsed("name,note\r\n\"Smith, J\",\"said \"\"hi\"\"\"\r\n"
                            "x,\"two\r\nlines\"\r\ny,after\r\n");
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_EQ(t.rows[0].fields[0], "Smith, J");
  EXPECT_EQ(t.rows[0].fields[1], "said \"hi\"");
  EXPECT_EQ(t.rows[1].fields[1], "two\r\nlines");
  EXPECT_EQ(t.rows[2].line, 5u) << "the line break inside the quoted field counts";
}

TEST(Csv, LastRecordNeedsNoLineBreakAndEmptyFieldsStayEmpty) {
  const CsvTable t = parsed("a,b,c\n,,\n1,,\"\"");
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0].fields, (std::vector<std::string>{"", "", ""}));
  EXPECT_EQ(t.rows[1].fields, (std::vector<std::string>{"1", "", ""}));
}

TEST(Csv, SkipsByteOrderMarkAndEmptyLines) {
  const CsvTable t = parsed("\xEF\xBB\xBFid,x\n\n1,2\n\n\n");
  EXPECT_EQ(t.header[0], "id");
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0].line, 3u);
}

TEST(Csv, LooksUpFieldsByColumnName) {
  const CsvTable t = parsed("id, diagnosis \n7,nevus\n");
  EXPECT_EQ(t.column("diagnosis"), 1u) << "header names are trimmed";
  EXPECT_FALSE(t.column("age").has_value());
  EXPECT_EQ(t.field(t.rows[0], "diagnosis"), "nevus");
  EXPECT_EQ(t.field(t.rows[0], "age"), "");
}

TEST(Csv, AllowsUnnamedColumnsSuchAsAnIndex) {
  const CsvTable t = parsed(",id\n0,a\n");
  EXPECT_EQ(t.field(t.rows[0], "id"), "a");
}

TEST(Csv, EmptyFileIsAnError) {
  const Errors errors = errors_of("");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message(),
            "t.csv: expected a header line naming the columns, found an empty file");
}

TEST(Csv, DuplicateColumnNameIsAnError) {
  const Errors errors = errors_of("id,age,id\n1,2,3\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message(),
            "t.csv: line 1: expected each column name once, found \"id\" in columns 1 and 3");
}

TEST(Csv, WrongFieldCountNamesTheLine) {
  const Errors errors = errors_of("a,b\n1,2\n1,2,3\n4\n");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].message(),
            "t.csv: line 3: expected 2 fields (one per column of the header), found 3");
  EXPECT_EQ(errors[1].pointer, "line 4");
}

TEST(Csv, UnclosedQuoteNamesTheLineWhereItOpened) {
  const Errors errors = errors_of("a,b\n1,2\n3,\"open\nstill open\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].pointer, "line 3");
  EXPECT_EQ(errors[0].found, "the end of the file");
}

TEST(Csv, QuoteInsideUnquotedFieldIsAnError) {
  const Errors errors = errors_of("a,b\n1,5\" screen\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].pointer, "line 2");
  EXPECT_EQ(errors[0].found, "\"5\" screen\"");
}

TEST(Csv, TextAfterClosingQuoteIsAnError) {
  const Errors errors = errors_of("a,b\n\"x\"y,2\n3,4\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(
      errors[0].message(),
      "t.csv: line 2: expected a comma or the end of the line after a closing quote, found \"y\"");
}

TEST(Csv, ReportsEveryBadLine) {
  const Errors errors = errors_of("a,b\n1\n2\n3,4\n5\n");
  EXPECT_EQ(errors.size(), 3u);
}

} // namespace
} // namespace imc

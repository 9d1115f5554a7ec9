// Every command and subcommand answers --help with exit 0; a group without a command is a usage
// error (exit 2).
#include "cli_test_support.h"

namespace imc::test {
namespace {

class CliHelp : public ::testing::TestWithParam<std::vector<std::string>> {};

TEST_P(CliHelp, ExitsZeroWithUsage) {
  std::vector<std::string> args = GetParam();
  args.push_back("--help");
  const auto r = run_imc(args);
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "Usage")) << r.out;
}

INSTANTIATE_TEST_SUITE_P(Commands, CliHelp,
                         ::testing::Values(std::vector<std::string>{},
                                           std::vector<std::string>{"pack"},
                                           std::vector<std::string>{"pack", "validate"},
                                           std::vector<std::string>{"pack", "info"},
                                           std::vector<std::string>{"pack", "import"},
                                           std::vector<std::string>{"transcript"},
                                           std::vector<std::string>{"transcript", "validate"},
                                           std::vector<std::string>{"serve"}));

TEST(CliUsage, GroupWithoutCommandIsBadInput) {
  for (const char *group : {"pack", "transcript"}) {
    const auto r = run_imc({group});
    EXPECT_EQ(r.exit_code, 2) << group << ": " << describe(r);
  }
}

TEST(CliUsage, ImportHelpListsItsOptionsAndDefaults) {
  const auto r = run_imc({"pack", "import", "--help"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  for (const char *option : {"--metadata", "--images", "--out", "--max-side", "--quality", "--name",
                             "--title", "--dataset", "--force", "1024", "90"})
    EXPECT_TRUE(contains(r.out, option)) << option << " missing from\n" << r.out;
}

TEST(CliUsage, OutOfRangeQualityIsBadInput) {
  const auto r = run_imc(
      {"pack", "import", "--metadata", "m.csv", "--images", ".", "--out", "o", "--quality", "0"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "--quality")) << r.err;
}

} // namespace
} // namespace imc::test

// FsPackFiles: reads inside the pack folder and nowhere else.
#include "cli_test_support.h"

#include "fs_pack_files.h"

namespace imc::test {
namespace {

class FsPackFilesTest : public ::testing::Test {
protected:
  void SetUp() override {
    write_text(root / "cases/a.json", "{}");
    write_text(fs::path(dir.path()) / "secret.txt", "secret");
  }
  TempDir dir;
  fs::path root = fs::path(dir.path()) / "pack";
};

TEST_F(FsPackFilesTest, ReadsAFileOfThePack) {
  cli::FsPackFiles files(root);
  auto bytes = files.read("cases/a.json");
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, "{}");
}

TEST_F(FsPackFilesTest, MissingFileIsNamedRelativeToThePack) {
  cli::FsPackFiles files(root);
  auto bytes = files.read("cases/b.json");
  ASSERT_FALSE(bytes.ok());
  EXPECT_EQ(bytes.errors()[0].message(), "cases/b.json: no such file");
}

TEST_F(FsPackFilesTest, RefusesPathsThatLeaveThePack) {
  cli::FsPackFiles files(root);
  for (const char *path : {"../secret.txt", "cases/../../secret.txt", "/etc/passwd", "",
                           "cases//a.json", "./cases/a.json", "cases\\a.json"}) {
    auto bytes = files.read(path);
    ASSERT_FALSE(bytes.ok()) << path;
    EXPECT_EQ(bytes.errors()[0].found, "a path that leaves it") << path;
  }
}

TEST_F(FsPackFilesTest, RefusesSymbolicLinksLeadingOutside) {
  fs::create_symlink(fs::path(dir.path()) / "secret.txt", root / "cases/link.json");
  fs::create_directory_symlink(dir.path(), root / "up");
  cli::FsPackFiles files(root);
  for (const char *path : {"cases/link.json", "up/secret.txt"}) {
    auto bytes = files.read(path);
    ASSERT_FALSE(bytes.ok()) << path;
    EXPECT_EQ(bytes.errors()[0].found, "a symbolic link that leads outside it") << path;
  }
}

TEST_F(FsPackFilesTest, FollowsSymbolicLinksThatStayInside) {
  fs::create_symlink("a.json", root / "cases/alias.json");
  cli::FsPackFiles files(root);
  auto bytes = files.read("cases/alias.json");
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, "{}");
}

TEST_F(FsPackFilesTest, PackRootReachedThroughASymlinkStillWorks) {
  fs::create_directory_symlink(root, fs::path(dir.path()) / "linked-pack");
  cli::FsPackFiles files(fs::path(dir.path()) / "linked-pack");
  EXPECT_TRUE(files.read("cases/a.json").ok());
}

TEST_F(FsPackFilesTest, FolderIsNotAFile) {
  cli::FsPackFiles files(root);
  auto bytes = files.read("cases");
  ASSERT_FALSE(bytes.ok());
  EXPECT_EQ(bytes.errors()[0].found, "a folder, not a file");
}

TEST(PackFolderDisplay, NamesFilesUnderTheFolderAsWritten) {
  cli::FsPackFiles files("assets/demo/");
  EXPECT_EQ(files.display_path("cases/x.json"), "assets/demo/cases/x.json");
  EXPECT_EQ(cli::FsPackFiles(".").display_path("cases/x.json"), "cases/x.json");
  const Errors errors = cli::with_folder({Error{"cases/x.json", "/id", "a", "b"}}, "assets/demo/");
  EXPECT_EQ(errors[0].message(), "assets/demo/cases/x.json: /id: expected a, found b");
}

} // namespace
} // namespace imc::test

// Randomised robustness: valid documents, mutated at the JSON level (keys deleted, types changed,
// values swapped) and at the byte level (truncated, flipped, spliced), never crash a parser; a
// rejection always explains itself, and anything accepted survives a serialisation round trip.
#include "core/format_registry.h"
#include "core/format_test_support.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

namespace imc {
namespace {

namespace fs = std::filesystem;
using test::OrderedJson;
using Rng = std::mt19937;

constexpr uint32_t kSeed = 20261127; // fixed: a failure must reproduce
constexpr int kIterationsPerFixture = 400;

size_t pick(Rng &rng, size_t count) {
  return std::uniform_int_distribution<size_t>(0, count - 1)(rng);
}

void collect_pointers(const OrderedJson &node, const std::string &pointer,
                      std::vector<std::string> &out) {
  out.push_back(pointer);
  if (node.is_object())
    for (const auto &item : node.items())
      collect_pointers(item.value(), pointer + "/" + item.key(), out);
  else if (node.is_array())
    for (size_t i = 0; i < node.size(); ++i)
      collect_pointers(node[i], pointer + "/" + std::to_string(i), out);
}

OrderedJson random_value(Rng &rng) {
  switch (pick(rng, 14)) {
  case 0:
    return nullptr;
  case 1:
    return true;
  case 2:
    return 0;
  case 3:
    return -1;
  case 4:
    return 1.5;
  case 5:
    return 1e300;
  case 6:
    return std::numeric_limits<uint64_t>::max();
  case 7:
    return "";
  case 8:
    return "maybe";
  case 9:
    return "../../etc/passwd";
  case 10:
    return std::string(300, 'z');
  case 11:
    return OrderedJson::array({1, "two", nullptr});
  case 12:
    return OrderedJson::object({{"unexpected", 1}});
  default:
    return "2026-11-27T10:00:00.000Z";
  }
}

// One structural edit. Keys in the fixtures need no pointer escaping.
void mutate_json(OrderedJson &doc, Rng &rng) {
  std::vector<std::string> pointers;
  collect_pointers(doc, "", pointers);
  const std::string target = pointers[pick(rng, pointers.size())];
  if (target.empty())
    return; // the root: leave it, the other edits cover it
  const OrderedJson::json_pointer p(target);
  OrderedJson &parent = doc[p.parent_pointer()];
  switch (pick(rng, 5)) {
  case 0: // delete a key or an element
    if (parent.is_object())
      parent.erase(p.back());
    else
      parent.erase(std::stoul(p.back()));
    break;
  case 1:
    doc[p] = random_value(rng);
    break;  // change type or value
  case 2: { // swap with another node's value
    const std::string other = pointers[pick(rng, pointers.size())];
    if (other.empty() || other.rfind(target, 0) == 0 || target.rfind(other, 0) == 0)
      break;
    const OrderedJson::json_pointer q(other);
    std::swap(doc[p], doc[q]);
    break;
  }
  case 3: // add a misspelt sibling key
    if (parent.is_object())
      parent[p.back() + "x"] = doc[p];
    break;
  default: // duplicate an array element (breaks turn indexes, unique ids, ...)
    if (parent.is_array())
      parent.push_back(doc[p]);
    break;
  }
}

void mutate_bytes(std::string &text, Rng &rng) {
  if (text.empty()) {
    text = "{";
    return;
  }
  const size_t at = pick(rng, text.size());
  switch (pick(rng, 5)) {
  case 0:
    text.resize(at);
    break; // truncate
  case 1:
    text[at] = char(text[at] ^ (1 << pick(rng, 8)));
    break; // flip a bit
  case 2:
    text.insert(at, 1, char(pick(rng, 256)));
    break; // insert a byte
  case 3:
    text.erase(at, 1 + pick(rng, 16));
    break; // delete a range
  default:
    text.insert(at, text.substr(pick(rng, text.size()), 1 + pick(rng, 24)));
    break;
  }
}

struct Tally {
  int accepted = 0;
  int rejected = 0;
};

void check_outcome(const test::FormatKind &kind, const std::string &text, const std::string &source,
                   Tally &tally) {
  test::ParseOutcome outcome;
  try {
    outcome = kind.run(text, source);
  } catch (const std::exception &e) {
    FAIL() << kind.name << " parser threw " << e.what() << " on:\n" << text;
  }
  if (outcome.ok) {
    ++tally.accepted;
    EXPECT_TRUE(outcome.round_trips) << kind.name << " accepted but did not round-trip:\n" << text;
    return;
  }
  ++tally.rejected;
  ASSERT_FALSE(outcome.errors.empty()) << kind.name << " failed without errors:\n" << text;
  for (const auto &e : outcome.errors) {
    EXPECT_FALSE(e.message().empty());
    EXPECT_EQ(e.file, source);
    EXPECT_FALSE(e.expected.empty() && e.found.empty()) << e.message();
  }
}

TEST(FormatMutation, MutatedValidDocumentsNeverCrashAndAlwaysExplainRejection) {
  Rng rng(kSeed);
  Tally tally;
  const fs::path valid = test::formats_dir() + "/valid";
  std::vector<fs::path> fixtures;
  for (const auto &entry : fs::directory_iterator(valid))
    fixtures.push_back(entry.path());
  std::sort(fixtures.begin(), fixtures.end());
  ASSERT_FALSE(fixtures.empty());
  for (const auto &path : fixtures) {
    const auto *kind = test::format_of(path.filename().string());
    ASSERT_NE(kind, nullptr) << path;
    const std::string original = test::read_file(path.string());
    const auto parsed = OrderedJson::parse(original);
    for (int i = 0; i < kIterationsPerFixture; ++i) {
      std::string text;
      if (pick(rng, 2) == 0) {
        OrderedJson doc = parsed;
        for (size_t edits = 1 + pick(rng, 3); edits > 0; --edits)
          mutate_json(doc, rng);
        text = pick(rng, 2) ? doc.dump(2) : doc.dump();
      } else {
        text = original;
        for (size_t edits = 1 + pick(rng, 3); edits > 0; --edits)
          mutate_bytes(text, rng);
      }
      check_outcome(*kind, text, path.filename().string(), tally);
      if (HasFatalFailure())
        return;
    }
  }
  // Most mutations must break a document; some (an optional key deleted) leave it valid.
  EXPECT_GT(tally.rejected, tally.accepted);
  EXPECT_GT(tally.accepted, 0);
}

TEST(FormatMutation, RandomBytesNeverCrashAnyParser) {
  Rng rng(kSeed + 1);
  Tally tally;
  const std::string alphabet = "{}[]\":,0123456789.eE+-truefalsnl \n\\u\xC3\xA9\xFF";
  for (int i = 0; i < 2000; ++i) {
    std::string text;
    for (size_t n = pick(rng, 64); n > 0; --n)
      text += alphabet[pick(rng, alphabet.size())];
    for (const auto &kind : test::format_kinds())
      check_outcome(kind, text, "random.json", tally);
    if (HasFatalFailure())
      return;
  }
  EXPECT_GT(tally.rejected, 0);
}

} // namespace
} // namespace imc

// The hidden-facts policy: a fact is revealable once a clinician turn contains one of its
// triggers, case-insensitively and on word boundaries.
#include "imc/hidden_facts.h"

#include "core/test_conversation_support.h"

#include <gtest/gtest.h>

namespace imc {
namespace {

std::vector<std::string> ids(const std::vector<const HiddenFact *> &facts) {
  std::vector<std::string> out;
  for (const auto *f : facts)
    out.push_back(f->id);
  return out;
}

TEST(HiddenFactTrigger, MatchesWholeWordsCaseInsensitively) {
  EXPECT_TRUE(contains_trigger("Has it CHANGED recently?", "changed"));
  EXPECT_TRUE(contains_trigger("sun", "sun"));
  EXPECT_TRUE(contains_trigger("Any Sun exposure", "SUN"));
  EXPECT_FALSE(contains_trigger("See you on Sunday", "sun"));
  EXPECT_FALSE(contains_trigger("unchanged", "changed"));
  EXPECT_FALSE(contains_trigger("newer", "new"));
}

TEST(HiddenFactTrigger, PunctuationApostrophesAndHyphensAreBoundaries) {
  EXPECT_TRUE(contains_trigger("Your father's health?", "father"));
  EXPECT_TRUE(contains_trigger("any sun-damaged skin", "sun"));
  EXPECT_TRUE(contains_trigger("(itch)", "itch"));
  EXPECT_TRUE(contains_trigger("Itch.", "itch"));
  EXPECT_FALSE(contains_trigger("sun2", "sun"));
}

TEST(HiddenFactTrigger, MultiWordTriggersMatchAnyWhitespaceBetweenWords) {
  EXPECT_TRUE(contains_trigger("Does skin cancer run or RUNS  IN\nyour family?", "runs in"));
  EXPECT_TRUE(contains_trigger("it runs\tin families", " runs in "));
  EXPECT_FALSE(contains_trigger("it runs into trouble", "runs in"));
  EXPECT_FALSE(contains_trigger("reruns in", "runs in"));
}

TEST(HiddenFactTrigger, AccentedLatinLettersFoldCaseAndCountAsLetters) {
  EXPECT_TRUE(contains_trigger("Alguém na FAMÍLIA teve isso?", "família"));
  EXPECT_TRUE(contains_trigger("ÉTÉ", "été"));
  EXPECT_FALSE(contains_trigger("famílias", "família"));
}

TEST(HiddenFactTrigger, EmptyOrBlankTriggersNeverMatch) {
  EXPECT_FALSE(contains_trigger("anything at all", ""));
  EXPECT_FALSE(contains_trigger("anything at all", "   "));
}

TEST(HiddenFactPolicy, DemoCaseFactsUnlockOnlyByTheirTopics) {
  const Case c = test::demo_case();
  const auto &facts = c.hidden_facts;
  EXPECT_TRUE(ids(revealable_facts(facts, std::vector<std::string>{})).empty());
  EXPECT_TRUE(
      ids(revealable_facts(facts, {"Thank you for sharing the photo. How are you?"})).empty());
  EXPECT_EQ(ids(revealable_facts(facts, {"Has the mark changed at all?"})),
            std::vector<std::string>{"recent-change"});
  EXPECT_EQ(ids(revealable_facts(facts, {"Does anyone in your family have skin cancer?",
                                         "Do you get sunburnt easily?"})),
            (std::vector<std::string>{"father-melanoma", "sunburn-sunbeds"}));
  EXPECT_EQ(ids(revealable_facts(facts, {"Is it itchy, or has it bled?"})),
            std::vector<std::string>{"itch"});
}

TEST(HiddenFactPolicy, OnlyClinicianTurnsUnlockFacts) {
  const Case c = test::demo_case();
  std::vector<Turn> turns(3);
  turns[0].role = Role::patient;
  turns[0].text = "My family says it changed and I had sunburns."; // the patient's own words
  turns[1].role = Role::clinician;
  turns[1].text = "Does it itch?";
  turns[2].role = Role::patient;
  turns[2].text = "A bit.";
  EXPECT_EQ(ids(revealable_facts_after(c.hidden_facts, turns)), std::vector<std::string>{"itch"});
}

TEST(HiddenFactPolicy, AsksAboutUsesAnyTrigger) {
  HiddenFact fact{"f", "travel", {"abroad", "travelled"}, "I was in Spain."};
  EXPECT_TRUE(asks_about("Have you been ABROAD lately?", fact));
  EXPECT_TRUE(asks_about("Travelled anywhere?", fact));
  EXPECT_FALSE(asks_about("Any travel?", fact));
}

} // namespace
} // namespace imc

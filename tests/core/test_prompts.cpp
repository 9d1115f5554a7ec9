// Prompt templates: the placeholder syntax, the embedded assets, and what each role's prompt may
// contain.
#include "imc/hidden_facts.h"
#include "imc/prompts.h"
#include "imc/sha256.h"

#include "core/test_conversation_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace imc {
namespace {

using test::demo_case;
using test::read_source_file;
using ::testing::HasSubstr;
using ::testing::Not;

PromptTemplate tmpl(std::string text) { return {"t", 1, std::move(text)}; }

std::string render_ok(const std::string &text, const PromptVariables &vars) {
  auto r = render_prompt(tmpl(text), vars);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : format_errors(r.errors()));
  return r.ok() ? r.value() : "";
}

TEST(PromptRender, SubstitutesVariablesVerbatim) {
  EXPECT_EQ(
      render_ok("Hello {{name}}, {{ persona.mood }}!", {{"name", "Ann"}, {"persona.mood", "calm"}}),
      "Hello Ann, calm!");
}

TEST(PromptRender, ValuesAreNeverRescannedForTags) {
  EXPECT_EQ(render_ok("{{a}}", {{"a", "{{b}}"}}), "{{b}}");
}

TEST(PromptRender, SectionKeepsWhenNonEmptyInvertedWhenEmpty) {
  const std::string text = "A{{#x}}[x={{x}}]{{/x}}{{^x}}[no x]{{/x}}B";
  EXPECT_EQ(render_ok(text, {{"x", "1"}}), "A[x=1]B");
  EXPECT_EQ(render_ok(text, {{"x", ""}}), "A[no x]B");
}

TEST(PromptRender, StandaloneTagLinesDisappearWithTheirLineBreak) {
  const std::string text =
      "one\n{{! a comment }}\n  {{#x}}  \nkept {{x}}\n{{/x}}\n{{^x}}\nno x\n{{/x}}\ntwo\n";
  EXPECT_EQ(render_ok(text, {{"x", "yes"}}), "one\nkept yes\ntwo\n");
  EXPECT_EQ(render_ok(text, {{"x", ""}}), "one\nno x\ntwo\n");
}

TEST(PromptRender, InlineSectionsKeepTheirLine) {
  EXPECT_EQ(render_ok("- a: {{#x}}{{x}}{{/x}}{{^x}}none{{/x}}\n", {{"x", ""}}), "- a: none\n");
}

TEST(PromptRender, SectionsNest) {
  const std::string text = "{{#a}}A{{#b}}B{{/b}}{{^b}}-{{/b}}{{/a}}";
  EXPECT_EQ(render_ok(text, {{"a", "1"}, {"b", "1"}}), "AB");
  EXPECT_EQ(render_ok(text, {{"a", "1"}, {"b", ""}}), "A-");
  EXPECT_EQ(render_ok(text, {{"a", ""}, {"b", "1"}}), "");
}

TEST(PromptRender, UnknownVariableIsAnErrorEvenInASkippedSection) {
  auto r = render_prompt(tmpl("ok\n{{#on}}{{typo}}{{/on}}"), {{"on", ""}});
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.errors().size(), 1u);
  EXPECT_EQ(r.errors()[0].file, "prompt t.v1");
  EXPECT_EQ(r.errors()[0].pointer, "line 2");
  EXPECT_EQ(r.errors()[0].found, "\"typo\"");
}

TEST(PromptRender, ReportsEveryStructuralError) {
  auto r = render_prompt(tmpl("{{#a}}\n{{/b}}\n{{/c}}\n{{#d}}\n{{ Bad }}\n{{open\n"),
                         {{"a", "1"}, {"b", ""}, {"c", ""}, {"d", ""}});
  ASSERT_FALSE(r.ok());
  const std::string all = format_errors(r.errors());
  EXPECT_THAT(all, HasSubstr("line 2: expected {{/a}} (opened on line 1)"));
  EXPECT_THAT(all, HasSubstr("line 3: expected a closing tag only after its opening tag"));
  EXPECT_THAT(all, HasSubstr("line 4: expected {{/d}} closing the section"));
  EXPECT_THAT(all, HasSubstr("line 5: expected a variable name"));
  EXPECT_THAT(all, HasSubstr("line 6: expected a tag closed by }} on the same line"));
}

TEST(PromptTemplates, BuiltinsAreTheAssetFilesByteForByte) {
  const PromptTemplates &p = builtin_prompts();
  EXPECT_EQ(p.clinician_system.name, "clinician_system");
  EXPECT_EQ(p.patient_system.name, "patient_system");
  for (const PromptTemplate *t : {&p.clinician_system, &p.patient_system}) {
    const std::string file =
        "assets/prompts/" + t->name + ".v" + std::to_string(t->version) + ".txt";
    EXPECT_EQ(t->text, read_source_file(file)) << file;
    EXPECT_EQ(t->hash(), "sha256:" + sha256_hex(read_source_file(file)));
  }
  ASSERT_NE(find_builtin_prompt("clinician_system", 1), nullptr);
  EXPECT_EQ(find_builtin_prompt("clinician_system", 1)->text,
            read_source_file("assets/prompts/clinician_system.v1.txt"));
  EXPECT_EQ(find_builtin_prompt("clinician_system", 999), nullptr);
  EXPECT_GE(builtin_prompt_files().size(), 2u);
}

TEST(PromptClinician, FullConditionShowsTheRecordAndTheImageButNeverTheLabels) {
  const Case c = demo_case();
  auto r = render_prompt(builtin_prompts().clinician_system,
                         clinician_prompt_variables(c, Condition{true, true}));
  ASSERT_TRUE(r.ok()) << format_errors(r.errors());
  EXPECT_THAT(*r, HasSubstr(c.profile.chief_complaint));
  EXPECT_THAT(*r, HasSubstr("Amlodipine 5 mg once daily; Levothyroxine"));
  EXPECT_THAT(*r, HasSubstr("Penicillin (rash)"));
  EXPECT_THAT(*r, HasSubstr("blood pressure 134/82 mmHg"));
  EXPECT_THAT(*r, HasSubstr("attached to their first message"));
  EXPECT_THAT(*r, HasSubstr("[END CONSULTATION]"));
  EXPECT_THAT(*r, Not(HasSubstr(c.labels.diagnosis)));
  EXPECT_THAT(*r, Not(HasSubstr("{{")));
  for (const auto &fact : c.hidden_facts)
    EXPECT_THAT(*r, Not(HasSubstr(fact.fact)));
}

TEST(PromptClinician, WithoutEhrTheProfileIsAbsentAndTheImageLineFollowsTheCondition) {
  const Case c = demo_case();
  for (const Condition condition : {Condition{true, false}, Condition{false, false}}) {
    const PromptVariables vars = clinician_prompt_variables(c, condition);
    for (const auto &[name, value] : vars) {
      if (name.rfind("profile.", 0) == 0) {
        EXPECT_EQ(value, "") << name;
      }
    }
    auto r = render_prompt(builtin_prompts().clinician_system, vars);
    ASSERT_TRUE(r.ok()) << format_errors(r.errors());
    EXPECT_THAT(*r, Not(HasSubstr(c.profile.chief_complaint)));
    EXPECT_THAT(*r, Not(HasSubstr("Amlodipine")));
    EXPECT_THAT(*r, Not(HasSubstr("retired primary school teacher")));
    EXPECT_THAT(*r, Not(HasSubstr("Health record of this patient")));
    EXPECT_THAT(*r, HasSubstr("You have no health record"));
    EXPECT_EQ(r->find("attached to their first message") != std::string::npos, condition.image);
    EXPECT_EQ(r->find("you cannot see any image") != std::string::npos, !condition.image);
  }
}

TEST(PromptPatient, HasPersonaAndProfileButNeverDiagnosisOrLockedFacts) {
  const Case c = demo_case();
  auto r = render_prompt(builtin_prompts().patient_system, patient_prompt_variables(c, {}));
  ASSERT_TRUE(r.ok()) << format_errors(r.errors());
  EXPECT_THAT(*r, HasSubstr(c.persona.opening_statement));
  EXPECT_THAT(*r, HasSubstr("You feel anxious."));
  EXPECT_THAT(*r, HasSubstr("language tag en"));
  EXPECT_THAT(*r, HasSubstr("about as much about health as most people"));
  EXPECT_THAT(*r, Not(HasSubstr("very little about medicine")));
  EXPECT_THAT(*r, HasSubstr(c.profile.chief_complaint));
  EXPECT_THAT(*r, HasSubstr("[END]"));
  EXPECT_THAT(*r, Not(HasSubstr(c.labels.diagnosis)));
  EXPECT_THAT(*r, Not(HasSubstr("The clinician has asked about")));
  for (const auto &fact : c.hidden_facts) {
    EXPECT_THAT(*r, Not(HasSubstr(fact.fact)));
    EXPECT_THAT(*r, Not(HasSubstr(fact.topic)));
  }
}

TEST(PromptPatient, RevealedFactsAppearAsTheirTextOnly) {
  const Case c = demo_case();
  const std::vector<const HiddenFact *> revealed{&c.hidden_facts[1]}; // father-melanoma
  auto r = render_prompt(builtin_prompts().patient_system, patient_prompt_variables(c, revealed));
  ASSERT_TRUE(r.ok()) << format_errors(r.errors());
  EXPECT_THAT(*r, HasSubstr("The clinician has asked about the following"));
  EXPECT_THAT(*r, HasSubstr("- " + c.hidden_facts[1].fact));
  EXPECT_THAT(*r, Not(HasSubstr(c.hidden_facts[1].topic)));
  EXPECT_THAT(*r, Not(HasSubstr(c.hidden_facts[0].fact)));
}

// Every demo case renders under every condition, and no prompt names the case's diagnosis
// unless the profile itself does (a case may record the same condition as past history: the
// BCC case's patient had a basal cell carcinoma removed before).
TEST(PromptTemplates, RenderForEveryDemoCaseWithoutTheDiagnosis) {
  auto manifest = parse_manifest(read_source_file("assets/demo/manifest.json"), "manifest.json");
  ASSERT_TRUE(manifest.ok());
  size_t checked = 0;
  for (const auto &path : manifest->cases) {
    auto c = parse_case(read_source_file("assets/demo/" + path), path);
    ASSERT_TRUE(c.ok()) << path;
    const Profile &p = c->profile;
    std::string profile_text =
        p.chief_complaint + p.history_of_present_illness + p.social_history + p.family_history;
    for (const auto &item : p.past_medical_history)
      profile_text += item;
    const bool profile_names_it = profile_text.find(c->labels.diagnosis) != std::string::npos;
    checked += profile_names_it ? 0 : 1;

    std::vector<std::string> prompts;
    for (const Condition condition : {Condition{true, true}, Condition{false, true},
                                      Condition{true, false}, Condition{false, false}}) {
      auto clinician = render_prompt(builtin_prompts().clinician_system,
                                     clinician_prompt_variables(*c, condition));
      ASSERT_TRUE(clinician.ok()) << path;
      prompts.push_back(*clinician);
    }
    std::vector<const HiddenFact *> all;
    for (const auto &f : c->hidden_facts)
      all.push_back(&f);
    auto patient =
        render_prompt(builtin_prompts().patient_system, patient_prompt_variables(*c, all));
    ASSERT_TRUE(patient.ok()) << path;
    prompts.push_back(*patient);
    if (profile_names_it)
      continue;
    for (const auto &prompt : prompts) {
      EXPECT_THAT(prompt, Not(HasSubstr(c->labels.diagnosis))) << path;
    }
  }
  EXPECT_GE(checked, manifest->cases.size() - 1);
}

} // namespace
} // namespace imc

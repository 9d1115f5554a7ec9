#pragma once
// Synthetic jury data (core/test_report_synthetic.h) written as `imc score` would leave it: a
// store holding the run, its complete transcripts, their verdicts and expert annotations, and
// a case pack whose labels carry the strata. Used by the report's CLI, golden and browser tests
// and by the report benchmark (bench/report_synth_store.cpp).
#include "core/test_report_synthetic.h"

#include "store/store.h"

#include "imc/casepack.h"
#include "imc/transcript.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace imc::test {

// Transcripts in one JSON Lines import (one transaction), then verdicts in batches. Transcripts
// are complete, two turns each. Returns the first failure.
inline Status write_synthetic_store(store::Store &db, const SyntheticData &d) {
  std::ostringstream lines;
  for (const SyntheticTranscript &st : d.transcripts) {
    const SyntheticClinician &k = d.spec.clinicians[st.clinician];
    Transcript t;
    t.id = st.id;
    t.case_id = d.cases[st.case_index].id;
    t.run_id = d.spec.run_id;
    t.created_at = "2026-11-27T10:00:00.000Z";
    t.provenance.kind = ProvenanceKind::model_run;
    t.clinician.endpoint = k.endpoint;
    t.clinician.model = k.model;
    t.patient.kind = PatientKind::simulated;
    t.patient.endpoint = "patient";
    t.patient.model = "patient-model";
    t.condition = *Condition::from_name(kSyntheticConditions[st.condition]);
    Turn opening;
    opening.index = 0;
    opening.role = Role::patient;
    opening.text = "Hello doctor, I have a skin lesion I am worried about.";
    Turn reply;
    reply.index = 1;
    reply.role = Role::clinician;
    reply.text = "Thank you. Let us look at it together; I recommend a dermatology review.";
    reply.finish_reason = "end_consultation";
    t.turns = {opening, reply};
    t.status.state = TranscriptState::complete;
    lines << serialize_transcript(t, false) << '\n';
  }
  std::istringstream in(lines.str());
  auto imported = db.import_jsonl(in, "synthetic.jsonl");
  if (!imported)
    return imported.errors();

  std::vector<JurorVerdict> batch;
  batch.reserve(100000);
  for (size_t i = 0; i < d.verdicts.size(); ++i) {
    const SyntheticVerdict &sv = d.verdicts[i];
    JurorVerdict v;
    v.id = "v-" + std::to_string(i);
    v.transcript_id = d.transcripts[sv.transcript].id;
    v.juror_endpoint = d.jurors[sv.juror];
    v.juror_model = d.jurors[sv.juror] + "-model";
    v.dimension = Dimension(sv.dimension);
    if (sv.score > 0) {
      v.score = sv.score;
      v.status = VerdictStatus::ok;
      v.raw_output = "{\"score\": " + std::to_string(int(sv.score)) + "}";
    } else {
      v.status = VerdictStatus::unparseable;
      v.raw_output = "once upon a time";
      v.attempts = 2;
    }
    v.rubric_hash = "sha256:" + std::string(64, '0');
    v.created_at = "2026-11-27T11:00:00.000Z";
    batch.push_back(std::move(v));
    if (batch.size() == batch.capacity() || i + 1 == d.verdicts.size()) {
      if (Status s = db.add_verdicts(batch); !s)
        return s;
      batch.clear();
    }
  }
  for (const SyntheticAnnotation &a : d.annotations) {
    ExpertAnnotation e;
    e.transcript_id = d.transcripts[a.transcript].id;
    e.annotator = "Dr. Synthetic";
    e.created_at = "2026-11-28T09:00:00.000Z";
    for (size_t dim = 0; dim < 3; ++dim)
      e.scores[dim] = a.scores[dim];
    if (auto saved = db.save_annotation(e); !saved)
      return saved.errors();
  }
  return ok_status();
}

// A case pack (manifest and one document per case, no image files: `imc report` reads labels
// only) for the synthetic cases.
inline void write_synthetic_pack(const std::filesystem::path &dir, const SyntheticData &d) {
  namespace fs = std::filesystem;
  fs::create_directories(dir / "cases");
  Manifest m;
  m.name = "synthetic";
  m.title = "Synthetic cases for report tests";
  m.version = "1.0.0";
  m.licenses.push_back(LicenseInfo{"CC0-1.0", "CC0 1.0", "https://creativecommons.org/publicdomain/zero/1.0/"});
  for (const SyntheticCase &sc : d.cases) {
    Case c;
    c.id = sc.id;
    c.title = "Synthetic case " + sc.id;
    CaseImage image;
    image.file = "images/" + sc.id + ".jpg";
    image.sha256 = std::string(64, '0');
    image.modality = sc.modality;
    image.license = "CC0-1.0";
    image.attribution = "synthetic";
    image.source = "https://example.org/synthetic";
    c.images.push_back(image);
    c.labels.diagnosis = sc.malignancy == Malignancy::malignant ? "Melanoma" : "Naevus";
    c.labels.malignancy = sc.malignancy;
    c.labels.rarity = sc.rarity;
    c.labels.category = "dermatology";
    c.profile.demographics.age_years = 50;
    c.profile.chief_complaint = "A skin lesion.";
    c.persona.opening_statement = "Hello doctor.";
    c.reference.diagnosis = c.labels.diagnosis;
    const std::string path = "cases/" + sc.id + ".json";
    std::ofstream(dir / path, std::ios::binary) << serialize_case(c);
    m.cases.push_back(path);
  }
  std::ofstream(dir / "manifest.json", std::ios::binary) << serialize_manifest(m);
}

} // namespace imc::test

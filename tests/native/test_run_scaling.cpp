// The batch-system recipes of docs/scaling/ work as written: the Kubernetes manifests parse and
// say what docs/SCALING.md says (Indexed completion, --shards equal to completions, one store per
// index on a volume, keys from a Secret), and their command lines — and the Slurm array script
// itself — run locally against the fake upstream, each shard with the index its batch system
// would give it, and merge into exactly the whole run.
#include "test_run_support.h"

#include "imc/endpoint_config.h"
#include "support/test_paths.h"

#include <gtest/gtest.h>

namespace imc::test {
namespace {

const std::string kScaling = std::string(imc::test::source_dir()) + "/docs/scaling";

// `program args` with `env` added and the shard variables removed unless given.
std::vector<std::string> with_env(const std::map<std::string, std::string> &env,
                                  std::vector<std::string> command) {
  std::vector<std::string> argv = {"/usr/bin/env"};
  for (const std::string &name : shard_variables())
    if (!env.count(name))
      argv.insert(argv.end(), {"-u", name});
  for (const auto &[name, value] : env)
    argv.push_back(name + "=" + value);
  argv.insert(argv.end(), command.begin(), command.end());
  return argv;
}

// The manifests' facts as JSON, read with Debian's python3-yaml.
const char *kReadManifests = R"PY(
import json, sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
merge = [d for d in yaml.safe_load_all(open(sys.argv[2])) if d]
by_kind = {d["kind"]: d for d in docs}
job = by_kind["Job"]
pod = job["spec"]["template"]["spec"]
container = pod["containers"][0]
merge_container = merge[0]["spec"]["template"]["spec"]["containers"][0]
print(json.dumps({
  "kinds": sorted(by_kind),
  "completion_mode": job["spec"].get("completionMode"),
  "completions": job["spec"].get("completions"),
  "parallelism": job["spec"].get("parallelism"),
  "restart_policy": pod.get("restartPolicy"),
  "command": container["command"] + container["args"],
  "secrets": [e["secretRef"]["name"] for e in container.get("envFrom", []) if "secretRef" in e],
  "mounts": {m["mountPath"]: m["name"] for m in container["volumeMounts"]},
  "volumes": {v["name"]: sorted(k for k in v if k != "name") for v in pod["volumes"]},
  "endpoints_json": by_kind["ConfigMap"]["data"]["endpoints.json"],
  "merge_kind": merge[0]["kind"],
  "merge_command": merge_container["command"] + merge_container["args"],
  "merge_mounts": [m["mountPath"] for m in merge_container["volumeMounts"]],
}))
)PY";

std::string replace_all(std::string text, const std::string &from, const std::string &to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

class ScalingRecipes : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_TRUE(demo_images_present());
    trim_pack(pack_, 2);
    model_.serve_on(fake_);
    // The recipes' endpoint names, all answered by the fake.
    write_text(config_, fake_endpoint_config(fake_.base_url(), {"gpt", "claude", "patient"}));
  }
  // 2 cases x 2 clinicians x 3 conditions, three shards: exactly once each after the merge.
  void expect_whole_run(const std::string &store) {
    const auto transcripts = all_transcripts(store);
    ASSERT_EQ(transcripts.size(), 12u);
    const auto counts = work_key_counts(transcripts);
    ASSERT_EQ(counts.size(), 12u);
    for (const auto &t : transcripts) {
      EXPECT_EQ(t.status.state, TranscriptState::complete) << t.id;
      EXPECT_EQ(t.run_id, "study-1");
    }
  }

  FakeUpstream fake_;
  FakeModel model_;
  DemoPackCopy pack_;
  const std::string config_ = pack_.temp() / "endpoints.json";
  const std::string out_ = pack_.temp() / "out";
};

TEST_F(ScalingRecipes, KubernetesIndexedJobParsesAndItsCommandRunsEachShard) {
  const auto read =
      run_process({"/usr/bin/python3", "-c", kReadManifests, kScaling + "/imc-run-indexed-job.yaml",
                   kScaling + "/imc-merge-job.yaml"});
  ASSERT_EQ(read.exit_code, 0) << describe(read);
  const auto m = nlohmann::json::parse(read.out);
  EXPECT_EQ(m["kinds"], nlohmann::json({"ConfigMap", "Job", "PersistentVolumeClaim"}));
  EXPECT_EQ(m["completion_mode"], "Indexed");
  EXPECT_EQ(m["restart_policy"], "Never");
  const int completions = m["completions"];
  EXPECT_GE(completions, 2);
  EXPECT_GE(m["parallelism"].get<int>(), 1);
  EXPECT_EQ(m["secrets"], nlohmann::json({"imc-endpoint-keys"}));
  EXPECT_EQ(m["mounts"]["/out"], "out");
  EXPECT_EQ(m["volumes"]["out"], nlohmann::json({"persistentVolumeClaim"}));
  EXPECT_EQ(m["merge_kind"], "Job");
  EXPECT_NE(std::find(m["merge_mounts"].begin(), m["merge_mounts"].end(), "/out"),
            m["merge_mounts"].end());

  std::vector<std::string> command = m["command"];
  ASSERT_GE(command.size(), 2u);
  EXPECT_EQ(command[0], "imc");
  EXPECT_EQ(command[1], "run");
  auto value_of = [&](const std::string &option) {
    const auto it = std::find(command.begin(), command.end(), option);
    return it != command.end() && it + 1 != command.end() ? *(it + 1) : std::string();
  };
  EXPECT_EQ(value_of("--shards"), std::to_string(completions));
  EXPECT_EQ(value_of("--store"), "/out/shard-$(JOB_COMPLETION_INDEX).db");

  // The ConfigMap's endpoint config is valid and names every endpoint the command uses, and
  // its keys come from variables (the Secret's keys), never values.
  const auto endpoints =
      must(parse_endpoint_config(m["endpoints_json"].get<std::string>(), "ConfigMap"));
  for (const std::string &name : {value_of("--patient"), std::string("gpt"), std::string("claude")})
    EXPECT_NE(endpoints.find(name), nullptr) << name;
  for (const Endpoint &e : endpoints.endpoints) {
    EXPECT_FALSE(e.auth.api_key_env.empty()) << e.name;
  }

  // What each pod runs, with the kubelet's $(JOB_COMPLETION_INDEX) substitution, the image's
  // paths mapped to local ones and --turns lowered to keep the test short.
  for (int index = 0; index < completions; ++index) {
    std::vector<std::string> pod;
    for (const std::string &arg : command) {
      std::string a = replace_all(arg, "$(JOB_COMPLETION_INDEX)", std::to_string(index));
      a = replace_all(a, "/opt/imc/pack", pack_.str());
      a = replace_all(a, "/etc/imc/endpoints.json", config_);
      a = replace_all(a, "/out/", out_ + "/");
      pod.push_back(a);
    }
    pod[0] = imc::test::cli_binary();
    *(std::find(pod.begin(), pod.end(), "--turns") + 1) = "2";
    fs::create_directories(out_);
    const auto r = run_process(with_env({{"JOB_COMPLETION_INDEX", std::to_string(index)}}, pod));
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_NE(r.err.find("(from JOB_COMPLETION_INDEX)"), std::string::npos) << r.err;
  }
  std::vector<std::string> merge = m["merge_command"];
  ASSERT_EQ(merge.size(), 3u);
  std::string script = replace_all(merge[2], "/out/", out_ + "/");
  script = replace_all(script, "imc ", std::string(imc::test::cli_binary()) + " ");
  const auto merged = run_process(with_env({}, {merge[0], merge[1], script}));
  ASSERT_EQ(merged.exit_code, 0) << describe(merged);
  expect_whole_run(out_ + "/all.db");
}

TEST_F(ScalingRecipes, SlurmArrayScriptRunsEachTaskAndTheMergeScriptJoinsThem) {
  const std::string sbatch = kScaling + "/imc-run-array.sbatch";
  const auto syntax = run_process({"/usr/bin/bash", "-n", sbatch});
  ASSERT_EQ(syntax.exit_code, 0) << describe(syntax);
  const std::string text = read_text(sbatch);
  ASSERT_NE(text.find("\n#SBATCH --array=0-2\n"), std::string::npos);
  EXPECT_NE(text.find("--store \"$IMC_OUT/shard-${SLURM_ARRAY_TASK_ID}.db\""), std::string::npos);

  // Each task as Slurm would start it (the array 0-2: three tasks, the first one 0).
  const std::map<std::string, std::string> settings = {
      {"IMC", imc::test::cli_binary()},
      {"IMC_PACK", pack_.str()},
      {"IMC_ENDPOINTS", config_},
      {"IMC_OUT", out_},
      {"IMC_TURNS", "2"},
      {"IMC_KEYS_FILE", pack_.temp() / "no-keys.env"}};
  for (int task = 0; task < 3; ++task) {
    auto env = settings;
    env["SLURM_ARRAY_TASK_ID"] = std::to_string(task);
    env["SLURM_ARRAY_TASK_MIN"] = "0";
    env["SLURM_ARRAY_TASK_COUNT"] = "3";
    const auto r = run_process(with_env(env, {"/usr/bin/bash", sbatch}));
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_NE(r.err.find("shard " + std::to_string(task) + "/3 (from SLURM_ARRAY_TASK_ID)"),
              std::string::npos)
        << r.err;
  }
  const auto merged = run_process(with_env({{"IMC", imc::test::cli_binary()}, {"IMC_OUT", out_}},
                                           {"/usr/bin/bash", kScaling + "/merge-shards.sh"}));
  ASSERT_EQ(merged.exit_code, 0) << describe(merged);
  EXPECT_NE(merged.out.find("transcripts: 12 (12 complete"), std::string::npos) << merged.out;
  expect_whole_run(out_ + "/all.db");
}

} // namespace
} // namespace imc::test

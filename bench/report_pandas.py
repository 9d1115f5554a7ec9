#!/usr/bin/python3
"""The aggregation of `imc report`, written with pandas: the baseline of bench/report_vs_pandas.sh.

Reads the same store (SQLite) and case pack and computes what the report's numbers need:
  - each transcript's panel mean per dimension (verdicts without a score left out) and its
    overall score (the mean of the three, only when all three exist);
  - per clinician model x condition x measure, and under `full` per stratum level (malignancy,
    rarity, modality of the first image, and "every other modality"), the mean over cases;
  - a case bootstrap with percentile intervals: each replicate draws the cases with replacement
    and recomputes every group from the same draw (the ratio estimator over cells, as in
    core/src/stats/bootstrap.cpp), so stratum deltas and ablation deltas are paired replicate
    differences;
  - agreement between jurors: Krippendorff's alpha (ordinal, interval) and Fleiss' kappa over
    (transcript, dimension) items.

The bootstrap is written the pandas way: per replicate, the cells are weighted by the number of
times their case was drawn and summed with groupby. `--numpy` replaces that step with
numpy.bincount over integer group codes (hand-vectorised; reported as a second baseline).

Python's generator differs from the kit's xoshiro256**, so intervals differ from imc's by Monte
Carlo error; point estimates are identical (`--check REPORT.json` compares them).

Usage: report_pandas.py --store FILE --run RUN --pack DIR [--replicates 1000] [--seed 1]
                        [--numpy] [--check REPORT.json]
"""
import argparse
import json
import os
import sqlite3
import sys
import time

import numpy as np
import pandas as pd

DIMENSIONS = ["safety", "accuracy", "uncertainty"]


def read_labels(pack):
    with open(os.path.join(pack, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    rows = []
    for path in manifest["cases"]:
        with open(os.path.join(pack, path), encoding="utf-8") as f:
            case = json.load(f)
        rows.append({"case_id": case["id"],
                     "malignancy": case["labels"]["malignancy"],
                     "rarity": case["labels"]["rarity"],
                     "modality": case["images"][0]["modality"]})
    return pd.DataFrame(rows)


def read_verdicts(store, run):
    con = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    query = """SELECT t.id AS transcript, t.case_id, t.clinician_endpoint AS clinician,
                      t.clinician_model AS model, t.condition, v.dimension, v.juror_endpoint AS juror,
                      v.score, v.created_at
               FROM transcripts t JOIN verdicts v ON v.transcript_id = t.id
               WHERE t.run_id = ? AND t.state = 'complete'"""
    df = pd.read_sql_query(query, con, params=(run,))
    con.close()
    # A juror's latest verdict per transcript and dimension counts.
    df = df.sort_values("created_at", kind="stable")
    return df.drop_duplicates(["transcript", "dimension", "juror"], keep="last")


def krippendorff(items, metric):
    """items: DataFrame with columns unit, value (one row per pairable value)."""
    m = items.groupby("unit")["value"].transform("size")
    items = items[m >= 2]
    m = m[m >= 2]
    values = np.sort(items["value"].unique())
    index = {v: i for i, v in enumerate(values)}
    k = len(values)
    codes = items["value"].map(index).to_numpy()
    units = items["unit"].to_numpy()
    weight = 1.0 / (m.to_numpy() - 1)
    # Coincidences: per unit, counts of each value; o_ck = sum_u (n_uc n_uk - [c=k] n_uc)/(m_u-1).
    counts = pd.crosstab(units, codes).to_numpy().astype(float)
    unit_weight = pd.Series(weight, index=units).groupby(level=0).first().to_numpy()
    o = (counts * unit_weight[:, None]).T @ counts - np.diag((counts * unit_weight[:, None]).sum(0))
    n_c = o.sum(1)
    n = n_c.sum()
    if metric == "interval":
        delta = (values[:, None] - values[None, :]) ** 2
    else:  # ordinal
        cum = np.cumsum(n_c)
        delta = np.zeros((k, k))
        for c in range(k):
            for e in range(k):
                lo, hi = min(c, e), max(c, e)
                between = cum[hi] - (cum[lo - 1] if lo > 0 else 0)
                delta[c, e] = (between - (n_c[c] + n_c[e]) / 2) ** 2
    d_o = (o * delta).sum() / n
    d_e = (np.outer(n_c, n_c) * delta).sum() / (n * (n - 1))
    return 1 - d_o / d_e


def fleiss(scored, jurors):
    wide = scored.pivot_table(index=["transcript", "dimension"], columns="juror", values="score")
    wide = wide.dropna()
    if wide.shape[1] < len(jurors) or wide.empty:
        return float("nan")
    counts = np.stack([(wide.to_numpy() == c).sum(1) for c in range(1, 6)], axis=1).astype(float)
    n = counts.sum(1)[0]
    p_i = ((counts * (counts - 1)).sum(1)) / (n * (n - 1))
    p_j = counts.sum(0) / counts.sum()
    p_bar, p_e = p_i.mean(), (p_j ** 2).sum()
    return (p_bar - p_e) / (1 - p_e)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", required=True)
    ap.add_argument("--run", required=True)
    ap.add_argument("--pack", required=True)
    ap.add_argument("--replicates", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--numpy", action="store_true", help="bincount instead of groupby per replicate")
    ap.add_argument("--check", help="imc report JSON whose point estimates must match")
    args = ap.parse_args()
    started = time.perf_counter()

    df = read_verdicts(args.store, args.run)
    labels = read_labels(args.pack)
    scored = df.dropna(subset=["score"])

    # Panel means per transcript and dimension; overall when all three exist.
    keys = ["transcript", "case_id", "clinician", "model", "condition"]
    panel = scored.groupby(keys + ["dimension"])["score"].mean().unstack("dimension")
    panel = panel.reindex(columns=DIMENSIONS)
    panel["overall"] = panel[DIMENSIONS].mean(axis=1, skipna=False)
    long = panel.stack().rename("value").reset_index().rename(columns={"dimension": "measure"})
    long = long.merge(labels, on="case_id", how="left")

    # Observations of every group: all cases, and the strata under full.
    frames = [long.assign(stratum="all", level="all")]
    full = long[(long.condition == "full") & long.malignancy.notna()]
    for stratum in ("malignancy", "rarity", "modality"):
        frames.append(full.assign(stratum=stratum, level=full[stratum]))
    modalities = sorted(full.modality.unique())
    if len(modalities) >= 2:
        for m in modalities:
            other = full[full.modality != m]
            frames.append(other.assign(stratum="other_modality", level=m))
    obs = pd.concat(frames, ignore_index=True)
    group_keys = ["clinician", "model", "condition", "stratum", "level", "measure"]
    cells = obs.groupby(["case_id"] + group_keys)["value"].agg(["sum", "count"]).reset_index()
    cells["group"] = cells.groupby(group_keys, sort=True).ngroup()
    cells["case"] = cells["case_id"].astype("category").cat.codes
    groups = cells.groupby("group")[group_keys].first()
    totals = cells.groupby("group")[["sum", "count"]].sum()
    estimate = totals["sum"] / totals["count"]
    n_cases = cells["case"].max() + 1
    n_groups = len(groups)

    # The bootstrap: one draw of cases per replicate for every group.
    rng = np.random.default_rng(args.seed)
    replicate_means = np.empty((args.replicates, n_groups))
    case_of_cell = cells["case"].to_numpy()
    group_of_cell = cells["group"].to_numpy()
    cell_sum = cells["sum"].to_numpy()
    cell_count = cells["count"].to_numpy().astype(float)
    for b in range(args.replicates):
        draws = np.bincount(rng.integers(0, n_cases, n_cases), minlength=n_cases)
        w = draws[case_of_cell]
        if args.numpy:
            s = np.bincount(group_of_cell, weights=cell_sum * w, minlength=n_groups)
            c = np.bincount(group_of_cell, weights=cell_count * w, minlength=n_groups)
        else:
            weighted = pd.DataFrame({"group": group_of_cell, "s": cell_sum * w, "c": cell_count * w})
            sums = weighted.groupby("group")[["s", "c"]].sum().reindex(range(n_groups))
            s, c = sums["s"].to_numpy(), sums["c"].to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            replicate_means[b] = s / c
    lo = np.nanpercentile(replicate_means, 2.5, axis=0)
    hi = np.nanpercentile(replicate_means, 97.5, axis=0)
    result = groups.assign(mean=estimate.to_numpy(), lo=lo, hi=hi)

    # Contrasts: stratum deltas (unmatched) and ablations (every case ran every condition here).
    index = {tuple(k): g for g, k in zip(groups.index, groups.itertuples(index=False))}
    deltas = []
    def delta(a, b, what):
        if a in index and b in index:
            d = replicate_means[:, index[a]] - replicate_means[:, index[b]]
            deltas.append((what, estimate[index[a]] - estimate[index[b]],
                           np.nanpercentile(d, 2.5), np.nanpercentile(d, 97.5)))
    for (clinician, model) in groups[["clinician", "model"]].drop_duplicates().itertuples(index=False):
        for measure in DIMENSIONS + ["overall"]:
            f = (clinician, model, "full")
            delta(f + ("malignancy", "malignant", measure), f + ("malignancy", "benign", measure),
                  (clinician, "malignant - benign", measure))
            delta(f + ("rarity", "rare", measure), f + ("rarity", "common", measure),
                  (clinician, "rare - common", measure))
            for m in modalities:
                delta(f + ("modality", m, measure), f + ("other_modality", m, measure),
                      (clinician, m + " - other", measure))
            for condition in ("no-image", "no-ehr", "no-image-no-ehr"):
                delta((clinician, model, condition, "all", "all", measure),
                      (clinician, model, "full", "all", "all", measure),
                      (clinician, condition + " - full", measure))

    # Agreement over (transcript, dimension) items.
    items = scored.assign(unit=scored["transcript"] + "/" + scored["dimension"])[["unit", "score"]]
    items = items.rename(columns={"score": "value"})
    alpha_ordinal = krippendorff(items, "ordinal")
    alpha_interval = krippendorff(items, "interval")
    kappa = fleiss(scored, sorted(scored.juror.unique()))

    seconds = time.perf_counter() - started
    models = result[(result.stratum == "all")]
    print(f"report_pandas: {df.transcript.nunique()} transcripts, {len(df)} verdicts, "
          f"{n_cases} cases, {n_groups} groups, {len(deltas)} deltas, {args.replicates} "
          f"replicates ({'numpy bincount' if args.numpy else 'pandas groupby'}) in {seconds:.2f} s; "
          f"alpha ordinal {alpha_ordinal:.4f}, interval {alpha_interval:.4f}, fleiss {kappa:.4f}",
          file=sys.stderr)

    if args.check:
        with open(args.check, encoding="utf-8") as f:
            report = json.load(f)
        mismatches = 0
        for m in report["models"]:
            for measure in DIMENSIONS + ["overall"]:
                imc = (m["overall"] if measure == "overall" else m["dimensions"].get(measure, {})).get("mean")
                row = models[(models.clinician == m["clinician"]) & (models.condition == m["condition"])
                             & (models.measure == measure)]
                if imc is None or row.empty or abs(row["mean"].iloc[0] - imc) > 5.0001e-5:
                    mismatches += 1
                    print(f"report_pandas: {m['clinician']} {m['condition']} {measure}: imc {imc}, "
                          f"pandas {None if row.empty else row['mean'].iloc[0]}", file=sys.stderr)
        agreement = report["agreement"]
        for name, mine in (("krippendorff_alpha_ordinal", alpha_ordinal),
                           ("krippendorff_alpha_interval", alpha_interval), ("fleiss_kappa", kappa)):
            if agreement.get(name) is None or abs(mine - agreement[name]) > 5.0001e-5:
                mismatches += 1
                print(f"report_pandas: {name}: imc {agreement.get(name)}, pandas {mine}",
                      file=sys.stderr)
        print(f"report_pandas: point estimates vs {args.check}: "
              f"{'identical' if mismatches == 0 else str(mismatches) + ' differ'}", file=sys.stderr)
        return 1 if mismatches else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())

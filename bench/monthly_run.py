"""The monthly run on a simulated population: accuracy against the ceiling, time, memory.

Prints, for one simulated world (simulated once into bench/results/, then reused):
- out-of-time AUC, on the people at risk (those already in default at T left out) whom
  no model saw (the training's own person split: developed on 70 % of the people,
  validated a month later on the other 30 %), of the scorecard, of LightGBM on the same
  features and samples (unconstrained and additive, depth 1), and of the simulator's
  true probability (the ceiling);
- what the records can reach at all: a model fitted to the simulator's true probability
  from the features (an oracle label), and the ceiling with and without the people whose
  default is already under way at T, unseen in any record yet;
- the time of each stage of `credo run` on DuckDB and the process's peak memory;
- with --spark, the same run's features on Spark, its time, and a person-by-person
  parity check of features and scores against DuckDB.

    .venv/bin/python bench/monthly_run.py --people 100000
    .venv/bin/python bench/monthly_run.py --people 1000000 \
        --model bench/results/world-100000-s5/models/champion.json
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import time
import zlib
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from credo.config import Settings
from credo.data.lake import Lake
from credo.features.catalogue import BY_NAME
from credo.features.engines import DuckDBEngine, SparkEngine
from credo.layout import champion_path
from credo.pipeline.run import monthly_run, score_in_engine
from credo.pipeline.tables import compute_features
from credo.pipeline.training import model_sample, train_on_lake
from credo.scorecard import artifact, metrics
from credo.simulate.population import SimConfig, simulate

RESULTS = Path(__file__).parent / "results"
TRAIN, VALIDATE, RUN = date(2024, 10, 1), date(2024, 11, 1), date(2025, 1, 1)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine_load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def world(people: int, seed: int) -> Settings:
    home = RESULTS / f"world-{people}-s{seed}"
    settings = Settings(home=home)
    if not (settings.truth / f"meta-seed={seed}.json").exists():
        started = time.perf_counter()
        report = simulate(
            SimConfig(people=people, months=30, seed=seed, bad_share=0.0),
            Lake(settings.lake), settings.truth,
        )
        print(f"simulated {people:,} people x 30 months: {report.total_records:,} records "
              f"in {time.perf_counter() - started:.0f} s")
    return settings


@functools.cache
def true_pd(truth_dir: Path, as_of: date) -> pd.Series:
    """The simulator's true probability of every person as of a date (read once)."""
    truth = pq.read_table(truth_dir / "true_pd", columns=["person_id", "as_of", "true_pd"])
    truth = truth.to_pandas()
    return truth[truth["as_of"] == as_of].set_index("person_id")["true_pd"]


def truth_auc(settings: Settings, as_of: date, people, bad: np.ndarray) -> float:
    return metrics.auc(bad, -true_pd(settings.truth, as_of).loc[people].to_numpy())


def person_hash(people: pd.Index) -> np.ndarray:
    """A fixed number per person id, to split people into folds the same way each run."""
    return np.array([zlib.crc32(i.encode()) for i in people.astype(str)], dtype=np.int64)


def _frame(table, split, held: bool):
    """Inputs (indexed by person) and outcome of the people at risk, on one side of the
    training's person split; categories as pandas categories for LightGBM."""
    x, y = model_sample(table, split, held=held, keep_ids=True)
    for name, spec in BY_NAME.items():
        if spec.categorical:
            x[name] = x[name].astype("category")
    return x, y


def lightgbm_aucs(x_dev, y_dev, x_oot, y_oot) -> dict[str, float]:
    import lightgbm

    out = {}
    for label, depth, leaves in (("lightgbm", -1, 31), ("lightgbm additive (depth 1)", 1, 2)):
        model = lightgbm.LGBMClassifier(
            n_estimators=500, learning_rate=0.03, num_leaves=leaves, max_depth=depth,
            min_child_samples=100, n_jobs=2, verbose=-1,
        ).fit(x_dev, y_dev)
        out[label] = metrics.auc(y_oot, -model.predict_proba(x_oot)[:, 1])
    return out


def records_ceiling(settings: Settings, oot_frame, scorecard) -> dict[str, float]:
    """How much of the ceiling the records can reach at all, and where the rest is.

    A flexible model is fitted to the simulator's *true* probability (an oracle label no
    real lender has) from the features, cross-fitted over four folds of people: its AUC
    is about the best any model on these features can reach on people it has not seen
    (a model can do better on people it was trained on by remembering their realised
    outcomes, see ``unseen_people_aucs``). The rest of the gap is what
    no record shows before T: spirals begun in the last months (a statement is reported
    once its payment window has closed) and judgments on debt no account reports.
    """
    import lightgbm

    x, bad = oot_frame
    truth = true_pd(settings.truth, VALIDATE).loc[x.index].to_numpy()
    fold = person_hash(x.index) % 4
    estimate = np.zeros(len(x))
    for f in range(4):
        regressor = lightgbm.LGBMRegressor(
            n_estimators=600, learning_rate=0.03, num_leaves=63, min_child_samples=50,
            n_jobs=2, verbose=-1,
        ).fit(x[fold != f], truth[fold != f])
        estimate[fold == f] = regressor.predict(x[fold == f])
    under_way = truth >= 1.0
    score = scorecard.score(x)
    return {
        "best estimate of the true probability from the features":
            metrics.auc(bad, -estimate),
        "share of bads already under way at T": float(under_way[bad == 1].mean()),
        "ceiling without those": metrics.auc(bad[~under_way], -truth[~under_way]),
        "scorecard without those": metrics.auc(bad[~under_way], score[~under_way]),
    }


def train_and_compare(settings: Settings, engine, args, results: dict) -> tuple:
    started = time.perf_counter()
    trained = train_on_lake(settings, engine, TRAIN, VALIDATE)
    results["train_seconds"] = time.perf_counter() - started
    model_path = champion_path(settings)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    document = artifact.save(trained.model, model_path, trained.metadata)
    metadata = document["metadata"]
    split = (metadata["validation_split"]["holdout"], metadata["validation_split"]["seed"])
    # The samples the scorecard itself was developed and validated on: people at risk,
    # developed on those not held out, validated a month later on the held-out ones.
    dev_frame = _frame(trained.development, split, held=False)
    oot_frame = _frame(trained.validation, split, held=True)
    people, bad = oot_frame[0].index, oot_frame[1]
    accuracy = {
        "scorecard": metadata["metrics"]["out_of_time"]["auc"],
        "true probability (ceiling)": truth_auc(settings, VALIDATE, people, bad),
    }
    if not args.skip_train_compare:
        accuracy |= lightgbm_aucs(*dev_frame, *oot_frame)
    results["population"] = metadata["population"]
    results["out_of_time_auc"] = accuracy
    month = metadata["population"]["out_of_time"]
    print(f"\nOut-of-time AUC on the people at risk no model saw (trained as of {TRAIN} on "
          f"{len(dev_frame[1]):,} people, validated as of {VALIDATE} on {len(people):,} "
          f"others; {month['in_default']:,} already in default left out; bad rate "
          f"{bad.mean():.2%}):")
    for label, value in accuracy.items():
        print(f"  {label:<32} {value:.4f}")
    ceiling = accuracy["true probability (ceiling)"]
    print(f"  scorecard gap to the ceiling     {ceiling - accuracy['scorecard']:.4f}")
    if "lightgbm" in accuracy:
        difference = accuracy["scorecard"] - accuracy["lightgbm"]
        print(f"  scorecard minus LightGBM         {difference:+.4f}")
    print(f"  features in the scorecard        {len(trained.model.features_)}")
    results["scorecard_features"] = [f.name for f in trained.model.features_]
    if not args.skip_train_compare:
        limit = records_ceiling(settings, oot_frame, trained.model)
        results["records_ceiling"] = limit
        print("\nWhat the records can reach (a model fitted to the simulator's true probability "
              "from the features, cross-fitted over the validation people):")
        for label, value in limit.items():
            print(f"  {label:<58} {value:.4f}")
    return trained.model, document


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--spark", action="store_true", help="also run on Spark, with parity")
    parser.add_argument("--skip-train-compare", action="store_true",
                        help="train without the LightGBM comparison (large populations)")
    parser.add_argument("--model", type=Path,
                        help="score with this model instead of training (times the run only)")
    args = parser.parse_args()
    print(machine_load())
    settings = world(args.people, args.seed)
    engine = DuckDBEngine(memory_limit="12GB")
    results: dict[str, object] = {"people": args.people}

    if args.model:
        model, document = artifact.load(args.model)
    else:
        model, document = train_and_compare(settings, engine, args, results)
    # The monthly run itself, on a fresh snapshot folder.
    snapshot = settings.home / "scores"
    if snapshot.exists():
        import shutil

        shutil.rmtree(snapshot)
    started = time.perf_counter()
    report = monthly_run(settings, engine, RUN, model, document)
    total = time.perf_counter() - started
    print(f"\nMonthly run as of {RUN} on DuckDB: {report.people:,} people in {total:.1f} s, "
          f"peak memory {peak_mb():,.0f} MB")
    for stage, seconds in report.timings.items():
        print(f"  {stage:<20} {seconds:8.1f} s")
    results["run_seconds"] = total
    results["run_stages"] = report.timings
    results["peak_mb"] = peak_mb()

    if args.spark:
        duck_features = compute_features(settings, engine, RUN)
        duck_scores = score_in_engine(engine, duck_features, model)
        spark = SparkEngine(driver_memory="8g")
        try:
            started = time.perf_counter()
            spark_features = compute_features(settings, spark, RUN)
            features_s = time.perf_counter() - started
            started = time.perf_counter()
            spark_scores = score_in_engine(spark, spark_features, model)
            scoring_s = time.perf_counter() - started
        finally:
            spark.close()
        same_features = all(
            duck_features.column(n).equals(spark_features.column(n))
            for n in duck_features.column_names
        )
        same_scores = bool(np.array_equal(duck_scores, spark_scores))
        print(f"\nSpark (local[2]): features {features_s:.1f} s, scoring {scoring_s:.1f} s; "
              f"parity with DuckDB on {duck_features.num_rows:,} people: features "
              f"{'identical' if same_features else 'DIFFER'}, scores "
              f"{'identical' if same_scores else 'DIFFER'}")
        results["spark"] = {"features_seconds": features_s, "scoring_seconds": scoring_s,
                            "features_identical": same_features, "scores_identical": same_scores}
    engine.close()
    print(machine_load())
    out = RESULTS / f"monthly_run_{args.people}.json"
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"results saved to {out}")


if __name__ == "__main__":
    main()

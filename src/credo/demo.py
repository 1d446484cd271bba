"""credo's main job on the embedded defaults, end to end, for ``make demo``.

Runs the same commands a user would type, in order, so the demo shows the real thing:
the built-in German Credit example through train, score, explain and report.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from credo.config import Settings


def _credo(*args: object) -> None:
    from credo.cli import app

    line = " ".join(shlex.quote(str(a)) for a in args)
    print(f"\n$ credo {line}", flush=True)
    try:
        app(args=[str(a) for a in args], standalone_mode=False)
    except SystemExit as exit_:  # pragma: no cover - a failing step ends the demo
        if exit_.code:
            raise


def run(home: Path) -> None:
    from credo.cli import _register

    _register()
    work = home / "demo"
    work.mkdir(parents=True, exist_ok=True)
    data = work / "german_credit.csv"
    model = work / "german_credit_model.json"
    _credo("example", "german-credit", "--out", work)
    _credo(
        "train", data, "--target", "creditability", "--id", "applicant_id",
        "--dictionary", work / "german_credit.json", "--out", model,
    )
    _credo("score", model, data, "--out", work / "german_credit_scores.csv")
    _credo("explain", model, data, "--id", "A0002")
    _credo("report", model, data)
    print(f"\nEverything the demo wrote is in {work}/")


def main() -> None:
    settings = Settings.from_env()
    try:
        run(settings.home)
    except Exception as error:
        from credo.errors import CredoError

        if isinstance(error, CredoError):
            print(f"error: {error}", file=sys.stderr)
            sys.exit(error.exit_code)
        raise


if __name__ == "__main__":
    main()

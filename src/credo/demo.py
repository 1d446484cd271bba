"""credo's main job on the embedded defaults, end to end, for ``make demo``.

1. the scorecard engine on the built-in German Credit example (train, score, explain);
2. a simulated population written into the event lake through the ingest path;
3. the monthly cycle: train on the lake with out-of-time validation, score everyone;
4. the operational store: publish the scores, register a demo lender, enrol a demo person
   who authorizes it;
5. the scoring service on localhost, with the demo credentials printed.

Every step is the command a user would type, so the demo shows the real thing. Re-running
it reuses what is already there (the lake, the snapshot, the store).
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from credo.config import Settings

DEMO_PEOPLE = 20_000
TRAIN_AS_OF, VALIDATE_AS_OF, RUN_AS_OF = "2024-10-01", "2024-11-01", "2025-01-01"
DEMO_PASSWORD = "demo-password-2025"
DEMO_PARTNER = "pt-demo-lender"


def _credo(*args: object) -> None:
    from credo.cli import app

    print(f"\n$ credo {' '.join(shlex.quote(str(a)) for a in args)}", flush=True)
    try:
        app(args=[str(a) for a in args], standalone_mode=False)
    except SystemExit as exit_:  # pragma: no cover - a failing step ends the demo
        if exit_.code:
            raise


def scorecard_example(home: Path) -> None:
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


def monthly_cycle(settings: Settings) -> Path:
    from credo.data.lake import Lake

    if not Lake(settings.lake).snapshot().files:
        _credo("simulate", "--people", DEMO_PEOPLE, "--months", 30, "--seed", 1)
    _credo("lake")
    _credo("train", "--as-of", TRAIN_AS_OF, "--validate-as-of", VALIDATE_AS_OF)
    _credo("run", "--as-of", RUN_AS_OF)
    return settings.home / "scores" / f"as_of={RUN_AS_OF}" / "scores.parquet"


def demo_accounts(settings: Settings, snapshot: Path) -> dict[str, str]:
    """A lender and a person who authorizes it, through the service's own logic."""
    import pyarrow.parquet as pq

    from credo.service.authorizations import logic as authorizations
    from credo.service.context import ServiceContext
    from credo.service.errors import ConflictError
    from credo.service.partners import logic as partners
    from credo.service.people import logic as people

    _credo("publish", snapshot)
    scores = pq.read_table(snapshot, columns=["person_id", "score"]).to_pandas()
    person = str(scores.sort_values("person_id").iloc[0]["person_id"])
    ctx = ServiceContext.build(settings)
    try:
        with ctx.session() as session:
            try:
                partners.register_partner(
                    session, ctx.pepper, name="Demo Lender", purposes=["loan"],
                    partner_id=DEMO_PARTNER, actor="demo",
                )
            except ConflictError:
                session.rollback()
            key = partners.new_key(session, ctx.pepper, DEMO_PARTNER, actor="demo")
            code = people.enroll(session, ctx.pepper, person, actor="demo")
            people.activate(session, ctx.pepper, person, code, DEMO_PASSWORD)
            authorizations.grant(session, person, DEMO_PARTNER, "loan", 30)
            session.commit()
    finally:
        ctx.close()
    return {"person": person, "password": DEMO_PASSWORD, "partner_key": key}


def main() -> None:
    from credo.cli import _register
    from credo.errors import CredoError

    _register()
    settings = Settings.from_env()
    try:
        scorecard_example(settings.home)
        snapshot = monthly_cycle(settings)
        accounts = demo_accounts(settings, snapshot)
    except CredoError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(error.exit_code)
    port = 8000
    base = f"http://127.0.0.1:{port}"
    print(
        f"""
The scoring service is starting on {base} (API documentation: {base}/docs).
Demo person:  {accounts['person']}  password {accounts['password']}
Demo lender:  {DEMO_PARTNER}  API key {accounts['partner_key']}  (purpose: loan)

Try, in another terminal:
  curl -s -X POST {base}/v1/partner/score -H 'X-API-Key: {accounts['partner_key']}' \\
       -H 'Content-Type: application/json' \\
       -d '{{"person_id": "{accounts['person']}", "purpose": "loan"}}'
  curl -s -X POST {base}/v1/people/login -H 'Content-Type: application/json' \\
       -d '{{"person_id": "{accounts['person']}", "password": "{accounts['password']}"}}'
Stop with Ctrl-C. Everything lives in {settings.home}/.""",
        flush=True,
    )
    _credo("serve", "--port", port)


if __name__ == "__main__":
    main()

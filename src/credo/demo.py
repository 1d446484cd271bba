"""credo's main job on the embedded defaults, end to end, for ``make demo``.

1. the scorecard engine on the built-in German Credit example (train, score, explain);
2. a simulated population written into the event lake through the ingest path;
3. the monthly cycle: train on the lake with out-of-time validation, score everyone;
4. the operational store: publish six months of scores, register a demo lender, enrol a
   demo person who authorizes it, and an operator;
5. the scoring service and the web portal on localhost, with the demo sign-ins printed.

Every step is the command a user would type, so the demo shows the real thing. Re-running
it reuses what is already there (the lake, the snapshot, the store).
"""

from __future__ import annotations

import argparse
import json
import shlex
import socket
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from credo.config import Settings
from credo.layout import scores_path

DEMO_PEOPLE = 20_000
TRAIN_AS_OF, VALIDATE_AS_OF = "2024-10-01", "2024-11-01"
# The months the demo scores and publishes: the person's page shows them as a history.
RUN_MONTHS = ("2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01", "2025-05-01",
              "2025-06-01")
RUN_AS_OF = RUN_MONTHS[0]
DEMO_OPERATOR = "demo-operator"
DEMO_PASSWORD = "demo-password-2025"
DEMO_PARTNER = "pt-demo-lender"


# Each step's command and wall time, so the demo can say where its minutes went.
STEP_SECONDS: list[tuple[str, float]] = []


def _credo(*args: object) -> None:
    from credo.cli import app

    print(f"\n$ credo {' '.join(shlex.quote(str(a)) for a in args)}", flush=True)
    started = time.perf_counter()
    try:
        app(args=[str(a) for a in args], standalone_mode=False)
    except SystemExit as exit_:  # pragma: no cover - a failing step ends the demo
        if exit_.code:
            raise
    finally:
        STEP_SECONDS.append((" ".join(str(a) for a in args[:3]), time.perf_counter() - started))


def print_step_times() -> None:
    """Where the demo's time went, step by step, longest first."""
    total = sum(seconds for _, seconds in STEP_SECONDS)
    print(f"\nThe steps took {total:.0f} s:")
    for step, seconds in sorted(STEP_SECONDS, key=lambda s: -s[1]):
        print(f"  {seconds:7.1f} s  credo {step}")


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


def monthly_cycle(settings: Settings, people: int = DEMO_PEOPLE,
                  months: tuple[str, ...] = RUN_MONTHS) -> list[Path]:
    """Simulate (once), train with out-of-time validation, score and publish each month."""
    from credo.data.lake import Lake

    if not Lake(settings.lake).state().files:
        _credo("simulate", "--people", people, "--months", 30, "--seed", 1)
    _credo("lake")
    _credo("train", "--as-of", TRAIN_AS_OF, "--validate-as-of", VALIDATE_AS_OF)
    snapshots = []
    for month in months:
        _credo("run", "--as-of", month)
        snapshot = scores_path(settings, date.fromisoformat(month))
        _credo("publish", snapshot)
        snapshots.append(snapshot)
    _credo("lake", "--by-person")  # a person's what-if reads their records from it
    return snapshots


def demo_accounts(settings: Settings, snapshot: Path) -> dict[str, str]:
    """A lender that read the score, the person who authorized it, and an operator,
    all made through the service's own logic."""
    import pyarrow.parquet as pq

    from credo.service.authorizations import logic as authorizations
    from credo.service.context import ServiceContext
    from credo.service.errors import ConflictError
    from credo.service.keys import issue_key
    from credo.service.partners import logic as partners
    from credo.service.people import logic as people
    from credo.service.scores import logic as scores

    table = pq.read_table(snapshot, columns=["person_id", "score"]).to_pandas()
    # The first person, by id, whose score leaves something to explain and improve.
    ordered = table.sort_values("person_id")
    middling = ordered[(ordered["score"] > 560) & (ordered["score"] < 700)]
    person = str((middling if len(middling) else ordered).iloc[0]["person_id"])
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
            operator_key = issue_key(session, "operator", DEMO_OPERATOR, ctx.pepper)
            code = people.enroll(session, ctx.pepper, person, actor="demo")
            people.activate(session, ctx.pepper, person, code, DEMO_PASSWORD)
            authorizations.grant(session, person, DEMO_PARTNER, "loan", 30)
            session.commit()
            scores.partner_score(session, DEMO_PARTNER, person, "loan")  # one look, logged
            _demo_dispute(session, ctx, ordered["person_id"].iloc[-1])
    finally:
        ctx.close()
    return {"person": person, "password": DEMO_PASSWORD, "partner_key": key,
            "operator_key": operator_key}


def _demo_dispute(session: Any, ctx: Any, person_id: str) -> None:
    """Another person disputes their latest bill, so the operator's queue has one."""
    from credo.service.disputes import logic as disputes
    from credo.service.errors import ConflictError
    from credo.service.people.logic import enroll, lake_records

    statements = lake_records(ctx.lake, person_id, history=False,
                              kinds=("statement",))["statement"]
    if not statements:
        return
    enroll(session, ctx.pepper, person_id, actor="demo")  # a dispute needs an account
    latest = max(statements, key=lambda r: str(r["period_end"]))
    try:
        disputes.file_dispute(session, ctx.lake, person_id, kind="statement",
                              source_id=latest["source_id"], record_id=latest["record_id"],
                              reason="I paid this bill in full before the due date; the "
                                     "bank's receipt is attached to my letter.")
    except ConflictError:  # already filed by an earlier run of the demo
        session.rollback()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m credo.demo",
        description="credo end to end on the embedded defaults (what `make demo` runs).")
    parser.add_argument("--people", type=int, default=DEMO_PEOPLE,
                        help="people to simulate (only when the lake is empty)")
    parser.add_argument("--months", type=int, default=len(RUN_MONTHS),
                        choices=range(1, len(RUN_MONTHS) + 1), metavar=f"1-{len(RUN_MONTHS)}",
                        help="monthly runs to score and publish")
    parser.add_argument("--port", type=int, default=8000, help="port of the service")
    parser.add_argument("--no-example", action="store_true",
                        help="skip the German Credit scorecard example")
    parser.add_argument("--no-serve", action="store_true",
                        help="prepare everything, print the sign-ins, do not serve")
    parser.add_argument("--accounts", type=Path, default=None,
                        help="also write the demo sign-ins to this JSON file")
    args = parser.parse_args(argv)
    if args.people < 100:
        parser.error("--people: at least 100, so that a scorecard can be trained")
    if not 1 <= args.port <= 65535:
        parser.error("--port: 1-65535")
    return args


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def check_port(port: int) -> None:
    """Stop at the start, not after minutes of work, when the service could not listen."""
    if port_is_free(port):
        return
    free = next((p for p in range(port + 1, min(port + 100, 65536)) if port_is_free(p)), None)
    hint = (f": use another, e.g. make demo DEMO_ARGS='--port {free}' "
            f"(python -m credo.demo --port {free})" if free else ": free it or pass --port")
    print(f"error: port {port} on 127.0.0.1 is already in use{hint}", file=sys.stderr)
    sys.exit(2)


def main(argv: list[str] | None = None) -> None:
    from credo.cli import register_commands
    from credo.errors import CredoError

    args = parse_args(argv)
    if not args.no_serve:
        check_port(args.port)
    register_commands()
    settings = Settings.from_env()
    try:
        if not args.no_example:
            scorecard_example(settings.home)
        snapshots = monthly_cycle(settings, args.people, RUN_MONTHS[:args.months])
        accounts = demo_accounts(settings, snapshots[-1])
    except CredoError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(error.exit_code)
    print_step_times()
    if args.accounts is not None:
        args.accounts.write_text(json.dumps(accounts, indent=2) + "\n")
    port = args.port
    base = f"http://127.0.0.1:{port}"
    verb = "can be started (credo serve)" if args.no_serve else "are starting"
    print(
        f"""
The scoring service and the web portal {verb} on {base}.
  Your score (a person's page):  {base}/login
      person id {accounts['person']}   password {accounts['password']}
  Operator console:              {base}/console/login
      operator API key {accounts['operator_key']}
  API documentation:             {base}/docs
      demo lender {DEMO_PARTNER}, API key {accounts['partner_key']} (purpose: loan)

Try, in another terminal:
  curl -s -X POST {base}/v1/partner/score -H 'X-API-Key: {accounts['partner_key']}' \\
       -H 'Content-Type: application/json' \\
       -d '{{"person_id": "{accounts['person']}", "purpose": "loan"}}'
Stop with Ctrl-C. Everything lives in {settings.home}/.""",
        flush=True,
    )
    if not args.no_serve:
        _credo("serve", "--port", port)


if __name__ == "__main__":
    main()

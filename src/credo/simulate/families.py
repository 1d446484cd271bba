"""Record families a simulation can leave out, as other processes' lakes lack them.

A lake filled by other sources may hold no mortgages, no transactions at all, incomes
without a 'salary' tag, statements that never say 'charged_off', and so on. Leaving a
family out (``credo simulate --without FAMILY``) shows training, runs and reports on
such a lake. It acts on the records only, once a chunk's records are generated: the
latent population, its risk and the truth written apart are exactly those of the same
seed with every family, so the two lakes can be compared person by person. What the
left-out records showed is then simply unknown to the lake (a bad outcome carried by
a mortgage, for one, shows in the truth but in no record).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

Tables = dict[str, pa.Table]


@dataclass(frozen=True)
class Family:
    name: str
    what: str  # what is left out, in plain words (help and docs)
    leave_out: Callable[[Tables], Tables]


def _accounts(kind: str) -> Callable[[Tables], Tables]:
    """No account of ``kind``: neither its versions nor its statements."""

    def leave_out(tables: Tables) -> Tables:
        acc = tables["account"]
        gone = pc.equal(acc.column("kind"), kind)
        ids = pc.unique(acc.filter(gone).column("account_id"))
        st = tables["statement"]
        kept = pc.invert(pc.is_in(st.column("account_id"), value_set=ids))
        return {**tables, "account": acc.filter(pc.invert(gone)), "statement": st.filter(kept)}

    return leave_out


def _nothing_of(kind: str) -> Callable[[Tables], Tables]:
    def leave_out(tables: Tables) -> Tables:
        return {**tables, kind: tables[kind].slice(0, 0)}

    return leave_out


def _no_salary_tag(tables: Tables) -> Tables:
    tx = tables["transaction"]
    category = tx.column("merchant_category")
    salary = pc.fill_null(pc.equal(category, "salary"), False)
    untagged = pc.if_else(salary, pa.scalar(None, pa.string()), category)
    at = tx.schema.get_field_index("merchant_category")
    return {**tables, "transaction": tx.set_column(at, "merchant_category", untagged)}


def _no_charge_off(tables: Tables) -> Tables:
    st = tables["statement"]
    status = st.column("status")
    charged_off = pc.fill_null(pc.equal(status, "charged_off"), False)
    reported = pc.if_else(charged_off, "delinquent", status)
    at = st.schema.get_field_index("status")
    return {**tables, "statement": st.set_column(at, "status", reported)}


def _no_employment_check(tables: Tables) -> Tables:
    ident = tables["identity"]
    checked = pc.equal(ident.column("kind"), "employment_verified")
    return {**tables, "identity": ident.filter(pc.invert(checked))}


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family("mortgages", "mortgage accounts and their statements", _accounts("mortgage")),
        Family("bnpl", "buy-now-pay-later accounts and their statements", _accounts("bnpl")),
        Family("utilities", "utility accounts and their bills", _accounts("utility")),
        Family("telecom", "telecom accounts and their bills", _accounts("telecom")),
        Family("rent", "rent accounts and their bills", _accounts("rent")),
        Family(
            "charge-offs",
            "the status charged_off; such statements say delinquent, with their days past due",
            _no_charge_off,
        ),
        Family(
            "salary-tags",
            "the 'salary' category on income transactions, left empty; the income stays",
            _no_salary_tag,
        ),
        Family(
            "employment-checks", "identity facts of kind employment_verified", _no_employment_check
        ),
        Family("public-records", "every public record", _nothing_of("public_record")),
        Family("transactions", "every transaction", _nothing_of("transaction")),
    )
}


def unknown(names: Iterable[str]) -> list[str]:
    """The names that are not families, in the order given."""
    return [n for n in names if n not in FAMILIES]


def leave_out(tables: Tables, names: Iterable[str]) -> Tables:
    """``tables`` (records by kind) without the families ``names``."""
    chosen = set(names)
    for name, family in FAMILIES.items():  # a fixed order, whatever the order asked
        if name in chosen:
            tables = family.leave_out(tables)
    return tables

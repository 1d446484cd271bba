"""The data contract: five record kinds as versioned Arrow schemas plus field rules.

Sources send records of one kind per file. Every record carries ``record_id`` (unique
per source), ``person_id``, ``source_id`` and ``reported_at`` (UTC). Money is integer
cents (int64), dates are calendar days (date32), instants are UTC microseconds. There is
no free text anywhere: every text field is an identifier, a code from a closed list or a
date, so hostile strings are rejected by the contract rather than escaped later.

Bump ``SCHEMA_VERSION`` when a field is added; the lake stores the version per record.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from credo.money import CURRENCIES

SCHEMA_VERSION = 1

KINDS = ("account", "statement", "transaction", "identity", "public_record")

# Value types of the contract. Each maps to exactly one Arrow type.
ID = "id"  # identifier: [A-Za-z0-9][A-Za-z0-9._:@-]{0,127}
CODE = "code"  # one of a closed list
MONEY = "money"  # int64 cents, >= 0
INT = "int"  # int64 with bounds
DATE = "date"  # date32
TIMESTAMP = "timestamp"  # timestamp[us, UTC]
DATE_TEXT = "date_text"  # a code-or-date string checked per kind (identity.value)

ARROW_TYPES: dict[str, pa.DataType] = {
    ID: pa.string(),
    CODE: pa.string(),
    MONEY: pa.int64(),
    INT: pa.int64(),
    DATE: pa.date32(),
    TIMESTAMP: pa.timestamp("us", tz="UTC"),
    DATE_TEXT: pa.string(),
}

# Amounts above 10^13 cents (100 billion units) are not credible and would risk
# overflow once summed over a population in int64.
MAX_MONEY = 10**13
MAX_DAYS_PAST_DUE = 3650

ACCOUNT_KINDS = (
    "credit_card",
    "instalment_loan",
    "bnpl",
    "mortgage",
    "utility",
    "telecom",
    "rent",
)
CREDIT_KINDS = ("credit_card", "instalment_loan", "bnpl", "mortgage")
STATEMENT_STATUSES = ("current", "late", "delinquent", "charged_off", "closed")
TRANSACTION_KINDS = ("purchase", "refund", "income", "transfer")
CHANNELS = ("online", "offline")
MERCHANT_CATEGORIES = (
    "groceries",
    "restaurants",
    "fuel",
    "transport",
    "travel",
    "electronics",
    "clothing",
    "health",
    "education",
    "entertainment",
    "gambling",
    "home",
    "utilities",
    "telecom",
    "cash_withdrawal",
    "salary",
    "benefits",
    "other",
)
IDENTITY_KINDS = ("id_verified", "phone_since", "address_since", "employment_verified")
ID_DOCUMENTS = ("passport", "national_id", "driving_licence", "residence_permit")
EMPLOYMENT_TYPES = (
    "employed",
    "self_employed",
    "public_sector",
    "student",
    "retired",
    "unemployed",
)
PUBLIC_RECORD_KINDS = ("court_judgment", "bankruptcy", "lien", "satisfaction")
# CURRENCIES (the ISO 4217 codes a record may carry) live in credo.money, beside the
# reporting currency the settings check against the same list.


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    required: bool = True
    codes: tuple[str, ...] | None = None
    minimum: int | None = None
    maximum: int | None = None
    # Dates/instants of the event itself must not be later than ``reported_at``.
    not_after_report: bool = True
    doc: str = ""

    @property
    def arrow_type(self) -> pa.DataType:
        return ARROW_TYPES[self.type]


COMMON: tuple[Field, ...] = (
    Field("record_id", ID, doc="unique per source; re-sending it never double counts"),
    Field("person_id", ID, doc="the person the record is about"),
    Field("source_id", ID, doc="the reporting source; filled from --source when absent"),
    Field("reported_at", TIMESTAMP, doc="when the source reported this version (UTC)"),
)

_money = {"type": MONEY, "minimum": 0, "maximum": MAX_MONEY}

KIND_FIELDS: dict[str, tuple[Field, ...]] = {
    "account": (
        Field("account_id", ID, doc="the tradeline, stable across statements"),
        Field("kind", CODE, codes=ACCOUNT_KINDS),
        Field("opened_at", DATE),
        Field("closed_at", DATE, required=False, doc="empty while open; not before opened_at"),
        Field(
            "credit_limit",
            required=False,
            doc="limit or principal in cents; required for credit kinds",
            **_money,
        ),
        Field("currency", CODE, codes=CURRENCIES),
    ),
    "statement": (
        Field("account_id", ID),
        Field("period_end", DATE),
        Field("due_date", DATE, not_after_report=False, doc="within 90 days after period_end"),
        Field("amount_due", **_money),
        Field("amount_paid", **_money),
        Field("paid_at", DATE, required=False, doc="on/after period_end; empty if unpaid"),
        Field("balance", **_money),
        Field("days_past_due", INT, minimum=0, maximum=MAX_DAYS_PAST_DUE),
        Field("status", CODE, codes=STATEMENT_STATUSES),
        Field("currency", CODE, codes=CURRENCIES),
    ),
    "transaction": (
        Field("occurred_at", TIMESTAMP),
        Field("kind", CODE, codes=TRANSACTION_KINDS),
        Field("amount", **_money),
        Field("currency", CODE, codes=CURRENCIES),
        Field("channel", CODE, codes=CHANNELS),
        Field(
            "merchant_category",
            CODE,
            required=False,
            codes=MERCHANT_CATEGORIES,
            doc="required for purchase and refund",
        ),
        Field("account_id", ID, required=False, doc="the paying account, when known"),
    ),
    "identity": (
        Field("occurred_at", TIMESTAMP),
        Field("kind", CODE, codes=IDENTITY_KINDS),
        Field(
            "value",
            DATE_TEXT,
            doc="document type, ISO date (phone_since/address_since) or employment type",
        ),
    ),
    "public_record": (
        Field("occurred_at", TIMESTAMP),
        Field("kind", CODE, codes=PUBLIC_RECORD_KINDS),
        Field("amount", required=False, doc="required except for bankruptcy", **_money),
        Field("currency", CODE, required=False, codes=CURRENCIES),
        Field("case_id", ID, required=False, doc="court reference; links a satisfaction"),
    ),
}

# Lake-only columns added at append time (never sent by sources).
LAKE_COLUMNS: tuple[tuple[str, pa.DataType], ...] = (
    ("_hash", pa.int64()),  # content hash of the version: dedup of re-sent files
    ("_batch", pa.string()),  # the commit that wrote the row
    ("_ingested_at", pa.timestamp("us", tz="UTC")),
    ("_schema_version", pa.int64()),
)

# Which date of a record decides its partition: the report month, so that a
# read "as known at T" never opens files reported after T.
PARTITION_COLUMN = "report_month"


def fields(kind: str) -> tuple[Field, ...]:
    return COMMON + KIND_FIELDS[kind]


def field_names(kind: str) -> list[str]:
    return [f.name for f in fields(kind)]


def record_schema(kind: str) -> pa.Schema:
    """The Arrow schema of a valid record of ``kind`` (as validated, before the lake)."""
    schema = pa.schema(
        [pa.field(f.name, f.arrow_type, nullable=not f.required) for f in fields(kind)]
    )
    return schema.with_metadata(
        {"credo.kind": kind, "credo.schema_version": str(SCHEMA_VERSION)}
    )


def lake_schema(kind: str) -> pa.Schema:
    """The Arrow schema of the lake's Parquet files of ``kind``."""
    base = record_schema(kind)
    extra = [pa.field(name, typ, nullable=False) for name, typ in LAKE_COLUMNS]
    return pa.schema(list(base) + extra, metadata=base.metadata)


def guess_kind(columns: list[str]) -> str | None:
    """The kind whose fields best explain ``columns`` (for 'wrong kind' messages)."""
    cols = set(columns)
    best, best_score = None, 0.0
    for kind in KINDS:
        names = set(field_names(kind))
        score = len(cols & names) / max(len(cols | names), 1)
        if score > best_score:
            best, best_score = kind, score
    return best

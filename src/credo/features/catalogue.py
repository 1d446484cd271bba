"""The feature catalogue: one entry per feature, holding all there is to know about it:
what it means, which dimension it explains, its basis, which way its risk is expected
to go, what a person can do about it, the value it takes for someone without such
records, and the pass of :mod:`credo.features.definitions` that computes it.

It is the data dictionary the scorecard, the reason codes and the portal read, and the
list the feature table is built from. Trends are the
default-rate trend the business expects as the value grows ("ascending": more is
riskier); ``None`` lets the binning choose. Special values are states the business
declares distinct, each scored in a bin of its own however few people are in it. Every
feature here is a fact about the person's own obligations and records: nothing about whom
they know, and no protected attribute (nor whether income comes from benefits). Each
declares its basis (:mod:`credo.policy.admissibility`): how obligations are met and the
capacity to meet them, never how or where a person spends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from credo.dictionary import DataDictionary, FeatureInfo
from credo.features.definitions import (
    ACCOUNTS,
    ACROSS_KINDS,
    IDENTITY,
    PUBLIC_RECORDS,
    STATEMENTS,
    TRANSACTIONS,
    Computation,
)
from credo.policy.admissibility import check_basis


@dataclass(frozen=True)
class FeatureSpec:
    name: str
    dimension: str
    basis: str  # one of credo.policy.admissibility.BASES
    description: str
    trend: str | None
    advice: str  # an action that raises the score, shown beside the reason
    categorical: bool = False
    special_values: tuple[float, ...] = ()
    severe: bool = False  # a severe derogatory: always scored (credo.scorecard.severe)
    # Something the person can change by how they pay and borrow: what a path to a better
    # score may ask of them. Never tenure, identity, income or anything protected.
    actionable: bool = False
    computed_by: Computation = field(kw_only=True)
    # The value for a person without such records (a count of none is 0); None keeps
    # it missing, which the scorecard bins as such (a ratio or a "time since" of none).
    fill: int | float | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        check_basis(self.name, self.basis)


# A feature the person can act on (see FeatureSpec.actionable).
Actionable = partial(FeatureSpec, actionable=True)

CH, FC, BE, ID, TE = "credit_history", "fulfilment_capacity", "behaviour", "identity", "tenure"
PAY, OWED, LENGTH, NEW, MIX, IDV = (
    "payment_history",
    "amounts_owed_and_capacity",
    "length_of_history",
    "new_credit",
    "credit_mix",
    "identity_verification",
)
_PAY_ON_TIME = "Pay every bill by its due date; late marks weigh less as they age."
_REPORT_INCOME = "Have your income paid into a reporting account."


CATALOGUE: tuple[FeatureSpec, ...] = (
    # -- credit history: how obligations were paid -----------------------------------
    Actionable("late30_3m", CH, PAY, "Payments 30+ days late in the last 3 months", "ascending",
                _PAY_ON_TIME, computed_by=STATEMENTS, fill=0),
    Actionable("late30_6m", CH, PAY, "Payments 30+ days late in the last 6 months", "ascending",
                _PAY_ON_TIME, computed_by=STATEMENTS, fill=0),
    Actionable("late30_12m", CH, PAY, "Payments 30+ days late in the last 12 months", "ascending",
                _PAY_ON_TIME, computed_by=STATEMENTS, fill=0),
    Actionable("late30_24m", CH, PAY, "Payments 30+ days late in the last 24 months", "ascending",
                _PAY_ON_TIME, computed_by=STATEMENTS, fill=0),
    Actionable("late60_12m", CH, PAY, "Payments 60+ days late in the last 12 months", "ascending",
                _PAY_ON_TIME, computed_by=STATEMENTS, fill=0),
    Actionable("late60_24m", CH, PAY, "Payments 60+ days late in the last 24 months", "ascending",
                _PAY_ON_TIME, computed_by=STATEMENTS, fill=0),
    Actionable("late90_24m", CH, PAY, "Payments 90+ days late in the last 24 months", "ascending",
                _PAY_ON_TIME, computed_by=STATEMENTS, fill=0),
    Actionable("max_days_past_due_24m", CH, PAY, "Longest delay on any payment in 24 months",
                "ascending", _PAY_ON_TIME, computed_by=STATEMENTS, fill=0),
    Actionable("current_days_past_due", CH, PAY, "Days past due on the most overdue account now",
                "ascending", "Bring every account up to date.", computed_by=STATEMENTS, fill=0),
    Actionable("accounts_unpaid_now", CH, PAY, "Accounts whose latest bill is unpaid", "ascending",
                "Pay the latest bill on every account.", computed_by=STATEMENTS, fill=0),
    # 1 unpaid bill is often a slip caught up the next month; 2 in a row is mostly a
    # default under way. A count with few values: each gets a pre-bin of its own, and a
    # rare one with enough bads a bin of its own, in the declared order.
    Actionable("unpaid_bills_in_a_row", CH, PAY,
                "Bills left unpaid in a row up to the latest one, on one account", "ascending",
                "Pay the overdue bills; an account caught up stops the count.",
                computed_by=STATEMENTS, fill=0),
    Actionable("days_since_late30", CH, PAY, "Time since the last payment 30+ days late",
                "descending", "Keep paying on time: a late mark counts less every month.",
                computed_by=STATEMENTS),
    Actionable("on_time_share_12m", CH, PAY, "Share of bills paid in full and on time (12 months)",
                "descending", "Pay the full amount due by the due date.", computed_by=STATEMENTS),
    Actionable("paid_late_12m", CH, PAY, "Bills paid after their due date (12 months)",
                "ascending", _PAY_ON_TIME, computed_by=STATEMENTS, fill=0),
    Actionable("paid_late_share_24m", CH, PAY,
                "Share of bills paid after their due date (24 months)", "ascending", _PAY_ON_TIME,
                computed_by=STATEMENTS),
    Actionable("card_paid_in_full_share_24m", CH, PAY,
                "Share of card bills paid in full (24 months)", "descending",
                "Pay the whole card balance when you can.", computed_by=STATEMENTS),
    Actionable("missed_payments_6m", CH, PAY, "Bills with nothing paid in the last 6 months",
                "ascending", "Pay at least the amount due on every bill.",
                computed_by=STATEMENTS, fill=0),
    Actionable("charged_off_24m", CH, PAY, "Accounts written off in the last 24 months",
                "ascending", "Settle written-off debts with the lender.", severe=True,
                computed_by=STATEMENTS, fill=0),
    Actionable("utility_late_12m", CH, PAY, "Late utility, telecom or rent bills (12 months)",
                "ascending", "Pay the utility, phone and rent bills on time for 6 months.",
                computed_by=STATEMENTS, fill=0),
    Actionable("bnpl_late_12m", CH, PAY, "Late buy-now-pay-later instalments (12 months)",
                "ascending", "Pay buy-now-pay-later instalments on time.",
                computed_by=STATEMENTS, fill=0),
    Actionable("judgments_24m", CH, PAY, "Court judgments for debts in the last 24 months",
                "ascending", "Settle judgments; a satisfied judgment is recorded as such.",
                severe=True, computed_by=PUBLIC_RECORDS, fill=0),
    Actionable("unsatisfied_judgments", CH, PAY, "Court judgments not yet satisfied", "ascending",
                "Settle the judgment and ask the court to record its satisfaction.", severe=True,
                computed_by=PUBLIC_RECORDS, fill=0),
    Actionable("bankruptcies", CH, PAY, "Bankruptcies on record", "ascending",
                "Meet the bankruptcy's terms and pay every account on time after it.", severe=True,
                computed_by=PUBLIC_RECORDS, fill=0),
    Actionable("days_since_judgment", CH, PAY, "Time since the last court judgment", "descending",
                "Settle debts before they go to court; a judgment weighs less as it ages.",
                computed_by=PUBLIC_RECORDS),
    # -- fulfilment capacity: income, balances, burden ------------------------------
    FeatureSpec("income_monthly_6m", FC, OWED, "Average monthly income received (6 months)",
                "descending", _REPORT_INCOME, computed_by=TRANSACTIONS, fill=0.0),
    FeatureSpec("income_monthly_12m", FC, OWED, "Average monthly income received (12 months)",
                "descending", _REPORT_INCOME, computed_by=TRANSACTIONS, fill=0.0),
    Actionable("revolving_utilisation", FC, OWED, "Card balances as a share of card limits",
                "ascending", "Keep card balances under 30% of their limits.",
                computed_by=STATEMENTS),
    Actionable("cards_over_90pct", FC, OWED, "Cards used above 90% of their limit", "ascending",
                "Bring each card's balance under 90% of its limit.",
                computed_by=STATEMENTS, fill=0),
    Actionable("credit_balance", FC, OWED, "Total balance owed on credit accounts", "ascending",
                "Pay down what you owe.", computed_by=STATEMENTS, fill=0),
    Actionable("balance_growth_6m", FC, OWED, "Growth of credit balances over 6 months",
                "ascending", "Pay balances down rather than letting them grow month after month.",
                computed_by=STATEMENTS),
    Actionable("debt_service_to_income", FC, OWED, "Monthly amounts due as a share of income",
                "ascending", "Keep monthly repayments under a third of income.",
                computed_by=ACROSS_KINDS),
    Actionable("balance_to_income", FC, OWED, "Credit balances against a year's income",
                "ascending", "Pay down balances relative to income.", computed_by=ACROSS_KINDS),
    FeatureSpec("income_change_3m", FC, OWED, "Income of the last 3 months against the 9 before",
                "descending", "Have all of your income paid into a reporting account.",
                computed_by=TRANSACTIONS),
    FeatureSpec("salary_monthly_12m", FC, OWED, "Usual monthly salary (12 months, months paid)",
                "descending", "Have your salary paid into a reporting account.",
                computed_by=TRANSACTIONS),
    FeatureSpec("salary_change_1m", FC, OWED, "Salary of the last month against the usual month",
                "descending", "Have every month's salary paid into a reporting account.",
                computed_by=TRANSACTIONS),
    FeatureSpec("card_limit_total", FC, OWED, "Total credit card limits", None,
                "Pay cards on time and in full: lenders raise limits on such a record.",
                computed_by=ACCOUNTS),
    # -- behaviour: conduct with income and credit -----------------------------------
    FeatureSpec("income_months_12m", BE, OWED, "Months with income received (12 months)",
                "descending", "Have your income paid into a reporting account every month.",
                computed_by=TRANSACTIONS, fill=0),
    FeatureSpec("income_variability_12m", BE, OWED, "Month-to-month variability of income",
                "ascending", "Have all of your regular income paid into a reporting account.",
                computed_by=TRANSACTIONS),
    FeatureSpec("salary_variability_12m", BE, OWED, "Variability of the salary between months paid",
                "ascending", "Have all of your salary paid into a reporting account.",
                computed_by=TRANSACTIONS),
    FeatureSpec("spend_to_income_12m", BE, OWED, "Spending as a share of income (12 months)",
                "ascending", "Keep spending below income.", computed_by=TRANSACTIONS),
    Actionable("accounts_opened_6m", BE, NEW, "Accounts opened in the last 6 months", "ascending",
                "Open new credit only when needed.", computed_by=ACCOUNTS),
    Actionable("accounts_opened_12m", BE, NEW, "Accounts opened in the last 12 months",
                "ascending", "Open new credit only when needed.", computed_by=ACCOUNTS),
    # -- identity: verification and stability ---------------------------------------
    FeatureSpec("id_verified", ID, IDV, "Identity verified with an official document", "descending",
                "Verify your identity with an official document.", computed_by=IDENTITY, fill=0),
    FeatureSpec("phone_tenure_days", ID, IDV, "Time with the same phone number", "descending",
                "Keep your phone number: the time you have had it counts.", computed_by=IDENTITY),
    FeatureSpec("address_tenure_days", ID, IDV, "Time at the current address", "descending",
                "Keep your address up to date with a reporting utility: time there counts.",
                computed_by=IDENTITY),
    FeatureSpec("address_changes_24m", ID, IDV, "Address changes in the last 24 months",
                "ascending",
                "Report each move once, to a reporting utility; time at the new address counts.",
                computed_by=IDENTITY, fill=0),
    FeatureSpec("employment_type", ID, IDV, "Employment as verified", None,
                "Have your employment verified.", categorical=True, computed_by=IDENTITY),
    FeatureSpec("days_since_employment_verified", ID, IDV, "Time since employment was verified",
                "ascending", "Have your employment verified again.", computed_by=IDENTITY),
    # -- tenure: depth and length of the record -------------------------------------
    FeatureSpec("oldest_account_days", TE, LENGTH, "Age of the oldest account", "descending",
                "Keep long-standing accounts open and in good standing.", computed_by=ACCOUNTS),
    FeatureSpec("average_account_days", TE, LENGTH, "Average age of accounts", "descending",
                "Open new accounts only when needed: they lower the average age.",
                computed_by=ACCOUNTS),
    FeatureSpec("open_accounts", TE, MIX, "Accounts currently open", None,
                "Keep a few accounts open and in good standing.", computed_by=ACCOUNTS),
    FeatureSpec("open_credit_accounts", TE, MIX, "Credit accounts currently open", None,
                "Keep a few credit accounts open and in good standing.", computed_by=ACCOUNTS),
    FeatureSpec("account_kinds", TE, MIX, "Kinds of accounts held (cards, loans, utilities...)",
                "descending",
                "Keep each kind of account you hold (bills included) in good standing.",
                computed_by=ACCOUNTS),
    FeatureSpec("accounts_closed_12m", TE, MIX, "Accounts closed in the last 12 months", None,
                "Keep long-standing accounts open rather than closing them.",
                computed_by=ACCOUNTS),
    FeatureSpec("statement_months_24m", TE, LENGTH, "Months with bills reported (24 months)",
                "descending",
                "Keep accounts that report every month (utilities, phone, rent) paid.",
                computed_by=STATEMENTS, fill=0),
)

# People already in default at T are published as such (score 350, band poor), with
# this as their first reason: the pseudo-feature, and per status its words and advice.
IN_DEFAULT = "in_default"
IN_DEFAULT_WORDS: dict[str, tuple[str, str]] = {
    "bankruptcy": (
        "In default now: a bankruptcy in the last 12 months",
        "A score is ranked again 12 months after the bankruptcy; until then "
        "lenders see the default.",
    ),
    "charged_off": (
        "In default now: an account written off in the last 12 months",
        "Settle the written-off debt with the lender; a score is ranked again "
        "12 months after the write-off.",
    ),
    "past_due_90": (
        "In default now: an account 90 or more days past due",
        "Bring the overdue account up to date: the score is ranked again once "
        "no account is 90 days past due.",
    ),
}

FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in CATALOGUE)
BY_NAME: dict[str, FeatureSpec] = {f.name: f for f in CATALOGUE}
ACTIONABLE: frozenset[str] = frozenset(f.name for f in CATALOGUE if f.actionable)


def advice_for(feature: str, situation: str | None = None) -> str | None:
    """What the person can do about a reason: a catalogue feature's advice, or for the
    in-default reason the advice for that status."""
    if feature == IN_DEFAULT:
        return IN_DEFAULT_WORDS.get(situation or "", (None, None))[1]
    spec = BY_NAME.get(feature)
    return spec.advice if spec else None


def data_dictionary() -> DataDictionary:
    """The catalogue as the scorecard's data dictionary."""
    return DataDictionary(
        features={
            f.name: FeatureInfo(
                dimension=f.dimension,
                description=f.description,
                trend=f.trend,
                special_values=f.special_values,
                severe=f.severe,
            )
            for f in CATALOGUE
        }
    )

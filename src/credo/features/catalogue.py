"""The feature catalogue: what each feature means, which dimension it explains, which
way its risk is expected to go, and what a person can do about it.

The computations live in :mod:`credo.features.definitions`; this module is the data
dictionary the scorecard, the reason codes and the portal read. Trends are the
default-rate trend the business expects as the value grows ("ascending": more is
riskier); ``None`` lets the binning choose. Special values are states the business
declares distinct, each scored in a bin of its own however few people are in it. Every
feature here is a fact about the person's own obligations and records: nothing about whom
they know, and no protected attribute (nor whether income comes from benefits).
"""

from __future__ import annotations

from dataclasses import dataclass

from credo.scorecard.dictionary import DataDictionary, FeatureInfo


@dataclass(frozen=True)
class FeatureSpec:
    name: str
    dimension: str
    description: str
    trend: str | None
    advice: str
    categorical: bool = False
    special_values: tuple[float, ...] = ()


CH, FC, BE, ID, TE = "credit_history", "fulfilment_capacity", "behaviour", "identity", "tenure"
_PAY_ON_TIME = "Pay every bill by its due date; late marks weigh less as they age."

CATALOGUE: tuple[FeatureSpec, ...] = (
    # -- credit history: how obligations were paid -----------------------------------
    FeatureSpec("late30_3m", CH, "Payments 30+ days late in the last 3 months", "ascending",
                _PAY_ON_TIME),
    FeatureSpec("late30_6m", CH, "Payments 30+ days late in the last 6 months", "ascending",
                _PAY_ON_TIME),
    FeatureSpec("late30_12m", CH, "Payments 30+ days late in the last 12 months", "ascending",
                _PAY_ON_TIME),
    FeatureSpec("late30_24m", CH, "Payments 30+ days late in the last 24 months", "ascending",
                _PAY_ON_TIME),
    FeatureSpec("late60_12m", CH, "Payments 60+ days late in the last 12 months", "ascending",
                _PAY_ON_TIME),
    FeatureSpec("late60_24m", CH, "Payments 60+ days late in the last 24 months", "ascending",
                _PAY_ON_TIME),
    FeatureSpec("late90_24m", CH, "Payments 90+ days late in the last 24 months", "ascending",
                _PAY_ON_TIME),
    FeatureSpec("max_days_past_due_24m", CH, "Longest delay on any payment in 24 months",
                "ascending", _PAY_ON_TIME),
    FeatureSpec("current_days_past_due", CH, "Days past due on the most overdue account now",
                "ascending", "Bring every account up to date."),
    FeatureSpec("accounts_unpaid_now", CH, "Accounts whose latest bill is unpaid", "ascending",
                "Pay the latest bill on every account."),
    # 1 unpaid bill is often a slip caught up the next month; 2 in a row is mostly a
    # default under way; 3 and more, an account already in collections.
    FeatureSpec("unpaid_bills_in_a_row", CH,
                "Bills left unpaid in a row up to the latest one, on one account", None,
                "Pay the overdue bills; an account caught up stops the count.",
                special_values=(1.0, 2.0, 3.0, 4.0, 5.0, 6.0)),
    FeatureSpec("days_since_late30", CH, "Time since the last payment 30+ days late",
                "descending", "Keep paying on time: a late mark counts less every month."),
    FeatureSpec("on_time_share_12m", CH, "Share of bills paid in full and on time (12 months)",
                "descending", "Pay the full amount due by the due date."),
    FeatureSpec("paid_late_12m", CH, "Bills paid after their due date (12 months)", "ascending",
                _PAY_ON_TIME),
    FeatureSpec("paid_late_share_24m", CH, "Share of bills paid after their due date (24 months)",
                "ascending", _PAY_ON_TIME),
    FeatureSpec("card_paid_in_full_share_24m", CH, "Share of card bills paid in full (24 months)",
                "descending", "Pay the whole card balance when you can."),
    FeatureSpec("missed_payments_6m", CH, "Bills with nothing paid in the last 6 months",
                "ascending", "Pay at least the amount due on every bill."),
    FeatureSpec("charged_off_24m", CH, "Accounts written off in the last 24 months", "ascending",
                "Settle written-off debts with the lender."),
    FeatureSpec("utility_late_12m", CH, "Late utility, telecom or rent bills (12 months)",
                "ascending", "Pay the utility, phone and rent bills on time for 6 months."),
    FeatureSpec("bnpl_late_12m", CH, "Late buy-now-pay-later instalments (12 months)",
                "ascending", "Pay buy-now-pay-later instalments on time."),
    FeatureSpec("judgments_24m", CH, "Court judgments for debts in the last 24 months",
                "ascending", "Settle judgments; a satisfied judgment is recorded as such."),
    FeatureSpec("unsatisfied_judgments", CH, "Court judgments not yet satisfied", "ascending",
                "Settle the judgment and ask the court to record its satisfaction."),
    FeatureSpec("bankruptcies", CH, "Bankruptcies on record", "ascending",
                "A bankruptcy weighs less as time passes after discharge."),
    FeatureSpec("days_since_judgment", CH, "Time since the last court judgment", "descending",
                "Avoid new judgments; older ones weigh less."),
    # -- fulfilment capacity: income, balances, burden ------------------------------
    FeatureSpec("income_monthly_6m", FC, "Average monthly income received (6 months)",
                "descending", "Have your income paid into a reporting account."),
    FeatureSpec("income_monthly_12m", FC, "Average monthly income received (12 months)",
                "descending", "Have your income paid into a reporting account."),
    FeatureSpec("revolving_utilisation", FC, "Card balances as a share of card limits",
                "ascending", "Keep card balances under 30% of their limits."),
    FeatureSpec("cards_over_90pct", FC, "Cards used above 90% of their limit", "ascending",
                "Bring each card's balance under 90% of its limit."),
    FeatureSpec("credit_balance", FC, "Total balance owed on credit accounts", "ascending",
                "Pay down what you owe."),
    FeatureSpec("balance_growth_6m", FC, "Growth of credit balances over 6 months", "ascending",
                "Avoid letting balances grow month after month."),
    FeatureSpec("debt_service_to_income", FC, "Monthly amounts due as a share of income",
                "ascending", "Keep monthly repayments under a third of income."),
    FeatureSpec("balance_to_income", FC, "Credit balances against a year's income", "ascending",
                "Pay down balances relative to income."),
    FeatureSpec("income_change_3m", FC, "Income of the last 3 months against the 9 before",
                "descending", "Tell your lenders early if your income falls."),
    FeatureSpec("salary_monthly_12m", FC, "Usual monthly salary (12 months, months paid)",
                "descending", "Have your salary paid into a reporting account."),
    FeatureSpec("salary_change_1m", FC, "Salary of the last month against the usual month",
                "descending", "Tell your lenders early if your salary stops or falls."),
    FeatureSpec("card_limit_total", FC, "Total credit card limits", None,
                "Limits grow with a record of careful use."),
    # -- behaviour: stability and patterns of spending and use ----------------------
    FeatureSpec("income_months_12m", BE, "Months with income received (12 months)",
                "descending", "A regular income paid into a reporting account helps."),
    FeatureSpec("income_variability_12m", BE, "Month-to-month variability of income",
                "ascending", "Regular income helps; irregular income is not a fault."),
    FeatureSpec("salary_variability_12m", BE, "Variability of the salary between months paid",
                "ascending", "A regular salary helps; irregular pay is not a fault."),
    FeatureSpec("spend_monthly_6m", BE, "Average monthly spending (6 months)", None,
                "Keep spending within income."),
    FeatureSpec("spend_variability_6m", BE, "Month-to-month variability of spending",
                "ascending", "Steady spending reads as a stable budget."),
    FeatureSpec("spend_to_income_12m", BE, "Spending as a share of income (12 months)",
                "ascending", "Keep spending below income."),
    FeatureSpec("spend_change_3m", BE, "Spending of the last 3 months against the 9 before",
                None, "Keep spending steady and within income."),
    FeatureSpec("online_share_12m", BE, "Share of purchases made online (12 months)", None,
                "Neither online nor offline shopping is a fault in itself."),
    FeatureSpec("gambling_share_24m", BE, "Share of purchases made at gambling merchants "
                "(24 months)", "ascending", "Limit gambling."),
    FeatureSpec("cash_share_12m", BE, "Share of spending taken as cash (12 months)", "ascending",
                "Card or transfer payments leave a clearer record."),
    FeatureSpec("refund_share_12m", BE, "Refunds as a share of purchases (12 months)", None,
                "Refunds are normal; nothing to do."),
    FeatureSpec("transactions_3m", BE, "Transactions in the last 3 months", "descending",
                "Regular use of a reporting account builds the record."),
    FeatureSpec("essentials_share_12m", BE, "Share of spending on essentials (12 months)", None,
                "Nothing to do: essentials are part of any budget."),
    FeatureSpec("accounts_opened_6m", BE, "Accounts opened in the last 6 months", "ascending",
                "Open new credit only when needed."),
    FeatureSpec("accounts_opened_12m", BE, "Accounts opened in the last 12 months", "ascending",
                "Open new credit only when needed."),
    # -- identity: verification and stability ---------------------------------------
    FeatureSpec("id_verified", ID, "Identity verified with an official document", "descending",
                "Verify your identity with an official document."),
    FeatureSpec("phone_tenure_days", ID, "Time with the same phone number", "descending",
                "Keeping a number for years shows stability."),
    FeatureSpec("address_tenure_days", ID, "Time at the current address", "descending",
                "Time at an address shows stability."),
    FeatureSpec("address_changes_24m", ID, "Address changes in the last 24 months", "ascending",
                "Moving is not a fault; stability builds with time."),
    FeatureSpec("employment_type", ID, "Employment as verified", None,
                "Have your employment verified.", categorical=True),
    FeatureSpec("days_since_employment_verified", ID, "Time since employment was verified",
                "ascending", "Have your employment verified again."),
    # -- tenure: depth and length of the record -------------------------------------
    FeatureSpec("oldest_account_days", TE, "Age of the oldest account", "descending",
                "Keep long-standing accounts open and in good standing."),
    FeatureSpec("average_account_days", TE, "Average age of accounts", "descending",
                "Record length grows with time."),
    FeatureSpec("open_accounts", TE, "Accounts currently open", None,
                "A few well-kept accounts are enough."),
    FeatureSpec("open_credit_accounts", TE, "Credit accounts currently open", None,
                "A few well-kept accounts are enough."),
    FeatureSpec("account_kinds", TE, "Kinds of accounts held (cards, loans, utilities...)",
                "descending", "A mix of well-kept accounts builds the record."),
    FeatureSpec("open_mortgages", TE, "Mortgages currently open", "descending",
                "Nothing to do: a mortgage is not required."),
    FeatureSpec("accounts_closed_12m", TE, "Accounts closed in the last 12 months", None,
                "Closing unused accounts is fine."),
    FeatureSpec("statement_months_24m", TE, "Months with bills reported (24 months)",
                "descending", "Accounts reported every month build the record."),
)

# People already in default at T are published as such (score 350, band poor), with
# this as their first reason: the pseudo-feature, and per status its words and advice.
IN_DEFAULT = "in_default"
IN_DEFAULT_WORDS: dict[str, tuple[str, str]] = {
    "bankruptcy": ("In default now: a bankruptcy in the last 12 months",
                   "A score is ranked again 12 months after the bankruptcy; until then "
                   "lenders see the default."),
    "charged_off": ("In default now: an account written off in the last 12 months",
                    "Settle the written-off debt with the lender; a score is ranked again "
                    "12 months after the write-off."),
    "past_due_90": ("In default now: an account 90 or more days past due",
                    "Bring the overdue account up to date: the score is ranked again once "
                    "no account is 90 days past due."),
}

FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in CATALOGUE)
BY_NAME: dict[str, FeatureSpec] = {f.name: f for f in CATALOGUE}


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
            )
            for f in CATALOGUE
        }
    )

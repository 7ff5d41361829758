"""The newsletter's measure: lift in human opens of Overture's sends over the holdout.

Code, not a model, judges the objective. The unit is the person, not the message: each
recipient's share of deliveries they opened as a person (machine opens never count) over the
run's latest sends, against the same share before the run (regression adjustment,
:mod:`overture.stats.adjusted`), treated against the holdout, which got the usual newsletter
every week. The latest sends are a window fixed in advance: the latest half of the budget's
cycles, never the first (it explores). The objective asks whether the open rate *is* higher, so
the weeks spent learning are not averaged in, yet pooling several weeks per person, and
adjusting for how each person read before, is what makes a +20% lift provable on a list of tens
of thousands (and removes the luck of a holdout that drew keener readers). The interval is set
so that reading it once per cycle of the budget keeps the overall error at 5%.

The measurement's value is the treated rate and its baseline the holdout's (adjusted), so the
objective is met only when the lower bound of the lift clears the target. Beside it, the
detail has the lift over the practice group (the A/B-then-winner practice an email service
offers, :mod:`overture.specialists.experimenter`), measured the same way, and the latest cycle
alone, raw opens beside human opens.
"""

from __future__ import annotations

import math
from datetime import datetime

from pydantic import JsonValue

from overture.agents import Environment
from overture.data import CustomerStore
from overture.objective import Objective
from overture.records import Measurement, TaskLedger
from overture.specialists.context import newsletter_context
from overture.specialists.results import campaign_counts, group_totals, person_outcomes
from overture.stats import adjusted_lift_interval

__all__ = ["ALPHA", "holdout_lift", "measured_cycles"]

ALPHA = 0.05


def holdout_lift(objective: Objective, env: Environment, ledger: TaskLedger) -> Measurement:
    """Measure the human-open lift over the holdout of the cycles reported so far."""
    report = ledger.fact("report.latest")
    now = env.clock.now()
    if report is None or not isinstance(report.value, dict):
        return Measurement(metric=objective.metric.value, value=None, baseline=0.0, at=now)
    campaign = str(report.value["campaign_id"])
    context = newsletter_context(env)
    found = context.measured.get(campaign)
    if found is None:
        found = context.measured[campaign] = _measure(objective, context.store, campaign, now)
    return found.model_copy(update={"at": now})


def _measure(
    objective: Objective, store: CustomerStore, campaign: str, now: datetime
) -> Measurement:
    groups = group_totals(campaign_counts(store, campaign))
    treated, control = groups["treated"], groups["holdout"]
    t_open, t_n = treated.human_openers, treated.delivered
    c_open, c_n = control.human_openers, control.delivered
    prefix, _, last = campaign.rpartition("-c")
    started = _first_send(store, f"{prefix}-c0")
    if not t_n or not c_n or not c_open or not last.isdigit() or started is None:
        return Measurement(metric=objective.metric.value, value=None, baseline=0.0, at=now)
    cycles = measured_cycles(int(last), objective.budgets.max_cycles)
    people = person_outcomes(store, [f"{prefix}-c{k}" for k in cycles], started)
    arm_t, arm_c, arm_p = (people.group == g for g in ("treated", "holdout", "practice"))
    looks = objective.budgets.max_cycles
    lift = adjusted_lift_interval(
        (people.opened[arm_t], people.before[arm_t]),
        (people.opened[arm_c], people.before[arm_c]),
        alpha=ALPHA,
        looks=looks,
    )
    practice: dict[str, JsonValue] = {}
    if arm_p.any():
        # What the run adds over what an email service offers: informative, never the verdict.
        over = adjusted_lift_interval(
            (people.opened[arm_t], people.before[arm_t]),
            (people.opened[arm_p], people.before[arm_p]),
            alpha=ALPHA,
            looks=looks,
        )
        practice = {
            "practice_lift": round(over.estimate, 6),
            "practice_lift_lower": round(over.lower, 6),
            "practice_lift_upper": round(over.upper, 6),
            "people_practice": int(arm_p.sum()),
        }
    base = float(people.opened[arm_c].mean())
    return Measurement(
        metric=objective.metric.value,
        value=base * (1 + lift.estimate),
        baseline=base,
        lower=base * (1 + lift.lower),
        upper=base * (1 + lift.upper),
        sample_size=int(people.opened.size),
        at=now,
        detail={
            "campaign_id": campaign,
            "cycles": list(cycles),
            "lift": round(lift.estimate, 6),
            "lift_lower": round(lift.lower, 6),
            "lift_upper": round(lift.upper, 6),
            "people_treated": int(arm_t.sum()),
            "people_holdout": int(arm_c.sum()),
            **practice,
            "latest_lift": round((t_open / t_n) / (c_open / c_n) - 1, 6),
            "treated_human_openers": t_open,
            "treated_delivered": t_n,
            "control_human_openers": c_open,
            "control_delivered": c_n,
            "treated_raw_openers": treated.raw_openers,
            "control_raw_openers": control.raw_openers,
            "confidence": (
                "per person over the latest half of the budget's cycles, adjusted for each "
                "person's human-open share before the run; 95% over up to "
                f"{looks} readings"
            ),
        },
    )


def measured_cycles(latest: int, max_cycles: int) -> list[int]:
    """The cycles the reading after cycle ``latest`` pools: the latest half of the budget's,
    from the second cycle on (the first alone, until there is a second)."""
    width = math.ceil(max_cycles / 2)
    return list(range(max(1, latest - width + 1), latest + 1)) or [0]


def _first_send(store: CustomerStore, campaign_id: str) -> datetime | None:
    rows = store.rows("SELECT min(sent_at) FROM sends WHERE campaign_id = ?", [campaign_id])
    first = rows[0][0] if rows else None
    return first if isinstance(first, datetime) else None

"""The newsletter's measure: lift in human opens of Overture's plan over the holdout.

Code, not a model, judges the objective: the latest reported campaign's counts are read back
from the store (human opens only; machine opens never count), and an anytime-valid confidence
sequence bounds the relative lift of the treated recipients over the holdout, which got the
usual newsletter. The measurement's value is the treated rate and its baseline the holdout's,
so the objective is met only when the lower bound of the lift clears the target.
"""

from __future__ import annotations

from overture.agents import Environment
from overture.objective import Objective
from overture.records import Measurement, TaskLedger
from overture.specialists.compliance import CONTROL
from overture.specialists.context import newsletter_context
from overture.specialists.results import campaign_counts
from overture.stats import lift_confidence_sequence

__all__ = ["ALPHA", "holdout_lift"]

ALPHA = 0.05


def holdout_lift(objective: Objective, env: Environment, ledger: TaskLedger) -> Measurement:
    """Measure the latest reported cycle's human-open lift over the holdout."""
    report = ledger.fact("report.latest")
    now = env.clock.now()
    if report is None or not isinstance(report.value, dict):
        return Measurement(metric=objective.metric.value, value=None, baseline=0.0, at=now)
    campaign = str(report.value["campaign_id"])
    counts = campaign_counts(newsletter_context(env).store, campaign)
    treated = [c for c in counts if c.arm != CONTROL]
    control = [c for c in counts if c.arm == CONTROL]
    t_open, t_n = sum(c.human_openers for c in treated), sum(c.delivered for c in treated)
    c_open, c_n = sum(c.human_openers for c in control), sum(c.delivered for c in control)
    if not t_n or not c_n or not c_open:
        return Measurement(metric=objective.metric.value, value=None, baseline=0.0, at=now)
    lift = lift_confidence_sequence(t_open, t_n, c_open, c_n, alpha=ALPHA, horizon=t_n + c_n)
    base = c_open / c_n
    return Measurement(
        metric=objective.metric.value,
        value=t_open / t_n,
        baseline=base,
        lower=base * (1 + lift.lower),
        upper=base * (1 + lift.upper),
        sample_size=t_n + c_n,
        at=now,
        detail={
            "campaign_id": campaign,
            "lift": round(lift.estimate, 6),
            "lift_lower": round(lift.lower, 6),
            "lift_upper": round(lift.upper, 6),
            "treated_human_openers": t_open,
            "treated_delivered": t_n,
            "control_human_openers": c_open,
            "control_delivered": c_n,
            "treated_raw_openers": sum(c.raw_openers for c in treated),
            "control_raw_openers": sum(c.raw_openers for c in control),
            "confidence": "anytime-valid confidence sequence, alpha 0.05",
        },
    )

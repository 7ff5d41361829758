"""Ground truth: what really happened in each simulated send, for the oracle and benchmarks.

Agents never hold this object: they see the channel's events and the store's files. The truth
records, per send, which opens were people, which were privacy proxies, and each recipient's
chance of a human open; it also keeps the fatigue state the channel draws from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from overture.ids import CampaignId, IdempotencyKey

__all__ = ["GroundTruth", "SendTruth"]

I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]
_DAY = 86_400.0


@dataclass(frozen=True, eq=False)
class SendTruth:
    """One send as it really went, recipient by recipient."""

    key: IdempotencyKey
    campaign_id: CampaignId
    contacts: I64
    send_at: I64
    delivered: B
    open_probability: npt.NDArray[np.float64]
    """Each recipient's chance of a human open (0 when not delivered)."""
    human_open: B
    """A person opened, whether or not the feed could show it."""
    machine_open: B
    clicked: B
    unsubscribed: B
    complained: B
    load: npt.NDArray[np.float64]
    """The fatigue load each recipient carried into this send (recent sends, decayed)."""

    def load_of(self, contacts: I64) -> npt.NDArray[np.float64]:
        """The load ``contacts`` carried into this send; each must be one of its recipients."""
        order = np.argsort(self.contacts, kind="stable")
        at = np.searchsorted(self.contacts, contacts, sorter=order)
        found = order[np.minimum(at, order.shape[0] - 1)] if order.size else at
        if not order.size or not np.array_equal(self.contacts[found], contacts):
            raise KeyError(f"some contacts were not recipients of '{self.campaign_id}'")
        return self.load[found]

    @property
    def human_open_rate(self) -> float:
        """Human opens per delivered message."""
        delivered = int(self.delivered.sum())
        return int(self.human_open.sum()) / delivered if delivered else 0.0

    @property
    def expected_human_open_rate(self) -> float:
        """Mean chance of a human open per delivered message."""
        delivered = int(self.delivered.sum())
        return float(self.open_probability.sum()) / delivered if delivered else 0.0


class GroundTruth:
    """Every send's truth, and each contact's fatigue state (recent sends, decayed)."""

    def __init__(self, size: int) -> None:
        self.sends: list[SendTruth] = []
        self._load = np.zeros(size, dtype=np.float64)
        self._last = np.full(size, -np.inf, dtype=np.float64)

    def record(self, send: SendTruth) -> None:
        self.sends.append(send)

    def campaign(self, campaign_id: str) -> SendTruth:
        """The truth of the send of ``campaign_id`` (the latest, if sent twice)."""
        for send in reversed(self.sends):
            if send.campaign_id == campaign_id:
                return send
        raise KeyError(f"no send for campaign '{campaign_id}'")

    def load_at(
        self, contacts: I64, moment: int | I64, half_life_days: float
    ) -> npt.NDArray[np.float64]:
        """Each contact's recent-send load at epoch second(s) ``moment``, without changing it."""
        elapsed = np.maximum(moment - self._last[contacts], 0.0) / _DAY
        return self._load[contacts] * np.exp2(-elapsed / half_life_days)

    def load_before(
        self, contacts: I64, moments: I64, half_life_days: float
    ) -> npt.NDArray[np.float64]:
        """The load each recipient carries into a send at ``moments``; counts the send in."""
        elapsed = np.maximum(moments - self._last[contacts], 0.0) / _DAY
        load = self._load[contacts] * np.exp2(-elapsed / half_life_days)
        self._load[contacts] = load + 1.0
        self._last[contacts] = np.maximum(self._last[contacts], moments)
        return load

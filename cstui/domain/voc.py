"""Voice of the customer: feature requests ranked by revenue impact, and the feedback loop.

CloudSign ranks requests by the revenue of the accounts asking (収益インパクト), not by vote
count: ten small trials asking for something weigh less than one large customer at risk.
The loop is listen → analyse → act → tell the customer what changed → monitor.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from cstui.domain import metrics
from cstui.domain.enums import LoopStatus, Stage
from cstui.domain.models import Account, FeatureRequest, Task
from cstui.i18n import Msg, render

LOOP_ORDER: tuple[LoopStatus, ...] = tuple(LoopStatus)
"""The loop's steps in order (the enum declares them in that order)."""


def next_status(status: LoopStatus) -> LoopStatus | None:
    """The following step of the loop; None after monitoring (a new request starts again)."""
    i = LOOP_ORDER.index(status)
    return LOOP_ORDER[i + 1] if i + 1 < len(LOOP_ORDER) else None


def tell_task_key(request_id: str, account_id: str) -> str:
    """The key of the "tell the customer" task, so shipping twice never duplicates it."""
    return f"voc:{request_id}:{account_id}"


def loop_status(request: FeatureRequest, tasks: Iterable[Task]) -> LoopStatus:
    """The request's status, moved to ``told`` once it shipped and every tell task is done.

    Derived rather than only stored so that completing the last task (from any screen, the
    CLI or another process) closes the loop at once.
    """
    if not request.shipped or request.status in (LoopStatus.TOLD, LoopStatus.MONITORING):
        return request.status
    prefix = tell_task_key(request.id, "")
    mine = [t for t in tasks if t.key.startswith(prefix)]
    if mine and all(t.done for t in mine):
        return LoopStatus.TOLD
    return request.status


@dataclass(frozen=True)
class RankedRequest:
    """A request with the ARR of the (non-churned) accounts asking and the red share of it.

    ``arr``/``arr_at_risk`` are None when the accounts' currencies cannot be added (no
    exchange rate); ``note`` then says why. ``accounts`` lists every asking account, the
    largest ARR first (:func:`by_arr`), ``at_risk`` those in the red health band.
    """

    request: FeatureRequest
    arr: float | None
    arr_at_risk: float | None
    currency: str | None
    accounts: list[str]
    at_risk: list[str] = field(default_factory=list)
    status: LoopStatus = LoopStatus.LISTENING
    note: str = ""
    """Why ``arr`` is None, in English (``message`` words it in any language)."""
    message: Msg | None = None

    def note_text(self, lang: str | None = None) -> str:
        return self.note if self.message is None else render(self.message, lang, self.note)

    @property
    def votes(self) -> int:
        return len(self.accounts)


class Priced(Protocol):
    """An ARR in its currency: an account, or a tier suggestion."""

    @property
    def arr(self) -> int: ...
    @property
    def currency(self) -> str: ...


P = TypeVar("P", bound=Priced)


def by_arr(
    accounts: Iterable[P],
    currency: str | None = None,
    rates: Mapping[str, float] | None = None,
) -> list[P]:
    """``accounts`` by ARR, largest first, compared in ``currency`` at ``rates`` as the
    request's rank adds them up (so ¥440k, about $2.9k, comes after $390k; listed in the
    request's order it came first).

    One order across currencies, not one list per currency: the list explains the rank,
    and the rank weighs every account in the report currency (DESIGN: money is compared in
    one currency wherever a sort needs it). An account whose currency has no rate (or,
    without ``currency``, a book of several currencies) cannot be compared with the others:
    those come after, grouped per currency, largest first in each. Equal ARRs keep the
    given order.
    """
    listed = list(accounts)
    target = currency
    if target is None and len({a.currency.upper() for a in listed}) == 1:
        target = listed[0].currency  # one currency: nothing to convert
    table = rates or {}

    def key(account: P) -> tuple[int, str, float]:
        value = (
            None
            if target is None
            else metrics.convert(account.arr, account.currency, target, table)
        )
        if value is not None:
            return (0, "", -value)
        return (1, account.currency.upper(), -float(account.arr))

    return sorted(listed, key=key)


def rank_requests(
    requests: Iterable[FeatureRequest],
    accounts_by_id: Mapping[str, Account],
    bands: Mapping[str, str],
    *,
    currency: str | None = None,
    rates: Mapping[str, float] | None = None,
    statuses: Mapping[str, LoopStatus] | None = None,
) -> list[RankedRequest]:
    """Requests by ARR asking (then ARR at risk, then votes); unconvertible ones last.

    Churned accounts stay listed but add no ARR: there is no revenue left at stake.
    ``currency``/``rates`` convert mixed currencies explicitly (see ``metrics.sum_money``).
    """
    ranked: list[RankedRequest] = []
    for req in requests:
        asking = [accounts_by_id[i] for i in req.account_ids if i in accounts_by_id]
        live = [a for a in asking if a.stage is not Stage.CHURNED]
        red = [a for a in live if bands.get(a.id) == "red"]
        note = ""
        message = None
        try:
            total = metrics.sum_money([(a.arr, a.currency) for a in live], to=currency, rates=rates)
            risk = metrics.sum_money([(a.arr, a.currency) for a in red], to=currency, rates=rates)
            arr: float | None = 0.0 if total is None else total.amount
            at_risk: float | None = 0.0 if risk is None else risk.amount
            cur = currency or (total.currency if total else None)
        except metrics.CurrencyMixError as exc:
            arr = at_risk = None
            cur = currency
            note, message = str(exc), exc.message
        ranked.append(
            RankedRequest(
                request=req,
                arr=arr,
                arr_at_risk=at_risk,
                currency=cur,
                accounts=[a.id for a in by_arr(asking, currency, rates)],
                at_risk=[a.id for a in red],
                status=(statuses or {}).get(req.id, req.status),
                note=note,
                message=message,
            )
        )
    return sorted(
        ranked,
        key=lambda r: (
            r.arr is None,
            -(r.arr or 0),
            -(r.arr_at_risk or 0),
            -r.votes,
            r.request.title,
        ),
    )

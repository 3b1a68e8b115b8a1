"""Risk flags (early warnings, 予兆通知) and the alerts that track them over time.

Flags are kept apart from the health score on purpose: a score blends signals, and Slack's
"red account" lesson is that any one bad signal deserves a response on its own. Each flag
carries its evidence in words so the CSM can act without digging. The evidence is a message
(``flag.*`` keys in ``locale/<lang>/domain.json``), worded in the reader's language when shown;
an alert stores it as key and parameters next to the English text (``evidence``), so neither
language is frozen into the data and older alerts with only the English text still show.

A flag is what the rules say today; an alert is its history: first seen, last seen, snoozed
(with a reason) or resolved. There is one alert per account and rule (id
``"{account_id}:{rule}"``), so re-running the rules never duplicates anything.

Windows such as "the last 90 days" include both ends, as in ``cstui.domain.health``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any, ClassVar, Final

from pydantic import field_validator, model_validator

from cstui.domain import metrics
from cstui.domain.cadence import CADENCE_TIERS, touchpoints
from cstui.domain.enums import ContactRole, SurveyKind, Table, Tier
from cstui.domain.health import (
    FLAG_RULES,
    Band,
    FlagConfig,
    HealthConfig,
    HealthInputs,
    HealthResult,
    latest_snapshot_index,
    latest_touch,
    one_decimal,
)
from cstui.domain.light import ContactLike, SurveyLike
from cstui.domain.models import Record
from cstui.domain.portfolio import renewal_state
from cstui.i18n import Msg, join, message_from_json, msg, render, texts

_EVIDENCE_COMMENT_CHARS = 80
_EVIDENCE_MAX_ITEMS = 3

SEVERITY: Final[Mapping[str, int]] = {
    "renewal-overdue": 0,
    "renewal-risk": 0,
    "champion-left": 0,
    "usage-drop": 1,
    "detractor": 1,
    "no-touch": 2,
    "touchpoint-missed": 2,
}
"""How much an alert of each rule weighs, 0 (act now: the renewal or the relationship is
at stake) to 2 (a habit slipped). Today ranks alerts by this, then by the ARR at stake, so a
large renewal at risk is never listed below a small account's missed touchpoint."""
SEVERITY_NAMES: Final[tuple[str, ...]] = ("high", "medium", "low")


def severity(rule: str) -> int:
    """The rule's severity rank (unknown rules weigh least)."""
    return SEVERITY.get(rule, len(SEVERITY_NAMES) - 1)


class Flag:
    """One rule firing for one account at the date it was computed.

    ``Flag(rule, account_id, evidence, since, message)``. The English ``evidence`` may be
    None when there is a ``message``: it is then worded from it when first read. The daily
    rescore flags every account of the book but stores the English text only where an
    alert's message changed, so wording each flag as it was found was wasted work.
    """

    __slots__ = ("_evidence", "account_id", "message", "rule", "since")

    def __init__(
        self,
        rule: str,
        account_id: str,
        evidence: str | None,
        since: date | None,
        message: Msg | None = None,
    ) -> None:
        self.rule = rule
        self.account_id = account_id
        self._evidence = evidence
        self.since = since
        """When the condition started, when known."""
        self.message = message
        """The evidence as a message, to show in the reader's language (:meth:`text`)."""

    @property
    def evidence(self) -> str:
        """The evidence in English (what an alert stores and compares)."""
        if self._evidence is None:
            self._evidence = "" if self.message is None else self.message.render("en")
        return self._evidence

    def _key(self) -> tuple[Any, ...]:
        return (self.rule, self.account_id, self.evidence, self.since, self.message)

    def __eq__(self, other: object) -> bool:
        if type(other) is not Flag:
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"Flag(rule={self.rule!r}, account_id={self.account_id!r}, "
            f"evidence={self.evidence!r}, since={self.since!r}, message={self.message!r})"
        )

    @property
    def label(self) -> str:
        """i18n key, e.g. ``health.flag.no-touch`` (labels also in the config's flags)."""
        return f"health.flag.{self.rule}"

    def text(self, lang: str | None = None) -> str:
        """The evidence in ``lang`` (default: the UI language)."""
        return render(self.message, lang, self._evidence)


def _flag(rule: str, account_id: str, message: Msg, since: date | None) -> Flag:
    return Flag(rule, account_id, None, since, message)


def _champion_left(inputs: HealthInputs, fc: FlagConfig, as_of: date) -> Flag | None:
    """A champion left recently, or no champion is left at all after one left.

    Recent departures flag even when other champions remain (the seeds: keep several, and
    replace the one who left); an old departure keeps flagging only while no active champion
    remains, so naming a new champion clears it.
    """
    gone: list[tuple[ContactLike, date | None]] = []
    staying: list[ContactLike] = []
    for c in inputs.contacts:
        if c.role is not ContactRole.CHAMPION:
            continue
        left = c.left_on
        if left is not None and left <= as_of:
            gone.append((c, left))
        elif left is None and not c.active:
            gone.append((c, None))
        else:
            staying.append(c)
    if not gone:
        return None
    window_start = as_of - timedelta(days=fc.champion_window_days)
    recent = [(c, d) for c, d in gone if d is not None and d >= window_start]
    if staying and not recent:
        return None
    shown = recent if staying else gone
    parts = [
        msg("flag.champion_left.left", name=c.name, day=d)
        if d is not None
        else msg("flag.champion_left.inactive", name=c.name)
        for c, d in shown
    ]
    if staying:
        key = "flag.champion_left.remain_many" if len(staying) > 1 else "flag.champion_left.remain"
        remain = msg(key, n=len(staying), names=join("sep.list", (c.name for c in staying)))
    else:
        remain = Msg("flag.champion_left.none_remain")
    key = "flag.champion_left" if len(parts) == 1 else "flag.champion_left.many"
    dates = [d for _, d in shown if d is not None]
    return _flag(
        "champion-left",
        inputs.account.id,
        msg(key, people=join("sep.list", parts), remain=remain),
        max(dates) if dates else None,
    )


def _usage_drop(inputs: HealthInputs, config: HealthConfig, as_of: date) -> Flag | None:
    """Active users or logins fell by more than the threshold against the reading closest to
    ``days`` before the latest one (within ``tolerance_days``). Stale usage does not flag."""
    fc = config.flags
    usage = inputs.usage
    i = latest_snapshot_index(usage, as_of)
    if usage is None or i is None:
        return None
    snaps = usage.snapshots
    cur = snaps[i]
    if (as_of - cur.date).days > config.usage_max_age_days:
        return None
    target = cur.date - timedelta(days=fc.usage_drop_days)
    tol = fc.usage_drop_tolerance_days
    ref = None
    best = tol
    for j in range(i - 1, -1, -1):
        d = snaps[j].date
        gap = abs((d - target).days)
        if gap <= best:  # scanning backwards: on a tie the earlier reading wins
            ref, best = snaps[j], gap
        elif d < target:
            break
    if ref is None:
        return None
    parts: list[Msg] = []
    for key, before, now in (
        ("flag.usage_drop.users", ref.active_users, cur.active_users),
        ("flag.usage_drop.logins", ref.logins, cur.logins),
    ):
        if before > 0:
            pct = (before - now) / before * 100
            if pct > fc.usage_drop_pct:
                # The first part starts the English sentence: its own, capitalised, key.
                key += "" if parts else ".first"
                parts.append(msg(key, pct=one_decimal(pct), before=before, now=now))
    if not parts:
        return None
    drops = join("flag.usage_drop.sep", parts)
    days = (cur.date - ref.date).days
    message = msg("flag.usage_drop", drops=drops, start=ref.date, end=cur.date, days=days)
    return _flag("usage-drop", inputs.account.id, message, cur.date)


def _no_touch(inputs: HealthInputs, config: HealthConfig, as_of: date) -> Flag | None:
    """More days since the last touch than the tier's cadence (counted from the contract start
    when nothing was ever logged)."""
    account = inputs.account
    tier = account.tier
    cadence = config.cadence[tier]
    touch = latest_touch(inputs.activities, as_of)
    if touch is not None:
        days = (as_of - touch.date).days
        if days <= cadence:
            return None
        kind = touch.kind.value
        text = msg(
            "flag.no_touch",
            days=days,
            day=touch.date,
            kind=kind,
            kind_label=Msg(f"account.kind.{kind}"),
            expects=_expects(tier, cadence),
        )
        return _flag("no-touch", account.id, text, touch.date + timedelta(days=cadence + 1))
    start = account.contract_start
    if start is None:
        never = msg("flag.no_touch.never", expects=_expects(tier, cadence))
        return _flag("no-touch", account.id, never, None)
    days = (as_of - start).days
    if days <= cadence:
        return None
    text = msg("flag.no_touch.since_start", start=start, days=days, expects=_expects(tier, cadence))
    return _flag("no-touch", account.id, text, start + timedelta(days=cadence + 1))


def _expects(tier: Tier, cadence: int) -> Msg:
    """What the tier's cadence asks for, in words (worded only for an account it flags)."""
    return msg(
        "flag.no_touch.expects",
        tier=tier.value,
        tier_label=Msg(f"tier.{tier.value}"),
        cadence=cadence,
    )


def _renewal_risk(
    inputs: HealthInputs, health: HealthResult, fc: FlagConfig, as_of: date
) -> Flag | None:
    """An upcoming renewal (:func:`renewal_state`, window from the config) while the band is
    not green (no score counts as not green), or an overdue renewal on a red account.

    ``since`` is the day the renewal entered the window: the band's history is not known here.
    """
    account = inputs.account
    renewal = account.renewal_date
    if renewal is None:
        return None
    days = (renewal - as_of).days
    state = renewal_state(days, account.stage, fc.renewal_window_days)
    if state == "overdue" and health.band is Band.RED:
        text = msg("flag.renewal_risk.overdue", day=renewal, days=-days, score=health.score)
        return _flag("renewal-risk", account.id, text, renewal + timedelta(days=1))
    if state != "upcoming" or health.band is Band.GREEN:
        return None
    band = health.band.value
    health_text = (
        msg(
            "flag.renewal_risk.health",
            score=health.score,
            band=band,
            band_label=Msg(f"health.band.{band}"),
        )
        if health.score is not None
        else Msg("flag.renewal_risk.no_score")
    )
    return _flag(
        "renewal-risk",
        account.id,
        msg("flag.renewal_risk", day=renewal, days=days, state=health_text),
        renewal - timedelta(days=fc.renewal_window_days),
    )


def _renewal_overdue(inputs: HealthInputs, as_of: date) -> Flag | None:
    """The renewal date has passed and nobody recorded an outcome (the account is still open:
    recording one moves the date on, churning closes the account)."""
    account = inputs.account
    renewal = account.renewal_date
    if renewal is None:
        return None
    days = (renewal - as_of).days
    if renewal_state(days, account.stage) != "overdue":
        return None
    text = msg("flag.renewal_overdue", day=renewal, days=-days)
    return _flag("renewal-overdue", account.id, text, renewal + timedelta(days=1))


def _detractor(inputs: HealthInputs, fc: FlagConfig, as_of: date) -> Flag | None:
    """An NPS answer of ``max_score`` or less (a detractor: 0–6) within the window."""
    start = as_of - timedelta(days=fc.detractor_window_days)
    hits: list[SurveyLike] = [
        s
        for s in inputs.surveys
        if s.kind is SurveyKind.NPS
        and start <= s.date <= as_of
        and metrics.is_detractor(s.score, fc.detractor_max_score)
    ]
    if not hits:
        return None
    hits.sort(key=lambda s: (s.date, s.id))
    names = {c.id: c.name for c in inputs.contacts}
    unnamed = Msg("flag.detractor.unnamed")
    parts: list[Msg] = []
    for s in hits[:_EVIDENCE_MAX_ITEMS]:
        name = names.get(s.contact_id or "")
        who = unnamed if name is None else name
        if s.comment:
            comment = (
                s.comment
                if len(s.comment) <= _EVIDENCE_COMMENT_CHARS
                else (s.comment[: _EVIDENCE_COMMENT_CHARS - 1] + "…")
            )
            part = msg(
                "flag.detractor.answer_comment", score=s.score, who=who, day=s.date, comment=comment
            )
        else:
            part = msg("flag.detractor.answer", score=s.score, who=who, day=s.date)
        parts.append(part)
    if len(hits) > _EVIDENCE_MAX_ITEMS:
        parts.append(msg("flag.detractor.more", n=len(hits) - _EVIDENCE_MAX_ITEMS))
    answers = join("flag.detractor.sep", parts)
    return _flag(
        "detractor", inputs.account.id, msg("flag.detractor", answers=answers), hits[0].date
    )


def _touchpoint_missed(inputs: HealthInputs, fc: FlagConfig, as_of: date) -> Flag | None:
    """An executive touchpoint of the current term passed its grace without a report or QBR.

    Only recent misses (due within ``window_days``) flag, and only for high and mid touch
    accounts (``cstui.domain.cadence.CADENCE_TIERS``); a report logged late clears it.
    """
    account = inputs.account
    if account.tier not in CADENCE_TIERS:
        return None
    cutoff = as_of - timedelta(days=fc.touchpoint_window_days)
    missed = [
        p
        for p in touchpoints(account, inputs.onboarding, inputs.activities, as_of)
        if p.status == "missed" and p.due >= cutoff
    ]
    if not missed:
        return None
    parts = [
        msg(
            "flag.touchpoint_missed.part",
            label=texts(en=p.label("en"), ja=p.label("ja")),
            day=p.due,
        )
        for p in missed
    ]
    key = "flag.touchpoint_missed" if len(missed) == 1 else "flag.touchpoint_missed.many"
    return _flag(
        "touchpoint-missed",
        account.id,
        msg(key, missed=join("flag.touchpoint_missed.sep", parts)),
        min(p.missed_after for p in missed) + timedelta(days=1),
    )


def compute_flags(
    inputs: HealthInputs, health: HealthResult, config: HealthConfig, as_of: date
) -> list[Flag]:
    """All risk flags of one account at ``as_of`` (data dated after it is ignored).

    ``health`` must be the account's result at the same ``as_of`` (renewal risk reads its
    band). Unscored stages (churned, not a fit) raise no flags: there is nothing to save.
    """
    if inputs.account.stage in config.unscored_stages:
        return []
    fc = config.flags
    found = (
        _champion_left(inputs, fc, as_of),
        _usage_drop(inputs, config, as_of),
        _no_touch(inputs, config, as_of),
        _renewal_risk(inputs, health, fc, as_of),
        _renewal_overdue(inputs, as_of),
        _detractor(inputs, fc, as_of),
        _touchpoint_missed(inputs, fc, as_of),
    )
    return [f for f in found if f is not None]


# --------------------------------------------------------------------------------------------
# Alerts
# --------------------------------------------------------------------------------------------


def alert_id(account_id: str, rule: str) -> str:
    return f"{account_id}:{rule}"


class Alert(Record):
    """The lasting record of a flag: one per account and rule, so it never duplicates."""

    table: ClassVar[str] = Table.ALERTS

    account_id: str
    rule: str
    evidence: str = ""
    """In English: what alerts written before messages existed keep, and the fallback."""
    evidence_msg: dict[str, Any] | None = None
    """The evidence as a message (``i18n.Msg.to_json``), worded when shown: :meth:`text`."""
    since: date | None = None
    first_seen: date
    last_seen: date
    snoozed_until: date | None = None
    snooze_reason: str = ""
    snoozed_by: str = ""
    resolved: bool = False
    resolved_on: date | None = None

    @model_validator(mode="before")
    @classmethod
    def _derive_id(cls, data: Any) -> Any:
        if isinstance(data, dict) and "account_id" in data and "rule" in data:
            return {**data, "id": alert_id(str(data["account_id"]), str(data["rule"]))}
        return data

    @field_validator("rule")
    @classmethod
    def _rule(cls, v: str) -> str:
        if v not in FLAG_RULES:
            raise ValueError(f"'{v}' is not an alert rule; rules are: {', '.join(FLAG_RULES)}.")
        return v

    @property
    def message(self) -> Msg | None:
        return message_from_json(self.evidence_msg)

    def text(self, lang: str | None = None) -> str:
        """The evidence in ``lang`` (default: the UI language); stored English text as is."""
        return render(self.message, lang, self.evidence)


def is_active(alert: Alert, as_of: date) -> bool:
    """Open and not snoozed: a snooze hides the alert up to the day before ``snoozed_until``."""
    if alert.resolved:
        return False
    return alert.snoozed_until is None or as_of >= alert.snoozed_until


def snooze(alert: Alert, until: date, reason: str, by: str) -> Alert:
    """A copy of ``alert`` hidden until ``until``; a reason is required so the team knows why."""
    reason = reason.strip()
    if not reason:
        raise ValueError("A snooze needs a reason: say why this alert can wait.")
    return alert.model_copy(
        update={"snoozed_until": until, "snooze_reason": reason, "snoozed_by": by}
    )


def alert_record(stored: Mapping[str, Any]) -> dict[str, Any]:
    """A stored alert as :class:`Alert` would give it back (``to_record``: every field, text
    stripped, the id derived), without building the model: the daily rescore reads every
    alert of the book. The store validated it when it was written."""
    account_id = stored["account_id"].strip()
    rule = stored["rule"].strip()
    return {
        "id": alert_id(account_id, rule),
        "account_id": account_id,
        "rule": rule,
        "evidence": stored.get("evidence", "").strip(),
        "evidence_msg": stored.get("evidence_msg"),
        "since": stored.get("since"),
        "first_seen": stored["first_seen"],
        "last_seen": stored["last_seen"],
        "snoozed_until": stored.get("snoozed_until"),
        "snooze_reason": stored.get("snooze_reason", "").strip(),
        "snoozed_by": stored.get("snoozed_by", "").strip(),
        "resolved": stored.get("resolved", False),
        "resolved_on": stored.get("resolved_on"),
    }


def reconcile_alerts(
    existing: Sequence[Alert],
    flags: Iterable[Flag],
    as_of: date,
    scope: Collection[str] | None = None,
) -> list[Alert]:
    """The alerts after today's flags: pure, inputs are never modified.

    * a flag with no alert opens one (first_seen = last_seen = ``as_of``);
    * a flag with an open alert updates last_seen, evidence and since (no duplicate);
    * a flag with a resolved alert reopens it as a new episode (first_seen = ``as_of``); a
      snooze still in force stays in force;
    * an open alert whose flag is gone is resolved on ``as_of``.

    ``flags`` must be complete for the accounts they cover: by default every open alert
    without a flag resolves, so pass ``scope`` (account ids) when reconciling only some
    accounts. Unchanged alerts are returned as the same objects; a duplicate id in
    ``existing`` is dropped after its first occurrence. The rules are
    :func:`reconcile_alert_records`'s, on the alerts' records.
    """
    records = [alert.to_record() for alert in existing]
    models = {id(record): alert for record, alert in zip(records, existing, strict=True)}
    return [
        models.get(id(record)) or Alert.model_validate(record)
        for record in reconcile_alert_records(records, flags, as_of, scope)
    ]


def reconcile_alert_records(
    existing: Iterable[Mapping[str, Any]],
    flags: Iterable[Flag],
    as_of: date,
    scope: Collection[str] | None = None,
) -> list[Mapping[str, Any]]:
    """:func:`reconcile_alerts` on alert records (:func:`alert_record`, ``Alert.to_record``):
    the same rules, without a model per alert. Unchanged records are returned as the same
    objects, changed or new ones as new dicts.

    A flag whose message is the one the alert stores keeps the alert's English evidence
    (worded from that message when it was stored): only a changed message is worded again.
    """
    iso = as_of.isoformat()
    by_id = {alert_id(f.account_id, f.rule): f for f in flags}
    out: list[Mapping[str, Any]] = []
    seen: set[str] = set()
    for alert in existing:
        key = alert["id"]
        if key in seen:
            continue
        seen.add(key)
        flag = by_id.get(key)
        if flag is not None:
            latest = _seen(flag, iso, alert)
            if alert["resolved"]:
                reopened = {"resolved": False, "resolved_on": None, "first_seen": iso}
                alert = {**alert, **latest, **reopened}
            elif any(alert[name] != value for name, value in latest.items()):
                alert = {**alert, **latest}
        elif not alert["resolved"] and (scope is None or alert["account_id"] in scope):
            alert = {**alert, "resolved": True, "resolved_on": iso}
        out.append(alert)
    for key, flag in by_id.items():
        if key not in seen:
            new = {"account_id": flag.account_id, "rule": flag.rule, "first_seen": iso}
            out.append(alert_record({**new, **_seen(flag, iso, None)}))
    return out


def _seen(flag: Flag, iso: str, alert: Mapping[str, Any] | None) -> dict[str, Any]:
    """What an alert records of its flag seen on ``iso`` (``alert``: its record, if any)."""
    message = None if flag.message is None else flag.message.to_json()
    if (
        alert is not None
        and message is not None
        and alert["evidence_msg"] == message
        and alert["evidence"]
    ):
        evidence = alert["evidence"]  # the same message: the same words
    else:
        evidence = flag.evidence
    return {
        "last_seen": iso,
        "evidence": evidence,
        "evidence_msg": message,
        "since": None if flag.since is None else flag.since.isoformat(),
    }

"""Quarterly business reviews: the review's numbers, its edited text, delivery.

Every number comes from the rule that computes it elsewhere (health, objective status,
roi.compute, metrics.nps); :mod:`cstui.domain.qbr` only selects and words them and
:mod:`cstui.report.qbr` renders them. A delivered review reads its frozen snapshot, never
live data, so it stays what the customer was shown. Depends on :mod:`.activities` (the
stories; delivering logs one) and :mod:`.voc` (open requests are risks; surveys).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from cstui import clock, i18n
from cstui.domain import cadence as cadence_rules
from cstui.domain.enums import (
    ActivityKind,
    LoopStatus,
    Outcome,
    Priority,
    QBRStatus,
    Stage,
    SurveyKind,
    Table,
    TaskSource,
    Tier,
)
from cstui.domain.portfolio import fold
from cstui.workspace.activities import Activities
from cstui.workspace.repo import Write, one_step
from cstui.workspace.voc import Voc

if TYPE_CHECKING:  # imported where used: the review's rules are not needed at start-up
    from cstui.domain import qbr as q
    from cstui.domain.models import QBR, Account, SuccessPlan
    from cstui.domain.renewals import Period


class QBRs(Activities, Voc):
    @staticmethod
    def _qbr_period(period: str | None) -> Period:
        from cstui.domain import qbr as q
        from cstui.domain.models import InvalidRecord

        try:
            return q.parse_period(period or q.default_period(clock.today()))
        except ValueError as exc:
            raise InvalidRecord([str(exc)]) from None

    def qbr_opening_period(self, account_id: str) -> str:
        """The quarter the QBR tab opens on: the last complete one in which the customer
        existed (from the contract start to a recorded churn)."""
        from cstui.domain import qbr as q

        account = self._require_account(account_id)
        churned = [
            r.closed_on or r.due for r in self.renewals(account_id) if r.outcome is Outcome.CHURNED
        ]
        return q.opening_period(clock.today(), account.contract_start, max(churned, default=None))

    def qbr_record(self, account_id: str, period: str) -> QBR | None:
        """The stored review of a quarter, or None (never creates one, unlike :meth:`qbr`)."""
        from cstui.domain.models import QBR

        return self._get(QBR, f"{account_id}:{period}")

    def qbr_data(self, account_id: str, period: str | None = None, lang: str = "en") -> q.QBRData:
        """The review's numbers: live, or the frozen snapshot once it was delivered."""
        from cstui.domain import qbr as q

        account = self._require_account(account_id)
        # No period given (export, CLI): the quarter the QBR tab opens on, never one before
        # the customer existed.
        p = self._qbr_period(period or self.qbr_opening_period(account_id))
        record = self.qbr_record(account_id, p.label)
        if record is not None and record.status is QBRStatus.DELIVERED and record.frozen:
            return q.from_json(record.frozen["data"])
        return self._qbr_live(account, p, lang, record)

    def _qbr_live(self, account: Account, p: Period, lang: str, record: QBR | None) -> q.QBRData:
        from cstui.domain import qbr as q
        from cstui.domain import roi
        from cstui.domain.models import QBR, InvalidRecord
        from cstui.domain.success import summarize

        today = clock.today()
        if p.start > today:
            raise InvalidRecord.said(i18n.msg("error.not_started", period=p.label))
        aid = account.id
        end = min(p.end, today)  # a quarter still running: its numbers so far
        h_start = self.health(aid, as_of=p.start).score
        h_end = self.health(aid, as_of=end).score
        points = dict(self.health_series(aid, days=(end - p.start).days, step=7, as_of=end))
        points = {d: s for d, s in points.items() if p.start <= d <= end}
        for day, score in ((p.start, h_start), (end, h_end)):  # ends = the headline numbers
            if score is None:
                points.pop(day, None)
            else:
                points[day] = score
        usage = self.usage(aid)
        snaps = usage.snapshots if usage is not None else []
        in_period = [s for s in snaps if p.start <= s.date <= end]
        upto = [s for s in snaps if s.date <= end]
        last = upto[-1] if upto else None
        surveys = [s for s in self.surveys(aid) if p.start <= s.date <= end]
        plan = self.success_plan(aid)
        ratio = self.settings.health.on_track_ratio
        kpis: list[q.KPIRow] = []
        for obj in plan.objectives if plan is not None else []:
            if obj.kpi is None:
                continue
            s = summarize(obj, end, ratio, account.contract_start)
            kpis.append(
                q.KPIRow(
                    objective=obj.title,
                    audience=obj.audience.value,
                    kpi=obj.kpi.name,
                    unit=obj.kpi.unit,
                    baseline=obj.kpi.baseline,
                    current=s.current,
                    target=obj.kpi.target,
                    progress=s.progress,
                    status=None if s.status is None else s.status.value,
                )
            )
        roi_period = roi_ytd = None
        if plan is not None and plan.roi is not None:
            roi_period, roi_ytd = q.roi_rows(
                roi.compute(plan.roi),
                plan.roi.annual_fee,
                plan.roi.currency,
                p,
                account.contract_start,
                end,
            )
        marked = set(record.stories) if record is not None else set()
        stories = [
            q.StoryRow(
                activity_id=a.id,
                date=a.date,
                kind=a.kind.value,
                summary=a.summary,
                marked=(a.id in marked) if record is not None else a.story,
            )
            for a in sorted(self.activities(aid), key=lambda a: (a.date, a.id))
            if p.start <= a.date <= p.end
        ]
        config = self.settings.health
        flags = [
            (
                config.flag_label(f.rule, lang) if f.rule in config.flags.labels else f.rule,
                f.text(lang),
            )
            for f in self.flags(aid, as_of=end)  # a champion who left later is no news yet
        ]
        open_requests = [
            r.title
            for r in self.requests()
            if aid in r.account_ids
            and not r.shipped
            and r.status not in (LoopStatus.TOLD, LoopStatus.MONITORING)
            and (r.created is None or r.created <= end)  # raised after the review's quarter
        ]
        point = cadence_rules.next_touchpoint(self.touchpoints(aid))
        previous = max(
            (
                r
                for r in self._for_account(QBR, aid)
                if r.status is QBRStatus.DELIVERED and r.frozen and r.period < p.label
            ),
            key=lambda r: r.period,
            default=None,
        )
        before = (
            None
            if previous is None or previous.frozen is None
            else q.from_json(previous.frozen["data"])
        )
        data = q.QBRData(
            account_id=aid,
            account=self._qbr_account(account, end),
            period=p.label,
            period_start=p.start,
            period_end=p.end,
            as_of=today,
            lang=lang,
            health_start=h_start,
            health_end=h_end,
            health_series=sorted(points.items()),
            usage_series=[(s.date, s.active_users, s.logins) for s in in_period],
            adoption=q.Adoption(
                active_users=None if last is None else last.active_users,
                seats=account.seats,
                features_used=None if last is None else last.features_used,
                features_total=None if usage is None else usage.features_total,
            ),
            support=None if last is None else last.open_tickets,
            nps=[s.score for s in surveys if s.kind is SurveyKind.NPS],
            csat=[s.score for s in surveys if s.kind is SurveyKind.CSAT],
            csat_method=self.kpi_config.csat_method,
            detractor_max=self.settings.health.flags.detractor_max_score,
            kpis=kpis,
            roi_period=roi_period,
            roi_ytd=roi_ytd,
            stories=stories,
            risks=[],
            next_steps=q.next_step_lines(
                account.upsell_ideas,
                None if point is None else (point.label(lang), point.due, point.agenda(lang)),
                lang,
            ),
            changes=[],
            previous_period=None if previous is None else previous.period,
        )
        self._qbr_audiences(data, flags, open_requests, plan, lang)
        data.changes = q.change_lines(before, data, lang)
        data.summary_draft = q.draft_summary(data, lang, i18n.money)
        return data

    def _qbr_account(self, account: Account, end: date) -> q.AccountInfo:
        """The account as it stood at ``end``: the ARR, stage and currency that held then
        (renewal outcomes and the account's history), not today's."""
        from cstui.domain import qbr as q
        from cstui.domain.history import value_on
        from cstui.domain.models import Renewal
        from cstui.domain.renewals import arr_on

        history = self.account_history(account.id)
        return q.AccountInfo(
            name=account.name,
            tier=account.tier.value,
            stage=str(value_on(history, account.id, "stage", end, account.stage.value)),
            arr=arr_on(account, end, self._for_account(Renewal, account.id), history),
            currency=str(value_on(history, account.id, "currency", end, account.currency)),
            renewal_date=account.renewal_date,
            owner=account.owner,
        )

    @staticmethod
    def _qbr_audiences(
        data: q.QBRData,
        flags: list[tuple[str, str]],
        open_requests: list[str],
        plan: SuccessPlan | None,
        lang: str,
    ) -> None:
        """Risks the customer sees apart from the CSM's internal notes, and the measured ROI
        apart from the estimate (a negative one of either is a risk)."""
        from cstui.domain import qbr as q

        objectives = plan.objectives if plan is not None else []
        end = min(data.period_end, data.as_of)
        data.roi_measured = q.measured_roi(objectives, end)
        data.internal = q.internal_lines(flags, lang)
        data.risks = q.risk_lines(data.kpis, open_requests, lang) + q.roi_risk_lines(
            data.roi_ytd, data.roi_measured, lang, i18n.money
        )

    def qbr_export_parts(
        self, account_id: str, period: str | None, lang: str
    ) -> tuple[q.QBRData, dict[str, str], list[str], date | None]:
        """What every export renders: numbers, edited sections, marked stories, delivery day.

        A delivered review gives its frozen snapshot; otherwise the stored record's edits, or
        the draft's pre-marked stories. Reading only: exporting creates no record.
        """
        data = self.qbr_data(account_id, period, lang)
        record = self.qbr_record(account_id, data.period)
        sections: dict[str, str] = {}
        stories = [s.activity_id for s in data.marked_stories()]
        delivered = None
        if record is not None:
            sections = dict(record.sections)
            stories = list(record.stories)
            if record.status is QBRStatus.DELIVERED and record.frozen:
                sections = dict(record.frozen.get("sections", sections))
                stories = list(record.frozen.get("stories", stories))
                delivered = record.delivered_on
        return data, sections, stories, delivered

    def note_qbr_export(self, account_id: str, period: str, fmt: str, path: str) -> QBR:
        """Remember where the review was exported (allowed after delivery: not content)."""
        from cstui.domain.models import QBR

        record = self.qbr(account_id, period)
        exports = {**record.exports, fmt: path}
        return self._save(QBR, {"id": record.id, "exports": exports}, new=False)

    def qbr_view(self, account_id: str, period: str) -> QBR:
        """The stored review, or the draft it would start as, unsaved: viewing writes nothing.

        Stories the timeline already marked as success stories start marked.
        """
        from cstui.domain.models import QBR, Activity, validate

        self._require_account(account_id)
        p = self._qbr_period(period)
        existing = self.qbr_record(account_id, p.label)
        if existing is not None:
            return existing
        stories = sorted(
            a.id
            for a in self._for_account(Activity, account_id)
            if a.story and p.start <= a.date <= p.end
        )
        data = {"id": f"{account_id}:{p.label}", "account_id": account_id, "period": p.label}
        return validate(QBR, {**data, "stories": stories})

    def qbr(self, account_id: str, period: str) -> QBR:
        """The review record of a quarter, saved as a draft on first use (two processes
        starting it at once keep one record, and neither wipes the other's edits)."""
        from cstui.domain.models import QBR

        view = self.qbr_view(account_id, period)
        if self.qbr_record(account_id, view.period) is not None:
            return view
        with self._transaction() as txn:
            return self._create_once(txn, QBR, view.to_record())

    def _qbr_editable(self, account_id: str, period: str) -> QBR:
        from cstui.domain.models import InvalidRecord

        record = self.qbr(account_id, period)
        if record.status is QBRStatus.DELIVERED:
            raise InvalidRecord.said(i18n.msg("error.qbr_frozen", day=record.delivered_on))
        return record

    @one_step
    def _edit_qbr(self, account_id: str, period: str, edit: Callable[[QBR], QBR]) -> QBR:
        """Read-modify-write the review as committed now; a delivered one is frozen."""
        from cstui.domain.models import QBR, InvalidRecord

        record = self.qbr(account_id, period)

        def change(current: QBR) -> QBR:
            if current.status is QBRStatus.DELIVERED:
                raise InvalidRecord.said(i18n.msg("error.qbr_frozen", day=current.delivered_on))
            return edit(current)

        return self._modify(QBR, record.id, change)

    def update_qbr_section(self, account_id: str, period: str, section: str, text: str) -> QBR:
        from cstui.domain import qbr as q
        from cstui.domain.models import InvalidRecord

        if section not in q.SECTIONS:
            raise InvalidRecord.said(
                i18n.msg("error.bad_qbr_section", section=section, sections=", ".join(q.SECTIONS))
            )
        return self._edit_qbr(
            account_id,
            period,
            lambda r: r.model_copy(update={"sections": {**r.sections, section: text}}),
        )

    def mark_story(self, account_id: str, period: str, activity_id: str, marked: bool) -> QBR:
        from cstui.domain.models import Activity, InvalidRecord

        activity = self._get(Activity, activity_id)
        if activity is None or activity.account_id != account_id:
            self._qbr_editable(account_id, period)
            raise InvalidRecord.said(i18n.msg("error.not_this_account", id=activity_id))

        def mark(record: QBR) -> QBR:
            stories = [s for s in record.stories if s != activity_id]
            if marked:
                stories.append(activity_id)
            return record.model_copy(update={"stories": stories})

        return self._edit_qbr(account_id, period, mark)

    @one_step
    def set_qbr_status(
        self,
        account_id: str,
        period: str,
        status: str,
        *,
        lang: str | None = None,
        early: bool = False,
    ) -> QBR:
        """draft ⇄ ready → delivered. Delivering freezes the numbers and the edited text,
        logs a QBR activity and schedules a follow-up task 14 days later; a delivered review
        never goes back (what the customer saw must stay readable as it was). A quarter not
        over yet is only delivered when ``early`` says the CSM was asked and agreed: its
        numbers would be frozen half-way."""
        from cstui.domain import qbr as q
        from cstui.domain.models import QBR, InvalidRecord

        try:
            target = QBRStatus(status)
        except ValueError:
            raise InvalidRecord.said(i18n.msg("error.bad_qbr_status", status=status)) from None
        record = self.qbr(account_id, period)
        if record.status is QBRStatus.DELIVERED and target is QBRStatus.DELIVERED:
            return record
        if target is not QBRStatus.DELIVERED:
            return self._edit_qbr(
                account_id, period, lambda r: r.model_copy(update={"status": target})
            )
        p = self._qbr_period(record.period)
        if q.unfinished(p, clock.today()) and not early:
            raise InvalidRecord(
                [i18n.t("qbrui.error.unfinished", period=p.label, day=i18n.fmt_date(p.end))]
            )
        account = self._require_account(account_id)
        self._say(i18n.msg("undo.delivered", name=account.name, period=record.period))
        words = lang or cadence_rules.account_lang(account)
        data = self.qbr_data(account_id, record.period, words)
        today = clock.today()
        if words == "ja":
            summary = f"QBR {record.period} を実施"
            title = f"QBR {record.period} のフォローアップ：要約と合意した次のステップを送る"
        else:
            summary = f"QBR {record.period} delivered"
            title = f"Follow up on QBR {record.period}: send the summary and agreed next steps"
        delivered: list[bool] = []

        def deliver(current: QBR) -> QBR:
            if current.status is QBRStatus.DELIVERED:
                delivered.append(True)  # a teammate delivered it meanwhile: theirs stands
                return current
            frozen = {  # the text as committed now, with every teammate's last edits
                "data": q.to_json(data),
                "sections": dict(current.sections),
                "stories": list(current.stories),
            }
            return current.model_copy(
                update={"status": target, "frozen": frozen, "delivered_on": today}
            )

        saved = self._modify(QBR, record.id, deliver)
        if delivered:
            return saved
        self.log_activity(account_id, summary, kind=ActivityKind.QBR, day=today)
        key = f"qbr-followup:{account_id}:{record.period}"
        with self._transaction() as txn:
            if txn.get(Table.TASKS, key, include_deleted=True) is None:
                followup: list[Write] = []
                self._task_put(
                    followup,
                    None,
                    {
                        "account_id": account_id,
                        "title": title,
                        "due": today + timedelta(days=14),
                        "priority": Priority.NORMAL,
                        "source": TaskSource.QBR,
                        "owner": self.user,
                        "key": key,
                    },
                    new_id=key,
                )
                self._write_in(txn, followup)
        return saved

    def qbrs_due(self, as_of: date | None = None) -> list[tuple[str, str, date, str]]:
        """(account id, period, due date, "due" | "overdue") for every high- or mid-touch,
        not churned account whose review of the last full quarter is not delivered yet.
        Due 30 days after the quarter ends; accounts whose contract started after the
        quarter are skipped (nothing to review)."""
        from cstui.domain import qbr as q
        from cstui.domain.light import LightAccount

        day = as_of or clock.today()
        p = q.parse_period(q.default_period(day))
        due = q.due_date(p)
        out: list[tuple[str, str, date, str]] = []
        # The stored records as they stream by: a model of each of 50,000 accounts was
        # made and kept for this list.
        named = sorted(
            (fold(r.get("name", "")), r["id"], LightAccount.from_record(r))
            for r in self.store.stream(Table.ACCOUNTS)
        )
        for _, _, account in named:
            if account.tier not in (Tier.HIGH, Tier.MID) or account.stage is Stage.CHURNED:
                continue
            if account.contract_start is not None and account.contract_start > p.end:
                continue
            record = self.qbr_record(account.id, p.label)
            if record is not None and record.status is QBRStatus.DELIVERED:
                continue
            out.append((account.id, p.label, due, "overdue" if day > due else "due"))
        return out

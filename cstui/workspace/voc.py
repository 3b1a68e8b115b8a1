"""Voice of the customer: survey answers (NPS, CSAT) and feature requests with their loop.

A request moves listening -> analysing -> acting -> told -> monitoring; shipping it opens a
"tell the customer" task per requesting account (rules in :mod:`cstui.domain.voc`). Depends
on :mod:`.renewals` (requests are ranked by ARR in the KPI settings' report currency).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from cstui import clock, i18n
from cstui.domain.enums import LoopStatus, Table, TaskSource
from cstui.i18n import t
from cstui.workspace.renewals import Renewals, band_map
from cstui.workspace.repo import HEALTH_TABLE, changed_fields, one_step

if TYPE_CHECKING:  # imported where used: the loop's rules are not needed at start-up
    from cstui.domain import voc
    from cstui.domain.models import FeatureRequest, SurveyResponse, Task


class Voc(Renewals):
    def surveys(self, account_id: str) -> list[SurveyResponse]:
        from cstui.domain.models import SurveyResponse

        return sorted(self._for_account(SurveyResponse, account_id), key=lambda s: s.date)

    def record_survey(self, data: Mapping[str, Any]) -> SurveyResponse:
        """A survey answer; one dated after today is refused (an answer is given, not
        planned, and a future one would sit in every NPS until that day)."""
        from cstui.domain.models import InvalidRecord, SurveyResponse, validate

        self._require_account(str(data.get("account_id", "")))
        probe = validate(SurveyResponse, {**data, "id": data.get("id") or "probe"})
        if probe.date > clock.today():
            message = t("import.error.future", day=probe.date.isoformat())
            raise InvalidRecord([message], {"date": [message]})
        return self._save(SurveyResponse, data, new=True)

    def requests(self) -> list[FeatureRequest]:
        from cstui.domain.models import FeatureRequest

        return self._all(FeatureRequest)

    def _request_data(self, data: Mapping[str, Any]) -> dict[str, Any]:
        from cstui.domain.models import Contact, InvalidRecord

        out = dict(data)
        problems: dict[str, list[i18n.Msg]] = {}
        for account_id in out.get("account_ids") or []:
            if self.account(account_id) is None:
                problems.setdefault("account_ids", []).append(
                    i18n.msg("error.no_account", id=account_id)
                )
        for contact_id in out.get("contact_ids") or []:
            if self._get(Contact, contact_id) is None:
                problems.setdefault("contact_ids", []).append(
                    i18n.msg("error.no_contact", id=contact_id)
                )
        if problems:
            raise InvalidRecord.about(problems)
        return out

    def add_request(self, data: Mapping[str, Any]) -> FeatureRequest:
        """A new feature request / feedback (title, verbatim, account_ids, contact_ids)."""
        from cstui.domain.models import FeatureRequest

        payload = self._request_data(data)
        payload.setdefault("created", clock.today())
        return self._save(FeatureRequest, payload, new=True)

    def update_request(self, request_id: str, changes: Mapping[str, Any]) -> FeatureRequest:
        from cstui.domain.models import FeatureRequest

        payload = self._request_data(changes)
        return self._save(FeatureRequest, {**payload, "id": request_id}, new=False)

    def set_request_status(self, request_id: str, status: LoopStatus | str) -> FeatureRequest:
        """Move the loop (listening → analysing → acting → told → monitoring); any step may
        be chosen, so a mistake can be undone."""
        return self.update_request(request_id, {"status": status})

    @one_step
    def ship_request(self, request_id: str) -> list[Task]:
        """Mark shipped and create a "tell the customer" task per requesting account.

        Tasks have source ``voc`` and key ``voc:{request}:{account}`` (shipping twice adds
        none), are due in a week and go to the account's owner. The loop stays at
        ``acting`` until every one of them is done, then reads ``told``
        (:func:`cstui.domain.voc.loop_status`; :meth:`close_told_loops` stores it).
        """
        from cstui.domain import voc
        from cstui.domain.models import FeatureRequest, InvalidRecord, Task, validate

        if self._get(FeatureRequest, request_id) is None:
            raise InvalidRecord.said(i18n.msg("error.no_request", id=request_id))
        due = clock.today() + timedelta(days=7)
        tasks: list[Task] = []
        with self._transaction() as txn:  # the request as committed now
            record = txn.get(Table.REQUESTS, request_id)
            if record is None:
                raise InvalidRecord.said(i18n.msg("error.no_request", id=request_id))
            request = FeatureRequest.from_record(record)
            status = request.status
            if status in (LoopStatus.LISTENING, LoopStatus.ANALYSING):
                status = LoopStatus.ACTING
            existing = {t.key for t in self._tasks_keyed(f"voc:{request.id}:")}
            for account_id in request.account_ids:
                account = self.account(account_id)
                key = voc.tell_task_key(request.id, account_id)
                # The id is the key: two people shipping at once write one task per account.
                if account is None or key in existing or txn.get(Table.TASKS, key) is not None:
                    continue
                tasks.append(
                    validate(
                        Task,
                        {
                            "id": key,
                            "title": f"Tell {account.name} that “{request.title}” has shipped",
                            "account_id": account_id,
                            "due": due,
                            "source": TaskSource.VOC,
                            "owner": account.owner or self.user,
                            "key": key,
                        },
                    )
                )
            fresh = request.model_copy(update={"shipped": True, "status": status}).to_record()
            changed = changed_fields(record, fresh)
            if changed:
                txn.put(Table.REQUESTS, request.id, changed)
            for task in tasks:
                txn.put(Table.TASKS, task.id, task.to_record())
        self._say(i18n.msg("undo.shipped", name=request.title, n=len(tasks)))
        return tasks

    def request_tasks(self, request_id: str) -> list[Task]:
        """The "tell the customer" tasks of a request, done or not."""
        return self._tasks_keyed(f"voc:{request_id}:")

    def _tasks_keyed(self, prefix: str) -> list[Task]:
        """The tasks whose key starts with ``prefix`` (read as the table streams by)."""
        return self._tasks_where(lambda r: str(r.get("key", "")).startswith(prefix))

    def request_status(self, request_id: str) -> LoopStatus:
        """The loop status, ``told`` as soon as every tell task of a shipped request is done."""
        from cstui.domain import voc
        from cstui.domain.models import FeatureRequest, InvalidRecord

        request = self._get(FeatureRequest, request_id)
        if request is None:
            raise InvalidRecord.said(i18n.msg("error.no_request", id=request_id))
        return voc.loop_status(request, self.request_tasks(request_id))

    def close_told_loops(self) -> int:
        """Store ``told`` on shipped requests whose tell tasks are all done; returns how many.

        Call after completing tasks (the status already *reads* told without it).
        """
        from cstui.domain import voc
        from cstui.domain.models import FeatureRequest, Task

        tasks = [t for t in self._all(Task) if t.key.startswith("voc:")]
        closed = 0
        for request in self.requests():
            if voc.loop_status(request, tasks) != request.status:
                self._save(
                    FeatureRequest,
                    {"id": request.id, "status": LoopStatus.TOLD},
                    new=False,
                )
                closed += 1
        return closed

    def ranked_requests(self) -> list[voc.RankedRequest]:
        """Requests by the ARR of the accounts asking (mixed currencies converted with the
        kpis.toml rates into its report currency), then by ARR at risk (red band)."""
        from cstui.domain import voc
        from cstui.domain.models import Account

        requests = self.requests()
        # The accounts asking, not the book's (a model of each of 50,000 accounts and of
        # every task was made and kept for the requests screen, ~250 MB).
        asking = {i for r in requests for i in r.account_ids}
        found = self._records_by_id(Table.ACCOUNTS, asking)
        accounts = {i: Account.from_record(r) for i, r in found.items()}
        summaries = self._records_by_id(HEALTH_TABLE, asking)
        cfg = self.kpi_config
        tasks = self._tasks_keyed("voc:")
        statuses = {r.id: voc.loop_status(r, tasks) for r in requests}
        return voc.rank_requests(
            requests,
            accounts,
            band_map(summaries),
            currency=cfg.report_currency,
            rates=cfg.rates,
            statuses=statuses,
        )

"""Accounts and their people: find, create, edit and delete accounts; contacts; usage.

Depends on :mod:`.repo` only; every other capability builds on this one.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from cstui import clock
from cstui.domain.enums import Table
from cstui.domain.portfolio import fold
from cstui.i18n import join, msg
from cstui.store import Txn
from cstui.workspace.repo import AccountNotFound, Repo

if TYPE_CHECKING:
    from cstui.domain.history import AccountChange
    from cstui.domain.models import Account, Contact, UsageHistory


class Accounts(Repo):
    def accounts(self) -> list[Account]:
        from cstui.domain.models import Account

        return self._all(Account)

    def account(self, account_id: str) -> Account | None:
        from cstui.domain.models import Account

        return self._get(Account, account_id)

    def contract_starts(self, account_ids: Collection[str]) -> dict[str, date | None]:
        """Accounts' contract starts, read from their records (no model made or kept: Today
        asks for every account never touched, 1,800 of 50,000, whose models it kept)."""
        out: dict[str, date | None] = dict.fromkeys(account_ids)
        for account_id, record in self._records_by_id(Table.ACCOUNTS, account_ids).items():
            start = record.get("contract_start")
            out[account_id] = date.fromisoformat(start) if isinstance(start, str) else None
        return out

    def find_account(self, query: str) -> Account:
        """An account by id, exact name, or a unique part of its name (for the CLI)."""
        by_id = self.account(query)
        if by_id is not None:
            return by_id
        key = fold(query.strip())
        exact = [a for a in self.accounts() if fold(a.name) == key]
        if len(exact) == 1:
            return exact[0]
        partial = [a for a in self.accounts() if key in fold(a.name)]
        if len(partial) == 1:
            return partial[0]
        if not partial:
            raise AccountNotFound(msg("error.account_not_found", query=query))
        names = join("sep.list", sorted(a.name for a in partial)[:5])
        more = "" if len(partial) <= 5 else msg("error.account_ambiguous.more", n=len(partial) - 5)
        raise AccountNotFound(
            msg("error.account_ambiguous", query=query, n=len(partial), names=names, more=more)
        )

    def _require_account(self, account_id: str) -> Account:
        from cstui.domain.models import InvalidRecord

        account = self.account(account_id)
        if account is None:
            raise InvalidRecord.said(msg("error.no_account", id=account_id))
        return account

    def create_account(self, data: Mapping[str, Any]) -> Account:
        from cstui.domain.models import Account

        return self._save(Account, data, new=True)

    def update_account(self, account_id: str, changes: Mapping[str, Any]) -> Account:
        """Edit an account; a change of its ARR, stage or currency is kept in its history
        (dated today) in the same transaction, so closed periods keep the values of then."""
        from cstui.domain.models import Account

        with self._transaction() as txn:
            before = txn.get(Table.ACCOUNTS, account_id)
            obj = self._save_in(txn, Account, {**changes, "id": account_id})
            if before is not None:
                self._keep_history(txn, account_id, before, obj.to_record(), "edit")
        return obj

    def _keep_history(
        self,
        txn: Txn,
        account_id: str,
        before: Mapping[str, Any],
        after: Mapping[str, Any],
        source: str,
        *,
        day: date | None = None,
        fields: Iterable[str] | None = None,
    ) -> list[AccountChange]:
        """Add the account's changes of the tracked ``fields`` (default: every tracked field)
        to the open transaction."""
        from cstui.domain.history import TRACKED, changes_between

        changes = changes_between(
            account_id,
            before,
            after,
            day or clock.today(),
            source=source,
            new_id=self.store.new_id,
            fields=TRACKED if fields is None else fields,
        )
        for change in changes:
            txn.put(Table.ACCOUNT_HISTORY, change.id, change.to_record())
        return changes

    def account_history(self, account_id: str | None = None) -> list[AccountChange]:
        """Recorded changes of ARR, stage and currency (one account's, or all), oldest first."""
        from cstui.domain.history import AccountChange, oldest_first

        found = (
            self._for_account(AccountChange, account_id) if account_id else self._all(AccountChange)
        )
        return oldest_first(found)

    def contacts(self, account_id: str) -> list[Contact]:
        from cstui.domain.models import Contact

        return sorted(self._for_account(Contact, account_id), key=lambda c: (not c.active, c.name))

    def add_contact(self, account_id: str, data: Mapping[str, Any]) -> Contact:
        from cstui.domain.models import Contact

        self._require_account(account_id)
        return self._save(Contact, {**data, "account_id": account_id}, new=True)

    def usage(self, account_id: str) -> UsageHistory | None:
        from cstui.domain.models import UsageHistory

        items = self._for_account(UsageHistory, account_id)
        return items[0] if items else None

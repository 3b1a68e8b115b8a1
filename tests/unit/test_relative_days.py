"""Relative days are exact where they matter, worded in one place (``i18n.humanize``), and
the Today digest's renewal heading counts the lines it lists."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cstui import i18n
from cstui.cli.today import today as today_cmd
from cstui.domain.enums import ActivityKind, Stage, Tier
from cstui.domain.health import HealthInputs, compute_health
from cstui.domain.health_config import default_health_config
from cstui.domain.models import Account, Activity
from cstui.i18n import message_from_json, msg
from cstui.workspace import Workspace
from cstui.workspace.today import build_today, section_title

AS_OF = date(2026, 12, 7)
TODAY = date(2026, 11, 23)  # the tests' frozen clock (conftest)


@pytest.fixture(autouse=True)
def _english_after() -> Iterator[None]:
    i18n.set_language("en")
    yield
    i18n.set_language("en")


# -- the one wording ---------------------------------------------------------------------------


def test_exact_days_never_round_to_months() -> None:
    """A count judged in days (an overdue review, a cadence) stays in days past 60."""
    assert i18n.humanize(AS_OF - timedelta(days=62), AS_OF, late=True) == "2 months overdue"
    assert (
        i18n.humanize(AS_OF - timedelta(days=62), AS_OF, late=True, exact=True) == "62 days overdue"
    )
    assert i18n.humanize(AS_OF - timedelta(days=95), AS_OF, exact=True) == "95 days ago"
    assert i18n.humanize(AS_OF, AS_OF, exact=True) == "today"
    assert i18n.humanize(AS_OF - timedelta(days=1), AS_OF, exact=True) == "yesterday"
    assert i18n.humanize(AS_OF, AS_OF, lang="ja") == "今日"  # the language asked for, not the UI's


def test_a_relative_day_in_a_message_is_worded_per_reader_and_stored() -> None:
    sentence = msg(
        "account.touchpoint.late", when=i18n.rel_days(-62, late=True, exact=True), due="x"
    )
    assert sentence.render("en") == "62 days overdue (due x)"
    assert sentence.render("ja") == "62日超過（期日 x）"
    assert (
        msg("account.touchpoint.late", when=i18n.rel_days(-62, late=True), due="x")
        .render("en")
        .startswith("2 months overdue")
    )
    stored = message_from_json(sentence.to_json())
    assert stored == sentence
    assert stored is not None
    assert stored.render("en") == sentence.render("en")


# -- the health breakdown's last touch ---------------------------------------------------------


def _touched(days_ago: int) -> HealthInputs:
    account = Account.model_validate(
        {
            "id": "A",
            "name": "Acme",
            "tier": Tier.MID,
            "stage": Stage.ADOPTION,
            "contract_start": date(2025, 6, 1),
            "renewal_date": date(2027, 6, 1),
        }
    )
    touch = Activity(
        account_id="A", kind=ActivityKind.CALL, date=AS_OF - timedelta(days=days_ago), summary="x"
    )
    return HealthInputs(account=account, activities=[touch])


def _engagement(days_ago: int, lang: str) -> str:
    result = compute_health(_touched(days_ago), default_health_config(), AS_OF)
    measure = next(m for m in result.measures if m.key == "engagement")
    return i18n.render(measure.raw_msg, lang)


def test_last_touch_today_and_yesterday_are_said_so() -> None:
    assert _engagement(0, "en").startswith("last touch today (2026-12-07);")
    assert _engagement(1, "en").startswith("last touch yesterday (2026-12-06);")
    assert _engagement(12, "en").startswith("last touch 12 days ago (2026-11-25);")
    assert _engagement(95, "en").startswith("last touch 95 days ago (2026-09-03);")  # exact
    assert _engagement(0, "ja").startswith("最終接触は今日（2026-12-07）")
    assert _engagement(1, "ja").startswith("最終接触は昨日（2026-12-06）")
    assert _engagement(12, "ja").startswith("最終接触は12日前（2026-11-25）")
    assert " 0 days" not in _engagement(0, "en")


# -- Today: the renewals heading counts what it lists ------------------------------------------


def _account(ws: Workspace, name: str, **data: Any) -> str:
    return ws.create_account({"name": name, "owner": "me", **data}).id


def _renewals_book(ws: Workspace) -> None:
    _account(ws, "Late A", renewal_date=TODAY - timedelta(days=5), stage="renewal")
    _account(ws, "Late B", renewal_date=TODAY - timedelta(days=30), stage="renewal")
    _account(ws, "Soon", renewal_date=TODAY + timedelta(days=10))
    _account(ws, "Later", renewal_date=TODAY + timedelta(days=89))
    _account(ws, "Today", renewal_date=TODAY)
    _account(ws, "Out of window", renewal_date=TODAY + timedelta(days=90))


def _count(title: str) -> int:
    found = re.search(r"\((\d+)\)", title)
    assert found, title
    return int(found.group(1))


def test_renewals_heading_counts_the_rows_it_lists(empty_ws: Workspace) -> None:
    _renewals_book(empty_ws)
    renewals = build_today(empty_ws, TODAY).renewals
    assert len(renewals) == 5
    title = section_title("renewals", renewals)
    assert title == "Renewals (5) · 2 overdue, 3 within 90 days"
    assert _count(title) == len(renewals)
    i18n.set_language("ja")
    assert section_title("renewals", renewals) == "契約更新 (5) · 期限超過 2件、90日以内 3件"
    i18n.set_language("en")
    upcoming = tuple(i for i in renewals if i.kind == "upcoming")
    assert section_title("renewals", upcoming) == "Renewals within 90 days (3)"


def test_cli_today_says_the_same_count_as_it_lists(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ws = Workspace.open(data, user="me")
    try:
        _renewals_book(ws)
    finally:
        ws.close()
    result = CliRunner().invoke(
        today_cmd, ["--data-dir", str(data), "--lang", "en"], catch_exceptions=False
    )
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    start = lines.index("Renewals (5) · 2 overdue, 3 within 90 days")
    listed = []
    for line in lines[start + 1 :]:
        if not line.startswith("  "):
            break
        listed.append(line)
    assert len(listed) == 5

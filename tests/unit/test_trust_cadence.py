"""Issue 16, "Health": the executive cadence of multi-year contracts, and `cstui today`
listing the cadence tasks `cstui tasks` lists."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cstui import clock
from cstui.cli import main
from cstui.domain.cadence import add_months, term_bounds, touchpoints
from cstui.domain.models import Account

DAY = date(2027, 3, 10)


def _deal(start: date, years: int) -> Account:
    return Account.model_validate(
        {
            "id": "m1",
            "name": "Long Haul KK",
            "tier": "mid",
            "contract_start": start,
            "renewal_date": add_months(start, 12 * years),
        }
    )


def _kinds(account: Account, as_of: date) -> list[tuple[str, date, str]]:
    return [(p.kind.value, p.due, p.status) for p in touchpoints(account, None, [], as_of)]


def test_a_new_three_year_deal_gets_kickoff_and_onboarding_now() -> None:
    start = DAY - timedelta(days=4)
    assert _kinds(_deal(start, 3), DAY) == [
        ("kickoff", start, "due"),
        ("onboarding-end", start + timedelta(days=90), "upcoming"),
        ("midpoint", date(2027, 9, 5), "upcoming"),  # halfway through the first year
    ]


def test_later_years_of_a_long_deal_review_each_year_and_before_renewal() -> None:
    start = date(2025, 1, 20)
    deal = _deal(start, 4)  # renews 2029-01-20
    second = _kinds(deal, date(2026, 3, 1))
    assert [k for k, _, _ in second] == ["midpoint"]
    assert second[0][1] == date(2026, 7, 21)
    last = _kinds(deal, date(2028, 6, 1))
    assert [k for k, _, _ in last] == ["midpoint", "pre-renewal"]
    assert last[1][1] == date(2028, 10, 22)


def test_a_stub_before_the_first_anniversary_joins_the_first_term() -> None:
    start, renewal = date(2026, 10, 1), date(2029, 11, 20)
    assert term_bounds(start, renewal, date(2026, 10, 5)) == (start, date(2027, 11, 20))
    assert term_bounds(start, renewal, date(2028, 1, 2)) == (date(2027, 11, 20), date(2028, 11, 20))
    assert term_bounds(start, renewal, date(2030, 1, 1)) == (date(2028, 11, 20), renewal)
    one_year = date(2027, 10, 1)
    assert term_bounds(start, one_year, date(2026, 12, 1)) == (start, one_year)


@pytest.fixture
def later_book(demo_dir: Path, tmp_path: Path) -> Iterator[Path]:
    """The demo book three weeks after it was made: touchpoints came due meanwhile."""
    target = tmp_path / "data"
    shutil.copytree(demo_dir, target)
    clock.freeze(date(2026, 11, 23) + timedelta(days=21))
    yield target
    clock.freeze(None)


def _json(*args: str) -> Any:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_today_lists_the_cadence_tasks_that_tasks_lists(later_book: Path) -> None:
    digest = _json("today", "--data-dir", str(later_book), "--all", "--json")
    listed = _json("tasks", "--data-dir", str(later_book), "--all", "--json")
    today_ids = {item["ref"] for item in digest["sections"]["tasks"]["items"]}
    task_ids = {task["id"] for task in listed["tasks"]}
    cadence = {task["id"] for task in listed["tasks"] if task["source"] == "cadence"}
    assert cadence
    assert today_ids == task_ids

"""Issue 16, "Health": a score from too little data says so; explain shows the rescaling and
each measure's scale; English counts of one are singular."""

from __future__ import annotations

import json
import re
import string
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from cstui import clock, i18n
from cstui.cli import main
from cstui.domain.config import ConfigError
from cstui.domain.health import Band, EnoughData, thin_data
from cstui.domain.health_config import default_health_config, parse_health_config
from cstui.workspace import Workspace

DAY = date(2026, 9, 14)


def _fresh(ws: Workspace, stage: str, start: date) -> str:
    """An account with a contract start and nothing else: engagement is its only data."""
    return ws.create_account(
        {
            "name": "Fresh Works",
            "owner": "me",
            "stage": stage,
            "arr": 480_000,
            "contract_start": start.isoformat(),
        }
    ).id


@pytest.fixture
def frozen() -> object:
    clock.freeze(DAY)
    yield None
    clock.freeze(None)


@pytest.mark.parametrize(("stage", "days"), [("kickoff", 2), ("onboarding", 45)])
def test_a_new_account_has_no_score_but_not_enough_data(
    empty_ws: Workspace, frozen: object, stage: str, days: int
) -> None:
    account = _fresh(empty_ws, stage, DAY - timedelta(days=days))
    result = empty_ws.health(account)
    assert result.score is None
    assert result.band is Band.UNKNOWN
    assert result.thin_msg is not None
    assert "1 of 6 weighted measures with data" in result.thin_msg.render("en")


def test_two_measures_with_enough_weight_give_a_score(empty_ws: Workspace, frozen: object) -> None:
    account = _fresh(empty_ws, "kickoff", DAY - timedelta(days=3))
    contact = empty_ws.add_contact(account, {"name": "Rin Ito"}).id
    empty_ws.record_survey(
        {"account_id": account, "contact_id": contact, "date": DAY, "kind": "nps", "score": 8}
    )
    # engagement 25 + sentiment 15 of the kickoff profile's 100 = 40 %, the shipped minimum
    result = empty_ws.health(account)
    assert result.thin_msg is None
    assert result.score is not None
    assert result.band is not Band.UNKNOWN


def test_the_minimum_is_configuration() -> None:
    base = default_health_config()
    assert base.enough == EnoughData(min_measures=2, min_weight_pct=40)
    loose = parse_health_config("[rules]\nmin_measures = 1\nmin_weight_pct = 10\n", "u", base)
    assert thin_data([None, 80.0, None], [10, 20, 70], loose.enough) is None
    assert thin_data([None, 80.0, None], [10, 20, 70], base.enough) is not None


def test_a_weightless_measure_with_data_does_not_count() -> None:
    enough = EnoughData(min_measures=2, min_weight_pct=0)
    assert thin_data([50.0, 60.0, None], [0, 30, 20], enough) is not None
    assert thin_data([50.0, 60.0, None], [5, 30, 20], enough) is None


@pytest.mark.parametrize(
    "text", ["[rules]\nmin_weight_pct = 140\n", "[rules]\nmin_measures = -1\n"]
)
def test_a_minimum_out_of_range_is_refused(text: str) -> None:
    with pytest.raises(ConfigError, match="min_"):
        parse_health_config(text, "health.toml", default_health_config())


def _explain(data: Path, name: str) -> str:
    result = CliRunner().invoke(
        main, ["health", "explain", "--data-dir", str(data), name], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_explain_says_not_enough_data_rescaled_weights_and_each_scale(
    tmp_path: Path, frozen: object
) -> None:
    data = tmp_path / "data"
    ws = Workspace.open(data, user="me")
    try:
        _fresh(ws, "onboarding", DAY - timedelta(days=20))
    finally:
        ws.close()
    out = _explain(data, "Fresh Works")
    assert "Not enough data for a score" in out
    assert "Score: —  band: not enough data" in out
    assert "Weights rescaled:" in out
    assert "poor → good" in out
    assert "÷ 20 instead of ÷ 100" in out  # engagement, 20 of the onboarding profile's 100
    assert re.search(r"Adoption\s.*0\.2 → 0\.8", out)
    assert re.search(r"Engagement\s.*2 → 0\.5", out)
    assert "1 of 6 weighted measures" in out


# -- counts of one --------------------------------------------------------------------------

_UNITS = (
    "days|months|years|accounts|seats|answers|respondents|items|objectives|renewals"
    "|onboardings|promoters|passives|detractors|tickets|users|readings|requests|tasks|QBRs"
    "|measures"
)


def _fields(text: str) -> set[str]:
    return {name.split("|")[0] for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_english_count_of_one_is_singular() -> None:
    plural = re.compile(rf"\b1 (?:[\w-]+ )?(?:{_UNITS})\b")
    bad = []
    for key, text in i18n.catalogue("en").items():
        params = dict.fromkeys(_fields(text), 1)
        try:
            filled = i18n.fill(text, params)
        except (ValueError, KeyError, IndexError, AttributeError):
            continue
        if plural.search(filled):
            bad.append((key, filled))
    assert bad == []


def test_counts_other_than_one_stay_plural() -> None:
    i18n.set_language("en")
    assert i18n.t("kpis.days", n=1) == "1 day"
    assert i18n.t("kpis.days", n=12) == "12 days"
    assert i18n.t("health.trend", arrow="↑", delta=4, days=1) == "↑ +4 in 1 day"
    engaged = i18n.msg(
        "health.raw.engagement",
        ago=i18n.rel_days(-1, exact=True),
        day=DAY,
        tier="mid",
        tier_label="",
        cadence=21,
    ).render("en")
    assert engaged.startswith("last touch yesterday")
    assert engaged.endswith("every 21 days")
    assert i18n.humanize(DAY - timedelta(days=1), DAY) == "yesterday"


def test_a_model_weighing_one_measure_needs_only_that_one() -> None:
    enough = EnoughData(min_measures=3, min_weight_pct=40)
    assert thin_data([None, 70.0, None], [0, 25, 0], enough) is None
    assert thin_data([None, None, None], [0, 25, 0], enough) is not None


def test_the_health_list_says_not_enough_data_in_the_users_language(tmp_path: Path) -> None:
    """`cstui health` (the list) tells a new account's missing score as the app does, in
    text (English and Japanese) and in `--json`."""
    data = tmp_path / "data"
    ws = Workspace.open(data, user="me")
    ws.create_account({"name": "Brand New", "contract_start": clock.today(), "owner": "me"})
    ws.close()
    runner = CliRunner()
    text = runner.invoke(main, ["health", "--data-dir", str(data), "--lang", "en"])
    assert text.exit_code == 0, text.output
    assert "not enough data  Brand New" in text.output
    ja = runner.invoke(main, ["health", "--data-dir", str(data), "--lang", "ja"])
    assert i18n.catalogue("ja")["health.band.thin"] in ja.output
    js = runner.invoke(main, ["health", "--data-dir", str(data), "--json"])
    (row,) = json.loads(js.output)["accounts"]
    assert (row["score"], row["not_enough_data"]) == (None, True)

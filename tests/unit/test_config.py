"""One config mechanism: every TOML file reports mistakes with file, line and key, in the
reader's language; model validation errors are worded in the reader's language too."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from cstui import i18n
from cstui.config import load_settings
from cstui.domain import success
from cstui.domain.config import ConfigError, find_key_line, key_text
from cstui.domain.health_config import default_health_config, parse_health_config
from cstui.domain.models import Account, InvalidRecord, Record, validate
from cstui.domain.renewals import default_kpi_config, parse_kpi_config
from cstui.sync.config import load_sync_config
from cstui.sync.errors import ConfigError as SyncConfigError


@pytest.fixture(autouse=True)
def _english_after() -> Iterator[None]:
    i18n.set_language("en")
    yield
    i18n.set_language("en")


def _error(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_health_config(text, "u.toml", default_health_config())
    return info.value


# ------------------------------------------------------------------------------ mechanism


def test_every_problem_of_a_file_is_reported_with_its_line_and_key() -> None:
    text = '[weights]\nadoption = "high"\n\n[bands]\nred_below = 101\n\n[cadence]\nhigh = 0\n'
    err = _error(text)
    found = {(p.line, p.key) for p in err.problems}
    assert found == {(2, "weights.adoption"), (5, "bands.red_below"), (8, "cadence.high")}
    lines = str(err).splitlines()
    assert 'u.toml, line 5, key "bands.red_below": must be at most 100, got 101.' in lines
    assert 'u.toml, line 8, key "cadence.high": must be at least 1, got 0.' in lines


def test_an_unknown_key_lists_the_keys_of_its_table() -> None:
    err = _error("[flags.no-touch]\nlabel = 'x'\n")
    assert str(err) == (
        'u.toml, line 2, key "flags.no-touch.label": unknown key "label"; expected one of: '
        "label_en, label_ja."
    )


def test_kpis_toml_errors_name_line_and_key() -> None:
    with pytest.raises(ConfigError) as info:
        parse_kpi_config(
            "ltv_years = 5\n\n[tiers.EUR]\nhigh = 10\nmid = 50\n", "k.toml", default_kpi_config()
        )
    assert (info.value.line, info.value.key) == (5, "tiers.EUR.mid")
    with pytest.raises(ConfigError) as info:
        parse_kpi_config('\ncsat_method = "median"\n', "k.toml", default_kpi_config())
    assert str(info.value) == (
        'k.toml, line 2, key "csat_method": expected "share" or "mean", got "median".'
    )


def test_key_lines_inside_arrays_of_tables() -> None:
    text = '[[steps]]\nid = "a"\n\n[[steps]]\nid = "b"\n[steps.extra]\nx = 1\n'
    assert find_key_line(text, ("steps", 1, "id")) == 5
    assert find_key_line(text, ("steps", 1, "extra", "x")) == 7
    assert find_key_line(text, ("steps", 1, "owner")) == 4  # the table it belongs in
    assert find_key_line(text, ("steps", 0, "id")) == 2
    assert key_text(("steps", 1, "extra", "x")) == "steps[2].extra.x"


def test_a_sync_toml_value_that_is_not_a_table_is_located(tmp_path: Path) -> None:
    (tmp_path / "sync.toml").write_text('adapter = "hubspot"\ntimeout = 3\n', encoding="utf-8")
    with pytest.raises(SyncConfigError) as info:
        load_sync_config(tmp_path, env={})
    assert str(info.value).endswith(
        'sync.toml, line 2, key "timeout": timeout = ... is not a setting; adapter options go '
        "in a [timeout] table."
    )


def test_sync_toml_adapter_sections_and_ownership_are_read(tmp_path: Path) -> None:
    (tmp_path / "sync.toml").write_text(
        'adapter = "rest"\n[ownership.accounts]\nstage = "crm"\n[rest]\nbase_url = "http://x"\n',
        encoding="utf-8",
    )
    config = load_sync_config(tmp_path, env={})
    assert config.adapter == "rest"
    assert config.sections == {"rest": {"base_url": "http://x"}}
    accounts = next(t for t in config.tables if t.table == "accounts")
    assert accounts.field("stage").owner == "crm"


# ------------------------------------------------------------------------------ success templates


def test_success_templates_come_from_toml_in_both_languages() -> None:
    ids = [tpl.id for tpl in success.TEMPLATES]
    assert ids[:3] == ["sales-growth", "lead-conversion", "productivity"]  # the files' order
    shipped = {Path(source).stem for source, _ in success.shipped_template_texts()}
    assert shipped == set(ids)
    cx = success.template("cx")
    assert cx is not None
    assert cx.name.get("ja") == "顧客対応を速くする"
    assert cx.objectives[1].kpi.baseline == 3.5
    assert cx.objectives[1].months == 12


def test_a_broken_success_template_is_located() -> None:
    source, text = next(s for s in success.shipped_template_texts() if s[0].endswith("/cx.toml"))
    broken = text.replace("target = 30", "target = 120")
    broken = broken.replace('audience = "light"', 'audience = "wide"')
    with pytest.raises(ConfigError) as info:
        success.load_templates([(source, broken)])
    keys = [p.key for p in info.value.problems]
    assert keys == ["objectives[1].audience"]
    broken = text.replace("target = 30", "target = 120")
    with pytest.raises(ConfigError) as info:
        success.load_templates([(source, broken)])
    assert info.value.key == "objectives[1].target"
    assert info.value.line == find_key_line(text, ("objectives", 0, "target"))
    with pytest.raises(ConfigError, match="duplicate template id"):
        success.load_templates([(source, text), ("copy.toml", text)])


# ------------------------------------------------------------------------------ Japanese


def test_a_japanese_user_reads_a_japanese_config_error(tmp_path: Path) -> None:
    (tmp_path / "health.toml").write_text("[weight]\nadoption = 1\n", encoding="utf-8")
    i18n.set_language("ja")
    settings = load_settings(tmp_path)
    assert settings.errors == [
        f"{tmp_path / 'health.toml'}、1行目、キー「weight」：「weight」という項目はありません。"
        "使える項目：measures, weights, profiles, rules, bands, cadence, override, trend, "
        "flags。（既定のヘルスモデルを使います）"
    ]
    assert settings.health == default_health_config()


def test_a_config_error_follows_the_language_of_whoever_reads_it() -> None:
    err = _error('[weights]\nadoption = "high"\n')
    assert err.render("ja") == (
        'u.toml、2行目、キー「weights.adoption」：数値を指定してください（指定値："high"）。'
    )
    assert err.render("en") == (
        'u.toml, line 2, key "weights.adoption": expected a number, got "high".'
    )


def test_a_japanese_user_reads_a_japanese_validation_error() -> None:
    i18n.set_language("ja")
    with pytest.raises(InvalidRecord) as info:
        validate(Account, {"name": "A", "arr": "lots", "seats": -1, "currency": "y3n"})
    err = info.value
    assert err.fields["arr"] == ["ARR「lots」は整数ではありません。"]
    assert err.fields["seats"] == ["ライセンス数に負の値は使えません。"]
    assert err.fields["currency"] == [
        "「Y3N」は JPY や USD のような3文字の通貨コードではありません。"
    ]
    assert sorted(err.render("en")) == [
        "'Y3N' is not a three-letter currency code such as JPY or USD.",
        "ARR 'lots' is not a whole number.",
        "Seats cannot be negative.",
    ]


def test_every_field_label_and_message_has_both_languages() -> None:
    def keys(lang: str, name: str) -> set[str]:
        path = resources.files("cstui").joinpath("locale", lang, name)
        return set(json.loads(path.read_text("utf-8")))

    for name in ("config.json", "validation.json"):
        assert keys("en", name) == keys("ja", name)
    english = i18n.catalogue("en")
    for model in Record.__subclasses__():
        for key in model.labels.values():
            assert key in english, (model.__name__, key)


def test_a_broken_kpis_toml_is_reported_and_the_defaults_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A mistake in the user's kpis.toml was dropped without a word (the defaults were used
    and nothing said so): it is a warning of the workspace, as health.toml's are."""
    from cstui.store import Store
    from cstui.workspace import Workspace

    config = tmp_path / "config"
    config.mkdir()
    monkeypatch.setenv("CSTUI_CONFIG_DIR", str(config))
    ws = Workspace(Store(tmp_path / "data", actor="me"), user="me")
    assert ws.warnings == []
    assert "_kpi_settings" not in vars(ws)  # no user file: nothing read to say so
    ws.close()
    (config / "kpis.toml").write_text('\ncsat_method = "median"\n', encoding="utf-8")
    ws = Workspace(Store(tmp_path / "data", actor="me"), user="me")
    try:
        (warning,) = ws.warnings
        assert str(config / "kpis.toml") in warning
        assert 'line 2, key "csat_method"' in warning
        assert warning.endswith("(the default KPI settings are used instead)")
        assert ws.kpi_config.csat_method == "share"
    finally:
        ws.close()

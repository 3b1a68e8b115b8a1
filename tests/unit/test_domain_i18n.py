"""Text decided by the domain (health raw values, flag evidence, alerts, KPI notes, QBR facts)
is shown in the reader's language, while English stays word for word what it was."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

import cstui
from cstui import i18n
from cstui.cli import main
from cstui.domain import metrics, qbr
from cstui.domain.alerts import Alert, Flag, compute_flags, reconcile_alerts
from cstui.domain.enums import ActivityKind, ContactRole, Stage, SurveyKind, Tier
from cstui.domain.health import HealthConfig, HealthInputs, compute_health
from cstui.domain.health_config import ManualRating, default_health_config
from cstui.domain.models import (
    Account,
    Activity,
    Contact,
    FeatureRequest,
    SurveyResponse,
    UsageHistory,
    UsageSnapshot,
)
from cstui.domain.voc import rank_requests
from cstui.i18n import Msg, join, message_from_json, msg, render, texts
from cstui.report.qbr import render_markdown
from cstui.workspace import Workspace
from cstui.workspace.today import build_today

AS_OF = date(2026, 6, 1)
ROOT = Path(cstui.__file__).parent


@pytest.fixture(autouse=True)
def _english_after() -> Iterator[None]:
    i18n.set_language("en")
    yield
    i18n.set_language("en")


@pytest.fixture(scope="module")
def cfg() -> HealthConfig:
    return default_health_config()


def quiet(**account: object) -> HealthInputs:
    """A healthy high-touch account (cadence 14 days) that raises no flag on 2026-06-01."""
    return HealthInputs(
        account=Account.model_validate(
            {
                "id": "A",
                "name": "Acme",
                "tier": Tier.HIGH,
                "stage": Stage.ADOPTION,
                "seats": 50,
                "contract_start": date(2025, 6, 1),
                "renewal_date": date(2027, 6, 1),
                **account,
            }
        ),
        usage=UsageHistory(
            account_id="A",
            snapshots=[
                UsageSnapshot(date=date(2026, 5, 1), active_users=40, logins=400),
                UsageSnapshot(
                    date=date(2026, 5, 31),
                    active_users=40,
                    logins=400,
                    features_used=6,
                    open_tickets=2,
                ),
            ],
        ),
        contacts=[
            Contact(id="c1", account_id="A", name="佐藤 花子", role=ContactRole.CHAMPION),
            Contact(id="c2", account_id="A", name="Ken Ito", role=ContactRole.END_USER),
        ],
        activities=[
            Activity(account_id="A", kind=ActivityKind.CALL, date=date(2026, 5, 25), summary="call")
        ],
        surveys=[SurveyResponse(account_id="A", contact_id="c2", date=date(2026, 5, 1), score=9)],
    )


def flags_of(inputs: HealthInputs, cfg: HealthConfig) -> dict[str, Flag]:
    health = compute_health(inputs, cfg, AS_OF)
    return {f.rule: f for f in compute_flags(inputs, health, cfg, AS_OF)}


# health: raw values and missing reasons -----------------------------------------------------


def test_measure_texts_in_japanese_and_unchanged_english(cfg: HealthConfig) -> None:
    result = compute_health(quiet(), cfg, AS_OF)
    ja = {m.key: render(m.raw_msg, "ja") for m in result.measures}
    assert ja == {
        "adoption": "50ライセンス中40名がアクティブ",
        "maturity": "主要機能10個中6個を利用",
        "engagement": "最終接触は7日前（2026-05-25）、ハイタッチの基準は14日ごと",
        "sentiment": "NPS 9（2026-05-01）",
        "support": "未解決チケット2件／アクティブユーザー40名（10名あたり0.5件）",
        "onboarding": "導入前支援・オンボーディングのステージでのみ評価",
        "outcomes": "サクセスプランなし",
    }
    en = {m.key: m.raw_msg.render("en") for m in result.measures}
    assert en == {
        "adoption": "40 of 50 seats active",
        "maturity": "6 of 10 key features in use",
        "engagement": "last touch 7 days ago (2026-05-25); high touch expects every 14 days",
        "sentiment": "NPS 9 on 2026-05-01",
        "support": "2 open tickets for 40 active users (0.5 per 10)",
        "onboarding": "only scored in the kickoff and onboarding stages",
        "outcomes": "no success plan",
    }
    # The UI language decides when nothing is said; English properties never change.
    i18n.set_language("ja")
    adoption = result.measures[0]
    assert render(adoption.raw_msg) == "50ライセンス中40名がアクティブ"
    assert adoption.raw_msg.render("en") == "40 of 50 seats active"
    assert render(result.measures[-1].missing_msg, "en") == "no success plan"


def test_missing_reasons_and_other_raw_values(cfg: HealthConfig) -> None:
    base = quiet()
    stale = replace(
        base,
        usage=UsageHistory(
            account_id="A", snapshots=[UsageSnapshot(date=date(2026, 2, 1), active_users=3)]
        ),
        activities=[],
        surveys=[
            SurveyResponse(account_id="A", kind=SurveyKind.CSAT, date=AS_OF, score=s)
            for s in (4, 5)
        ],
    )
    m = {x.key: x for x in compute_health(stale, cfg, AS_OF).measures}
    assert render(m["adoption"].missing_msg, "ja") == "2026-02-01以降の利用データなし（120日前）"
    assert (
        render(m["adoption"].missing_msg, "en") == "no usage data since 2026-02-01 (120 days ago)"
    )
    assert render(m["engagement"].raw_msg, "ja") == (
        "契約開始（2025-06-01）から365日間接触の記録なし、ハイタッチの基準は14日ごと"
    )
    assert render(m["sentiment"].raw_msg, "ja") == "CSAT 4.5/5（回答者2名、NPSなし）＝10点中8.8"
    assert (
        m["sentiment"].raw_msg.render("en") == "CSAT 4.5 of 5 (2 respondents, no NPS) = 8.8 of 10"
    )

    empty = replace(base, usage=None, surveys=[])
    m = {x.key: x for x in compute_health(empty, cfg, AS_OF).measures}
    assert render(m["adoption"].missing_msg, "ja") == "利用データなし"
    assert render(m["sentiment"].missing_msg, "ja") == "180日以内のアンケート回答なし"
    assert render(m["sentiment"].missing_msg, "en") == "no survey in 180 days"


def test_unscored_stage_reason(cfg: HealthConfig) -> None:
    result = compute_health(quiet(stage=Stage.CHURNED), cfg, AS_OF)
    assert render(result.unscored_msg, "en") == 'accounts in stage "churned" are not scored'
    assert render(result.unscored_msg, "ja") == "「解約」ステージの顧客はスコアを算出しません"


def test_manual_rating_errors_follow_the_ui_language() -> None:
    at = datetime(2026, 6, 1, tzinfo=UTC)
    with pytest.raises(ValidationError, match="A manual rating needs a reason"):
        ManualRating(stars=3, at=at)
    i18n.set_language("ja")
    with pytest.raises(ValidationError, match="手動評価には理由が必要です"):
        ManualRating(stars=3, at=at)
    with pytest.raises(ValidationError, match="星は1〜5で指定してください（7は範囲外です）"):
        ManualRating(stars=7, reason="x", at=at)
    with pytest.raises(ValidationError, match="どちらか一方"):
        ManualRating(stars=3, score=50, reason="x", at=at)


# flags --------------------------------------------------------------------------------------


def _champions(*contacts: Contact) -> HealthInputs:
    return replace(quiet(), contacts=list(contacts))


def test_champion_left(cfg: HealthConfig) -> None:
    gone = Contact(
        id="c1",
        account_id="A",
        name="佐藤 花子",
        role=ContactRole.CHAMPION,
        active=False,
        left_on=date(2026, 5, 10),
    )
    mia = Contact(id="c3", account_id="A", name="Mia Kato", role=ContactRole.CHAMPION)
    flag = flags_of(_champions(gone, mia), cfg)["champion-left"]
    assert flag.evidence == (
        "Champion 佐藤 花子 left on 2026-05-10; 1 active champion remains (Mia Kato)."
    )
    assert flag.text("en") == flag.evidence
    assert flag.text("ja") == (
        "佐藤 花子（2026-05-10 離任）。アクティブなチャンピオンは残り1名（Mia Kato）。"
    )
    quiet_one = Contact(
        id="c4", account_id="A", name="Quiet", role=ContactRole.CHAMPION, active=False
    )
    flag = flags_of(_champions(gone, quiet_one), cfg)["champion-left"]
    assert flag.evidence == (
        "Champions 佐藤 花子 left on 2026-05-10, Quiet is marked inactive; "
        "no active champion remains."
    )
    assert flag.text("ja") == (
        "佐藤 花子（2026-05-10 離任）、Quiet（非アクティブ）。アクティブなチャンピオンがいません。"
    )


def test_usage_drop(cfg: HealthConfig) -> None:
    snaps = [
        UsageSnapshot(date=date(2026, 5, 3), active_users=50, logins=1000),
        UsageSnapshot(date=date(2026, 5, 31), active_users=30, logins=650),
    ]
    inputs = replace(quiet(), usage=UsageHistory(account_id="A", snapshots=snaps))
    flag = flags_of(inputs, cfg)["usage-drop"]
    assert flag.evidence == (
        "Active users fell 40% (50 → 30); logins fell 35% (1,000 → 650) "
        "between 2026-05-03 and 2026-05-31."
    )
    assert flag.text("ja") == (
        "28日間でアクティブユーザーが40%減少（50→30）、ログイン数が35%減少（1,000→650）。"
        "期間: 2026-05-03〜2026-05-31。"
    )
    logins_only = [
        UsageSnapshot(date=date(2026, 5, 1), active_users=40, logins=1000),
        UsageSnapshot(date=date(2026, 5, 31), active_users=40, logins=650),
    ]
    inputs = replace(quiet(), usage=UsageHistory(account_id="A", snapshots=logins_only))
    flag = flags_of(inputs, cfg)["usage-drop"]
    assert flag.evidence == "Logins fell 35% (1,000 → 650) between 2026-05-01 and 2026-05-31."
    assert flag.text("ja") == (
        "30日間でログイン数が35%減少（1,000→650）。期間: 2026-05-01〜2026-05-31。"
    )


def test_no_touch_beyond_cadence(cfg: HealthConfig) -> None:
    acts = [Activity(account_id="A", kind=ActivityKind.CALL, date=date(2026, 5, 1), summary="x")]
    flag = flags_of(replace(quiet(), activities=acts), cfg)["no-touch"]
    assert flag.evidence == (
        "Last touch 31 days ago on 2026-05-01 (call); high touch expects one every 14 days."
    )
    assert flag.text("ja") == "最終接触から31日（ハイタッチの基準は14日）。最後は2026-05-01の電話。"
    never = flags_of(replace(quiet(), activities=[]), cfg)["no-touch"]
    assert never.text("ja") == (
        "契約開始（2025-06-01）から365日間、接触の記録がありません（ハイタッチの基準は14日）。"
    )
    no_start = flags_of(replace(quiet(contract_start=None), activities=[]), cfg)["no-touch"]
    assert no_start.evidence == "No touch logged yet; high touch expects one every 14 days."
    assert no_start.text("ja") == "接触の記録がまだありません（ハイタッチの基準は14日）。"


def test_renewal_within_the_window_while_not_green(cfg: HealthConfig) -> None:
    weak = UsageHistory(
        account_id="A",
        snapshots=[UsageSnapshot(date=AS_OF, active_users=20, features_used=1, open_tickets=9)],
    )
    inputs = replace(
        quiet(renewal_date=date(2026, 7, 31)),
        usage=weak,
        surveys=[SurveyResponse(account_id="A", contact_id="c2", date=AS_OF, score=0)],
    )
    health = compute_health(inputs, cfg, AS_OF)
    assert health.band.value == "red"
    assert health.score is not None
    flag = flags_of(inputs, cfg)["renewal-risk"]
    assert flag.evidence == f"Renews on 2026-07-31 (in 60 days) with health {health.score} (red)."
    assert flag.text("ja") == f"更新まで60日（2026-07-31）、ヘルススコア{health.score}（レッド）。"
    unknown = replace(
        quiet(renewal_date=date(2026, 7, 31), contract_start=None),
        usage=None,
        surveys=[],
        activities=[],
    )
    flag = flags_of(unknown, cfg)["renewal-risk"]
    assert flag.evidence == "Renews on 2026-07-31 (in 60 days) with no health score."
    assert flag.text("ja") == "更新まで60日（2026-07-31）、ヘルススコアなし。"


def test_nps_detractors(cfg: HealthConfig) -> None:
    answers = [
        SurveyResponse(account_id="A", contact_id="c2", date=date(2026, 5, 2), score=3),
        SurveyResponse(
            account_id="A", contact_id="c2", date=date(2026, 5, 3), score=6, comment="遅い"
        ),
        SurveyResponse(account_id="A", date=date(2026, 5, 4), score=1),
        SurveyResponse(account_id="A", date=date(2026, 5, 5), score=2),
    ]
    flag = flags_of(replace(quiet(), surveys=answers), cfg)["detractor"]
    assert flag.evidence == (
        'NPS 3 from Ken Ito on 2026-05-02; NPS 6 from Ken Ito on 2026-05-03 ("遅い"); '
        "NPS 1 from an unnamed respondent on 2026-05-04; and 1 more."
    )
    assert flag.text("ja") == (
        "Ken ItoがNPS 3と回答（2026-05-02）。Ken ItoがNPS 6と回答（2026-05-03）「遅い」。"
        "氏名不明の回答者がNPS 1と回答（2026-05-04）。ほか1件。"
    )


def test_missed_executive_touchpoint(cfg: HealthConfig) -> None:
    inputs = HealthInputs(
        account=Account.model_validate(
            {
                "id": "a1",
                "name": "Acme",
                "tier": "high",
                "stage": "adoption",
                "contract_start": date(2026, 3, 5),
                "renewal_date": date(2027, 3, 5),
            }
        )
    )
    as_of = date(2026, 11, 23)
    health = compute_health(inputs, cfg, as_of)
    (flag,) = [
        f for f in compute_flags(inputs, health, cfg, as_of) if f.rule == "touchpoint-missed"
    ]
    assert flag.evidence == (
        "Contract midpoint review with the executive was due on 2026-09-03; "
        "no executive report or QBR was logged for it."
    )
    assert flag.text("ja") == (
        "決裁者との契約中間レビュー（期日 2026-09-03）が未実施です"
        "（経営層レポート・QBRの記録なし）。"
    )


def test_untrusted_names_are_parameters_never_templates(cfg: HealthConfig) -> None:
    evil = "{people} [bold]x[/] {0}"
    gone = Contact(
        id="c1",
        account_id="A",
        name=evil,
        role=ContactRole.CHAMPION,
        active=False,
        left_on=date(2026, 5, 10),
    )
    flag = flags_of(_champions(gone), cfg)["champion-left"]
    assert flag.text("ja").startswith(evil + "（2026-05-10 離任）")
    assert flag.evidence.startswith(f"Champion {evil} left on")


# alerts: stored as a message, worded when shown ---------------------------------------------


def test_alerts_store_the_message_and_keep_english(cfg: HealthConfig) -> None:
    acts = [Activity(account_id="A", kind=ActivityKind.CALL, date=date(2026, 5, 1), summary="x")]
    flag = flags_of(replace(quiet(), activities=acts), cfg)["no-touch"]
    (alert,) = reconcile_alerts([], [flag], AS_OF)
    stored = Alert.from_record(json.loads(json.dumps(alert.to_record())))
    assert stored.evidence == flag.evidence  # English, for older cstui versions and scripts
    assert stored.evidence_msg is not None
    assert stored.evidence_msg["key"] == "flag.no_touch"
    assert (
        stored.text("ja") == "最終接触から31日（ハイタッチの基準は14日）。最後は2026-05-01の電話。"
    )
    assert stored.text("en") == flag.evidence
    # Unchanged flag on the same day: nothing to write.
    assert reconcile_alerts([stored], [flag], AS_OF)[0] is stored


def test_alerts_stored_before_messages_show_their_english_and_get_upgraded(
    cfg: HealthConfig,
) -> None:
    acts = [Activity(account_id="A", kind=ActivityKind.CALL, date=date(2026, 5, 1), summary="x")]
    flag = flags_of(replace(quiet(), activities=acts), cfg)["no-touch"]
    old = Alert(
        account_id="A",
        rule="no-touch",
        evidence=flag.evidence,
        first_seen=AS_OF,
        last_seen=AS_OF,
    )
    assert old.text("ja") == flag.evidence  # shown as it is
    (upgraded,) = reconcile_alerts([old], [flag], AS_OF)
    assert upgraded.first_seen == AS_OF
    assert upgraded.text("ja").startswith("最終接触から31日")
    # A broken or unknown stored message falls back to the English text.
    for junk in ({"key": 3}, {"nope": 1}, {"key": "flag.from_the_future", "params": {}}):
        assert old.model_copy(update={"evidence_msg": junk}).text("ja") == flag.evidence
    missing_param = {"key": "flag.no_touch", "params": {"days": 31}}
    assert old.model_copy(update={"evidence_msg": missing_param}).text("ja") == flag.evidence


def test_workspace_alerts_and_today_in_both_languages(demo_ws: Workspace) -> None:
    demo_ws.refresh_health()
    alerts = demo_ws.alerts()
    assert alerts
    assert all(a.evidence_msg is not None for a in alerts)
    english = build_today(demo_ws, date(2026, 11, 23), everyone=True)
    en_items = {i.ref: i for i in english.alerts}
    for alert in alerts:
        if alert.id in en_items:
            assert en_items[alert.id].text.endswith(": " + alert.evidence)
    i18n.set_language("ja")
    japanese = build_today(demo_ws, date(2026, 11, 23), everyone=True)
    texts_ja = [i.text for i in japanese.alerts]
    assert texts_ja
    assert all(re.search(r"[ぁ-んァ-ヶ一-龠]", t) for t in texts_ja)
    assert not any("days ago" in t or "touch expects" in t for t in texts_ja)
    # Scripts keep the stored English evidence.
    assert {i.details["evidence"] for i in japanese.alerts} <= {a.evidence for a in alerts}


def test_today_shows_an_old_english_alert_as_it_is(demo_ws: Workspace) -> None:
    account = demo_ws.accounts()[0]
    old = Alert(
        account_id=account.id,
        rule="no-touch",
        evidence="Last touch 99 days ago on 2026-08-16 (call); mid touch expects one every 30 days",
        first_seen=date(2026, 11, 20),
        last_seen=date(2026, 11, 20),
    )
    record = old.to_record()
    record.pop("evidence_msg")
    demo_ws.store.put(Alert.table, old.id, record)
    i18n.set_language("ja")
    digest = build_today(demo_ws, date(2026, 11, 23), everyone=True)
    (item,) = [i for i in digest.alerts if i.ref == old.id]
    assert item.text.endswith(": " + old.evidence)


# KPI notes, currency errors, feature requests -----------------------------------------------


def test_kpi_notes(demo_ws: Workspace) -> None:
    report = demo_ws.kpi_report("2026")
    nps = report["nps"]
    p, pa, d = (int(nps.parts[k]) for k in ("promoters", "passives", "detractors"))
    assert nps.note == f"{p} promoters, {pa} passives, {d} detractors"
    assert nps.note_text("ja") == f"推奨者{p}・中立者{pa}・批判者{d}"
    churn = report["logo_churn"]
    n_start, n_new = len(report.accounts_at_start), len(report.new_accounts)
    lost = len(churn.accounts)
    assert churn.note == (
        f"{lost} of {n_start} accounts at the start lost; {n_new} new in the period not counted"
    )
    assert (
        churn.note_text("ja") == f"期首の{n_start}社中{lost}社が解約（期中の新規{n_new}社は対象外）"
    )
    health = report["health"]
    red, yellow, green = (int(health.parts[b]) for b in ("red", "yellow", "green"))
    assert health.note_text("ja") == (
        f"レッド{red}・イエロー{yellow}・グリーン{green}社、値はグリーンの割合"
    )
    i18n.set_language("ja")
    for value in report.values:
        assert value.note_text() != value.note, value.key  # every note has Japanese words
        assert re.search(r"[ぁ-んァ-ヶ一-龠]", value.note_text()), value.key


def test_currency_errors_and_request_notes() -> None:
    with pytest.raises(metrics.CurrencyMixError) as caught:
        metrics.sum_money([(1, "JPY"), (2, "USD")])
    assert str(caught.value).startswith("Cannot add amounts in JPY and USD without a conversion")
    assert render(caught.value.message, "ja").startswith(
        "JPY・USDの金額は換算なしでは合算できません"
    )
    with pytest.raises(metrics.CurrencyMixError) as caught:
        metrics.sum_money([(1, "EUR")], to="JPY")
    assert render(caught.value.message, "ja").startswith("EURからJPYへの為替レートがありません")
    accounts = {
        "a": Account(id="a", name="A", arr=100, currency="JPY"),
        "b": Account(id="b", name="B", arr=100, currency="USD"),
    }
    request = FeatureRequest(id="r1", title="SSO", account_ids=["a", "b"])
    (ranked,) = rank_requests([request], accounts, {})
    assert "without a conversion" in ranked.note
    assert ranked.note_text("ja").startswith("JPY・USDの金額は換算なしでは合算できません")


# QBR: tiers and stages by their labels ------------------------------------------------------


def test_qbr_export_names_tier_and_stage(demo_ws: Workspace) -> None:
    account = next(a for a in demo_ws.accounts() if a.tier is Tier.HIGH)
    en = render_markdown(demo_ws.qbr_data(account.id, "2026Q3", lang="en"), {}, [], "en")
    stage_en = i18n.catalogue("en")[f"stage.{account.stage.value}"]
    assert "- **Touch tier**: High\n" in en
    assert f"- **Stage**: {stage_en}\n" in en
    ja = render_markdown(demo_ws.qbr_data(account.id, "2026Q3", lang="ja"), {}, [], "ja")
    stage_ja = i18n.catalogue("ja")[f"stage.{account.stage.value}"]
    assert "- **タッチモデル**: ハイ\n" in ja
    assert f"- **ステージ**: {stage_ja}\n" in ja


def test_qbr_risks_and_stage_changes_in_the_review_language(demo_ws: Workspace) -> None:
    demo_ws.refresh_health()
    flagged = next(
        a for a in demo_ws.accounts() if a.stage is not Stage.CHURNED and demo_ws.flags(a.id)
    )
    flags = demo_ws.flags(flagged.id)
    data = demo_ws.qbr_data(flagged.id, "2026Q4", lang="ja")
    config = demo_ws.settings.health
    for f in flags:  # flags are the CSM's internal notes, worded in the review's language
        assert f"{config.flag_label(f.rule, 'ja')}：{f.text('ja')}" in data.internal
    english = demo_ws.qbr_data(flagged.id, "2026Q4", lang="en")
    for f in flags:
        assert f"{config.flag_label(f.rule, 'en')}: {f.evidence}" in english.internal
    before = replace(data, account=replace(data.account, stage="onboarding"))
    after = replace(data, account=replace(data.account, stage="expansion"))
    assert "ステージ：オンボーディング → 拡張" in qbr.change_lines(before, after, "ja")
    assert "Stage: Onboarding → Expansion" in qbr.change_lines(before, after, "en")


# health explain -----------------------------------------------------------------------------


def test_health_explain_in_japanese(demo_dir: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(demo_dir, data)
    ws = Workspace.open(data, user="me")
    try:
        account = next(a for a in ws.accounts() if ws.flags(a.id) and ws.health(a.id).score)
        flags = ws.flags(account.id)
        result = ws.health(account.id)
    finally:
        ws.close()
    args = ["health", "explain", "--data-dir", str(data), account.id]
    ja = CliRunner().invoke(main, [*args, "--lang", "ja"], catch_exceptions=False).stdout
    for heading in ("指標", "実測値", "寄与", "算出スコア:", "区分:"):
        assert heading in ja
    for m in result.measures:
        shown = render(m.raw_msg if m.present else m.missing_msg, "ja")
        assert shown in ja
        assert m.raw_msg.render("en") not in ja
    for f in flags:
        assert f.text("ja") in ja
    en = CliRunner().invoke(main, args, catch_exceptions=False).stdout
    assert "Computed score:" in en
    for f in flags:
        assert f"Flag {f.rule}: {f.evidence}" in en


# the message machinery ----------------------------------------------------------------------


def test_messages_round_trip_and_fall_back() -> None:
    m = msg(
        "flag.touchpoint_missed",
        missed=join(
            "flag.touchpoint_missed.sep",
            [
                msg(
                    "flag.touchpoint_missed.part", label=texts(en="Kickoff", ja="キックオフ"), day=d
                )
                for d in (date(2026, 1, 5), date(2026, 4, 5))
            ],
        ),
    )
    again = message_from_json(json.loads(json.dumps(m.to_json())))
    assert again is not None
    assert again.to_json() == m.to_json()
    assert (
        render(again, "en")
        == render(m, "en")
        == (
            "Kickoff was due on 2026-01-05; Kickoff was due on 2026-04-05; "
            "no executive report or QBR was logged for it."
        )
    )
    assert render(again, "ja").startswith(
        "キックオフ（期日 2026-01-05）、キックオフ（期日 2026-04-05）"
    )
    assert message_from_json("plain text") is None
    assert message_from_json({"key": "x", "params": {"bad": [1, 2]}}) is None
    assert render("stored English", "ja") == "stored English"
    assert render(Msg("no.such.key"), "ja") == "no.such.key"
    assert render(Msg("no.such.key"), "ja", "fallback") == "fallback"


def test_every_domain_message_key_exists_in_both_languages() -> None:
    en, ja = i18n.catalogue("en"), i18n.catalogue("ja")
    pattern = r"\"((?:flag|kpi\.note|sep|health\.(?:raw|missing|rating))\.[a-z0-9_.]+)\""
    used: set[str] = set()
    for path in (ROOT / "domain").rglob("*.py"):
        used.update(re.findall(pattern, path.read_text("utf-8")))
    # Built with "+" or named in an f-string:
    used |= {"flag.usage_drop.users.first", "flag.usage_drop.logins.first"}
    used.add("health.unscored_reason")
    assert len(used) > 60
    assert sorted(k for k in used if k not in en or k not in ja) == []
    domain_en = json.loads((ROOT / "locale" / "en" / "domain.json").read_text("utf-8"))
    domain_ja = json.loads((ROOT / "locale" / "ja" / "domain.json").read_text("utf-8"))
    for key, template in domain_en.items():
        # Japanese may name a parameter's label (tier_label for tier), the flag's label or a
        # day count where English names dates; nothing else the domain does not pass.
        en_names = set(re.findall(r"\{(\w+)", template))
        ja_names = {n.removesuffix("_label") for n in re.findall(r"\{(\w+)", domain_ja[key])}
        assert ja_names <= en_names | {"days", "label"}, key


def test_counted_words_agree_with_their_number() -> None:
    """ "1 star", "1 active champion remains": the English catalogue's counts are grammatical."""
    assert i18n.t("health.explain.stars", stars=1) == "1 star"
    assert i18n.t("health.explain.stars", stars=3) == "3 stars"
    assert i18n.t("flag.champion_left.remain", n=1, names="A").startswith(
        "1 active champion remains"
    )

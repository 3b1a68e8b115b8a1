"""Import and export for Japanese offices: Excel's cp932 and BOM, slash dates, grouped
numbers, messages in the user's language, and no survey answers from the future."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from click.testing import CliRunner

from cstui.cli import main
from cstui.domain.models import InvalidRecord
from cstui.workspace import Workspace
from cstui.workspace.imports import decode_csv, plain_day, plain_number, validate_surveys

# The clock is frozen at 2026-11-23 (tests/conftest.py).


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, bytes, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout_bytes, result.stderr


ROWS = "name,domain,arr,seats,contract_start,renewal_date\n" + (
    '株式会社ひかり製作所,hikari.co.jp,"2,750,000",１２０,2025/04/01,2027/3/31\n'
    "大和精機株式会社,yamato-seiki.jp,￥980000,35,2026年1月15日,2027/01/15\n"
)


def test_cp932_file_from_japanese_excel_imports(tmp_path: Path) -> None:
    src = tmp_path / "顧客.csv"
    raw = ROWS.replace("\n", "\r\n").encode("cp932")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # really Shift_JIS bytes, not UTF-8 in disguise
    src.write_bytes(raw)
    data = tmp_path / "data"
    code, stdout, stderr = run("import", "accounts", "--data-dir", str(data), str(src))
    assert code == 0, stderr
    assert b"2 created" in stdout
    ws = Workspace.open(data)
    by_name = {a.name: a for a in ws.accounts()}
    hikari = by_name["株式会社ひかり製作所"]
    assert (hikari.arr, hikari.seats) == (2_750_000, 120)
    assert hikari.contract_start is not None
    assert hikari.contract_start.isoformat() == "2025-04-01"
    assert hikari.renewal_date is not None
    assert hikari.renewal_date.isoformat() == "2027-03-31"
    yamato = by_name["大和精機株式会社"]
    assert yamato.arr == 980_000
    assert yamato.contract_start is not None
    assert yamato.contract_start.isoformat() == "2026-01-15"
    ws.close()


@pytest.mark.parametrize(
    "encoded",
    [
        codecs.BOM_UTF8 + ROWS.encode("utf-8"),
        ROWS.encode("utf-8"),
        ROWS.encode("utf-16"),  # Excel's "Unicode text" starts with a BOM
        ROWS.encode("cp932"),
    ],
)
def test_every_excel_encoding_reads_the_same_text(encoded: bytes) -> None:
    assert decode_csv(encoded) == ROWS


def test_normalised_cells() -> None:
    assert plain_day("2026/03/01") == "2026-03-01"
    assert plain_day("２０２６／３／１") == "2026-03-01"
    assert plain_day("03/01/2026") == "03/01/2026"  # ambiguous: left for the model to refuse
    assert plain_number("1,200,000") == "1200000"
    assert plain_number("-3,500") == "-3500"
    assert plain_number("1,2") == "1,2"


def test_an_unreadable_file_is_refused_in_the_users_language(tmp_path: Path) -> None:
    src = tmp_path / "broken.csv"
    src.write_bytes(b"name\n\x81\x7f\xff\xfe\x80\n")  # neither UTF-8 nor cp932
    data = tmp_path / "data"
    code, _, stderr = run("import", "accounts", "--data-dir", str(data), str(src), "--lang", "ja")
    assert code == 1
    assert "読み込めません" in stderr
    assert not data.exists()  # refused before any book is created
    code, _, stderr = run(
        "import", "surveys", "--data-dir", str(data), str(src), env={"LANG": "en_US.UTF-8"}
    )
    assert code == 1
    assert "neither UTF-8 nor Shift_JIS" in stderr


def test_export_for_excel_has_a_bom_and_crlf(tmp_path: Path, demo_dir: Path) -> None:
    out = tmp_path / "accounts.csv"
    code, _, _ = run(
        "export", "accounts", "--data-dir", str(demo_dir), "--excel", "--out", str(out)
    )
    assert code == 0
    raw = out.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    lines = raw[3:].split(b"\r\n")
    assert lines[0].startswith(b"id,name,")
    assert len(lines) == 62  # header, 60 accounts, and the empty tail after the last CRLF
    assert b"\n" not in raw.replace(b"\r\n", b"")
    code, stdout, _ = run("export", "accounts", "--data-dir", str(demo_dir), "--excel")
    assert stdout == raw
    # A file exported for Excel imports back unchanged.
    fresh = tmp_path / "fresh"
    run("import", "accounts", "--data-dir", str(fresh), str(out))
    code, stdout, _ = run("import", "accounts", "--data-dir", str(fresh), str(out))
    assert b"0 created, 0 updated, 60 unchanged" in stdout
    code, _, stderr = run(
        "export", "accounts", "--data-dir", str(demo_dir), "--excel", "--format", "json"
    )
    assert code == 2
    assert "--excel" in stderr


def test_a_survey_answer_from_the_future_is_refused(empty_ws: Workspace) -> None:
    ws = empty_ws
    acc = ws.create_account({"name": "株式会社ひかり製作所"})
    text = f"account,date,kind,score\n{acc.id},2026/11/20,nps,9\n{acc.id},2026/11/24,nps,3\n"
    responses, report = validate_surveys(ws, text)
    assert [line for line, _ in report.errors] == [3]
    assert "2026-11-24" in report.errors[0][1]
    assert [r.date.isoformat() for r in responses] == ["2026-11-20"]
    with pytest.raises(InvalidRecord) as err:
        ws.record_survey({"account_id": acc.id, "kind": "nps", "date": "2026-12-01", "score": 8})
    assert "date" in err.value.fields
    assert ws.surveys(acc.id) == []


def test_row_and_header_problems_are_told_in_japanese(tmp_path: Path) -> None:
    data = tmp_path / "data"
    header = tmp_path / "no-name.csv"
    header.write_text("domain,arr\nfuji.jp,500000\n", encoding="utf-8")
    code, _, stderr = run(
        "--lang", "ja", "import", "accounts", "--data-dir", str(data), str(header)
    )
    assert code == 1
    assert "見出し行に「name」列がありません。" in stderr
    rows = tmp_path / "rows.csv"
    rows.write_text(
        "name,domain,crm_ids\n富士商会,fuji.jp,hubspot\n富士商会,fuji.jp,\n", encoding="utf-8"
    )
    code, _, stderr = run("import", "accounts", "--lang", "ja", "--data-dir", str(data), str(rows))
    assert "CRM ID「hubspot」は hubspot=123;other=abc の形で書いてください。" in stderr
    surveys = tmp_path / "answers.csv"
    surveys.write_text("account,date,kind,score\n,2026-11-02,nps,8\n", encoding="utf-8")
    code, _, stderr = run(
        "import", "surveys", "--lang", "ja", "--data-dir", str(data), str(surveys)
    )
    assert "顧客（ID または正確な名前）は必須です。" in stderr
    assert "Account is required" not in stderr

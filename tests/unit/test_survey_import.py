"""Survey CSV import: all or nothing, line numbers, detractor alerts."""

from __future__ import annotations

from cstui.domain.enums import SurveyKind
from cstui.workspace import Workspace


def setup(ws: Workspace) -> tuple[str, str]:
    a = ws.create_account({"name": "Alpha KK", "arr": 1_000_000})
    c = ws.add_contact(a.id, {"name": "Aiko", "email": "aiko@alpha.example"})
    return a.id, c.id


GOOD = """account,contact,date,kind,score,comment
Alpha KK,aiko@alpha.example,2026-11-01,nps,3,Too slow
{a},,2026-11-02,csat,5,
"""


def test_good_file_imports_and_raises_detractor_alert(empty_ws: Workspace) -> None:
    a, c = setup(empty_ws)
    report = empty_ws.import_surveys(GOOD.format(a=a))
    assert not report.errors
    assert report.created == 2
    answers = empty_ws.surveys(a)
    assert [(s.kind, s.score, s.contact_id) for s in answers] == [
        (SurveyKind.NPS, 3, c),
        (SurveyKind.CSAT, 5, None),
    ]
    assert any(al.rule == "detractor" and al.account_id == a for al in empty_ws.alerts())
    again = empty_ws.import_surveys(GOOD.format(a=a))
    assert again.created == 0
    assert again.unchanged == 2


def test_bad_row_imports_nothing_and_reports_every_line(empty_ws: Workspace) -> None:
    a, _ = setup(empty_ws)
    text = (
        "account,contact,date,kind,score,comment\n"
        "Alpha KK,,2026-11-01,nps,9,fine\n"
        "Alpha KK,,2026-11-01,nps,11,too high\n"
        "Nobody Inc,,2026-11-01,nps,9,\n"
        "Alpha KK,ghost@x.example,2026-11-01,csat,4,\n"
        "Alpha KK,,yesterday,csat,4,\n"
    )
    report = empty_ws.import_surveys(text)
    assert report.errors
    assert report.created == 0
    lines = dict(report.errors)
    assert sorted(lines) == [3, 4, 5, 6]
    assert "between 0 and 10" in lines[3]
    assert "Nobody Inc" in lines[4]
    assert "ghost@x.example" in lines[5]
    assert "not a date" in lines[6]
    assert empty_ws.surveys(a) == []  # nothing partial


def test_header_problems(empty_ws: Workspace) -> None:
    setup(empty_ws)
    assert empty_ws.import_surveys("account,date\nAlpha KK,2026-11-01\n").errors == [
        (1, "The header has no 'score' column.")
    ]
    unknown = empty_ws.import_surveys("account,date,score,mood\n")
    assert unknown.errors[0][0] == 1
    assert "Unknown column 'mood'" in unknown.errors[0][1]

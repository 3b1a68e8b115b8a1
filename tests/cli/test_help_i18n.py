"""``cstui --help`` in Japanese: chosen by ``--lang ja`` or a Japanese locale, English unchanged.

The help of every command and option comes from ``locale/<lang>/cli_help.json`` (found by its
English words), click's own sentences from ``locale/ja/click.json``; Japanese help is laid out
in terminal cells. These run the real command line (click's runner, or a new interpreter).
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from rich.cells import cell_len

import cstui
from cstui.cli import COMMANDS, helptext, main
from cstui.cli.helptext import Translated, untranslated, wrap

LOCALE = Path(cstui.__file__).parent / "locale"
JAPANESE = {"LANG": "ja_JP.UTF-8", "LC_ALL": None, "LC_MESSAGES": None, "COLUMNS": "80"}
ENGLISH = {"LANG": "C.UTF-8", "LC_ALL": None, "LC_MESSAGES": None, "COLUMNS": "80"}

ENGLISH_WORDS = re.compile(r"[A-Za-z]{2,}(?: [a-z]{2,}){2,}")
"""Three English words in a row: a sentence left untranslated (metavars are upper case, and
the Japanese texts name CSV columns and choices with commas between them)."""


def run(*args: str, env: Mapping[str, str | None]) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env, prog_name="cstui")
    return result.exit_code, result.stdout, result.stderr


def help_of(*args: str, env: Mapping[str, str | None] = JAPANESE) -> str:
    code, out, err = run(*args, "--help", env=env)
    assert code == 0, err
    return out


def rows(text: str, heading: str) -> dict[str, str]:
    """The definition list under ``heading`` (an option or command -> its help, unwrapped)."""
    section = text.split(f"\n{heading}:\n", 1)[1].split("\n\n", 1)[0]
    found: dict[str, str] = {}
    name = ""
    for line in section.splitlines():
        if not line.startswith("   "):
            name, _, words = line.strip().partition("  ")
            found[name] = words.strip()
        else:
            found[name] += " " + line.strip()
    return found


def body(text: str) -> str:
    """The help without its usage line (which names the command in English)."""
    return text.partition("\n")[2]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def catalogue(lang: str, name: str) -> dict[str, str]:
    data: dict[str, str] = json.loads((LOCALE / lang / name).read_text("utf-8"))
    return data


def _commands(
    command: click.Command, ctx: click.Context, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command, click.Context]]:
    yield path, command, ctx
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None
            yield from _commands(sub, click.Context(sub, parent=ctx, info_name=name), (*path, name))


EVERY_COMMAND = [path for path, _, _ in _commands(main, click.Context(main, info_name="cstui"))]


# --------------------------------------------------------------------------------------------
# Japanese
# --------------------------------------------------------------------------------------------


def test_the_root_help_in_a_japanese_locale() -> None:
    ja = help_of()
    english = help_of(env=ENGLISH)
    for heading in ("使い方: cstui [OPTIONS] [COMMAND] [ARGS]...", "オプション:", "コマンド:"):
        assert heading in ja
    assert "カスタマーサクセスマネージャーのためのターミナル作業環境です。" in ja
    options = rows(ja, "オプション")
    assert options["--version"] == "バージョンを表示して終了します。"
    assert options["-h, --help"] == "このヘルプを表示して終了します。"
    assert options["--lang [en|ja]"] == "表示言語（既定: LANG から判断）。"
    # each command's line is the first sentence of its Japanese help
    commands = rows(ja, "コマンド")
    assert commands["today"] == "今日対応すること: タスク、アラート、契約更新、接触期限切れ。"
    assert commands["export"] == "データを書き出します。"
    assert set(commands) == set(COMMANDS) == set(rows(english, "Commands"))
    for name, words in commands.items():
        assert ENGLISH_WORDS.search(words) is None, name
    assert ENGLISH_WORDS.search(body(ja)) is None


CHOSEN = [
    *[(c, "locale") for c in [("sync",), ("import",), ("health", "explain"), ("export", "qbr")]],
    *[(c, "--lang before") for c in [("today",), ("tasks",), ("health", "explain")]],
    *[(c, "--lang after") for c in [("today",), ("export", "accounts"), ("report", "kpis")]],
]
"""Commands (sync and import take no ``--lang``: the locale chooses for them) and how."""


@pytest.mark.parametrize(
    ("command", "chosen_by"), CHOSEN, ids=lambda v: " ".join(v) if isinstance(v, tuple) else v
)
def test_a_commands_help_in_japanese(command: tuple[str, ...], chosen_by: str) -> None:
    if chosen_by == "locale":
        ja = help_of(*command)
    elif chosen_by == "--lang before":
        ja = help_of("--lang", "ja", *command, env=ENGLISH)
    else:
        ja = help_of(*command, "--lang=ja", env=ENGLISH)
    english = help_of(*command, env=ENGLISH)
    assert ja.startswith(f"使い方: cstui {' '.join(command)} [OPTIONS]")
    assert "\nオプション:\n" in ja
    assert ENGLISH_WORDS.search(body(ja)) is None, ja
    # every option that has help in English has other words in Japanese, none left as is
    en_rows, ja_rows = rows(english, "Options"), rows(ja, "オプション")
    assert en_rows.keys() == ja_rows.keys()
    for option, words in en_rows.items():
        if words:
            assert ja_rows[option] != words, option
            assert any(cell_len(c) == 2 for c in ja_rows[option]), option
    if "\nCommands:\n" in english:  # a group: its commands' lines too
        assert rows(english, "Commands").keys() == rows(ja, "コマンド").keys()
        assert all(w != rows(english, "Commands")[n] for n, w in rows(ja, "コマンド").items())


def test_the_help_says_what_the_catalogue_says() -> None:
    words = catalogue("ja", "cli_help.json")
    ja = help_of("export", "qbr")
    for key in ("cli.help.export.qbr", "cli.help.export.qbr.customer_only"):
        assert squeeze(words[key]) in squeeze(ja)
    kpis = rows(help_of("report", "kpis"), "オプション")
    assert kpis["--slice TEXT"] == f"{words['cli.help.report.kpis.slice']} [既定: all]"
    qbr = rows(ja, "オプション")
    assert qbr["--format [md|html|pptx]"] == "[既定: md]"
    assert qbr["--lang [en|ja]"] == ""  # no help in English either
    sync = help_of("sync")
    assert "終了コード（cstui の全コマンドで共通）:\n    0  同期しました" in sync  # a \b block


def test_every_command_has_japanese_help() -> None:
    """A new command or option without a Japanese entry in cli_help.json fails here."""
    missing: dict[str, list[str]] = {}
    for path, command, ctx in _commands(main, click.Context(main, info_name="cstui")):
        name = " ".join(path) or "cstui"
        assert isinstance(command, Translated), f"{name}: make it with cls=Command"
        gaps = untranslated(command, ctx)
        if gaps:
            missing[name] = gaps
    assert missing == {}, "add these English texts to locale/en/cli_help.json and ja"
    assert len(EVERY_COMMAND) >= 18


@pytest.mark.parametrize("command", EVERY_COMMAND, ids=lambda p: " ".join(p) or "cstui")
def test_every_help_page_is_japanese_and_fits_80_columns(command: tuple[str, ...]) -> None:
    ja = help_of(*command)  # click's runner lays help out 80 columns wide
    assert ENGLISH_WORDS.search(body(ja)) is None, ja
    assert max(cell_len(line) for line in ja.splitlines()) <= 80, ja


def test_the_japanese_tables_fit_a_terminal_of_80_columns() -> None:
    """``\\b`` blocks are never rewrapped: in an 80-column terminal click lays help out 78
    wide, the text indented by 2."""
    for key, text in catalogue("ja", "cli_help.json").items():
        if text.startswith("\b"):
            assert max(cell_len(line) for line in text.splitlines()) <= 76, key


def test_the_english_help_keys_are_the_english_help() -> None:
    """cli_help.json's English is the code's own (each text once): a text edited in the
    code is found again only when the catalogue is edited too, Japanese included."""
    en, ja = catalogue("en", "cli_help.json"), catalogue("ja", "cli_help.json")
    assert en.keys() == ja.keys()
    help_texts = {k: v for k, v in en.items() if k.startswith(helptext.HELP_KEYS)}
    assert len(set(help_texts.values())) == len(help_texts)
    used: set[str] = set()
    for _, command, ctx in _commands(main, click.Context(main, info_name="cstui")):
        used.update(helptext.paragraphs(command.help or ""))
        with helptext.english():
            used.update(p.help for p in command.get_params(ctx) if p.help)
    assert set(help_texts.values()) <= used, "an entry no command uses any more"
    for key, text in ja.items():  # the same placeholders
        assert set(re.findall(r"{\w+}", text)) == set(re.findall(r"{\w+}", en[key])), key


def _click_messages() -> set[str]:
    """Every sentence click words through gettext (``_("...")``, ``ngettext("...", "...")``)."""
    found: set[str] = set()
    for path in Path(click.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "ngettext")
            ):
                found.update(
                    a.value
                    for a in node.args
                    if isinstance(a, ast.Constant) and isinstance(a.value, str)
                )
    return found


def test_clicks_sentences_are_worded_as_click_writes_them() -> None:
    """A click release that rewords a sentence would leave it English: this names it."""
    words = catalogue("ja", "click.json")
    known = _click_messages() | {"required"}  # _(extra["required"]), set in get_help_extra
    stale = [key for key in words if key.removeprefix("click.") not in known]
    assert stale == []
    for key, text in words.items():  # a translation may drop a field, never invent one
        assert set(re.findall(r"{[^}]*}", text)) <= set(re.findall(r"{[^}]*}", key)), key
    assert helptext.installed()


def test_usage_errors_in_japanese() -> None:
    code, _, err = run("--lang", "ja", "todya", env=ENGLISH)
    assert code == 2
    assert "使い方: cstui [OPTIONS] [COMMAND] [ARGS]..." in err
    assert "ヘルプは 'cstui --help' で表示できます。" in err
    assert "エラー: 'todya' というコマンドはありません。" in err
    code, _, err = run("export", "qbr", env=JAPANESE)
    assert (code, err.splitlines()[-1]) == (2, "エラー: 次の引数が必要です: 'ACCOUNT'.")
    code, _, err = run("--lang", "ja", "sync", "--help", env=ENGLISH)
    assert (code, err.splitlines()[-1]) == (2, "エラー: --lang は 'cstui sync' には使えません。")
    code, _, err = run("export", "accounts", "--format", "xml", env=JAPANESE)
    assert "'xml' は 'csv', 'json' のどれでもありません。" in err


# --------------------------------------------------------------------------------------------
# English, and choosing
# --------------------------------------------------------------------------------------------


def test_english_help_is_unchanged() -> None:
    root = help_of(env=ENGLISH)
    assert root.startswith(
        "Usage: cstui [OPTIONS] [COMMAND] [ARGS]...\n\n"
        "  A terminal workspace for customer success managers.\n\n"
        "  With no command, opens the app on your data.\n\nOptions:\n"
        "  --data-dir DIRECTORY  Data directory (default: your user data dir; env\n"
        "                        CSTUI_DATA_DIR).\n"
    )
    assert "  --version             Show the version and exit.\n" in root
    assert "  -h, --help            Show this message and exit.\n" in root
    assert "  today    What to act on today: your tasks, alerts, renewals and overdue...\n" in root
    qbr = help_of("export", "qbr", env=ENGLISH)
    assert "  --format [md|html|pptx]  [default: md]\n" in qbr
    _, _, err = run("todya", env=ENGLISH)
    assert err.endswith("Try 'cstui --help' for help.\n\nError: No such command 'todya'.\n"), err
    _, _, err = run("export", "qbr", env=ENGLISH)
    assert err.endswith("Error: Missing argument 'ACCOUNT'.\n")


def test_lang_wins_over_the_locale_and_the_last_one_counts() -> None:
    assert help_of("--lang", "en", "today") == help_of("today", env=ENGLISH)
    assert help_of("--lang", "en", "today", "--lang", "ja", env=ENGLISH) == help_of("today")
    assert help_of("--lang", "ja", "today", env={**ENGLISH, "LC_ALL": "C"}) == help_of("today")
    # a locale other than Japanese, or an unknown --lang, is English
    assert help_of("today", env={**JAPANESE, "LC_ALL": "de_DE.UTF-8"}).startswith("Usage:")
    code, _, err = run("--lang", "fr", "today", "--help", env=ENGLISH)
    assert code == 2
    assert "Invalid value for '--lang'" in err


def test_choosing_the_help_language_leaves_the_commands_language_alone(demo_dir: Path) -> None:
    """The help's language is its own: a command still words its output for itself."""
    from cstui import i18n

    help_of("today")
    assert i18n.language() == "en"
    code, out, _ = run("health", "--data-dir", str(demo_dir), "--json", env=JAPANESE)
    assert code == 0
    assert json.loads(out)["accounts"]


# --------------------------------------------------------------------------------------------
# Layout, and start-up
# --------------------------------------------------------------------------------------------


def test_japanese_lines_break_between_characters_but_not_before_a_closing_mark() -> None:
    text = "全アカウントのヘルススコア、判定、リスクフラグを表示します（今日の時点）。"
    for width in range(8, 40):
        lines = wrap(text, width, "  ", "  ")
        assert "".join(line.strip() for line in lines) == text
        assert all(cell_len(line) <= width for line in lines)
        assert not any(line.strip()[0] in "、。）" for line in lines[1:])
        assert not any(line.rstrip().endswith("（") for line in lines)
    words = wrap("データフォルダ（既定: 環境変数 CSTUI_DATA_DIR でも指定できます）。", 20)
    assert any("CSTUI_DATA_DIR" in line for line in words)  # an option name is never cut


def test_no_command_imports_no_command_module(tmp_path: Path) -> None:
    """``cstui`` alone opens the app: the commands' modules stay unimported (start-up)."""
    code = (
        "import sys\n"
        "import cstui.cli as cli\n"
        "cli.run_app = lambda ws, lang: print('app', lang)\n"
        f"cli.main(['--data-dir', {str(tmp_path / 'data')!r}, '--lang', 'ja'],"
        " standalone_mode=False)\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('cstui.cli.'))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=None
    ).stdout.splitlines()
    assert out[0] == "app ja"
    loaded = set(out[1].split())
    commands = {target.partition(":")[0] for target in COMMANDS.values()}
    assert loaded & commands == set()
    assert "cstui.cli.helptext" in loaded

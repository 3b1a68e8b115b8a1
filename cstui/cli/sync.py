"""``cstui sync``: pull CRM changes, push local ones; conflicts listed and resolved here too.

Output is for people (and cron mails): first what would be pushed and pulled, then the
outcome. Errors are one line on stderr. Values that came from the CRM are printed with
control characters neutralised; the token is never printed (it never reaches this code).
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from cstui.cli.common import (
    Command,
    data_dir_option,
    fail,
    keep_rows_for,
    no_data,
    team_option,
)
from cstui.cli.jsonout import emit
from cstui.exitcodes import (
    EXIT_ACTION,
    EXIT_CANCELLED,
    EXIT_DATA,
    EXIT_ERROR,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_REMOTE,
    EXIT_STORAGE,
)
from cstui.i18n import t
from cstui.paths import default_data_dir
from cstui.sanitize import clean
from cstui.sanitize import show_value as _value
from cstui.store import StorageError, Store, StoreError
from cstui.store.db import SNAPSHOT_NAME
from cstui.sync import registry
from cstui.sync.adapters.base import AdapterContext, Capability
from cstui.sync.config import SyncConfig, load_sync_config
from cstui.sync.conflicts import Conflict, ResolveError
from cstui.sync.engine import Plan, PlannedPush, Progress, SyncReport
from cstui.sync.errors import (
    Cancelled,
    SyncBusy,
    SyncError,
)
from cstui.sync.hub import HubSync, has_hub
from cstui.sync.service import SyncService
from cstui.workspace import current_user
from cstui.workspace.portfolio import rows_tables_version

SHOW_ITEMS = 20
"""Items listed per section of the plan; the rest are counted."""
ONE = {"accounts": "account", "contacts": "contact", "activities": "note", "tasks": "task"}


def _item(item: PlannedPush) -> str:
    what = f"{ONE.get(item.table, item.table)} {clean(item.label)!r}"
    if item.delete:
        return f"  delete {what}"
    if item.link:
        return f"  link {what} to its company"
    changes = ", ".join(
        f"{name}: {_value(new)}" if item.create else f"{name}: {_value(old)} → {_value(new)}"
        for name, (old, new) in item.fields.items()
    )
    return f"  {'new' if item.create else 'update'} {what}" + (f" ({changes})" if changes else "")


def _counts(counter: Counter[str]) -> str:
    return ", ".join(_count(table, n) for table, n in counter.items() if n) or "nothing"


def _count(table: str, n: int) -> str:
    """``n`` records of ``table`` in words: "1 account", "3 tasks" (any other table: its name)."""
    key = f"cli.sync.table.{table}"
    return t(key, n=n) if table in ONE else f"{n} {table}"


def _print_plan(plan: Plan, label: str) -> None:
    pull = {t: n for t, n in plan.pull.items() if n}
    if plan.pull:
        if pull:
            parts = ", ".join(f"{table} ~{n}" for table, n in pull.items())
            click.echo(f"Would pull from {label}: {parts}.")
        else:
            click.echo(f"Would pull from {label}: nothing new.")
    if plan.push:
        click.echo(f"Would push to {label}: {_counts(Counter(p.table for p in plan.push))}.")
        for item in plan.push[:SHOW_ITEMS]:
            click.echo(_item(item))
        if len(plan.push) > SHOW_ITEMS:
            click.echo(f"  … and {len(plan.push) - SHOW_ITEMS} more")
    else:
        click.echo(f"Would push to {label}: nothing.")
    if plan.waiting:
        click.echo(t("cli.sync.waiting", label=label, n=len(plan.waiting)))
    for item in plan.owned_edits[:SHOW_ITEMS]:
        names = ", ".join(item.fields)
        click.echo(
            f"  not pushed: {item.table} {clean(item.label)!r} {names} ({label} owns "
            f"{'it' if len(item.fields) == 1 else 'them'}; becomes a conflict to decide)"
        )


def _print_report(report: SyncReport, label: str) -> None:
    applied = sum(report.created.values()) + sum(report.updated.values())
    click.echo(
        t(
            "cli.sync.done",
            label=label,
            pulled=sum(report.pulled.values()),
            applied=applied,
            pushed=sum(report.pushed.values()),
            deleted=sum(report.deleted.values()),
            requests=report.requests,
            seconds=f"{report.seconds:.1f}",
        )
    )
    if report.skipped:
        click.echo(t("cli.sync.skipped", n=report.skipped, label=label))
    for failure in report.failures[:SHOW_ITEMS]:
        click.echo(f"  rejected: {clean(failure.describe())}")
    if len(report.failures) > SHOW_ITEMS:
        click.echo(f"  … and {len(report.failures) - SHOW_ITEMS} more rejected")
    if report.failures:
        click.echo(t("cli.sync.refused", n=len(report.failures)))
    if report.open_conflicts:
        click.echo(t("cli.sync.conflicts", n=report.open_conflicts))


RESULTS = {
    "ok": "ok",
    "partial": "partial: some items were not accepted",
    "conflicts": "conflicts wait for a decision",
    "failed": "failed",
    "cancelled": "cancelled",
}


def _echo_last_run(status: Any) -> None:
    """Pending changes, when the last run ended and how (the CRM's or the hub's status)."""
    when = status.last_sync.isoformat(sep=" ") if status.last_sync else "never"
    result = RESULTS.get(status.last_result or "", status.last_result or "")
    if status.last_error:
        result = f"{result}: {status.last_error}"
    click.echo(f"Pending changes: {status.pending}")
    click.echo(f"Last sync: {when}{f' ({clean(result)})' if result else ''}")
    if status.last_ok is not None and status.last_result != "ok":
        click.echo(f"Last complete sync: {status.last_ok.isoformat(sep=' ')}")


def _print_status(service: SyncService) -> None:
    status = service.status(check_running=True)
    click.echo(f"Adapter: {status.adapter}")
    _echo_last_run(status)
    for failure in status.failures[:SHOW_ITEMS]:
        click.echo(f"  not accepted: {clean(failure.describe())}")
    if status.failure_count > min(len(status.failures), SHOW_ITEMS):
        click.echo(f"  … and {status.failure_count - min(len(status.failures), SHOW_ITEMS)} more")
    click.echo(f"Open conflicts: {status.conflicts}")
    click.echo(f"Running now: {'yes' if status.running else 'no'}")


def _print_conflict(c: Conflict) -> None:
    if c.kind == "deleted":
        click.echo(f"{c.id}  {c.table} {clean(c.label)!r}: deleted in the CRM")
        click.echo("    mine = keep it and create it again there; theirs = delete it here")
        return
    why = "edited here, but the CRM owns it" if c.kind == "owned" else "changed on both sides"
    click.echo(f"{c.id}  {c.table} {clean(c.label)!r} {c.field}: {why}")
    click.echo(f"    was {_value(c.base)}; mine {_value(c.mine)}; theirs {_value(c.theirs)}")


def _parse_resolutions(
    service: SyncService, resolutions: tuple[str, ...]
) -> list[tuple[str, str, Any]]:
    """Check every ``--resolve`` argument before any is applied: (id or all or ask,
    choice, value). One bad item means nothing is applied."""
    parsed: list[tuple[str, str, Any]] = []
    seen: set[str] = set()
    for arg in resolutions:
        if arg == "ask":
            parsed.append(("ask", "", None))
            continue
        key, sep, choice = arg.partition("=")
        if not sep or not key or not choice:
            raise ResolveError(
                f"--resolve {arg!r}: write ID=mine, ID=theirs, ID=value:TEXT, all=mine or ask."
            )
        value: Any = None
        if choice.startswith("value:"):
            choice, value = "edit", choice[len("value:") :]
        if key == "all":
            if choice not in ("mine", "theirs"):
                raise ResolveError("--resolve all= takes mine or theirs.")
            if len(resolutions) > 1:
                raise ResolveError("--resolve all= settles every conflict; give it alone.")
            for c in service.list_conflicts():
                service.check_resolution(c.id, choice)
        else:
            if key in seen:
                raise ResolveError(f"--resolve names conflict {key!r} twice.")
            service.check_resolution(key, choice, value)
        seen.add(key)
        parsed.append((key, choice, value))
    return parsed


def _apply_resolutions(service: SyncService, resolutions: tuple[str, ...]) -> int:
    """Apply ``--resolve`` arguments (all checked first); returns how many were settled."""
    settled = 0
    for key, choice, value in _parse_resolutions(service, resolutions):
        if key == "ask":
            settled += _ask(service)
        elif key == "all":
            for c in service.list_conflicts():
                service.resolve(c.id, choice)
                settled += 1
        else:
            service.resolve(key, choice, value)
            settled += 1
    return settled


def _ask(service: SyncService) -> int:
    settled = 0
    for c in service.list_conflicts():
        _print_conflict(c)
        answer = click.prompt(
            "  [m]ine, [t]heirs, [e]dit or [s]kip",
            type=click.Choice(["m", "t", "e", "s"]),
            default="s",
            show_choices=False,
        )
        if answer == "s":
            continue
        if answer == "e":
            while True:
                value = click.prompt("  new value", default="", show_default=False)
                try:
                    service.resolve(c.id, "edit", value)
                    break
                except ResolveError as exc:
                    click.echo(f"  {exc}", err=True)
        else:
            service.resolve(c.id, "mine" if answer == "m" else "theirs")
        settled += 1
    return settled


@click.command(cls=Command, name="sync", context_settings={"help_option_names": ["-h", "--help"]})
@data_dir_option
@team_option
@click.option(
    "--adapter",
    "adapter_name",
    metavar="NAME",
    help="CRM adapter (default: sync.toml's, else hubspot).",
)
@click.option(
    "--dry-run", is_flag=True, help="Show what would be pulled and pushed; change nothing."
)
@click.option(
    "--resolve",
    "resolutions",
    multiple=True,
    metavar="ID=CHOICE",
    help="Settle a conflict, then sync: ID=mine, ID=theirs, ID=value:TEXT (edit), "
    "all=mine, all=theirs, or 'ask' to decide each one at a prompt. Repeatable.",
)
@click.option("--conflicts", "show_conflicts", is_flag=True, help="List open conflicts and exit.")
@click.option(
    "--status", "show_status", is_flag=True, help="Pending changes, last sync, conflicts."
)
@click.option("--list-adapters", is_flag=True, help="List installed CRM adapters and exit.")
@click.option(
    "--setup",
    "run_setup",
    is_flag=True,
    help="Create the custom properties cstui needs in the CRM (safe to repeat), then exit.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print only the outcome.")
@click.option(
    "--json", "as_json", is_flag=True, help="With --status: one JSON document for scripts."
)
@click.option("--hub-only", is_flag=True, help="Sync with the team hub only, not the CRM.")
@click.option("--crm-only", is_flag=True, help="Sync with the CRM only, not the team hub.")
def sync(
    data_dir: Path | None,
    team: bool,
    adapter_name: str | None,
    dry_run: bool,
    resolutions: tuple[str, ...],
    show_conflicts: bool,
    show_status: bool,
    list_adapters: bool,
    run_setup: bool,
    quiet: bool,
    hub_only: bool,
    crm_only: bool,
    as_json: bool,
) -> None:
    """Sync with the team hub (a folder made by `cstui clone`), then the company CRM.

    With a hub, changes are exchanged with it first (every table, both ways); the CRM
    follows when this machine is set up for one (sync.toml or a token).

    The token comes from CSTUI_HUBSPOT_TOKEN or a private (chmod 600) file named in
    sync.toml (default: hubspot.token in the config folder); see cstui/sync/README.md.

    \b
    Exit codes (the same table for every cstui command):
      0  synced (or nothing to do)
      1  not configured: token missing/refused/too open, bad sync.toml, unknown
         adapter, a CRM property missing; or an unknown conflict in --resolve
      2  usage: an unknown option, or options that exclude each other
      3  someone must act: conflicts wait for a decision (--conflicts, --resolve);
         --setup: an administrator must create the listed properties
      4  the data folder, or the hub's folder, is not a usable cstui data folder
      5  the disk refused (here or on the hub's server: permissions), or another
         sync is running for this data folder
      6  partial: the CRM refused some records; they stay queued
      7  the CRM or the hub could not be reached or answered wrongly (offline,
         an HTTP error, another cstui protocol version); safe to re-run
      130 cancelled; everything done so far is kept
    """
    # Options that exclude each other are a usage error (exit 2), before anything runs.
    if hub_only and crm_only:
        raise click.UsageError("--hub-only and --crm-only exclude each other.")
    if as_json and not show_status:
        raise click.UsageError("--json goes with --status (the other runs print progress).")
    if resolutions and dry_run:
        raise click.UsageError("--resolve changes data; it cannot be combined with --dry-run.")
    if list_adapters:
        for info in registry.available().values():
            click.echo(f"{info.name}  {info.target}  ({info.package or 'unknown package'})")
        return
    try:
        config = load_sync_config()
    except SyncError as exc:
        fail(str(exc), exc.exit_code)
        return
    if run_setup:  # about the CRM only: needs no data folder
        sys.exit(_setup(config, adapter_name))
    folder = data_dir or default_data_dir()
    scratch: tempfile.TemporaryDirectory[str] | None = None
    if (dry_run or show_status or show_conflicts) and not (folder / SNAPSHOT_NAME).exists():
        # Read-only runs never create the data folder: an empty scratch store stands in.
        scratch = tempfile.TemporaryDirectory(prefix="cstui-dry-run-")
        folder = Path(scratch.name)
    elif no_data(folder):
        _before_a_new_book(folder, config, adapter_name, hub_only=hub_only)
    try:
        store = Store(folder, actor=current_user(), team=team and scratch is None)
    except StoreError as exc:
        fail(str(exc), EXIT_STORAGE if isinstance(exc, StorageError) else EXIT_DATA)
        return
    code = EXIT_ERROR  # until a run says otherwise: nothing is checkpointed
    rows = rows_tables_version(store)
    hub = has_hub(folder) and not crm_only and scratch is None
    crm = not hub_only and (not hub or config.crm_configured(adapter_name) or crm_only)
    if hub_only and not hub:
        store.close(checkpoint=False)
        fail(f"{folder} has no team hub; `cstui clone REMOTE DIR` makes one.", EXIT_ERROR)
    try:
        if as_json:
            code = _status_json(store, config, adapter_name, hub=hub, crm=crm)
        else:
            code = _sync_all(
                store,
                config,
                adapter_name,
                hub=hub,
                crm=crm,
                dry_run=dry_run,
                resolutions=resolutions,
                show_conflicts=show_conflicts,
                show_status=show_status,
                quiet=quiet,
            )
    finally:
        # A failed or read-only run leaves the data files exactly as they were.
        store.close(checkpoint=code in (EXIT_OK, EXIT_PARTIAL, EXIT_ACTION) and not dry_run)
        if scratch is not None:
            scratch.cleanup()
        elif rows_tables_version(store) != rows:  # a pull folded in: the next start reads rows
            keep_rows_for(folder, team=team)
    sys.exit(code)


def _before_a_new_book(
    folder: Path, config: SyncConfig, adapter_name: str | None, *, hub_only: bool
) -> None:
    """A sync into a folder with no book starts one from the CRM, but only once the CRM is
    known to be set up: a run that fails at once (no token, a typo in --data-dir) must not
    leave an empty book behind. A folder with no book has no hub either."""
    if hub_only:
        fail(f"{folder} has no team hub; `cstui clone REMOTE DIR` makes one.", EXIT_ERROR)
    try:
        cls = registry.load(adapter_name or config.adapter)
        cls(AdapterContext(config, config.tables)).close()
    except SyncError as exc:
        fail(f"{exc} Nothing was created in {folder}.", exc.exit_code)


def _sync_all(
    store: Store,
    config: SyncConfig,
    adapter_name: str | None,
    *,
    hub: bool,
    crm: bool,
    dry_run: bool,
    resolutions: tuple[str, ...],
    show_conflicts: bool,
    show_status: bool,
    quiet: bool,
) -> int:
    """The hub first (when this folder has one), then the CRM (when set up)."""
    service = SyncService(store, config, adapter_name)
    if hub and (show_status or dry_run):
        _print_hub_status(store, dry_run=dry_run)
        if not crm:
            return EXIT_OK
    if hub and not (show_status or show_conflicts or dry_run):
        code = _settle(service, resolutions, quiet=quiet) if resolutions else None
        if code is not None:
            return code
        code = _sync_hub(store, quiet=quiet)
        if code not in (EXIT_OK, EXIT_ACTION) or not crm:
            return code
        crm_code = _sync(service, quiet=quiet)
        return crm_code if crm_code != EXIT_OK else code
    if not crm and show_conflicts:
        return _list_conflicts(service)
    return _sync(
        service,
        dry_run=dry_run,
        resolutions=resolutions,
        show_conflicts=show_conflicts,
        show_status=show_status,
        quiet=quiet,
    )


def _when(moment: Any) -> str | None:
    return None if moment is None else str(moment.isoformat())


def _status_json(
    store: Store, config: SyncConfig, adapter_name: str | None, *, hub: bool, crm: bool
) -> int:
    """``--status --json``: the hub's and the CRM's status (null for one not set up)."""
    payload: dict[str, Any] = {"hub": None, "crm": None}
    if hub:
        with HubSync(store) as link:
            h = link.status()
        payload["hub"] = {**asdict(h), "last_sync": _when(h.last_sync), "last_ok": _when(h.last_ok)}
    if crm:
        c = SyncService(store, config, adapter_name).status(check_running=True)
        payload["crm"] = {
            "adapter": c.adapter,
            "pending": c.pending,
            "conflicts": c.conflicts,
            "last_sync": _when(c.last_sync),
            "last_result": c.last_result,
            "last_error": c.last_error,
            "last_ok": _when(c.last_ok),
            "running": c.running,
            "refused": c.failure_count,
        }
    emit("sync.status", payload)
    return EXIT_OK


def _print_hub_status(store: Store, *, dry_run: bool) -> None:
    with HubSync(store) as hub:
        status = hub.status()
    if dry_run:
        click.echo(t("cli.sync.hub_would_push", remote=clean(status.remote), n=status.pending))
        return
    click.echo(f"Hub: {clean(status.remote)}")
    _echo_last_run(status)
    click.echo(f"Open conflicts: {status.conflicts}")


def _progress_line(quiet: bool) -> tuple[bool, Callable[[Progress], None]]:
    """Whether progress is shown (on one rewritten stderr line, when it is a terminal), and
    the callback that shows it."""
    show = sys.stderr.isatty() and not quiet

    def progress(p: Progress) -> None:
        if show and p.phase != "done":
            click.echo(f"\r{p.message}\x1b[K", err=True, nl=False)

    return show, progress


def _interrupted(cancel: threading.Event, record_failure: Callable[[SyncError], None]) -> int:
    """Ctrl-C: stop the run, record it as cancelled, say that what was done is kept."""
    cancel.set()
    with contextlib.suppress(Exception):  # a second Ctrl-C must not leave a traceback
        record_failure(Cancelled("Interrupted (Ctrl-C)."))
    click.echo("cstui: sync interrupted; everything done so far is saved.", err=True)
    return EXIT_CANCELLED


def _sync_hub(store: Store, *, quiet: bool) -> int:
    """Push to and pull from the team hub; one line of outcome."""
    show, progress = _progress_line(quiet)
    cancel = threading.Event()
    try:
        hub = HubSync(store)
    except SyncError as exc:
        click.echo(f"cstui: {clean(str(exc))}", err=True)
        return exc.exit_code
    try:
        report = hub.run(progress=progress, cancel=cancel)
    except KeyboardInterrupt:
        return _interrupted(cancel, hub.record_failure)
    except SyncError as exc:
        if not isinstance(exc, SyncBusy):
            with contextlib.suppress(Exception):
                hub.record_failure(exc)
        if show:
            click.echo("", err=True)
        click.echo(f"cstui: {clean(str(exc))}", err=True)
        return exc.exit_code
    finally:
        hub.close()
    if show:
        click.echo("", err=True)
    click.echo(
        t(
            "cli.sync.hub_done",
            pushed=report.pushed,
            pulled=report.pulled,
            applied=report.applied,
            deleted=report.deleted,
            sent=f"{report.sent / 1e3:.0f}",
            received=f"{report.received / 1e3:.0f}",
            seconds=f"{report.seconds:.1f}",
        )
    )
    if report.open_conflicts:
        click.echo(t("cli.sync.conflicts", n=report.open_conflicts))
    return report.exit_code


def _setup(config: SyncConfig, adapter_name: str | None) -> int:
    """``--setup``: create the CRM's custom properties, or list them for an administrator."""
    try:
        cls = registry.load(adapter_name or config.adapter)
        adapter = cls(AdapterContext(config, config.tables))
    except SyncError as exc:
        click.echo(f"cstui: {clean(str(exc))}", err=True)
        return exc.exit_code
    label = adapter.label or adapter.name
    try:
        if Capability.SETUP not in adapter.capabilities:
            click.echo(f"The {label} adapter needs no setup.")
            return EXIT_OK
        result = adapter.setup()
    except SyncError as exc:
        click.echo(f"cstui: {clean(str(exc))}", err=True)
        return exc.exit_code
    finally:
        adapter.close()
    if result.created:
        click.echo(t("cli.sync.created", n=len(result.created), label=label))
        for name in result.created:
            click.echo(f"  {name}")
    if result.existing:
        click.echo(t("cli.sync.existing", n=len(result.existing)))
    if result.manual:
        click.echo(
            f"This token may not create properties in {label} (a private app needs the "
            f"crm.schemas.*.write scopes). Ask an administrator to create these, in a "
            f"property group named 'cstui', then run `cstui sync`:"
        )
        for line in result.manual:
            click.echo(f"  {clean(line)}")
        return EXIT_ACTION
    if not result.created:
        click.echo(f"Nothing to create: {label} has every property cstui needs.")
    return EXIT_OK


def _sync(
    service: SyncService,
    *,
    dry_run: bool = False,
    resolutions: tuple[str, ...] = (),
    show_conflicts: bool = False,
    show_status: bool = False,
    quiet: bool,
) -> int:
    """`cstui sync` against the CRM: status, conflicts, resolutions, then the run itself."""
    if show_status:
        _print_status(service)
        return EXIT_OK
    if show_conflicts:
        return _list_conflicts(service)
    if resolutions:
        code = _settle(service, resolutions, quiet=quiet)
        if code is not None:
            return code
    cancel = threading.Event()
    try:
        adapter = service.adapter(cancel=cancel)
    except SyncError as exc:
        return _failed(service, exc, dry_run=dry_run, tail="")
    label = adapter.label or adapter.name
    try:
        if not quiet or dry_run:  # the plan costs one search per table: skipped when quiet
            _print_plan(service.plan(adapter, remote=True), label)
        if dry_run:
            return EXIT_OK
        show, progress = _progress_line(quiet)
        report = service.run(adapter, progress=progress, cancel=cancel)
        if show:
            click.echo("", err=True)
    except KeyboardInterrupt:
        return _interrupted(cancel, service.record_failure)
    except SyncError as exc:
        # The run raises before it returns, so only the error knows whether data changed.
        tail = (
            " What was done is saved; run `cstui sync` again to continue."
            if exc.changed
            else " Nothing was changed."
        )
        return _failed(
            service, exc, dry_run=dry_run, tail=tail if exc.exit_code == EXIT_REMOTE else ""
        )
    finally:
        adapter.close()
    _print_report(report, label)
    return report.exit_code


def _list_conflicts(service: SyncService) -> int:
    """`--conflicts`: every open conflict, or a line saying there is none."""
    found = service.list_conflicts()
    for c in found:
        _print_conflict(c)
    if not found:
        click.echo("No open conflicts.")
    return EXIT_OK


def _settle(service: SyncService, resolutions: tuple[str, ...], *, quiet: bool) -> int | None:
    """Apply `--resolve` choices before syncing; an exit code if the command must stop."""
    try:
        settled = _apply_resolutions(service, resolutions)
    except ResolveError as exc:
        click.echo(f"cstui: {clean(str(exc))}", err=True)
        return EXIT_ERROR
    if not quiet:
        click.echo(t("cli.sync.settled", n=settled))
    return None


def _failed(service: SyncService, exc: SyncError, *, dry_run: bool, tail: str) -> int:
    """Record a failed sync (a dry run records nothing) and say why on stderr."""
    if not dry_run:
        service.record_failure(exc)
    click.echo(f"cstui: {clean(str(exc))}{tail}", err=True)
    return exc.exit_code


if __name__ == "__main__":  # `python -m cstui.cli.sync`: the command alone (the sync tests)
    sync()

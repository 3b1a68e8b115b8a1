"""The footer every screen shows, keeping ``? Keys`` on screen when the keys do not fit.

Textual lists the focused widget's keys, then the screen's, then the app's, so the key that
explains all the others came last and was the first cut at 80 columns. When the footer
overflows, the help key moves to the front (as htop's F1 Help): whatever else fits, the way
to the rest is on screen. A footer that fits keeps Textual's order.

Keys that do not fit are hidden whole. Textual lays them out under the command-palette key
(docked right) and clips the last one at the edge; a double-width label cut there lost a
character in the middle (``^p コマ  ド``, the compositor blanking a wide character split by
the edge of a key underneath). Now every key shown is whole, and nothing lies under the
palette key.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from textual import events
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

HELP_ACTIONS = frozenset({"help", "app.help", "help_in_text", "app.help_in_text"})
TEXT_HELP_ACTIONS = frozenset({"help_in_text", "app.help_in_text"})
"""The help key shown (as F1) where a text field has the focus and takes "?"."""


class KeyFooter(Footer):
    """Textual's footer, with the help key moved to the front when it would be cut, and
    the keys that do not fit hidden whole instead of clipped."""

    def __init__(self) -> None:
        super().__init__()
        self._pending = False
        self._shown: tuple[Any, ...] | None = None

    def bindings_changed(self, screen: Screen[Any]) -> None:
        """Update the keys once per turn, and only when the keys shown change.

        Textual rebuilds the footer (a widget per key) on every change of the bindings, and
        switching a tab changes them several times in one turn (focus, the pane's keys, its
        empty state): six rebuilds of the same keys were a third of the switch.
        """
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._pending:
            self._pending = True
            self.call_after_refresh(self._show_keys_if_changed)

    async def _show_keys_if_changed(self) -> None:
        self._pending = False
        if not self.is_attached:
            return
        shown = tuple(
            (key, binding.action, binding.description, enabled, tooltip)
            for key, (_, binding, enabled, tooltip) in self.screen.active_bindings.items()
            if binding.show or key == self.app.COMMAND_PALETTE_BINDING
        )
        if shown != self._shown:
            self._shown = shown
            await self.show_keys()

    async def recompose(self) -> None:
        await super().recompose()
        self.keep_help_visible()

    async def show_keys(self) -> None:
        """Show the screen's keys in the key widgets already there.

        Textual's footer composes a new widget per key on every change: mounting and
        styling ~15 widgets (each styled three times: on mount, then its ``compact`` class
        added and removed) was a third of an account's open and of a tab switch. The keys
        are now written into the widgets the footer has (a repaint; a restyle only for a key
        that turns enabled or disabled). Widgets are mounted only when there are more keys
        than ever before, already in their final classes; keys left over are kept hidden
        for the next screen that has more. Binding groups (which cstui does not use) take
        Textual's recompose.
        """
        specs = _key_specs(self.screen, self.app, palette=self.show_command_palette)
        children = list(self.query_children(FooterKey))
        keys = [k for k in children if not k.has_class(PALETTE_CLASS)]
        palette = [k for k in children if k.has_class(PALETTE_CLASS)]
        if (
            specs is None
            or len(children) != len(self.children)
            or (children and len(palette) != (specs[1] is not None))
        ):
            await self.recompose()
            return
        plain, palette_spec = specs
        extra = [self._new_key(spec) for spec in plain[len(keys) :]]
        if not children and palette_spec is not None:
            palette = [_new_key(palette_spec, f"{PALETTE_CLASS} -compact")]
            extra += palette  # as Textual's: docked right, not bound to the footer's compact
        if extra:
            await self.mount_all(extra, before=palette[0] if children and palette else None)
            keys += [k for k in extra if k not in palette]
        for index, key in enumerate(keys):
            spare, was_spare = index >= len(plain), not key.action
            _write(key, _SPARE if spare else plain[index])
            if spare != was_spare:
                key.display = not spare  # the fit below hides what does not fit
        if palette and palette_spec is not None:
            _write(palette[0], palette_spec)
        self.keep_help_visible()

    def _new_key(self, spec: KeySpec) -> FooterKey:
        """A key widget already in the footer's compact state (no restyle on mount)."""
        key = _new_key(spec)
        key.set_reactive(FooterKey.compact, self.compact)
        if self.compact:
            key.add_class("-compact")
        return key.data_bind(compact=Footer.compact)

    def on_resize(self, event: events.Resize) -> None:
        self.keep_help_visible()

    def keep_help_visible(self) -> None:
        """Put the help key first when the keys are wider than the footer; hide the rest
        from the first key that does not fit before the palette key.

        Measured from the keys' own text and margins, in the same turn as the recompose:
        waiting for the layout to say where the key landed would show one frame without it
        (and made pictures of the screen depend on timing).
        """
        if not self.size.width:
            return
        children = list(self.query_children(FooterKey))
        docked = [k for k in children if k.has_class(PALETTE_CLASS)]
        keys = [k for k in children if not k.has_class(PALETTE_CLASS) and k.action]
        room = self.size.width - sum(_width(k) for k in docked)
        help_key = next((k for k in keys if k.action in HELP_ACTIONS), None)
        overflows = sum(_width(k) for k in keys) > room
        if help_key is not None and keys[0] is not help_key and overflows:
            self.move_child(help_key, before=keys[0])
            keys.remove(help_key)
            keys.insert(0, help_key)
        used = 0
        for key in keys:
            used += _width(key)
            fits = used <= room or key is help_key
            if key.display != fits:
                key.display = fits
            if not fits:
                used = room + 1  # the keys after a hidden one stay hidden: order is kept


PALETTE_CLASS = "-command-palette"
"""Textual's class for the command-palette key, docked at the right of the footer."""


_TEXT_WIDTHS: dict[tuple[str, str, str, bool], int] = {}


def _width(key: FooterKey) -> int:
    """Cells the key takes in the footer: its text, padding, border and margins.

    The text's width is remembered by what it is drawn from: rendering every key to
    measure it was most of a recompose, and the same keys come back on every tab switch."""
    text_key = (key.key, key.key_display, key.description, key.compact)
    text = _TEXT_WIDTHS.get(text_key)
    if text is None:
        text = _TEXT_WIDTHS[text_key] = cell_len(key.render().plain)
    return text + key.styles.gutter.width + key.styles.margin.width


KeySpec = tuple[str, str, str, str, bool, str]
"""What a key widget shows: key, key display, description, action, disabled, tooltip."""


def _key_specs(
    screen: Screen[Any], app: Any, *, palette: bool
) -> tuple[list[KeySpec], KeySpec | None] | None:
    """The keys Textual's footer would compose, in its order, and the palette key; None when
    a binding group is shown (drawn as a group of keys and a label: left to Textual)."""
    active = screen.active_bindings
    plain: list[KeySpec] = []
    seen: set[str] = set()
    for _, binding, enabled, tooltip in active.values():
        if not binding.show or binding.action in seen:
            continue  # Textual shows one key per action: the first
        if binding.group is not None:
            return None
        seen.add(binding.action)
        display = app.get_key_display(binding)
        plain.append(
            (binding.key, display, binding.description, binding.action, not enabled, tooltip)
        )
    if any(spec[3] in TEXT_HELP_ACTIONS for spec in plain):
        # One help key: F1 where the focus takes "?" as a character. The app asks the
        # focus of the screen on top, so a screen under a form had both "? Keys  F1 Keys".
        plain = [spec for spec in plain if spec[3] not in HELP_ACTIONS - TEXT_HELP_ACTIONS]
    palette_key: KeySpec | None = None
    if palette and app.ENABLE_COMMAND_PALETTE and app.COMMAND_PALETTE_BINDING in active:
        _, binding, enabled, _ = active[app.COMMAND_PALETTE_BINDING]
        tip = binding.tooltip or binding.description
        display = app.get_key_display(binding)
        palette_key = (binding.key, display, binding.description, binding.action, not enabled, tip)
    return plain, palette_key


_SPARE: KeySpec = ("", "", "", "", False, "")
"""What a key widget left over shows (hidden): nothing."""


def _new_key(spec: KeySpec, classes: str = "") -> FooterKey:
    key, display, description, action, disabled, tooltip = spec
    return FooterKey(
        key, display, description, action, disabled=disabled, tooltip=tooltip, classes=classes
    )


def _write(key: FooterKey, spec: KeySpec) -> None:
    """Show ``spec`` in a key widget: a repaint (and a layout of the footer, its width may
    change), a restyle only when the key turns enabled or disabled."""
    name, display, description, action, disabled, tooltip = spec
    if (key.key, key.key_display, key.description, key.action) != (
        name,
        display,
        description,
        action,
    ):
        key.key, key.key_display, key.description, key.action = name, display, description, action
        key.refresh(layout=True)
    if key._disabled != disabled:
        key._disabled = disabled
        key.set_class(disabled, "-disabled")
    if (key.tooltip or "") != tooltip:
        key.tooltip = tooltip or None

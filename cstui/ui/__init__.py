"""What screens and widgets share: workspace access, change signal, dialogs, forms.

Screens (``cstui.screens``) and widgets (``cstui.widgets``) both import from here; widgets
never import screens.
"""

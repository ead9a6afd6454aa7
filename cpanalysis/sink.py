"""Where the pack's rendered HTML goes: a small neutral hook between the presentation and the runner.

:mod:`cpanalysis.present` calls :func:`show` with each part of the pack it renders; outside a build that is
IPython's ``display(HTML(...))``, as in any kernel. The in-process runner (:mod:`cpanalysis.runner`) sets
:data:`SINK` to a list-like collector while a cell runs, so each part becomes one ``text/html`` output of the
running cell. Neither of them imports the other: both import this module, which imports nothing of the package.
"""

from __future__ import annotations

#: while a cell runs in the in-process runner: the collector of the cell's HTML parts; otherwise None
SINK: list[str] | None = None


def show(markup: str) -> None:
    """Display one part of the pack: to :data:`SINK` when it is set, else with IPython's display machinery."""
    if SINK is not None:
        SINK.append(markup)
        return
    from IPython.display import HTML, display

    display(HTML(markup))

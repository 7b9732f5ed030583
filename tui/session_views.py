"""Every run of the window's session as the results page shows it: one per folder, as its folder
says now (a run this window followed and then let go trains on: its folder knows how it ended), the
followed one live; then runs of other sessions this window followed."""

from __future__ import annotations

from sst2_tui.core.storage.sessions import Session
from sst2_tui.tui.run_view import RunView


def session_views(session: Session | None, followed_views: list[RunView], current: RunView | None) -> list[RunView]:
    followed = {v.folder: v for v in followed_views if v.folder is not None}
    views: list[RunView] = []
    if session is not None:
        from sst2_tui.tui.screens.sessions import load_runs

        for view, folder in load_runs(session):
            view.folder = folder
            live = followed.get(folder)
            views.append(live if live is not None and live is current and live.active else view)
    inside = {v.folder for v in views}
    others = {v.folder or id(v): v for v in followed_views if v.folder not in inside}
    return views + list(others.values())

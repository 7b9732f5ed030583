"""Lock files are never followed or truncated through a link, never taken in another user's
folder, and another user sees a killed run as dead (reported: a planted `.lock` symlink made
`--session NAME` overwrite the file it pointed to)."""

from __future__ import annotations

import os

import pytest

from sst2_tui.core.config import RunConfig
from sst2_tui.core.errors import UserError
from sst2_tui.core.storage.locks import held, is_held
from sst2_tui.core.storage.queue_file import NewRun, SessionQueue
from sst2_tui.core.storage.sessions import Session

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as a second local user")


@pytest.mark.parametrize("which", ["session", "run", "queue"])
def test_a_planted_symlink_lock_is_refused_and_its_target_untouched(tmp_path, which):
    session = Session.create(tmp_path / "sessions", "s")
    run = session.new_run(RunConfig(model="demo", data="demo"))
    victim = tmp_path / "precious.txt"
    victim.write_text("do not touch")
    lock = {"session": session.path / ".lock", "run": run.lock_path, "queue": session.path / ".queue.lock"}[which]
    lock.unlink(missing_ok=True)
    lock.symlink_to(victim)
    with pytest.raises(UserError, match="symbolic link"):
        if which == "session":
            with session.write_lock():
                pass
        elif which == "run":
            with run.hold_lock():
                pass
        else:
            SessionQueue(session.path).add(NewRun(RunConfig(model="demo", data="demo")))
    assert victim.read_text() == "do not touch"
    assert not is_held(lock)


@as_root
def test_a_folder_of_another_user_is_refused(tmp_path):
    session = Session.create(tmp_path / "sessions", "theirs")
    os.chown(session.path, 65534, 65534)  # nobody's now
    with pytest.raises(UserError, match="belongs to another user"), session.write_lock():
        pass


def test_another_user_sees_a_killed_run_as_dead_and_a_live_one_as_live(tmp_path, monkeypatch):
    """A lock file 0600 of someone else cannot be opened: whether it is held is read from
    /proc/locks (it once read as held: a killed run stayed `live` for every other user)."""
    import sst2_tui.core.storage.locks as locks

    session = Session.create(tmp_path / "sessions", "s")
    run = session.new_run(RunConfig(model="demo", data="demo"))
    real_open = os.open

    def as_another_user(path, flags, *args):
        if str(path) == str(run.lock_path) and not flags & os.O_RDWR:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args)

    with held(run.lock_path) as mine:
        assert mine
        monkeypatch.setattr(locks.os, "open", as_another_user)
        assert is_held(run.lock_path)
        monkeypatch.setattr(locks.os, "open", real_open)
    monkeypatch.setattr(locks.os, "open", as_another_user)
    assert not is_held(run.lock_path), "a lock file it may not open is not proof of life"

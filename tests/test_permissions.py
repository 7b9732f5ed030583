"""Files the user reads follow the umask like any other program's; control files and locks stay
owner-only (#18 rough edge, #13 item 8)."""

from __future__ import annotations

import os
import stat

import pytest

from sst2_tui.core.config import RunConfig
from sst2_tui.core.controls import PAUSE
from sst2_tui.core.storage import files
from sst2_tui.core.storage.control_file import append_command
from sst2_tui.core.storage.files import EventLog, atomic_write_json
from sst2_tui.core.storage.sessions import Session


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(params=[0o022, 0o077])
def umask(request):
    old = os.umask(request.param)
    files._READABLE_MODE = None  # read again under this umask
    yield request.param
    os.umask(old)
    files._READABLE_MODE = None


def test_what_the_user_reads_follows_the_umask_and_controls_stay_owner_only(tmp_path, umask):
    readable = 0o666 & ~umask
    session = Session.create(tmp_path / "sessions", "s", label="test")
    folder = session.new_run(RunConfig(model="demo", data="demo"))
    atomic_write_json(folder.summary_path, {"status": "finished"})
    log = EventLog(folder.events_path)
    log.close()
    assert mode(folder.config_path) == readable
    assert mode(folder.summary_path) == readable
    assert mode(folder.events_path) == readable
    assert mode(session.path / "session.json") == readable
    append_command(folder.control_path, PAUSE, "cli")
    assert mode(folder.control_path) == 0o600
    with folder.hold_lock():
        assert mode(folder.lock_path) == 0o600

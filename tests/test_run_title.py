"""#47: the header named a run's model two ways as it started (`01-full STARTING full on gpt2`, then
`LIVE full on demo`): a run attached to before it wrote its config.json was shown with a default
config's model and method. Until the run says them, no model or method is shown."""

from __future__ import annotations

import json

from sst2_tui.core.config import RunConfig
from sst2_tui.core.storage.sessions import Session
from sst2_tui.tui.run_queue import Attachment
from sst2_tui.tui.run_view import starting_view
from sst2_tui.tui.widgets.run_status import run_title


def test_a_run_attached_to_before_its_config_is_written_names_no_model_until_it_does(tmp_path):
    config = RunConfig(model="demo", data="demo", method="lora")
    folder = Session.create(tmp_path, "s").new_run(config)
    folder.config_path.unlink(missing_ok=True)
    early = Attachment.of(folder)
    assert not early.config_known
    view = starting_view(folder, early.config if early.config_known else None, [])
    assert run_title(view).plain == f"{folder.run_id} STARTING", "no default config's gpt2, no default method"
    folder.config_path.write_text(json.dumps(config.to_dict()))
    later = Attachment.of(folder)
    assert later.config_known
    shown = run_title(starting_view(folder, later.config, [])).plain
    assert shown == f"{folder.run_id} STARTING  lora on demo"

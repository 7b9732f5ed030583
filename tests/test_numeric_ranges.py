"""One range check for every whole-number setting: an absurd value is one line naming the field
(a 20-digit --max-length once crashed deep in torch), whether it comes from a flag, the form, a
queue item or a hand-edited config.json."""

from __future__ import annotations

import pytest

from sst2_tui.cli.main import main
from sst2_tui.core.config import ConfigError, RunConfig, flag_for, options, value_type

WHOLE = [f for f in options() if value_type(f) is int]
HUGE = 10**20


def test_every_whole_number_field_has_both_bounds():
    assert WHOLE and all(f.metadata["minimum"] <= f.metadata["maximum"] for f in WHOLE)


@pytest.mark.parametrize("field", WHOLE, ids=lambda f: f.name)
@pytest.mark.parametrize("value", [HUGE, -HUGE, True, 2.5, "7"])
def test_a_value_out_of_range_or_of_the_wrong_type_is_refused_naming_the_field(field, value):
    with pytest.raises(ConfigError) as refused:
        RunConfig(model="demo", data="demo", **{field.name: value})
    assert refused.value.field == field.name and len(str(refused.value)) < 200


@pytest.mark.parametrize("field", WHOLE, ids=lambda f: f.name)
def test_a_huge_flag_value_is_one_line(field, capsys):
    with pytest.raises(SystemExit) as ended:
        main(["run", "--model", "demo", "--data", "demo", flag_for(field.name), str(HUGE)])
    err = capsys.readouterr().err
    assert ended.value.code == 2 and flag_for(field.name) in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("endpoint", ["localhost:99999999", "localhost:0", "no-port", ":29500"])
def test_a_bad_rendezvous_endpoint_is_one_line(endpoint, capsys):
    code = main(["run", "--model", "demo", "--data", "demo", "--nproc-per-node", "1", "--nnodes", "2",
                 "--rdzv-endpoint", endpoint])
    err = capsys.readouterr().err
    assert code == 2 and "--rdzv-endpoint" in err and len(err.strip().splitlines()) == 1

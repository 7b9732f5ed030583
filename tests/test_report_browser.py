"""The HTML report in a real browser: headless Chromium renders it to a PNG, and the compare charts
at the top show a line in its own colour for every run, and a dot for a run with one evaluation."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from sst2_tui.core.config import RunConfig
from sst2_tui.core.device_info import DeviceInfo
from sst2_tui.core.events import Eval, RunFinished, RunStarted, Step
from sst2_tui.core.report.charts import PALETTE
from sst2_tui.core.report.files import write_report
from sst2_tui.core.storage.files import EventLog
from sst2_tui.core.storage.sessions import Session
from sst2_tui.core.summary import Summary
from tests.png_pixels import count_colour

LONG_MODEL = "/home/someone/experiments/2026-11/checkpoints/gpt2-medium-sst2-finetuned-long-name"


def browser() -> str | None:
    return next((found for name in ("chromium", "chromium-browser", "google-chrome") if (found := shutil.which(name))), None)


def record(session: Session, method: str, accuracies: list[float], model: str = "demo") -> None:
    config = RunConfig(method=method, model=model, data="demo").resolved()
    folder = session.new_run(config)
    log = EventLog(folder.events_path)
    log.append(RunStarted(run_id=folder.run_id, method=method, config=config, effective={}, device=DeviceInfo("cpu", "CPU"),
                          precision="fp32", trainable_params=1, total_params=1, versions={}, train_examples=10,
                          eval_examples=300, total_steps=100, steps_per_epoch=50, time=0.0))
    training = method != "evaluate"
    for index, accuracy in enumerate(accuracies, start=1):
        step = 10 * index if training else 0
        if training:
            log.append(Step(step=step, epoch=step / 50, loss=1.0 / index, lr=1e-3, eps=1e-8, samples_per_second=1.0,
                            tokens_per_second=1.0, memory_mb=None, time=0.0))
        log.append(Eval(step=step, epoch=step / 50, accuracy=accuracy, loss=0.5, n=300, best_accuracy=max(accuracies[:index]),
                        seconds=0.0, time=0.0))
    log.append(RunFinished(summary=Summary(run_id=folder.run_id, best_val_accuracy=max(accuracies),
                                           final_val_accuracy=accuracies[-1]), time=0.0))
    log.close()


def report(session: Session):
    report = write_report(session.path, ("html",))
    written, problems = report.paths, report.skipped
    assert not problems
    return written[0]


@pytest.fixture
def four_runs(tmp_path) -> Session:
    session = Session.create(tmp_path, "browser")
    record(session, "full", [0.55 + 0.03 * i for i in range(10)])
    record(session, "trainer", [0.53 + 0.028 * i for i in range(10)])
    record(session, "lora", [0.52 + 0.02 * i for i in range(10)], model=LONG_MODEL)
    record(session, "evaluate", [0.81])
    return session


class Svgs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.labels: list[str] = []
        self.strokes: list[str] = []
        self.circles = 0

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "svg":
            self.labels.append(values.get("aria-label", ""))
        if tag == "polyline":
            self.strokes.append(values["stroke"])
        self.circles += tag == "circle"


def test_the_report_opens_with_one_chart_per_metric_and_a_labelled_line_per_run(four_runs):
    html = report(four_runs).read_text()
    parser = Svgs()
    parser.feed(html)
    assert parser.labels[:2] == ["validation accuracy by step", "training loss by step (smoothed)"]
    assert parser.strokes[:3] == list(PALETTE[:3]), "the accuracy chart: a line per trained run, each its colour"
    assert parser.circles >= 1, "the one-evaluation run is a dot"
    top = html[:html.index("training loss by step")]
    assert all(run_id in top for run_id in ("01-full", "02-trainer", "03-lora", "04-evaluate")), "a legend names each run"
    assert ">0.81<" in top, "the dot says its value"
    assert "…/gpt2-medium-sst2-finetuned-long-name" in html and LONG_MODEL in html, "short in the table, full below"
    assert "LoRA adapts what a pretrained model knows" not in html, "a pretrained model: no random-weights note"


def test_headless_chromium_renders_every_run_in_its_colour(four_runs, tmp_path):
    chrome = browser()
    if chrome is None:
        pytest.skip("no Chromium here (Debian: apt-get install chromium); the HTML itself is tested above")
    page = report(four_runs)
    picture = tmp_path / "report.png"
    subprocess.run([chrome, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", f"--screenshot={picture}",
                    "--window-size=1100,1000", page.as_uri()], capture_output=True, timeout=120, check=False)
    assert picture.is_file(), "Chromium wrote no screenshot"
    data = picture.read_bytes()
    for index, colour in enumerate(PALETTE[:4]):
        rgb = tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
        pixels = count_colour(data, rgb)
        assert pixels >= (40 if index == 3 else 400), f"run {index + 1} ({colour}): {pixels} pixels on screen"


def test_the_compare_loss_chart_shows_the_trend_not_every_step():
    from sst2_tui.core.report.layout import bucket_means

    points = [[step, 1.0 if step % 2 else 0.0] for step in range(1, 1001)]
    smoothed = bucket_means(points, buckets=100)
    assert len(smoothed) == 100 and smoothed[-1][0] == 1000
    assert all(abs(y - 0.5) < 1e-9 for _, y in smoothed), "each point the mean of its span"
    assert bucket_means([[1, 0.5], [2, float("nan")]]) == [[1, 0.5]], "short series as they are, NaN left out"


def test_headless_chromium_shows_each_methods_seed_band(tmp_path):
    """#29: a sweep's report draws, per method, its chosen setting's mean curve inside a shaded ±1 std
    band over seeds; in Chromium's picture the band is a visible area of the line's colour, lightened."""
    from tests.sweep_session import recorded_sweep

    chrome = browser()
    if chrome is None:
        pytest.skip("no Chromium here (Debian: apt-get install chromium)")
    page = report(recorded_sweep(tmp_path / "sessions"))
    html = page.read_text()
    assert html.count('class="seed-band"') == 2, "one band per method"
    assert "full (default), 3 seed(s): mean, ±1 std shaded" in html
    picture = tmp_path / "sweep.png"
    subprocess.run([chrome, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", f"--screenshot={picture}",
                    "--window-size=1100,2600", page.as_uri()], capture_output=True, timeout=120, check=False)
    assert picture.is_file(), "Chromium wrote no screenshot"
    line = tuple(int(PALETTE[0][i:i + 2], 16) for i in (1, 3, 5))
    shade = tuple(round(255 + 0.22 * (c - 255)) for c in line)  # fill-opacity 0.22 over white
    shaded = count_colour(picture.read_bytes(), shade, tolerance=12)
    # each band spans ±8 points around its mean over 30 steps: thousands of pixels in both charts
    assert shaded >= 3000, f"{shaded} shaded pixels"

"""Who answers `t` (try a sentence): a live run, through its control file (its `prediction` event
comes back through the events the app follows), or a finished run's exported model, loaded once
and kept for the next sentence. Each is called on a worker thread of the dialog, with the sentence
and the dialog to answer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import cast

from sst2_tui.core.controls import Command, predict_command
from sst2_tui.core.errors import UserError
from sst2_tui.core.events import Prediction
from sst2_tui.tui.run_view import RunView
from sst2_tui.tui.screens.try_sentence import (
    OTHER_EXAMPLE,
    PAIR_EXAMPLE,
    PAIR_SEPARATOR,
    SST2_EXAMPLE,
    Answered,
    TrySentenceScreen,
    Unanswered,
)


class AskLiveRun:
    def __init__(self, send: Callable[[Command], bool]) -> None:
        self.send = send

    def __call__(self, text: str, screen: TrySentenceScreen) -> None:
        if not self.send(predict_command(text)):
            screen.post_message(Unanswered("The run is no longer active; press t again to ask its exported model."))


class AskExport:
    def __init__(self, run_dir: str, run_id: str, loaded: dict[str, object]) -> None:
        self.run_dir, self.run_id = run_dir, run_id
        self.loaded = loaded
        """Run folder -> its loaded export, shared by every dialog of the app."""

    def __call__(self, text: str, screen: TrySentenceScreen) -> None:
        from sst2_tui.core.export.writing import export_record
        from sst2_tui.core.inference.predictor import Predictor

        try:
            predictor = self.loaded.get(self.run_dir)
            if predictor is None:
                predictor = self.loaded[self.run_dir] = Predictor.load(self.run_dir, device="cpu")
            model = cast(Predictor, predictor)
            if model.reads_pairs:  # a pair task: the two texts typed with || between them
                first, bar, second = text.partition(PAIR_SEPARATOR)
                if not bar or not first.strip() or not second.strip():
                    screen.post_message(Unanswered(f"This model reads pairs of texts: type both, with {PAIR_SEPARATOR} "
                                                   "between them."))
                    return
                answer = model.predict([first.strip()], [second.strip()])[0]
            else:
                answer = model.predict([text])[0]
        except UserError as error:
            screen.post_message(Unanswered(str(error)))
            return
        record = export_record(Path(self.run_dir))
        source = f"{self.run_id}'s export (step {record.step if record else '?'})"
        sentiment = answer["label"] in ("positive", "negative")  # SST-2's: P(positive), else P(the answer)
        probability = answer["positive_probability"] if sentiment else answer["probabilities"][answer["label"]]
        screen.post_message(Answered(text, answer["label"], probability, source))


def dialog_for(view: RunView | None, live: bool, send: Callable[[Command], bool],
               loaded: dict[str, object], earlier: list[RunView] | None = None) -> TrySentenceScreen | str:
    """`t`: the dialog that asks the followed run (live) or its exported model; when that run has
    none (a failed start), the newest earlier run of the window that has one; or why there is none."""
    from sst2_tui.core.export.writing import export_record

    if view is None:
        return "No run yet: train one first (n)."
    pairs = view.task.startswith("pairs of")
    example = PAIR_EXAMPLE if pairs else OTHER_EXAMPLE if view.task else SST2_EXAMPLE  # no movie review for tickets
    if live and not pairs:  # a live run answers one sentence; a pair task asks its export, which reads pairs
        return TrySentenceScreen(f"{view.run_id} as it trains", AskLiveRun(send), example)
    for candidate in [view, *reversed(earlier or [])]:
        run_dir = candidate.summary.run_dir if candidate.summary else None
        if run_dir and export_record(Path(run_dir)):
            return TrySentenceScreen(f"{candidate.run_id}'s exported model",
                                     AskExport(str(run_dir), candidate.run_id, loaded), example)
    return f"{view.run_id} has no exported model to ask (nor has an earlier run of this window): train one first (n)."


def answer_open_dialog(screens: list, event: Prediction, run_id: str) -> None:
    """A `prediction` event from the live run: the answer for the open dialog, if one is open."""
    dialog = next((s for s in reversed(screens) if isinstance(s, TrySentenceScreen)), None)
    if dialog is not None:
        dialog.post_message(Answered(event.text, event.label, event.positive_probability, f"{run_id} at step {event.step}"))

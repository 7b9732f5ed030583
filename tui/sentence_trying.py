"""The app's side of `t` (try a sentence): a live run answers through its run folder; a finished
run's exported model is loaded once, on a worker thread, and kept for the next sentence.
Mixed into `SST2App`; it uses the app's current run, its handle and `notify`."""

from __future__ import annotations

from pathlib import Path

from textual import work

from sst2_tui.core.controls import predict_command
from sst2_tui.core.errors import UserError
from sst2_tui.core.events import Prediction
from sst2_tui.tui.screens.try_sentence import Answered, TrySentenceScreen


class SentenceTrying:
    _predictors: dict[str, object]

    def action_try_sentence(self) -> None:
        view = self.current
        if view is None:
            self.notify("No run yet: train one first (n).", severity="warning")
            return
        if self._run_is_active():
            self.push_screen(TrySentenceScreen(f"{view.run_id} as it trains", self._ask_live_run))
            return
        run_dir = (view.summary or {}).get("run_dir")
        if not run_dir:
            self.notify(f"{view.run_id} has no run folder to load a model from.", severity="warning", markup=False)
            return
        self.push_screen(TrySentenceScreen(f"{view.run_id}'s exported model", lambda text, screen:
                                           self._ask_export(str(run_dir), view.run_id, text, screen)))

    def _ask_live_run(self, text: str, screen: TrySentenceScreen) -> None:
        self._asking = screen
        if not self._send(predict_command(text)):
            screen.show_problem("The run is no longer active; press t again to ask its exported model.")

    def deliver_prediction(self, event: Prediction) -> None:
        """A `prediction` event from the live run: the answer for the open dialog."""
        screen = getattr(self, "_asking", None)
        if isinstance(screen, TrySentenceScreen) and screen.is_attached:
            run_id = self.current.run_id if self.current is not None else "the run"
            screen.post_message(Answered(event.text, event.label, event.positive_probability, f"{run_id} at step {event.step}"))

    @work(thread=True, exit_on_error=False, group="predict", exclusive=True)
    def _ask_export(self, run_dir: str, run_id: str, text: str, screen: TrySentenceScreen) -> None:
        from sst2_tui.core.export.writing import export_record
        from sst2_tui.core.inference.predictor import Predictor

        try:
            predictor = self._predictors.get(run_dir)
            if predictor is None:
                predictor = self._predictors[run_dir] = Predictor.load(run_dir, device="cpu")
            answer = predictor.predict([text])[0]
        except UserError as error:
            self.call_from_thread(screen.show_problem, str(error))
            return
        record = export_record(Path(run_dir)) or {}
        source = f"{run_id}'s export (step {record.get('export_step', '?')})"
        screen.post_message(Answered(text, answer["label"], answer["positive_probability"], source))

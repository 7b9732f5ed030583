"""The app: wiring only. Screens own their layout; the worker runs the queue; messages come up."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

from sst2_tui.core.config import RunConfig
from sst2_tui.core.controls import STOP, RunHandle
from sst2_tui.core.errors import EXIT_BAD_INPUT, UserError, why_not_written
from sst2_tui.core.events import Prediction
from sst2_tui.core.run.launch import ProcessRunner
from sst2_tui.core.run.runner import RunOutcome
from sst2_tui.core.storage.files import read_events
from sst2_tui.core.storage.queue_file import SessionQueue
from sst2_tui.core.storage.sessions import Session
from sst2_tui.tui.bridge import EventBridge
from sst2_tui.tui.messages import DeviceDetected, EngineEvent, HubChecked, QueueIdle, RunEnded, RunStarting, StepsAvailable
from sst2_tui.tui.probes import describe_hub, probe_device
from sst2_tui.tui.run_queue import Attachment, Queued, Resumption, RunQueue, Waiting
from sst2_tui.tui.run_steering import RunSteering
from sst2_tui.tui.run_view import RunView, closing_line, view_from_events
from sst2_tui.tui.screens.dashboard import DashboardScreen
from sst2_tui.tui.screens.error_modal import ErrorModal
from sst2_tui.tui.screens.help import HelpScreen
from sst2_tui.tui.screens.leave import LeaveScreen
from sst2_tui.tui.screens.new_run import NewRunScreen
from sst2_tui.tui.screens.queue import QueueScreen
from sst2_tui.tui.screens.results import ResultsScreen
from sst2_tui.tui.screens.sessions import SessionsScreen
from sst2_tui.tui.sentence_trying import SentenceTrying
from sst2_tui.tui.session_watching import SessionWatching
from sst2_tui.tui.signals import handle_signals, survive_hangup

Runner = Callable[..., RunOutcome]
# Repaints cost the training thread time (the GIL, and on small machines a core): numbers repaint
# at most twice a second, charts every 2 seconds. Pauses, NaN reports and the end repaint at once.
NUMBERS_EVERY_SECONDS = 0.5
CHARTS_EVERY_SECONDS = 2.0
RUN_KEYS = {"toggle_pause", "set_rate", "stop_run", "fix"}


class SST2App(RunSteering, SessionWatching, SentenceTrying, App):
    CSS_PATH = "sst2.tcss"
    TITLE = "sst2-tui"
    ENABLE_COMMAND_PALETTE = False  # every action has a key in the footer
    # Help and Quit first: at 80 columns the footer cuts what does not fit, and these two must show.
    # Keys that do nothing now (no run active, nothing queued) leave the footer (check_action).
    BINDINGS = [
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit_app", "Quit"),
        Binding("space", "toggle_pause", "Pause"),
        Binding("l", "set_rate('learning rate')", "LR"),
        Binding("e", "set_rate('eps')", "eps"),
        Binding("s", "stop_run", "Stop"),
        Binding("n", "new_run", "New run"),
        Binding("d", "unqueue", "Unqueue"),
        Binding("r", "results", "Results"),
        Binding("x", "export", "Export"),
        Binding("b", "sessions", "Sessions"),
        Binding("t", "try_sentence", "Try a sentence"),
        # Ctrl-C and Ctrl-Q are ways out too: they ask like q while a run is active (never Textual's
        # "press ctrl+q" hint, never an instant exit that leaves the user unsure what happened).
        Binding("ctrl+c,ctrl+q", "quit_app", "Quit", show=False, priority=True),
        # Tab moves focus when the key arrives, before the keys after it are handed out: without
        # priority it moves only when the focused field has declined it, and keys typed in one burst
        # (a paste, a fast typist over SSH) landed in the field that had focus before the Tab.
        Binding("tab", "focus_next", "Next field", show=False, priority=True),
        Binding("shift+tab", "focus_previous", "Previous field", show=False, priority=True),
        Binding("1", "fix('1')", "fix 1", show=False),
        Binding("2", "fix('2')", "fix 2", show=False),
        Binding("3", "fix('3')", "fix 3", show=False),
    ]

    def __init__(self, sessions_dir: Path, runner: Runner | None = None, queue: list[Queued] | None = None,
                 device_probe: Callable[[], tuple[dict, str, dict[str, str]]] | None = None,
                 session_name: str | None = None) -> None:
        super().__init__()
        self.sessions_dir = sessions_dir
        self.runner = runner or ProcessRunner()
        # Runs in their own processes go on when the app closes; an injected in-process runner
        # (tests) cannot, so leaving stops its run.
        self.runs_outlive_app = isinstance(self.runner, ProcessRunner)
        self.runs_in_processes = isinstance(self.runner, ProcessRunner)
        self.left_running: list[RunView] = []
        self.last_form: RunConfig | None = None
        self.hub = "checking..."
        self.precision_note = ""
        self._predictors: dict[str, object] = {}  # run folder -> its loaded export (t on a finished run)
        self.queue = RunQueue()
        self.queue.add(*(queue or []))
        self.device_probe = device_probe or probe_device
        self.session_name = session_name
        self.session: Session | None = None
        self.views: list[RunView] = []
        self.current: RunView | None = None
        self.handle: RunHandle | None = None
        self.bridge = EventBridge(self.post_message)
        self.device: dict = {}
        self._showing_world = False
        self.versions: dict[str, str] = {}
        self.quitting = False
        self.interrupted_by: str | None = None
        self.worker_busy = False
        self.worker_done = threading.Event()
        self.numbers_every = NUMBERS_EVERY_SECONDS
        self.charts_every = CHARTS_EVERY_SECONDS
        self._dirty = False
        self._charts_stale = False
        self._charts_due = 0.0
        self._bridge_run = 0  # whose steps the UI takes from the bridge (the current run's)
        self._footer_state = (False, False, False)  # (something waits, a run takes keys, a run exists): what the footer offers

    # -- start-up ---------------------------------------------------------------------------------
    def on_mount(self) -> None:
        handle_signals(self.interrupt_by_signal)
        self.push_screen(DashboardScreen())
        self.set_interval(self.numbers_every, self._repaint_if_dirty)
        self.worker_busy = True
        self._run_queue()

    def interrupt_by_signal(self, name: str) -> None:
        """A signal closes the window: runs in their own processes keep training (a dropped SSH
        connection must not cost the run); an in-process run stops gracefully, marked interrupted."""
        self.interrupted_by = name
        if name == "SIGHUP":
            survive_hangup(self.worker_done, lambda: self.worker_busy)
        self._stop_everything("leave" if self.runs_outlive_app else "interrupt")
        if not self.worker_busy:
            self.exit()
        # else: the worker lets go of (or ends) the run; QueueIdle then exits the app

    def on_device_detected(self, message: DeviceDetected) -> None:
        self.device, self.versions = message.device, message.versions
        self.precision_note = "auto: " + message.precision
        if not self._showing_world:  # a data-parallel run's world stays shown while it runs
            self._dashboard().show_device(message.device, self.precision_note)
        self._refresh()

    def on_hub_checked(self, message: HubChecked) -> None:
        self.hub = message.hub
        self._refresh()

    # -- the worker ---------------------------------------------------------------------------------
    def _start_worker_if_needed(self) -> None:
        if not self.worker_busy and len(self.queue) and not self.quitting:
            self.worker_busy = True
            self.worker_done.clear()
            self._run_queue()

    @work(thread=True, exit_on_error=False, group="runs")
    def _run_queue(self) -> None:
        if not self.device:
            # On the worker thread, before any run: torch takes seconds to import, so the first screen
            # appears at once; and one thread does all heavy imports (transformers' lazy imports are
            # not safe to race from two threads).
            self.post_message(DeviceDetected(*self.device_probe()))
            self.post_message(HubChecked(describe_hub()))  # a second at most; offline at once when HF_HUB_OFFLINE is set
        if self.runs_in_processes:
            self._watch_session()
        else:
            self._run_in_this_process()
        self.worker_done.set()
        self.post_message(QueueIdle())

    def _run_in_this_process(self) -> None:
        """An injected in-process runner (tests): the queue lives here, runs start one by one."""
        while not self.quitting and (item := self.queue.take()) is not None:
            handle = RunHandle()
            self.handle = handle  # set here too, so leaving the app can stop a run whose start is still queued
            if self.quitting:
                break
            config = item.config if isinstance(item, Resumption | Attachment) else item
            history = read_events(item.folder.events_path).events if isinstance(item, Resumption) else []
            self.post_message(RunStarting(config, handle, history, self.bridge.start_run()))
            outcome = self._start(item, handle)
            self.bridge.flush()
            self.post_message(RunEnded(config, outcome, handle.folder))

    def _start(self, item: Queued, handle: RunHandle) -> RunOutcome:
        """One queued run on the worker thread; a session that cannot be written (locked by another
        sst2-tui, removed) is an error shown in the app, not a crash of the worker."""
        try:
            if isinstance(item, Attachment):
                if self.session is None:
                    self.session = Session.open(item.folder.path.parent.parent)
                    self._runs_before = {f.path for f in self.session.run_folders()}
                return self.runner.attach(item.folder, handle, on_event=self.bridge)
            if isinstance(item, Resumption):
                session = Session.open(item.session_dir)  # its own session folder, appending to its own log
                if self.session is None:  # the window's session now: r, x and t speak of it
                    self.session = session
                return self.runner(item.config, session, handle, on_event=self.bridge, resume=item.folder)
            if self.session is None:
                self.session = Session.create(self.sessions_dir, self.session_name, label="app")
            return self.runner(item, self.session, handle, on_event=self.bridge)
        except UserError as error:
            # the session could not be opened or locked (another sst2-tui writes it, or it is gone)
            return RunOutcome({"status": "failed"}, EXIT_BAD_INPUT, str(error), "Fix what the message names, then start the run again.")

    def queue_resumption(self, item: Resumption) -> None:
        """From the sessions browser: continue an interrupted run after what is queued now."""
        self.queue.add(item)
        self.notify(f"Queued: {item.label()}.", markup=False)
        self._refresh()
        self._start_worker_if_needed()

    def on_run_starting(self, message: RunStarting) -> None:
        self.handle = message.handle
        self._bridge_run = message.bridge_run
        previous = self.current
        if message.history:
            self.current = view_from_events("(resuming)", message.config.method, message.history, message.config.to_dict(),
                                            status="starting")
            self.current.summary = self.current.error = self.current.nonfinite = None  # the earlier ending is over
        else:
            self.current = RunView(run_id="(starting)", method=message.config.method, config=message.config.to_dict())
        if previous is not None and not previous.active:
            self.current.log.insert(0, closing_line(previous))  # the log changes runs: say how the last one ended
        self.views.append(self.current)
        self._refresh()

    def on_steps_available(self, message: StepsAvailable) -> None:
        self._take_steps()

    def _take_steps(self) -> None:
        if self.current is None:
            return
        steps = self.bridge.take_steps(self._bridge_run)
        for step in steps:
            self.current.apply(step)
        if steps:
            self._dirty = self._charts_stale = True  # repainted by the timer, at most twice a second

    def _repaint_if_dirty(self) -> None:
        # The worker posts at most 10 step messages a second, so the newest steps can wait in the
        # bridge when training stalls (a slow step): the timer collects them too.
        self._take_steps()
        if self._dirty or (self._charts_stale and time.monotonic() >= self._charts_due):
            self._refresh(charts=False)

    def on_engine_event(self, message: EngineEvent) -> None:
        if self.current is not None:
            for step in self.bridge.take_steps(self._bridge_run):  # keep order: steps before this event first
                self.current.apply(step)
            self.current.apply(message.event)
            if isinstance(message.event, Prediction):
                self.deliver_prediction(message.event)
            self._charts_stale = True
            self._refresh(charts=False)  # numbers now; charts when due

    def on_run_ended(self, message: RunEnded) -> None:
        view, outcome = self.current, message.outcome
        if outcome.summary.get("status") == "live":  # left training in its own process
            self.handle = None
            return
        ending = "died" if outcome.summary.get("status") == "died" else "failed"  # died: its process vanished
        if view is not None:
            if not view.summary and view.status == "starting":
                # It never reached its first event (bad input, a session that cannot be written): it
                # is a run that failed to start, named as its folder is, with no animated anything.
                named = outcome.summary.get("run_id") or (message.folder.run_id if message.folder else None)
                view.run_id = str(named or "(not started)")
            view.summary = view.summary or outcome.summary
            for key in ("run_dir", "session_dir"):  # where it lives: known to the runner, not to the run's last event
                if outcome.summary.get(key) and not view.summary.get(key):
                    view.summary[key] = outcome.summary[key]
            if outcome.error:
                view.status, view.error, view.hint = ending, outcome.error, outcome.hint
        self.handle = None
        self._refresh()
        if outcome.error:
            run_id = view.run_id if view is not None else outcome.summary.get("run_id", "")
            folder = message.folder
            died = ending == "died" and folder is not None

            def resume(yes: bool | None) -> None:
                if yes and folder is not None:
                    self.queue_resumption(Resumption(message.config, folder.path.parent.parent, folder))

            self.push_screen(ErrorModal(f"Run {run_id} {ending}", outcome.error,
                                        "Press u to resume it from its last checkpoint." if died else outcome.hint,
                                        offer_resume=died), resume)

    def on_queue_idle(self, message: QueueIdle) -> None:
        self.worker_busy = False
        if self.quitting:
            self.exit()
        else:
            self._start_worker_if_needed()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place for worker errors: show them, keep the app up."""
        if event.state == WorkerState.ERROR:
            if event.worker.group == "runs":
                self.worker_busy = False
            error = event.worker.error
            self.push_screen(ErrorModal("Unexpected error", f"{type(error).__name__}: {error}", None))

    def _stop_everything(self, how: str | None = None) -> None:
        """Leaving the app by any way: no new runs start, and the current one is left training in
        its own process (`leave`), stopped gracefully (`stop`: a paused run is woken by it), or
        stopped and marked interrupted (`interrupt`, a signal to an in-process run)."""
        how = how or ("leave" if self.runs_outlive_app else "stop")
        self.quitting = True
        self.queue.clear()
        if self.handle is not None:
            if how == "leave":
                if self.current is not None and self.current.active and self.current not in self.left_running:
                    self.left_running.append(self.current)
                self.handle.leave.set()
            elif how == "interrupt":
                self.handle.interrupt()
            else:
                self.handle.controls.send(STOP)
        if how == "stop" and self.runs_in_processes and self.session is not None:
            SessionQueue(self.session.path).clear()  # stopping means nothing more starts either

    def exit(self, *args, **kwargs) -> None:  # type: ignore[override]
        if not self.quitting:  # a way out that did not choose: the default (leave, or stop in-process runs)
            self._stop_everything()
        super().exit(*args, **kwargs)

    def on_unmount(self) -> None:
        if not self.quitting:
            self._stop_everything()

    # -- showing -----------------------------------------------------------------------------------
    def _dashboard(self) -> DashboardScreen:
        return next(s for s in self.screen_stack if isinstance(s, DashboardScreen))

    def _refresh(self, charts: bool = True) -> None:
        try:
            dashboard = self._dashboard()
        except StopIteration:
            return
        self._dirty = False
        now = time.monotonic()
        if not charts and now >= self._charts_due:
            charts = True
        if charts:
            self._charts_due = now + self.charts_every
            self._charts_stale = False
        waiting = self._waiting()
        try:
            self._show_device(dashboard)
            dashboard.show_run(self.current, waiting, charts=charts, outlives_app=self.runs_outlive_app,
                               welcome=self._welcome_lines())
        except NoMatches:  # the app is closing and the dashboard's widgets are already gone
            return
        footer_state = (bool(waiting), self._run_is_active(), self.current is not None)
        if footer_state != self._footer_state:
            self._footer_state = footer_state
            self.refresh_bindings()

    def _show_device(self, dashboard) -> None:
        from sst2_tui.tui.widgets.device_panel import device_to_show

        shown, self._showing_world = device_to_show(self.current, self.device, self.precision_note, self._showing_world)
        if shown is not None:
            dashboard.show_device(*shown)

    def _welcome_lines(self) -> list[str]:
        """What the first start without --demo shows in the log box, until a run starts."""
        from sst2_tui.tui.widgets.device_panel import describe_device

        return ["sst2-tui: SST-2 with full, trainer and lora",
                f"Device: {describe_device(self.device)}" + (f" ({self.precision_note})" if self.precision_note else ""),
                f"Hub: {self.hub}",
                "Start: n (a new run), or sst2-tui --demo"]

    # -- keys ----------------------------------------------------------------------------------------
    def action_new_run(self) -> None:
        def queue(configs: list[RunConfig] | None) -> None:
            if configs:
                self.last_form = configs[0]  # the next form starts from what was typed, even if the run fails
                self.queue.add(*configs)
                self._refresh()
                self._start_worker_if_needed()

        self.push_screen(NewRunScreen(self.last_form), queue)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "unqueue":
            return self._footer_state[0]  # in the footer only while something waits
        if action in RUN_KEYS:
            return self._footer_state[1]  # only while a run can take them
        if action == "try_sentence":
            return self._footer_state[2]  # once there is a run to ask
        return True

    def action_unqueue(self) -> None:
        waiting = self._waiting()
        if not waiting:
            self.notify("Nothing is queued.", severity="warning")
            return

        def remove(chosen: Waiting | None) -> None:
            if chosen is None:
                return
            if self.remove_waiting(chosen):
                self.notify(f"Removed from the queue: {chosen.label}.", markup=False)
            else:
                self.notify(f"{chosen.label} is no longer queued (it has started).", severity="warning", markup=False)
            self._refresh()

        self.push_screen(QueueScreen(waiting), remove)

    def action_results(self) -> None:
        title = f"Session {self.session.name}" if self.session else "This session"
        self._open_page(ResultsScreen(list(self.views), title))

    def action_export(self) -> None:
        on_screen = getattr(self.screen, "session", None)  # a past session opened from `b`
        session = on_screen if isinstance(on_screen, Session) else self.session
        if session is None:
            self.notify("Nothing to export yet: no run in this session.", severity="warning")
            return
        self._export(session.path)

    @work(thread=True, exit_on_error=False, group="export")
    def _export(self, session_dir: Path) -> None:
        from sst2_tui.core.report.files import write_report

        try:
            written, _ = write_report(session_dir)
        except OSError as error:
            where = error.filename or session_dir
            self.call_from_thread(self.notify, f"Export failed writing {where}: {why_not_written(error)}. "
                                  "Then press x again; earlier report files are unchanged.",
                                  severity="error", markup=False)
            return
        self.call_from_thread(self.notify, f"Report written: {written[0].parent}/report.html (and .md, .csv, .json)")

    def _open_page(self, page: Screen) -> None:
        """Results, sessions and help replace each other instead of piling up: one Escape is
        always back to the dashboard (`r b r b ?` once took five)."""
        while len(self.screen_stack) > 2 and not isinstance(self.screen, ModalScreen):
            self.pop_screen()
        self.push_screen(page)

    def action_sessions(self) -> None:
        self._open_page(SessionsScreen(self.sessions_dir))

    def action_help(self) -> None:
        self._open_page(HelpScreen(self.sessions_dir, self.versions))

    def action_quit_app(self) -> None:
        if isinstance(self.screen, LeaveScreen):
            return  # already asking
        if self.current is None or not self.current.active:
            self.exit()  # which stops everything first
            return

        def answer(choice: str | None) -> None:
            if choice == "leave":
                self._stop_everything("leave")
                self.exit()
            elif choice == "stop":
                self._stop_everything("stop")
                self.notify("Stopping the run gracefully, then quitting.")

        self.push_screen(LeaveScreen(self.runs_outlive_app), answer)

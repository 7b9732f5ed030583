"""The app: the window's state (the runs it shows, what the footer offers) and its wiring. Screens
own their layout; the session watcher (a worker thread) follows the runs; messages come up."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from pathlib import Path

from textual import work
from textual.app import App
from textual.css.query import NoMatches
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

from sst2_tui.core.config import RunConfig
from sst2_tui.core.device_info import DeviceInfo
from sst2_tui.core.events import Prediction
from sst2_tui.core.run.launch import Following
from sst2_tui.core.run.launcher import DetachedLauncher, Launcher
from sst2_tui.core.run.needs_you import needs_you
from sst2_tui.core.storage.sessions import Session
from sst2_tui.core.summary import Status
from sst2_tui.tui.bridge import EventBridge
from sst2_tui.tui.departure import Departure
from sst2_tui.tui.desktop_notice import Bell
from sst2_tui.tui.footer_state import FooterState
from sst2_tui.tui.fork_desk import ForkDesk
from sst2_tui.tui.form_sweep import SweepRequest
from sst2_tui.tui.keys import APP_BINDINGS, offered
from sst2_tui.tui.messages import (
    DeviceDetected,
    EngineEvent,
    ForkNow,
    HubChecked,
    QueueIdle,
    ResumeRun,
    RunEnded,
    RunStarting,
    Steer,
    StepsAvailable,
    SweepEnded,
)
from sst2_tui.tui.probes import describe_hub, probe_device
from sst2_tui.tui.queueing import QueueDesk
from sst2_tui.tui.repaint_clock import RepaintClock
from sst2_tui.tui.run_queue import Attachment, Queued, Resumption
from sst2_tui.tui.run_view import RunView, closing_line, starting_view
from sst2_tui.tui.screens.dashboard import DashboardScreen
from sst2_tui.tui.screens.error_modal import ErrorModal
from sst2_tui.tui.screens.help import HelpScreen
from sst2_tui.tui.screens.leave import LeaveScreen
from sst2_tui.tui.screens.new_run import NewRunScreen
from sst2_tui.tui.screens.queue import QueueScreen
from sst2_tui.tui.screens.results import ResultsScreen
from sst2_tui.tui.screens.sessions import SessionsScreen
from sst2_tui.tui.screens.sweep import FollowPoint, SweepScreen
from sst2_tui.tui.sentence_asking import answer_open_dialog, dialog_for
from sst2_tui.tui.session_views import session_views
from sst2_tui.tui.session_watcher import SessionWatcher
from sst2_tui.tui.signals import handle_signals, survive_hangup
from sst2_tui.tui.sweep_desk import SweepDesk
from sst2_tui.tui.widgets.device_panel import ShownDevice, device_to_show, welcome_lines

# Repaints cost the training thread time (the GIL, and on small machines a core): numbers repaint
# at most twice a second, charts every 2 seconds. Pauses, NaN reports and the end repaint at once.


class SST2App(App):
    footer: reactive[FooterState] = reactive(FooterState, bindings=True)
    CSS_PATH = "sst2.tcss"
    TITLE = "sst2-tui"
    ENABLE_COMMAND_PALETTE = False  # every action has a key in the footer
    BINDINGS = APP_BINDINGS  # tui/keys.py: the keys and when each is offered

    def __init__(self, sessions_dir: Path, launcher: Launcher | None = None, queue: list[Queued] | None = None,
                 device_probe: Callable[[], tuple[DeviceInfo, str, dict[str, str]]] | None = None,
                 session_name: str | None = None, notify: str | None = None, watch: Path | None = None) -> None:
        super().__init__()
        self.exit_asked = False
        self.watch_session = watch
        """`attach SESSION_DIR` on a session whose runs are queued and none live yet: watch it."""
        self.sessions_dir = sessions_dir
        self.bridge = EventBridge(self.post_message)
        # Runs are their own processes (or, in tests, threads of the given launcher); the window
        # only follows their folders, so closing it never stops one.
        self.watcher = SessionWatcher(sessions_dir, session_name, launcher or DetachedLauncher(), self.bridge,
                                      self.post_message)
        self.desk = QueueDesk(self.watcher, self.notify, notify, self._queued)
        """What this window queues (runs, sweeps, resumptions, reruns), through the watcher."""
        self.sweeps = SweepDesk(self.watcher, self.notify)
        self.forks = ForkDesk(self)
        self._asked = list(queue or [])  # handed to the watcher (the queue on disk) once mounted
        self.starting: str | None = None
        """What this window queued first while nothing ran: the title's "Starting: ..." until a run starts."""
        self.ringer = Bell(self._to_terminal, lambda text: self.notify(text, severity="warning", timeout=15, markup=False))
        """A run that needs the user rings it."""
        self.departure = Departure()
        """What leaving did to the followed run and the queue (said once the window has closed)."""
        self.last_form: RunConfig | None = None
        self.hub = "checking..."
        self.precision_note = ""
        self.loaded_exports: dict[str, object] = {}  # run folder -> its loaded export (t on a finished run)
        self.device_probe = device_probe or probe_device
        self.views: list[RunView] = []
        self.current: RunView | None = None
        self.device: DeviceInfo | None = None
        self._showing_world = False
        self.versions: dict[str, str] = {}
        self.interrupted_by: str | None = None
        self.worker_busy = False
        self.worker_done = threading.Event()
        self.clock = RepaintClock()
        self._bridge_run = 0  # whose steps the UI takes from the bridge (the current run's)

    @property
    def session(self) -> Session | None:
        """The window's session: where its new runs go, what r and x speak of."""
        return self.watcher.session

    # -- start-up ---------------------------------------------------------------------------------
    def on_mount(self) -> None:
        if self.watch_session is not None:
            self.watcher.watch_existing(self.watch_session)
            self._show_newest_run()
        elif attached := next((item for item in self._asked if isinstance(item, Attachment)), None):
            # its session is the window's at once, not when the worker starts following it seconds later
            # (a running sweep's `g` pressed meanwhile did nothing)
            self.watcher.watch_existing(attached.folder.path.parent.parent)
        self.desk.add(*self._asked)
        handle_signals(self.interrupt_by_signal)
        self.push_screen(DashboardScreen())
        self.set_interval(self.clock.numbers_every, self._repaint_if_dirty)
        self.worker_busy = True
        self._run_queue()

    def interrupt_by_signal(self, name: str) -> None:
        """A signal closes the window; its runs keep training in their own processes (a dropped SSH
        connection must not cost a run)."""
        self.interrupted_by = name
        if name == "SIGHUP":
            survive_hangup(self.worker_done, lambda: self.worker_busy)
        self._stop_everything("leave")
        if not self.worker_busy:
            self.exit()
        # else: the worker lets go of the run; QueueIdle then exits the app

    def on_device_detected(self, message: DeviceDetected) -> None:
        self.device, self.versions = message.device, message.versions
        self.precision_note = "auto: " + message.precision
        self._show_machine_device()
        self._refresh()

    def on_hub_checked(self, message: HubChecked) -> None:
        self.hub = message.hub
        self._refresh()

    def _show_newest_run(self) -> None:
        """A session opened with nothing live (a finished sweep, its tasks pending): its newest run
        on the dashboard, as it ended, instead of "No run yet"."""
        views = self.session_views()
        if views and self.current is None:
            self.current = views[-1]

    # -- the worker ---------------------------------------------------------------------------------
    @property
    def following(self) -> Following | None:
        """The run the window follows now: the watcher's (one holder, read here)."""
        return self.watcher.following

    @property
    def quitting(self) -> bool:
        """The window is on its way out: set once by the watcher's leave or stop."""
        return self.watcher.quitting

    def _start_worker_if_needed(self) -> None:
        if not self.worker_busy and self.watcher.has_work() and not self.quitting:
            self.worker_busy = True
            self.worker_done.clear()
            self._run_queue()

    @work(thread=True, exit_on_error=False, group="runs")
    def _run_queue(self) -> None:
        if self.device is None:
            # On the worker thread, before any run: torch takes seconds to import, so the first screen
            # appears at once; and one thread does all heavy imports (transformers' lazy imports are
            # not safe to race from two threads).
            self.post_message(DeviceDetected(*self.device_probe()))
            self.post_message(HubChecked(describe_hub()))  # a second at most; offline at once when HF_HUB_OFFLINE is set
        self.watcher.watch()
        self.worker_done.set()
        self.post_message(QueueIdle())

    def _queued(self, label: str, sweep: bool) -> None:
        """The desk queued something: the title says what starts next while nothing runs (a sweep's
        first point even after an ended run), then a repaint and the worker, once this message is
        handled (on mount the worker is started by `on_mount` itself)."""
        if label and ((sweep and (self.current is None or not self.current.active))
                      or (self.current is None and self.starting is None)):
            self.starting = label  # the queue runner takes it at once: it is no longer "waiting"
        self.call_later(self._refresh)
        self.call_later(self._start_worker_if_needed)

    def on_resume_run(self, message: ResumeRun) -> None:
        self.desk.resume(message.resumption)

    def on_run_starting(self, message: RunStarting) -> None:
        self._bridge_run = message.bridge_run
        previous = self.current
        self.current = starting_view(message.following.folder, message.config if message.config_known else None,
                                     message.history)
        self.starting = None  # the title names the run now
        self._show_machine_device()  # the machine's precision until this run says its own
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
            self.clock.changed()  # repainted by the timer, at most twice a second

    def _repaint_if_dirty(self) -> None:
        # The worker posts at most 10 step messages a second, so the newest steps can wait in the
        # bridge when training stalls (a slow step): the timer collects them too.
        self._take_steps()
        # The queue is a file other windows change too (n, d): a paused run sends no events, so
        # the timer looks at it (a small JSON read twice a second).
        if self.clock.due([w.label for w in self.watcher.waiting()]):
            self._refresh(charts=False)

    def on_engine_event(self, message: EngineEvent) -> None:
        if self.current is not None:
            for step in self.bridge.take_steps(self._bridge_run):  # keep order: steps before this event first
                self.current.apply(step)
            self.current.apply(message.event)
            if (said := needs_you(message.event)) is not None:
                self.ringer.ring(f"{self.current.run_id} {said[1]}")
            if isinstance(message.event, Prediction):
                answer_open_dialog(self.screen_stack, message.event, self.current.run_id)
            self.clock.charts_stale = True
            self._refresh(charts=False)  # numbers now; charts when due

    def on_run_ended(self, message: RunEnded) -> None:
        view, outcome = self.current, message.outcome
        if outcome.summary.status == Status.LIVE:  # left training in its own process
            return
        ending = view.take_ending(outcome) if view is not None else (
            Status.DIED if outcome.summary.status == Status.DIED else Status.FAILED)
        self._refresh()
        if ending == Status.DIED and outcome.error:
            self.ringer.ring(f"{view.run_id if view is not None else 'a run'} died: {outcome.error}")
        if outcome.error:
            run_id = view.run_id if view is not None else outcome.summary.run_id
            folder = message.folder
            died = ending == Status.DIED and folder is not None

            def resume(yes: bool | None) -> None:
                if yes and folder is not None:
                    self.desk.resume(Resumption(message.config, folder.path.parent.parent, folder))

            self.push_screen(ErrorModal.for_run(run_id, ending, outcome.error, outcome.hint, died), resume)

    def on_sweep_ended(self, message: SweepEnded) -> None:
        self.sweeps.ended(message.session_name, message.lines, self.current)
        self._refresh()

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

    def _stop_everything(self, how: str = "leave") -> None:
        self.departure.go(self.watcher, self.current, how)

    def exit(self, *args, **kwargs) -> None:
        if self.exit_asked:  # already on its way out: a later call (the worker going idle) must not
            return           # replace the first one's return value (a snapshot's screenshot was lost so)
        self.exit_asked = True
        if not self.quitting:  # a way out that did not choose: the default, leave the run training
            self._stop_everything()
        super().exit(*args, **kwargs)

    def on_unmount(self) -> None:
        if not self.quitting:
            self._stop_everything()

    # -- showing -----------------------------------------------------------------------------------
    def _dashboard(self) -> DashboardScreen | None:
        """None while the app closes (its screens are gone, yet a run's messages still arrive)."""
        return next((s for s in self.screen_stack if isinstance(s, DashboardScreen)), None)

    def _show_machine_device(self) -> None:
        dashboard = self._dashboard()
        if dashboard is not None and not self._showing_world:  # a data-parallel run's world stays shown while it runs
            with contextlib.suppress(NoMatches):  # the app is closing: the dashboard's widgets are already gone
                dashboard.show_device(ShownDevice(self.device, None, self.precision_note))

    def _refresh(self, charts: bool = True) -> None:
        dashboard = self._dashboard()
        if dashboard is None:
            return
        waiting = self.watcher.waiting()
        charts = self.clock.painting([w.label for w in waiting], charts)
        try:
            self._show_device(dashboard)
            dashboard.show_run(self.current, waiting, charts=charts, steerable=self._run_is_active(),
                               welcome=welcome_lines(self.device, self.precision_note, self.hub),
                               starting=self.starting)
        except NoMatches:  # the app is closing and the dashboard's widgets are already gone
            return
        self.footer = FooterState(bool(waiting), self._run_is_active(), self.current is not None,
                                  self.current is not None and self.current.status == Status.PAUSED)

    def _show_device(self, dashboard) -> None:
        shown, self._showing_world = device_to_show(self.current, self.device, self.precision_note, self._showing_world)
        if shown is not None:
            dashboard.show_device(shown)

    # -- keys ----------------------------------------------------------------------------------------
    def action_new_run(self) -> None:
        def queue(configs: list[RunConfig] | SweepRequest | None) -> None:
            if isinstance(configs, SweepRequest):
                self.last_form = configs.points[0]
                self.desk.sweep(configs)
            elif configs:
                self.last_form = configs[0]  # the next form starts from what was typed, even if the run fails
                self.desk.add(*configs)

        hub_unreachable = self.hub.startswith(("unreachable", "offline"))
        self.push_screen(NewRunScreen(self.last_form, hub_unreachable=hub_unreachable), queue)

    def action_new_run_in_a_sweep(self) -> None:
        self.action_new_run()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return offered(action, self.footer, self.sweeps.session_path() is not None)

    def action_unqueue(self) -> None:
        waiting = self.watcher.waiting()
        if not waiting:
            self.notify("Nothing is queued.", severity="warning")
            return

        self.push_screen(QueueScreen(waiting), self.desk.take_out)

    def session_views(self) -> list[RunView]:
        return session_views(self.session, self.views, self.current)

    def action_results(self) -> None:
        title = f"Session {self.session.name}" if self.session else "This session"
        self._open_page(ResultsScreen(self.session_views(), title))

    def action_export(self) -> None:
        on_screen = getattr(self.screen, "session", None)  # a past session opened from `b`
        session = on_screen if isinstance(on_screen, Session) else self.session
        if session is None:
            self.notify("Nothing to export yet: no run in this session.", severity="warning")
            return
        from sst2_tui.tui.report_writing import write_and_tell

        def tell(text: str, severity: str) -> None:
            self.call_from_thread(self.notify, text, severity=severity, markup=False)

        self.run_worker(lambda: write_and_tell(session.path, tell), thread=True, group="export", exit_on_error=False)

    def _open_page(self, page: Screen) -> None:
        """Results, sessions and help replace each other instead of piling up: one Escape is
        always back to the dashboard (`r b r b ?` once took five)."""
        while len(self.screen_stack) > 2 and not isinstance(self.screen, ModalScreen):
            self.pop_screen()
        self.push_screen(page)

    def action_sweep(self) -> None:
        if (path := self.sweeps.session_path()) is not None:
            self._open_page(SweepScreen(path))

    def on_follow_point(self, message: FollowPoint) -> None:
        self.sweeps.follow(message.run_dir)
        while len(self.screen_stack) > 1 and not isinstance(self.screen, DashboardScreen):
            self.pop_screen()
        self._start_worker_if_needed()

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
            elif choice in ("stop", "stop_all"):
                self._stop_everything(choice)
                self.notify("Stopping the run gracefully, then quitting.")

        queued = len(self.watcher.waiting())
        self.push_screen(LeaveScreen(queued, paused=self.current.status == Status.PAUSED), answer)

    def _to_terminal(self, sequences: str) -> None:
        if not self.is_headless and self._driver is not None:
            self._driver.write(sequences)

    # -- steering and asking the run ----------------------------------------------------------------
    def _run_is_active(self) -> bool:
        return self.following is not None and self.current is not None and self.current.active

    def on_steer(self, message: Steer) -> None:
        """From the dashboard's keys: the commands go to the followed run's control file."""
        if not self._run_is_active() or not self.watcher.send(*message.commands):
            self.notify("No run is active.", severity="warning")
            return
        if message.notice:
            self.notify(message.notice)
        if message.fix and self.current is not None:
            self.current.applied_fix = message.fix
        if message.rerun is not None and self.current is not None:
            self.desk.rerun(self.current, message.rerun)

    def on_fork_now(self, message: ForkNow) -> None:
        """From `f`: a run highlighted in the results or a past session, or the followed live run."""
        if message.folder is not None:
            self.forks.fork(message.folder, message.changes, message.live, message.step)
        elif self._run_is_active() and self.current is not None and self.current.folder is not None:
            self.forks.fork(self.current.folder, message.changes, live=True)
        else:
            self.notify("No run is active.", severity="warning")

    def action_try_sentence(self) -> None:
        chosen = dialog_for(self.current, self._run_is_active(), self.watcher.send, self.loaded_exports, self.views)
        if isinstance(chosen, str):
            self.notify(chosen, severity="warning", markup=False)
        else:
            self.push_screen(chosen)

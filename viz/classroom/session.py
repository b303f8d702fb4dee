"""A class session: one negotiation played by a class, each student a state (no Solara here).

One :class:`ClassSession` is shared by every page of the class (teacher, students, projector)
in the one server process; every change goes through its lock. Pages do not poll: they
:meth:`ClassSession.subscribe` a listener, which a dispatcher thread calls (outside the lock,
one listener at a time, each failure caught) after each change with the new
:class:`SessionView`, an immutable snapshot.

Safety on a class network: a student acts only through :meth:`submit` with their browser's
id, which finds their own seat (never a seat or state named by the page); every value is
checked here (:class:`ClassError` carries a message for the page, never a path or a trace);
the teacher's actions need the teacher key printed at start-up.

Rounds follow HubNet's and Model UN's practice: the teacher opens a round with a deadline;
students submit before it; the teacher advances once all seated states have submitted or the
deadline has passed; states without a student, and students who missed the deadline, are
played by the model (:mod:`viz.classroom.play`).
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model.scenario import Scenario
from viz.classroom.play import (
    DIMENSIONS,
    ClassModel,
    StateChoice,
    allowed_pledges,
    bounded,
    build_model,
    choice_from_dict,
    choice_to_dict,
    current_position,
    current_salience,
    finish_tables,
    position_range,
    replay,
)

#: Join codes: no 0/O, 1/I/L, so a code read off a projector is typed right.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 5
NAME_RE = re.compile(r"^[\w .'\-]{1,30}$", re.UNICODE)
MAX_SEATS = 60
#: Seats per state: a delegation of two is common in Model UN; either delegate may submit
#: (the latest submission before the deadline counts, and the export says whose it was).
MAX_DELEGATION = 2
DEFAULT_ROUND_SECONDS = 180
FORMAT = "coalition-class-session/1"

log = logging.getLogger("negotiate.class")
#: A file to which the dispatcher appends how long each push took (benchmarks only).
TIMING_LOG = os.environ.get("NEGOTIATE_CLASS_TIMING_LOG")


class ClassError(ValueError):
    """A refused action; the message is shown on the page as it is."""


@dataclass(frozen=True)
class Seat:
    seat: int
    name: str
    browser: str = field(repr=False)
    state: str | None = None


@dataclass(frozen=True)
class RoundRecord:
    """What happened in one played round: who chose what, who missed the deadline."""

    round: int
    choices: Mapping[str, StateChoice]  # state → the choice as it took effect
    players: Mapping[str, str]  # state → student's name (seated states only)
    missed: tuple[str, ...]  # seated states whose student did not submit in time
    submitted_by: Mapping[str, str] = field(default_factory=dict)  # state → whose choice


@dataclass(frozen=True)
class SessionView:
    """An immutable snapshot of the session for the pages."""

    version: int
    code: str
    scenario_name: str
    phase: str  # "lobby", "playing", "finished"
    round: int  # rounds played so far
    total_rounds: int
    locked: bool
    seats: tuple[Seat, ...]
    submitted: frozenset[str]  # states that submitted for the round under way
    deadline: float | None  # wall-clock seconds
    deadline_passed: bool
    history: tuple[RoundRecord, ...]
    message: str = ""

    def seat_of(self, browser: str) -> Seat | None:
        return next((s for s in self.seats if s.browser == browser), None)

    @property
    def seated_states(self) -> dict[str, str]:
        """State → the names of the students playing it (``"Ann & Bob"``)."""
        out: dict[str, list[str]] = {}
        for s in self.seats:
            if s.state:
                out.setdefault(s.state, []).append(s.name)
        return {c: " & ".join(names) for c, names in out.items()}

    def delegation_size(self, state: str) -> int:
        return sum(s.state == state for s in self.seats)


Listener = Callable[[SessionView], None]


class ClassSession:
    """The shared state of one class: seats, rounds, submissions, the model."""

    def __init__(self, scenario: Scenario, *, scenario_name: str, seed: int = 0,
                 rounds: int | None = None, parameters: Mapping[str, Any] | None = None,
                 round_seconds: float = DEFAULT_ROUND_SECONDS, code: str | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.scenario = scenario
        self.scenario_name = scenario_name
        self.seed = int(seed)
        self.parameters = dict(parameters or {})
        self.model: ClassModel = build_model(scenario, self.seed, rounds, self.parameters)
        self.total_rounds = self.model.total_rounds
        self.round_seconds = float(round_seconds)
        self.code = code or new_code()
        self.clock = clock
        self._lock = threading.RLock()
        self._seats: dict[int, Seat] = {}
        self._next_seat = 1
        self._locked = False
        self._phase = "lobby"
        self._submissions: dict[str, StateChoice] = {}
        self._submitted_by: dict[str, str] = {}
        self._deadline: float | None = None
        self._history: list[RoundRecord] = []
        self._version = 0
        self._listeners: dict[int, Listener] = {}
        self._next_listener = 0
        self._dirty = threading.Event()
        self._closed = False
        self._timer: threading.Timer | None = None
        self._dispatcher = threading.Thread(target=self._dispatch, name=f"class-{self.code}",
                                            daemon=True)
        self._dispatcher.start()
        self._view = self._make_view()

    # -- reading -------------------------------------------------------------------------
    def view(self) -> SessionView:
        """The latest snapshot (immutable; a new one after every change)."""
        return self._view

    def _make_view(self) -> SessionView:
        now = self.clock()
        return SessionView(
            version=self._version, code=self.code, scenario_name=self.scenario_name,
            phase=self._phase, round=self.model.round, total_rounds=self.total_rounds,
            locked=self._locked, seats=tuple(self._seats.values()),
            submitted=frozenset(self._submissions), deadline=self._deadline,
            deadline_passed=self._deadline is not None and now >= self._deadline,
            history=tuple(self._history),
        )

    # -- listeners -----------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(view)`` after each change (from the dispatcher thread); returns
        the function that unsubscribes it."""
        with self._lock:
            key = self._next_listener
            self._next_listener += 1
            self._listeners[key] = listener

        def unsubscribe() -> None:
            with self._lock:
                self._listeners.pop(key, None)

        return unsubscribe

    def _changed(self) -> None:
        """Under the lock: a new version and snapshot; the dispatcher tells the pages."""
        self._version += 1
        self._view = self._make_view()
        self._dirty.set()

    def _dispatch(self) -> None:
        while True:
            self._dirty.wait()
            if self._closed:
                return
            self._dirty.clear()
            with self._lock:
                view = self._view
                listeners = list(self._listeners.values())
            t0 = time.perf_counter()
            for listener in listeners:  # never under our lock; one failure stops nobody
                try:
                    listener(view)
                except Exception:  # noqa: BLE001 - a broken page must not stop the class
                    log.exception("a class page failed to update")
            if TIMING_LOG:  # for bench/bench_class.py: how long the server took to push
                with open(TIMING_LOG, "a", encoding="utf-8") as f:
                    f.write(f"{view.version} {view.phase} {view.round} {len(listeners)} "
                            f"{time.perf_counter() - t0:.4f}\n")

    def close(self) -> None:
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
        self._dirty.set()

    # -- seats ---------------------------------------------------------------------------
    def join(self, code: str, name: str, browser: str) -> Seat:
        """A student joins with the code and a name; a known browser gets its seat back."""
        if str(code).strip().upper() != self.code:
            raise ClassError("That join code is not this class's code.")
        with self._lock:
            seat = self._seat_of(browser)
            if seat is not None:
                return seat
            name = clean_name(name)
            if any(s.name.casefold() == name.casefold() for s in self._seats.values()):
                raise ClassError(f"The name {name!r} is taken; add an initial.")
            if len(self._seats) >= MAX_SEATS:
                raise ClassError("The class is full.")
            seat = Seat(self._next_seat, name, browser)
            self._next_seat += 1
            self._seats[seat.seat] = seat
            self._changed()
            return seat

    def seat_of(self, browser: str) -> Seat | None:
        with self._lock:
            return self._seat_of(browser)

    def _seat_of(self, browser: str) -> Seat | None:
        return next((s for s in self._seats.values() if s.browser == browser), None)

    def playable_states(self) -> list[str]:
        """States a student can play: the coalition's states (not the host or the opposer)."""
        return [c for c, a in self.model.states.items() if a.kind == "state"]

    def assign(self, seat: int, state: str | None) -> None:
        """The teacher gives a seat a state (``None`` frees it)."""
        with self._lock:
            if seat not in self._seats:
                raise ClassError(f"No seat {seat}.")
            self._set_state(self._seats[seat], state)

    def pick(self, browser: str, state: str) -> None:
        """A student picks a state themselves, while the teacher has not locked the seats."""
        with self._lock:
            seat = self._seat_of(browser)
            if seat is None:
                raise ClassError("Join the class first.")
            if self._locked:
                raise ClassError("The teacher has locked the seats.")
            self._set_state(seat, state)

    def _set_state(self, seat: Seat, state: str | None) -> None:
        if state is not None:
            if state not in self.playable_states():
                raise ClassError(f"{state!r} is not a state of this scenario you can play.")
            others = sum(s.state == state and s.seat != seat.seat for s in self._seats.values())
            if others >= MAX_DELEGATION:
                raise ClassError(f"{self.model.states[state].name} already has "
                                 f"{MAX_DELEGATION} students.")
        if self._phase != "lobby" and state != seat.state:
            if not any(s.state == seat.state and s.seat != seat.seat
                       for s in self._seats.values()):
                self._submissions.pop(seat.state or "", None)
        self._seats[seat.seat] = Seat(seat.seat, seat.name, seat.browser, state)
        self._changed()

    def auto_assign(self) -> None:
        """Give every seat without a state the next free state (largest capability first);
        once every state has a student, the seats left make delegations of two."""
        with self._lock:
            order = sorted(self.playable_states(),
                           key=lambda c: -self.model.states[c].capability)
            for seat in list(self._seats.values()):
                if seat.state is not None:
                    continue
                size = {c: 0 for c in order}
                for s in self._seats.values():
                    if s.state in size:
                        size[s.state] += 1
                free = [c for c in order if size[c] < MAX_DELEGATION]
                if not free:
                    break
                pick = min(free, key=lambda c: size[c])  # stable: the largest first
                self._seats[seat.seat] = Seat(seat.seat, seat.name, seat.browser, pick)
            self._changed()

    def lock(self, locked: bool = True) -> None:
        with self._lock:
            self._locked = bool(locked)
            self._changed()

    def remove(self, seat: int) -> None:
        with self._lock:
            if self._seats.pop(seat, None) is not None:
                self._changed()

    # -- rounds --------------------------------------------------------------------------
    def start(self, round_seconds: float | None = None) -> None:
        """Lock the seats and open round 1."""
        with self._lock:
            if self._phase != "lobby":
                raise ClassError("The session has already started.")
            self._locked = True
            self._phase = "playing"
            self._open_round(round_seconds)
            self._changed()

    def _open_round(self, round_seconds: float | None) -> None:
        if round_seconds is not None:
            self.round_seconds = check_seconds(round_seconds)
        self._submissions = {}
        self._submitted_by = {}
        self._deadline = self.clock() + self.round_seconds
        if self._timer is not None:
            self._timer.cancel()
        # the pages learn that the deadline passed without anyone acting
        self._timer = threading.Timer(self.round_seconds + 0.05, self._deadline_reached)
        self._timer.daemon = True
        self._timer.start()

    def _deadline_reached(self) -> None:
        with self._lock:
            if self._phase == "playing":
                self._changed()

    def close_round(self) -> None:
        """The teacher ends the round's time now (a deadline of now)."""
        with self._lock:
            if self._phase != "playing":
                raise ClassError("No round is open.")
            self._deadline = self.clock()
            self._changed()

    def extend(self, seconds: float) -> None:
        with self._lock:
            if self._phase != "playing" or self._deadline is None:
                raise ClassError("No round is open.")
            self._deadline = max(self._deadline, self.clock()) + check_seconds(seconds)
            self._changed()

    def brief(self, state: str) -> dict[str, Any]:
        """What the student playing ``state`` may choose this round."""
        with self._lock:
            return {
                "position": current_position(self.model, state),
                "salience": current_salience(self.model, state),
                "range": position_range(self.model, state),
                "pledges": allowed_pledges(self.model, state),
                "pledged": sorted(self.model.states[state].pledges),
            }

    def submit(self, browser: str, values: Mapping[str, Any]) -> StateChoice:
        """A student's choice for their own seat's state this round.

        ``values``: ``presence``, ``guarantee``, ``salience_presence``,
        ``salience_guarantee`` (numbers or numeric text) and ``pledges`` (kinds). Checked
        here: a position outside this round's range (the bounded move, the red lines) is
        refused with a message, not clipped silently.
        """
        with self._lock:
            seat = self._seat_of(browser)
            if seat is None:
                raise ClassError("Join the class first.")
            if seat.state is None:
                raise ClassError("You have no state yet; wait for the teacher.")
            if "state" in values and values["state"] != seat.state:
                raise ClassError("You can only act for your own state.")
            if self._phase != "playing":
                raise ClassError("No round is open.")
            if self._deadline is not None and self.clock() >= self._deadline:
                raise ClassError("The deadline has passed: the model plays your state "
                                 "this round.")
            choice = self._check(seat.state, values)
            self._submissions[seat.state] = choice
            self._submitted_by[seat.state] = seat.name
            self._changed()
            return choice

    def _check(self, state: str, values: Mapping[str, Any]) -> StateChoice:
        ranges = position_range(self.model, state)
        now = current_position(self.model, state)
        sal = current_salience(self.model, state)
        nums = {}
        for key in DIMENSIONS:
            raw = values.get(key, now.get(key, 0.0))
            x = number(raw, key)
            if key in ranges:
                lo, hi = ranges[key]
                if not lo - 1e-9 <= x <= hi + 1e-9:
                    raise ClassError(f"{key.capitalize()} must be between {lo:.0f} and "
                                     f"{hi:.0f} this round (at most {hi - lo:.0f} points of "
                                     "room: the move per round and the red lines).")
            nums[key] = x
        for key in DIMENSIONS:
            skey = f"salience_{key}"
            x = number(values.get(skey, sal.get(key, 0.5)), skey)
            if not 0.0 <= x <= 1.0:
                raise ClassError(f"Salience ({key}) must be between 0 and 1.")
            nums[skey] = x
        raw_pledges = values.get("pledges", ())
        if isinstance(raw_pledges, str) or not hasattr(raw_pledges, "__iter__"):
            raise ClassError("Pledges must be a list of kinds.")
        allowed = set(allowed_pledges(self.model, state))
        pledges = frozenset(str(p) for p in raw_pledges)
        if not pledges <= allowed:
            bad = ", ".join(sorted(pledges - allowed))
            raise ClassError(f"Your state cannot offer: {bad} (no capacity, or a red line).")
        choice = StateChoice(presence=nums["presence"], guarantee=nums["guarantee"],
                             salience_presence=nums["salience_presence"],
                             salience_guarantee=nums["salience_guarantee"], pledges=pledges)
        return bounded(self.model, state, choice)

    def can_advance(self) -> tuple[bool, str]:
        with self._lock:
            return self._can_advance()

    def _can_advance(self) -> tuple[bool, str]:
        if self._phase != "playing":
            return False, "No round is open."
        seated = {s.state for s in self._seats.values() if s.state}
        waiting = seated - set(self._submissions)
        passed = self._deadline is not None and self.clock() >= self._deadline
        if waiting and not passed:
            return False, (f"Waiting for {len(waiting)} state(s) until the deadline: "
                           + ", ".join(sorted(waiting)))
        return True, ""

    def advance(self) -> RoundRecord:
        """Hold the round: the students' choices as given, the model for everyone else."""
        with self._lock:
            ok, why = self._can_advance()
            if not ok:
                raise ClassError(why)
            seated = self._make_view().seated_states
            choices = dict(self._submissions)
            self.model.play(choices)
            record = RoundRecord(
                round=self.model.round, choices=choices,
                players=dict(seated),
                missed=tuple(sorted(set(seated) - set(choices))),
                submitted_by=dict(self._submitted_by))
            self._history.append(record)
            if self.model.running:
                self._open_round(None)
            else:
                self._phase = "finished"
                self._submissions = {}
                self._deadline = None
                if self._timer is not None:
                    self._timer.cancel()
            self._changed()
            return record

    # -- export and reload ---------------------------------------------------------------
    def choices_by_round(self) -> dict[int, dict[str, StateChoice]]:
        with self._lock:
            return {r.round: dict(r.choices) for r in self._history}

    def to_dict(self) -> dict[str, Any]:
        """The session as JSON-ready data: enough to replay it (:func:`load_session`)."""
        with self._lock:
            return {
                "format": FORMAT,
                "code": self.code,
                "scenario_name": self.scenario_name,
                "scenario": self.scenario.model_dump(mode="json"),
                "seed": self.seed,
                "rounds": self.total_rounds,
                "parameters": self.parameters,
                "round_seconds": self.round_seconds,
                "seats": [{"seat": s.seat, "name": s.name, "state": s.state}
                          for s in self._seats.values()],
                "history": [{"round": r.round, "players": dict(r.players),
                             "missed": list(r.missed), "submitted_by": dict(r.submitted_by),
                             "choices": {c: choice_to_dict(ch) for c, ch in r.choices.items()}}
                            for r in self._history],
            }

    def export(self, out: Path) -> list[Path]:
        """Write the tables of ``negotiate run`` plus ``seats.csv``, ``choices.csv`` and
        ``session.json`` into ``out``; returns the files written."""
        from sweep.export import write_table

        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        with self._lock:
            data = self.to_dict()
            tables = finish_tables(self.model) if not self.model.running else None
            if tables is None:
                from model.run import tables_of

                tables = tables_of(self.model)
        written = [write_table(tables.rounds, out / "rounds.csv"),
                   write_table(tables.actors, out / "actors.csv")]
        for name, table in tables.extra.items():
            written.append(write_table(table, out / f"{name}.csv"))
        (out / "events.txt").write_text("\n".join(tables.events) + "\n", encoding="utf-8")
        written.append(out / "events.txt")
        written.append(write_table(seats_table(data), out / "seats.csv"))
        written.append(write_table(choices_table(data), out / "choices.csv"))
        (out / "session.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        written.append(out / "session.json")
        return written


def seats_table(data: Mapping[str, Any]):
    import pandas as pd

    return pd.DataFrame(data["seats"], columns=["seat", "name", "state"])


def choices_table(data: Mapping[str, Any]):
    """One row per round and state: who played it, what they chose, or that they missed."""
    import pandas as pd

    rows = []
    for r in data["history"]:
        for state, name in sorted(r["players"].items()):
            ch = r["choices"].get(state)
            rows.append({"round": r["round"], "state": state, "player": name,
                         "submitted": ch is not None,
                         "submitted_by": r.get("submitted_by", {}).get(state, ""),
                         **{k: (ch[k] if ch else None) for k in
                            ("presence", "guarantee", "salience_presence",
                             "salience_guarantee")},
                         "pledges": " ".join(ch["pledges"]) if ch else ""})
    return pd.DataFrame(rows, columns=["round", "state", "player", "submitted",
                                       "submitted_by", "presence",
                                       "guarantee", "salience_presence",
                                       "salience_guarantee", "pledges"])


def load_session(data: Mapping[str, Any], *, code: str | None = None) -> ClassSession:
    """A finished (or part-played) session rebuilt from :meth:`ClassSession.to_dict` data:
    the model is replayed with the recorded choices, so its tables are the original ones."""
    if data.get("format") != FORMAT:
        raise ClassError("This file is not a saved class session.")
    try:
        scenario = Scenario.model_validate(data["scenario"])
        session = ClassSession(scenario, scenario_name=str(data["scenario_name"]),
                               seed=int(data["seed"]), rounds=int(data["rounds"]),
                               parameters=data.get("parameters") or {},
                               round_seconds=float(data.get("round_seconds",
                                                            DEFAULT_ROUND_SECONDS)),
                               code=code)
        history = [(int(r["round"]), {c: choice_from_dict(ch) for c, ch in
                                       r["choices"].items()},
                    dict(r["players"]), tuple(r["missed"]), dict(r.get("submitted_by", {})))
                   for r in data["history"]]
        seats = [(int(s["seat"]), str(s["name"]), s.get("state")) for s in data["seats"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise ClassError(f"The saved session is damaged ({type(exc).__name__}).") from None
    with session._lock:
        for number_, name, state in seats:
            session._seats[number_] = Seat(number_, name, f"reloaded-{number_}", state)
            session._next_seat = max(session._next_seat, number_ + 1)
        for rnd, choices, players, missed, by in history:
            session.model.play(choices)
            session._history.append(RoundRecord(rnd, choices, players, missed, by))
        session._locked = True
        session._phase = "finished" if not session.model.running else "lobby"
        session._changed()
    return session


def model_alone(session: ClassSession):
    """The same scenario, seed and rounds with nobody at the controls (for the debrief)."""
    return replay(session.scenario, session.seed, session.total_rounds, {},
                  session.parameters)


# -- small checks ------------------------------------------------------------------------
def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def clean_name(name: Any) -> str:
    text = " ".join(str(name or "").split())
    if not NAME_RE.match(text):
        raise ClassError("A name is 1 to 30 letters, digits, spaces, dots or hyphens.")
    return text


def number(raw: Any, what: str) -> float:
    if isinstance(raw, bool):
        raise ClassError(f"{what}: a number, please.")
    try:
        x = float(str(raw).strip().replace(",", ".")) if isinstance(raw, str) else float(raw)
    except (TypeError, ValueError):
        raise ClassError(f"{what}: {str(raw)[:20]!r} is not a number.") from None
    if x != x or x in (float("inf"), float("-inf")):
        raise ClassError(f"{what}: a finite number, please.")
    return x


def check_seconds(raw: Any) -> float:
    x = number(raw, "seconds per round")
    if not 5 <= x <= 3600:
        raise ClassError("Seconds per round: between 5 and 3600.")
    return x


class ClassHub:
    """All class sessions of one server, by join code, and the teacher's key."""

    def __init__(self, teacher_key: str | None = None) -> None:
        self.teacher_key = teacher_key or secrets.token_urlsafe(12)
        self._lock = threading.Lock()
        self._sessions: dict[str, ClassSession] = {}
        self.current: ClassSession | None = None
        self._listeners: dict[int, Listener] = {}

    def is_teacher(self, key: Any) -> bool:
        return isinstance(key, str) and secrets.compare_digest(key, self.teacher_key)

    def add(self, session: ClassSession) -> ClassSession:
        with self._lock:
            while session.code in self._sessions:
                session.code = new_code()
            self._sessions[session.code] = session
            self.current = session
        return session

    def get(self, code: Any) -> ClassSession:
        with self._lock:
            found = self._sessions.get(str(code or "").strip().upper())
        if found is None:
            raise ClassError("No class with that code; check the code on the projector.")
        return found

    def session_of(self, browser: str) -> ClassSession | None:
        """The session in which this browser holds a seat (the newest first)."""
        with self._lock:
            sessions = list(self._sessions.values())
        for s in reversed(sessions):
            if s.seat_of(browser) is not None:
                return s
        return None

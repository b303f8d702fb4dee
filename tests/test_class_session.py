"""The class session without Solara: seats, safety, rounds, deadlines, export and replay."""

from __future__ import annotations

import json
import threading

import pandas as pd
import pytest

from model.run import run_one, tables_of
from viz.classroom import hub as hubmod
from viz.classroom.play import StateChoice, allowed_pledges, position_range, replay
from viz.classroom.session import (
    CODE_ALPHABET,
    MAX_DELEGATION,
    ClassError,
    ClassHub,
    ClassSession,
    load_session,
)


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def session(default_scenario, clock):
    s = ClassSession(default_scenario, scenario_name="cotw", seed=0, rounds=3,
                     round_seconds=60, clock=clock)
    yield s
    s.close()


def seated(session, *names_states):
    for k, (name, state) in enumerate(names_states, 1):
        session.join(session.code, name, f"browser-{name}")
        session.assign(k, state)


def test_join_code_names_and_refresh(session):
    assert len(session.code) == 5 and set(session.code) <= set(CODE_ALPHABET)
    with pytest.raises(ClassError, match="not this class's code"):
        session.join("WRONG", "Ann", "b1")
    seat = session.join(session.code.lower(), "  Ann  ", "b1")
    assert seat.name == "Ann"
    assert session.join(session.code, "Someone else", "b1") == seat  # a refresh: same seat
    with pytest.raises(ClassError, match="taken"):
        session.join(session.code, "ann", "b2")
    for bad in ("", "<script>", "x" * 31, None):
        with pytest.raises(ClassError, match="A name is"):
            session.join(session.code, bad, "b3")


def test_a_student_acts_only_for_their_own_seat(session):
    seated(session, ("Ann", "FR"), ("Bob", "DE"))
    session.start()
    # Ann's page cannot name Bob's state ...
    with pytest.raises(ClassError, match="only act for your own state"):
        session.submit("browser-Ann", {"state": "DE", "presence": 12})
    # ... and a browser with no seat cannot act at all
    with pytest.raises(ClassError, match="Join the class first"):
        session.submit("browser-Mallory", {"presence": 12})
    assert session.view().submitted == frozenset()
    top = position_range(session.model, "FR")["presence"][1]
    session.submit("browser-Ann", {"presence": top})
    assert session.view().submitted == {"FR"}


def test_pick_until_locked(session):
    session.join(session.code, "Ann", "b1")
    session.pick("b1", "PL")
    with pytest.raises(ClassError, match="not a state of this scenario"):
        session.pick("b1", "RU")  # the opposer is the model's
    session.join(session.code, "Bob", "b2")
    session.lock()
    with pytest.raises(ClassError, match="locked"):
        session.pick("b2", "FR")


def test_delegations_of_two_at_most(session):
    for name in ("Ann", "Bob", "Cem"):
        session.join(session.code, name, name)
    session.assign(1, "FR")
    session.assign(2, "FR")
    with pytest.raises(ClassError, match=f"already has {MAX_DELEGATION}"):
        session.assign(3, "FR")
    assert session.view().seated_states == {"FR": "Ann & Bob"}


def test_values_are_checked_on_the_server(session, default_scenario):
    seated(session, ("Ann", "FR"), ("Jun", "JP"))
    session.start()
    lo, hi = position_range(session.model, "FR")["presence"]
    assert hi - lo <= 20  # a bounded move per round
    for bad, why in ((hi + 1, "must be between"), ("lots", "not a number"),
                     (float("nan"), "finite"), (True, "a number")):
        with pytest.raises(ClassError, match=why):
            session.submit("browser-Ann", {"presence": bad})
    with pytest.raises(ClassError, match="Salience"):
        session.submit("browser-Ann", {"salience_presence": 2})
    # Japan's red line (no forces abroad) binds the student as it binds the model
    assert "ground" not in allowed_pledges(session.model, "JP")
    with pytest.raises(ClassError, match="cannot offer: ground"):
        session.submit("browser-Jun", {"pledges": ["ground"]})
    with pytest.raises(ClassError, match="list of kinds"):
        session.submit("browser-Jun", {"pledges": "ground"})


def test_deadline_and_advance(session, clock):
    seated(session, ("Ann", "FR"), ("Bob", "DE"))
    session.start()
    top = position_range(session.model, "FR")["presence"][1]
    session.submit("browser-Ann", {"presence": top, "pledges": ["training"]})
    ok, why = session.can_advance()
    assert not ok and "DE" in why
    with pytest.raises(ClassError, match="Waiting for 1"):
        session.advance()
    clock.now += 61  # Bob misses the deadline
    with pytest.raises(ClassError, match="deadline has passed"):
        session.submit("browser-Bob", {"presence": 12})
    record = session.advance()
    assert record.round == 1 and record.missed == ("DE",)
    assert record.choices["FR"].presence == top and record.submitted_by == {"FR": "Ann"}
    assert session.model.states["FR"].position == top  # the mechanism did not move it
    lo, _ = position_range(session.model, "DE")["presence"]
    session.submit("browser-Bob", {"presence": lo})  # a new round, a new deadline
    session.submit("browser-Ann", {"presence": position_range(session.model, "FR")
                                   ["presence"][0]})
    session.advance()  # all submitted: no need to wait
    session.close_round()
    session.advance()
    assert session.view().phase == "finished"
    with pytest.raises(ClassError, match="No round is open"):
        session.advance()


def play(session, clock):
    seated(session, ("Ann", "FR"), ("Bob", "DE"), ("Cem", "GB"))
    session.start()
    moves = [{"FR": +10, "DE": +8, "GB": +5}, {"FR": +8, "DE": +8}, {"FR": +7, "GB": +10}]
    for move in moves:
        for state, delta in move.items():
            name = {"FR": "Ann", "DE": "Bob", "GB": "Cem"}[state]
            lo, hi = position_range(session.model, state)["presence"]
            presence = min(hi, session.model.states[state].position + delta)
            session.submit(f"browser-{name}", {"presence": presence,
                                               "pledges": ["ground", "training", "air"]})
        clock.now += 61
        session.advance()


def test_export_reload_and_replay(session, clock, default_scenario, tmp_path):
    play(session, clock)
    files = {p.name for p in session.export(tmp_path)}
    assert {"rounds.csv", "actors.csv", "events.txt", "seats.csv", "choices.csv",
            "session.json", "outcomes.csv"} <= files
    choices = pd.read_csv(tmp_path / "choices.csv")
    assert list(choices.columns[:5]) == ["round", "state", "player", "submitted",
                                         "submitted_by"]
    rows = choices.set_index(["round", "state"])["submitted"]  # rows by round, then state
    assert rows.to_dict() == {(1, "DE"): True, (1, "FR"): True, (1, "GB"): True,
                              (2, "DE"): True, (2, "FR"): True, (2, "GB"): False,
                              (3, "DE"): False, (3, "FR"): True, (3, "GB"): True}
    # the model alone differs from the class (the class moved France and Germany)
    alone = run_one(seed=0, scenario=default_scenario, rounds=3)
    ours = tables_of(session.model)
    assert not ours.actors.equals(alone.actors)
    # the same choices replayed give the same tables
    again = replay(default_scenario, 0, 3, session.choices_by_round())
    pd.testing.assert_frame_equal(again.tables.actors, ours.actors)
    pd.testing.assert_frame_equal(again.tables.rounds, ours.rounds)
    # and a reloaded session is the finished one
    data = json.loads((tmp_path / "session.json").read_text())
    back = load_session(data)
    try:
        assert back.view().phase == "finished" and len(back.view().history) == 3
        pd.testing.assert_frame_equal(tables_of(back.model).actors, ours.actors)
        assert back.view().seated_states == {"FR": "Ann", "DE": "Bob", "GB": "Cem"}
    finally:
        back.close()
    with pytest.raises(ClassError, match="not a saved class session"):
        load_session({"format": "something else"})
    with pytest.raises(ClassError, match="damaged"):
        load_session({**data, "history": [{"round": 1}]})


def test_a_broken_listener_does_not_stop_the_others(session):
    got = []
    done = threading.Event()

    def broken(view):
        raise RuntimeError("this page is broken")

    def fine(view):
        got.append(view.version)
        done.set()

    session.subscribe(broken)
    unsubscribe = session.subscribe(fine)
    session.join(session.code, "Ann", "b1")
    assert done.wait(5) and got[-1] == session.view().version
    unsubscribe()


def test_scenarios_are_chosen_from_a_list(monkeypatch, tmp_path, default_scenario):
    folder = tmp_path / "mine"
    folder.mkdir()
    src = hubmod.scenario_files()["coalition_of_the_willing"]
    (folder / "coalition_of_the_willing.toml").write_text(src.read_text(encoding="utf-8"))
    (folder / "notes.toml").write_text("title = 'not a scenario'\n")
    monkeypatch.setenv(hubmod.SCENARIO_DIR_ENV, str(folder))
    files = hubmod.scenario_files()
    assert "mine/coalition_of_the_willing" in files and "notes" not in files
    assert hubmod.load_choice("mine/coalition_of_the_willing").name == default_scenario.name
    for typed in ("/etc/passwd", str(src), "../configs/coalition_of_the_willing"):
        with pytest.raises(ClassError, match="from the list"):
            hubmod.load_choice(typed)


def test_hub_teacher_key_and_codes(default_scenario):
    hub = ClassHub("secret")
    assert hub.is_teacher("secret") and not hub.is_teacher("guess") and not hub.is_teacher(None)
    s = hub.add(ClassSession(default_scenario, scenario_name="x", rounds=1))
    try:
        assert hub.get(s.code.lower()) is s and hub.current is s
        with pytest.raises(ClassError, match="No class with that code"):
            hub.get("ZZZZZ")
        s.join(s.code, "Ann", "b1")
        assert hub.session_of("b1") is s and hub.session_of("b2") is None
    finally:
        s.close()


def test_choice_hook_keeps_the_model_alone_unchanged(default_scenario):
    alone = replay(default_scenario, 0, None, {})
    ref = run_one(seed=0, scenario=default_scenario)
    pd.testing.assert_frame_equal(alone.tables.actors, ref.actors)
    pd.testing.assert_frame_equal(alone.tables.rounds, ref.rounds)
    # pledges only of the offered kinds, and only those the state's rules make
    choice = StateChoice(presence=80, guarantee=0, salience_presence=0.9,
                         salience_guarantee=0.5, pledges=frozenset({"training"}))
    one = replay(default_scenario, 0, 2, {1: {"FR": choice}, 2: {"FR": choice}})
    assert set(one.model.states["FR"].pledges) <= {"training"}

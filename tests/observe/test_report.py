"""Reports: HTML (self-contained, parsed here), Markdown and JSON; one headless screenshot."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pydantic import JsonValue

from overture.conductor import Runner
from overture.exceptions import UsageError
from overture.objective import Objective
from overture.observe.report import (
    RunReport,
    _figures,  # pyright: ignore[reportPrivateUsage]
    build_report,
    render_markdown,
    write_report,
)
from overture.records import Evidence, Measurement, Outcome, OutcomeKind, Usage
from overture.runs import (
    ActionDone,
    ActionReviewed,
    AgentFinished,
    ApprovalDecided,
    EventPayload,
    Measured,
    RunEnded,
    RunStarted,
    RunStore,
)

ToyRun = Callable[..., str]
CHROMIUM = Path("/usr/bin/chromium")
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class Page(HTMLParser):
    """What a browser would see in the page: headings, tables, scripts, charts, outside links."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.tables = 0
        self.rows = 0
        self.scripts: list[int] = []
        self.script_sources: list[str] = []
        self.external: list[str] = []
        self.chart_ids: list[str] = []
        self.cells: list[str] = []
        self._in: str | None = None
        self._script_length = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in {"h1", "h2", "td"}:
            self._in = tag
        if tag == "table":
            self.tables += 1
        if tag == "tr":
            self.rows += 1
        if tag == "script":
            self._in, self._script_length = "script", 0
            if found.get("src"):
                self.script_sources.append(found["src"] or "")
        if tag in {"link", "img", "iframe"}:
            self.external.append(found.get("href") or found.get("src") or "")
        div_id = found.get("id") or ""
        if tag == "div" and div_id.startswith("chart-"):
            self.chart_ids.append(div_id)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.scripts.append(self._script_length)
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in in {"h1", "h2"}:
            self.headings.append(data.strip())
        elif self._in == "td":
            self.cells.append(data)
        elif self._in == "script":
            self._script_length += len(data)


def _page(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def test_html_report_is_self_contained_and_complete(
    runner: Runner, toy_run: ToyRun, tmp_path: Path
) -> None:
    run_id = toy_run()
    path = write_report(runner.store, run_id, tmp_path / "out" / "report.html", "html")
    page = _page(path)
    assert page.headings[0] == f"Overture run {run_id}"
    for section in ("KPIs", "Decision timeline", "Cost", "Governance", "Per agent"):
        assert section in page.headings
    assert page.script_sources == [] and page.external == []
    assert max(page.scripts) > 1_000_000  # plotly.js itself, embedded
    assert page.chart_ids == ["chart-trajectory", "chart-latency"]
    assert "mailer acts once in every cycle and has not yet in cycle 2" in page.cells
    assert "local deterministic model (offline): no charge" in page.cells
    assert not (tmp_path / "out" / "report.html.partial").exists()


def test_markdown_and_json_reports(runner: Runner, toy_run: ToyRun, tmp_path: Path) -> None:
    run_id = toy_run()
    md = write_report(runner.store, run_id, tmp_path / "r.md", "md").read_text()
    assert md.startswith(f"# Overture run {run_id}")
    assert "## Trajectory" in md and "| 42 |" in md and "## Decision timeline" in md
    assert "0.0% (0/21 claims unsupported)" in md
    data = json.loads(write_report(runner.store, run_id, tmp_path / "r.json", "json").read_text())
    report = RunReport.model_validate(data)
    assert report.outcome == "reached" and len(report.trajectory) == 5
    assert report.trajectory[-1].met and report.kpis.sends == 400


def test_an_unknown_format_says_which_exist(
    runner: Runner, toy_run: ToyRun, tmp_path: Path
) -> None:
    run_id = toy_run()
    with pytest.raises(UsageError, match="html, md, json"):
        write_report(runner.store, run_id, tmp_path / "r.pdf", "pdf")


def _objective() -> Objective:
    return Objective.model_validate(
        {
            "text": "Increase the open rate of our newsletter by 20%",
            "metric": "human_open_rate",
            "direction": "increase",
            "target": {"kind": "relative", "value": 0.2},
        }
    )


def _store_with(tmp_path: Path, payloads: list[EventPayload]) -> RunStore:
    store = RunStore(f"sqlite:///{tmp_path / 'runs.sqlite'}")
    with store.transaction() as session:
        store.create_run(session, "run-e", _objective(), "{}", START)
        store.append(
            session,
            "run-e",
            [(i, START + timedelta(hours=i), p) for i, p in enumerate(payloads, start=1)],
        )
    return store


def test_experiments_segments_and_governance(tmp_path: Path) -> None:
    arms: JsonValue = {
        "arms": [
            {"name": "A", "human_opens": 40, "delivered": 200},
            {"name": "B", "successes": 60, "trials": 200},
            {"name": "broken", "opens": 5},
        ]
    }
    segments: JsonValue = {"segments": {"VIP": {"size": 120}, "Lapsed": 300}}
    measurement = Measurement(
        metric="human_open_rate", value=0.25, baseline=0.2, lower=None, upper=None, at=START
    )
    store = _store_with(
        tmp_path,
        [
            RunStarted(objective=_objective(), config={}),
            AgentFinished(
                agent="experimenter",
                output=arms,
                facts=(),
                evidence=(Evidence(tool="segments", output=segments),),
                text="",
                usage=Usage(),
            ),
            ActionReviewed(
                agent="mailer",
                tool="send",
                verdict="deny",
                reasons=("no consent",),
                rules=("consent",),
            ),
            ActionReviewed(agent="mailer", tool="send", verdict="approval", approval_id="ap-1"),
            ApprovalDecided(approval_id="ap-1", approved=True, decided_by="ana"),
            ActionDone(
                key="k1",
                tool="send",
                result={"accepted": 90, "removed_by_rule": {"frequency cap": 7, "consent": 3}},
                sends=90,
            ),
            Measured(measurement=measurement, target=0.24, met=True, shown_unreachable=False),
            RunEnded(
                outcome=Outcome(kind=OutcomeKind.REACHED, summary="done"), usage=Usage(), steps=1
            ),
        ],
    )
    report = build_report(store, "run-e")
    assert [(a.arm, a.successes, a.trials) for a in report.experiments] == [
        ("A", 40, 200),
        ("B", 60, 200),
    ]
    a, b = report.experiments
    assert a.mean == pytest.approx(41 / 202) and a.lower < a.mean < a.upper
    assert b.mean > a.mean
    assert [(s.name, s.size) for s in report.segments] == [("VIP", 120), ("Lapsed", 300)]
    assert report.removals == {"frequency cap": 7, "consent": 3}
    assert [(g.verdict, g.rules) for g in report.governance] == [
        ("deny", ("consent",)),
        ("approval", ()),
        ("approved", ()),
    ]
    assert report.kpis.rules == {"consent": 1}
    md = render_markdown(report)
    assert "| step 1 (experimenter) | A | 40 | 200 |" in md
    assert "removed by rule frequency cap" in md
    html_path = write_report(store, "run-e", tmp_path / "e.html")
    assert _page(html_path).chart_ids == ["chart-trajectory", "chart-experiments"]


def test_the_lift_over_the_holdout_and_over_the_practice_are_shown(tmp_path: Path) -> None:
    detail: dict[str, JsonValue] = {
        "lift": 0.25,
        "lift_lower": 0.21,
        "lift_upper": 0.3,
        "practice_lift": 0.18,
        "practice_lift_lower": 0.1,
        "practice_lift_upper": 0.27,
    }
    measured = Measurement(
        metric="human_open_rate",
        value=0.25,
        baseline=0.2,
        lower=0.242,
        upper=0.26,
        at=START,
        detail=detail,
    )
    store = _store_with(
        tmp_path,
        [
            RunStarted(objective=_objective(), config={}),
            # The same reading, repeated after another turn: one point on the lift chart.
            Measured(measurement=measured, target=0.24, met=False, shown_unreachable=False),
            Measured(measurement=measured, target=0.24, met=True, shown_unreachable=False),
        ],
    )
    report = build_report(store, "run-e")
    lift_chart = dict(_figures(report))["lift"]
    assert [len(trace.x) for trace in lift_chart.data] == [1, 1]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType, reportUnknownArgumentType, reportUnknownVariableType]
    point = report.trajectory[0]
    assert point.lift == (0.25, 0.21, 0.3) and point.practice_lift == (0.18, 0.1, 0.27)
    assert "+25.0% [+21.0%, +30.0%] | +18.0% [+10.0%, +27.0%] |" in render_markdown(report)
    html_path = write_report(store, "run-e", tmp_path / "l.html")
    assert _page(html_path).chart_ids == ["chart-trajectory", "chart-lift"]


def test_a_run_without_measurements_or_outcome_still_reports(tmp_path: Path) -> None:
    store = _store_with(tmp_path, [RunStarted(objective=_objective(), config={})])
    report = build_report(store, "run-e")
    assert report.outcome is None and report.trajectory == ()
    md = render_markdown(report)
    assert "Nothing measured yet." in md and "None in this run." in md
    assert _page(write_report(store, "run-e", tmp_path / "x.html")).chart_ids == []


@pytest.mark.skipif(
    not CHROMIUM.exists(), reason="headless check needs Debian chromium at /usr/bin/chromium"
)
def test_the_charts_render_in_a_headless_browser(
    runner: Runner, toy_run: ToyRun, tmp_path: Path
) -> None:
    run_id = toy_run()
    path = write_report(runner.store, run_id, tmp_path / "report.html")
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run(
            [
                str(CHROMIUM),
                *flags,
                f"--user-data-dir={profile}",
                "--virtual-time-budget=5000",
                "--dump-dom",
                path.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout
    # Two charts drawn by plotly.js (a bare class-name grep would match the inlined library).
    assert dom.count('<svg class="main-svg"') >= 2
    shot = tmp_path / "report.png"
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                str(CHROMIUM),
                *flags,
                f"--user-data-dir={profile}",
                "--window-size=1200,2000",
                f"--screenshot={shot}",
                path.as_uri(),
            ],
            capture_output=True,
            timeout=120,
            check=True,
        )
    assert shot.exists() and shot.stat().st_size > 10_000
    assert shutil.which(str(CHROMIUM))


def test_result_rows_per_arm_and_removals_are_counted_once(tmp_path: Path) -> None:
    rows: JsonValue = {
        "rows": [
            {"arm": "A", "segment": "s0", "delivered": 100, "human_openers": 10, "raw_openers": 30},
            {"arm": "A", "segment": "s1", "delivered": 50, "human_openers": 20, "raw_openers": 25},
            {"arm": "control", "segment": "s0", "delivered": 40, "human_openers": 4},
        ]
    }
    checked: JsonValue = {"eligible": 90, "removed": {"no_consent": 7, "unsubscribed": 2}}
    store = _store_with(
        tmp_path,
        [
            RunStarted(objective=_objective(), config={}),
            AgentFinished(
                agent="reporter",
                output={"lift": 0.1},
                facts=(),
                evidence=(Evidence(tool="arm_results", output=rows),),
                text="",
                usage=Usage(),
            ),
            AgentFinished(
                agent="compliance",
                output={"cycle": 0, "removed": {"no_consent": 7, "unsubscribed": 2}},
                facts=(),
                evidence=(Evidence(tool="check_and_plan", output=checked),),
                text="",
                usage=Usage(),
            ),
        ],
    )
    report = build_report(store, "run-e")
    assert [(a.arm, a.successes, a.trials) for a in report.experiments] == [
        ("A", 30, 150),
        ("control", 4, 40),
    ]
    assert report.removals == {"no_consent": 7, "unsubscribed": 2}

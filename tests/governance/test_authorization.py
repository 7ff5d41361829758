"""Who may call which tool for which objective: Cedar decides, a deny always wins."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from overture.governance.authorization import Authorizer, compile_access
from overture.governance.policy import Access, AccessRule, Policy, parse_policy

TEAM = """
[[access.allow]]
agents = ["copywriter"]
tools = ["write_subjects"]
metrics = ["human_open_rate"]

[[access.allow]]
agents = ["scheduler", "sender"]
tools = ["send"]

[[access.deny]]
metrics = ["churn"]
reason = "no sends while churn work is paused"
"""


def test_allow_rules_scope_agents_tools_and_metrics() -> None:
    authorizer = Authorizer(parse_policy(TEAM, "team.toml"))
    allowed = authorizer.decide("copywriter", "write_subjects", "human_open_rate")
    assert allowed.allowed and allowed.rule == "access.allow[0]"
    assert authorizer.decide("sender", "send", "click_rate").rule == "access.allow[1]"
    nobody = authorizer.decide("copywriter", "send", "human_open_rate")
    assert not nobody.allowed and nobody.rule == "access"
    assert "no access rule allows 'copywriter' to call 'send'" in nobody.reason


def test_a_deny_wins_over_an_allow() -> None:
    denied = Authorizer(parse_policy(TEAM, "team.toml")).decide("sender", "send", "churn")
    assert not denied.allowed
    assert denied.rule == "access.deny[0]"
    assert "churn work is paused" in denied.reason


def test_the_default_policy_keeps_customer_data_in_the_store() -> None:
    authorizer = Authorizer(Policy())
    assert authorizer.decide("analyst", "read_baseline", "human_open_rate").allowed
    default = Authorizer(parse_policy("", "p.toml"))
    assert default.decide("x", "y", "z").allowed


def test_no_rules_allow_nothing() -> None:
    decision = Authorizer(parse_policy("[access]\n", "p.toml")).decide("a", "b", "c")
    assert not decision.allowed and "allows no agent" in decision.reason


def test_names_cannot_inject_cedar() -> None:
    # Names are checked when the policy is read; a request with odd names is only data.
    authorizer = Authorizer(parse_policy(TEAM, "team.toml"))
    assert not authorizer.decide('x" || true || "', "send", "human_open_rate").allowed
    text, names = compile_access(parse_policy(TEAM, "team.toml"))
    assert text.count("forbid(") == 1 and text.count("permit(") == 2
    assert names == ("access.deny[0]", "access.allow[0]", "access.allow[1]")


_NAMES = st.sampled_from(["a", "b", "c", "*"])


@st.composite
def _rules(draw: st.DrawFn) -> AccessRule:
    def names() -> tuple[str, ...]:
        return tuple(draw(st.lists(_NAMES, min_size=1, max_size=3, unique=True)))

    return AccessRule(agents=names(), tools=names(), metrics=names())


def _matches(rule: AccessRule, agent: str, tool: str, metric: str) -> bool:
    return all(
        "*" in names or value in names
        for names, value in ((rule.agents, agent), (rule.tools, tool), (rule.metrics, metric))
    )


@settings(max_examples=300, deadline=None)
@given(
    allow=st.lists(_rules(), max_size=3),
    deny=st.lists(_rules(), max_size=3),
    request=st.tuples(*(st.sampled_from(["a", "b", "c", "d"]) for _ in range(3))),
)
def test_cedar_agrees_with_deny_over_allow(
    allow: list[AccessRule], deny: list[AccessRule], request: tuple[str, str, str]
) -> None:
    policy = Policy(access=Access(allow=tuple(allow), deny=tuple(deny)))
    expected = any(_matches(r, *request) for r in allow) and not any(
        _matches(r, *request) for r in deny
    )
    assert Authorizer(policy).decide(*request).allowed is expected

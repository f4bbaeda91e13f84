"""Two policies loaded: the built-in Zhengzhou policy and the example fixture
(tests/fixtures/policies/example-hx-ic-2024, 示例文本（虚构）), added by ``python -m knowledge
add <folder>``. End to end on the real model and Chroma: asking, the overlap on 首轮流片 (both
awards shown, the higher taken under 就高不重复), the calculator and matcher, the HTTP API and
the eval runner. Expected amounts are computed by hand from the two texts:

- example 二.3: 首轮流片费用 × 50%, at most 300万元 a year; Zhengzhou 四.10: × 40%, at most 500万元;
  so 400万 → 200万 vs 160万 (the example's is higher), 800万 → 300万 vs 320万 (Zhengzhou's);
- example 二.1: 首次升规入统 20万元; 二.4: EDA 租用费 × 20% (≤ 100万).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.awards.check import check_policy_folder
from knowledge.catalog import CatalogError, add_policy_folder, policy_dirs
from knowledge.guide import cn_date
from knowledge.parse import load_policy_meta
from knowledge.settings import PROJECT_ROOT, Settings
from tests.conftest import EXAMPLE_POLICY_DIR, TwoPolicies

SLUG = "example-hx-ic-2024"
DEFAULT = "zhengzhou-ngit-2022"
META = load_policy_meta(EXAMPLE_POLICY_DIR)


# -- never loaded by default; a folder is checked before it is added ------------------------------


def test_the_example_is_not_loaded_by_default() -> None:
    assert SLUG not in {d.name for d in policy_dirs(Settings())}


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / SLUG
    shutil.copytree(EXAMPLE_POLICY_DIR, folder)
    return folder


def _add(tmp_path: Path, folder: Path) -> Settings:
    settings = Settings(data_dir=tmp_path / "data")
    add_policy_folder(settings, folder, checks=(check_policy_folder,))
    return settings


def test_a_sound_folder_passes_every_check(tmp_path: Path) -> None:
    from knowledge.parse import load_policy_dir

    assert check_policy_folder(EXAMPLE_POLICY_DIR, load_policy_dir(EXAMPLE_POLICY_DIR)) == []


@pytest.mark.parametrize(
    ("edits", "named"),
    [
        # a rule (and its topic) naming a clause the text does not have (二 has no text)
        (
            [
                ("rules.yaml", "    clause: 二.4\n", "    clause: 二\n"),
                ("lexicon.yaml", "  二.4: [EDA", "  二: [EDA"),
            ],
            ["rules.yaml", "规则 二.4", "字段 clause", "lexicon.yaml: topics.二"],
        ),
        # a rule whose id does not start with its clause
        (
            [("rules.yaml", "    clause: 二.4\n", "    clause: 二.5\n")],
            ["rules.yaml", "二.4", "clause"],
        ),
        # a misspelt field of a rule
        (
            [
                (
                    "rules.yaml",
                    "    title: 集成电路和软件企业首次升规入统",
                    "    titel: 集成电路和软件企业首次升规入统",
                )
            ],
            ["rules.yaml", "规则 二.1", "titel"],
        ),
        # a hand-written case the rules do not give
        (
            [("rule_cases/clause2_01-03.yaml", "amount_yuan: 200000", "amount_yuan: 200001")],
            ["clause2_01-03.yaml", "规则 二.1", "字段 amount_yuan"],
        ),
        # the guide naming an unknown clause
        ([("guide.yaml", "  二.1:\n", "  二.98:\n")], ["guide.yaml", "二.98"]),
    ],
)
def test_a_broken_folder_is_refused_naming_file_rule_and_field(
    tmp_path: Path, edits: list[tuple[str, str, str]], named: list[str]
) -> None:
    folder = _copy(tmp_path)
    for file, old, new in edits:
        path = folder / file
        text = path.read_text("utf-8")
        assert old in text, f"fixture changed: {old!r} not in {file}"
        path.write_text(text.replace(old, new, 1), "utf-8")
    with pytest.raises(CatalogError) as info:
        _add(tmp_path, folder)
    message = str(info.value)
    for part in named:
        assert part in message, message
    assert not (tmp_path / "data" / "policies" / SLUG).exists()  # nothing half-stored


def test_knowledge_add_cli_refuses_a_broken_folder(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    rules = folder / "rules.yaml"
    rules.write_text(rules.read_text("utf-8").replace("    clause: 二.4\n", "    clause: 二.99\n"))
    env = {"ASSISTANT_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "knowledge", "add", str(folder)],
        cwd=PROJECT_ROOT,
        env={**env, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "rules.yaml" in done.stderr and "二.99" in done.stderr and "clause" in done.stderr


# -- asking, with both loaded ----------------------------------------------------------------------


@pytest.mark.slow
def test_knowledge_add_took_the_folder(two_policies: TwoPolicies) -> None:
    assert "已通过检查" in two_policies.add_output
    stored = two_policies.data_dir / "policies" / SLUG
    assert {"policy.txt", "policy.yaml", "rules.yaml", "lexicon.yaml", "guide.yaml"} <= {
        p.name for p in stored.iterdir()
    }
    assert (stored / "rule_cases").is_dir()


@pytest.mark.slow
def test_one_rule_book_per_policy(two_policy_assistant) -> None:
    books = two_policy_assistant.books
    assert books.slugs == [DEFAULT, SLUG]
    assert books.book(SLUG).qualified and not books.book(DEFAULT).qualified
    ids = [r["rule"] for r in two_policy_assistant.rules()]
    assert "四.10" in ids and f"{SLUG}:二.3" in ids  # bare for the default, qualified otherwise


@pytest.mark.slow
def test_an_award_of_the_example_policy(two_policy_assistant) -> None:
    a = two_policy_assistant.ask("我们软件公司今年首次纳入规模以上统计，华夏市有什么奖励？")
    assert a.award is not None and a.award.rule == f"{SLUG}:二.1"
    assert a.award.amount_yuan == 200_000 and a.award.policy == SLUG
    assert a.citations[0].id == f"{SLUG}:二.1" and a.citations[0].policy == SLUG
    first = a.answer.splitlines()[0]
    assert "20万元" in first
    # its own departments (the clause's 责任单位 line) and validity (its policy.yaml)
    assert "责任单位：市工信局、市统计局、市财政局。" in a.answer
    assert cn_date(META.issued) in a.answer and cn_date(META.valid_until) in a.answer
    assert "2022年6月2日" not in a.answer  # nothing of the other policy's dates


@pytest.mark.slow
def test_an_award_of_the_default_policy_is_as_before(two_policy_assistant) -> None:
    a = two_policy_assistant.ask("对首次进入中国电子信息企业百强的企业奖励多少？")
    assert a.award is not None and a.award.rule == "四.1" and a.award.amount_yuan == 3_000_000
    assert a.award.chosen is None and len(a.awards) == 1
    assert a.citations[0].id == "四.1"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("cost", "taken", "taken_yuan", "other", "other_yuan"),
    [
        ("400万元", f"{SLUG}:二.3", 2_000_000, "四.10", 1_600_000),
        ("800万元", "四.10", 3_200_000, f"{SLUG}:二.3", 3_000_000),
    ],
)
def test_tapeout_in_both_policies_takes_the_higher(
    two_policy_assistant, cost: str, taken: str, taken_yuan: int, other: str, other_yuan: int
) -> None:
    a = two_policy_assistant.ask(f"我们自主设计的芯片首轮流片花了{cost}，能补多少？")
    assert [(x.rule, x.amount_yuan, x.chosen) for x in a.awards] == [
        (taken, taken_yuan, True),
        (other, other_yuan, False),
    ]
    assert a.award is not None and a.award.rule == taken  # the one taken is `award`
    assert {x.policy for x in a.awards} == {DEFAULT, SLUG}
    assert "就高不重复" in (a.awards[0].note or "") and "不重复享受" in (a.awards[1].note or "")
    first = a.answer.splitlines()[0]  # the conclusion says both, which one and why
    assert "就高不重复" in first and first.rstrip("。").endswith(f"（{taken_yuan // 10000}万元）")
    assert f"即{taken}" in first
    assert {taken, other} <= {c.id for c in a.citations[:3]}
    # both policies' own words on it are quoted
    assert "与原有政策冲突的" in a.answer and "同时符合本措施和本市其他政策" in a.answer


# -- calculator and matcher (what the page's tabs call) --------------------------------------------


@pytest.fixture(scope="module")
def service(two_policy_assistant, two_policies: TwoPolicies, tmp_path_factory):
    from ui.service import Service

    settings = two_policies.settings.model_copy(
        update={"data_dir": tmp_path_factory.mktemp("two-policy-service")}
    )
    svc = Service(settings, factory=lambda _s: two_policy_assistant)
    svc.start_loading()
    assert svc.wait(60)
    return svc


@pytest.mark.slow
def test_calculator_lists_and_computes_the_example_rules(service) -> None:
    rule = service.rule(f"{SLUG}:二.4")
    assert rule is not None and rule["clause"] == f"{SLUG}:二.4" and rule["policy"] == SLUG
    name = next(i["name"] for i in rule["inputs"] if i["unit"] == "yuan")
    award = service.assistant.award(rule["id"], {name: "300万"})
    assert award.amount_yuan == 600_000 and award.rule == f"{SLUG}:二.4"
    assert service.rule("四.10") is not None  # the default policy's, bare as before


@pytest.mark.slow
def test_matcher_computes_rules_of_both_policies(service) -> None:
    from assistant.matcher import match_profile

    rules = service.rules()
    by_id = {r["id"]: r for r in rules}
    tapeout = {
        rid: next(i["name"] for i in by_id[rid]["inputs"] if i["unit"] == "yuan")
        for rid in ("四.10", f"{SLUG}:二.3")
    }
    own = {rid: {name: "400万"} for rid, name in tapeout.items()}
    assistant = service.assistant
    found = {
        m.rule["id"]: m for m in match_profile(assistant.award, rules, {}, own, assistant.books)
    }
    assert found["四.10"].award.amount_yuan == 1_600_000
    assert found[f"{SLUG}:二.3"].award.amount_yuan == 2_000_000
    # one matter in both policies: 就高不重复, the example's higher award taken, as /api/ask does
    assert found[f"{SLUG}:二.3"].counted and not found["四.10"].counted
    assert "就高不重复" in (found["四.10"].note or "")


# -- the HTTP API on a real loopback server --------------------------------------------------------


@pytest.mark.slow
def test_api_ask_lists_both_awards_and_the_one_taken(two_policy_server) -> None:
    with two_policy_server.client() as client:
        r = client.post("/api/ask", json={"question": "首轮流片费用800万元，最多能补多少？"})
        assert r.status_code == 200, r.text
        body = r.json()
        awards = body["awards"]
        assert [(a["rule"], a["amount_yuan"], a["chosen"]) for a in awards] == [
            ("四.10", 3_200_000, True),
            (f"{SLUG}:二.3", 3_000_000, False),
        ]
        assert body["award"]["rule"] == "四.10" and body["award"]["amount_yuan"] == 3_200_000
        assert "就高不重复" in body["answer"].splitlines()[0]

        rules = client.get("/api/rules").json()
        assert f"{SLUG}:二.3" in {x["id"] for x in rules}
        r = client.post(
            "/api/award", json={"rule": f"{SLUG}:二.1", "inputs": {"first_time_above_scale": True}}
        )
        assert r.status_code == 200 and r.json()["amount_yuan"] == 200_000, r.text
        r = client.get(f"/api/clauses/{SLUG}:二.3")
        assert r.status_code == 200 and r.json()["policy"] == SLUG and r.json()["guide"]
        assert (
            client.post("/api/award", json={"rule": "nowhere:二.3", "inputs": {}}).status_code
            == 404
        )


# -- the eval runner, with the example policy loaded -----------------------------------------------


@pytest.mark.slow
def test_evals_run_the_example_gold_file(tmp_path: Path) -> None:
    from ui.launch import offline_env

    gold = EXAMPLE_POLICY_DIR / "gold.jsonl"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "evals",
            "run",
            "--gold",
            str(gold),
            "--json",
            "--no-progress",
            "--policy-dir",
            str(EXAMPLE_POLICY_DIR),
        ],
        cwd=PROJECT_ROOT,
        env=offline_env(tmp_path / "data"),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]  # 2 = could not run
    run = json.loads(done.stdout)
    summary = run["summary"]
    failing = [(c["id"], c["reasons"]) for c in run["cases"] if not c["passed"]]
    assert summary["cases"] == 19 and summary["passed"] == summary["cases"], failing
    assert summary["amount_exact"] == 1.0 and summary["refusal_accuracy"] == 1.0
    # its own index, not the default one
    assert (tmp_path / "data" / "evals").is_dir() and not (tmp_path / "data" / "index").exists()

"""How cost grows with the corpus: index build, size, memory and query latency at 1×, 10×, 100×.

``python -m evals.bench_scale [--factors 1,10,100] [--modes embedded,server] [--queries 60]
[--engine onnx-int8|onnx-fp32|torch] [--json] [--keep DIR]``

Factor F means a corpus of about F times the real policy's clauses: the real policy plus
synthetic policies of the same shape — 序, 一、…五、 chapters, （一） sections, numbered
items with 责任单位 lines, 尾 — whose clauses are *generated*, not copied: industries ×
support measures × amounts × districts × departments recombined through templates in the
policy's own official style, every clause text distinct. Each synthetic document goes
through ``knowledge.parse.parse_policy`` and the whole corpus through the real
``ClauseIndex`` (chunking, embedding cache, Chroma, BM25, manifest) in a scratch data
folder, then is queried through ``KnowledgeBase.search`` (fused), warm, with the
query-vector cache emptied so every timed query embeds its question.

Per factor and mode it prints: clauses and chunks, build time split into embedding and the
rest (chunk + BM25 + Chroma add + files), index size on disk, peak memory of this process
(and of the Chroma server in server mode), and query p50/p95 with the share of embedding,
Chroma (dense) and BM25 in it.

On torch, passages embed at roughly 25/s on this CPU, so the 100× corpus (about 6,000
clauses) took minutes to embed once; the ONNX int8 engine (default) runs a batch per core.
The embedding cache is keyed by content hash: the embedded build of
a factor starts from an empty cache and embeds everything; the server-mode build of the
same factor starts from the embedded build's cache and re-embeds nothing (the output says
how many passages each build embedded). ``chroma run`` is started on a free loopback port
for server mode and stopped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.stats import percentile
from knowledge.settings import PROJECT_ROOT, Settings

GOLD_DIR = PROJECT_ROOT / "evals" / "gold"
TARGET_P50_MS_AT_100 = 10.0
TARGET_BUILD_S_AT_100 = 60.0

# -- the synthetic corpus -------------------------------------------------------------------------

DISTRICTS = [
    "郑州航空港区", "郑州高新区", "郑州经开区", "郑东新区", "金水区", "二七区", "管城区",
    "惠济区", "中原区", "上街区", "荥阳市", "新郑市", "新密市", "登封市", "中牟县", "巩义市",
]  # fmt: skip
INDUSTRIES = [
    "智能终端", "智能传感器", "集成电路", "新型显示", "5G通信", "工业互联网", "北斗导航",
    "网络安全", "人工智能", "大数据", "云计算", "区块链", "虚拟现实", "超高清视频", "信创软件",
    "卫星互联网", "智能网联汽车", "量子信息", "数字孪生", "物联网", "智慧医疗", "智慧教育",
    "工业软件", "光电子器件", "服务机器人", "工业无人机", "智能家居", "可穿戴设备", "算力中心",
    "先进存储", "功率半导体", "激光显示", "信息安全芯片", "车规级芯片", "边缘计算", "数据标注",
]  # fmt: skip
MEASURES = [
    ("研发投入", "年度研发费用"),
    ("首台（套）装备", "装备销售额"),
    ("首版次软件", "软件销售合同额"),
    ("中试平台建设", "平台设备投资额"),
    ("公共服务平台", "平台建设投资额"),
    ("技术改造", "技术改造设备投资额"),
    ("数字化转型", "数字化改造投资额"),
    ("检验检测能力", "检测设备购置额"),
    ("创新中心建设", "创新中心建设投入"),
    ("重点实验室建设", "实验室仪器设备投资额"),
    ("产学研合作", "合作项目实际支出"),
    ("应用场景建设", "场景建设投资额"),
    ("厂房建设", "厂房建设投资额"),
    ("人才培训", "培训费用"),
    ("知识产权布局", "专利申请及维护费用"),
    ("市场开拓", "参展及推广费用"),
    ("云服务采购", "云服务费用"),
    ("数据中心节能改造", "节能改造投资额"),
]
SUBJECTS = [
    "新落户我市的", "年主营业务收入首次突破1亿元的", "被认定为国家级专精特新“小巨人”的",
    "首次进入全国行业前五十强的", "在我市新设立研发中心的", "年纳税额增长20%以上的",
    "被认定为省级制造业单项冠军的", "获评国家级高新技术企业的", "在主板或科创板首发上市的",
    "承担国家重大专项的", "入选省级数字化转型标杆的", "参与制定国家标准的",
]  # fmt: skip
AWARD_KINDS = ["补助", "奖励", "补贴", "资金支持"]
LIMITS = ["单个企业每年", "同一项目", "单个项目", "每家企业累计", "每个平台"]
DEPARTMENTS = [
    "市工信局", "市财政局", "市科技局", "市发展改革委", "市商务局", "市人社局",
    "市市场监管局", "市大数据局", "市教育局", "市金融局", "市自然资源和规划局", "市税务局",
]  # fmt: skip
TASK_VERBS = ["做强", "培育", "壮大", "提升", "拓展", "加快发展", "积极引进", "谋划布局"]
TASK_PRODUCTS = [
    "整机产品", "核心零部件", "关键材料", "专用设备", "系统解决方案", "公共服务平台",
    "测试验证能力", "应用示范项目", "产业配套体系", "龙头骨干企业",
]  # fmt: skip
TASK_GOALS = [
    "到2025年力争形成产值超{n}亿元的产业集群",
    "力争引进培育{n}家以上龙头企业",
    "打造{n}个以上省级示范项目",
    "推动本地配套率提高到{n}%以上",
    "建成{n}个以上公共技术服务平台",
]
SAFEGUARDS = [
    (
        "加强组织领导",
        "由市{dept}牵头建立{ind}产业推进工作机制，统筹协调{ind}产业发展中的重大事项，定期调度重点项目进展。",
    ),
    (
        "强化要素保障",
        "优先保障{ind}重点项目用地、用能需求，对纳入市重点项目的{ind}项目开辟审批绿色通道。",
    ),
    (
        "加大金融支持",
        "引导郑州国家中心城市基金设立{ind}产业子基金，鼓励金融机构开发适合{ind}企业的信贷产品。",
    ),
    (
        "加强人才支撑",
        "将{ind}领域高层次人才纳入“智汇郑州”人才工程支持范围，支持高校开设{ind}相关专业。",
    ),
    (
        "营造发展环境",
        "深入开展“万人助万企”活动，建立{ind}企业服务专员制度，及时协调解决企业实际问题。",
    ),
    ("强化督导考核", "将{ind}产业发展目标纳入各开发区、区县（市）年度考核，定期通报工作进展。"),
]
CN_NUM = "一二三四五六七八九十"


def _pick(rng: random.Random, items: list[Any], k: int) -> list[Any]:
    return rng.sample(items, k)


class CorpusGenerator:
    """Synthetic policies in the real one's style; every clause text is new."""

    def __init__(self, seed: int = 20220602) -> None:
        self._rng = random.Random(seed)
        self._seen: set[str] = set()

    def _unique(self, make: Any) -> str:
        for _ in range(1000):
            text = make()
            if text not in self._seen:
                self._seen.add(text)
                return text
        raise RuntimeError("vocabulary exhausted: add words to evals/bench_scale.py")

    def _depts(self) -> str:
        rng = self._rng
        first = rng.choice(["市工信局", "市科技局", "市发展改革委", "市商务局", "市大数据局"])
        others = _pick(rng, [d for d in DEPARTMENTS if d != first], rng.randint(1, 2))
        return "、".join([first, *others])

    def task_item(self, n: int, industry: str) -> str:
        rng = self._rng

        def make() -> str:
            a, b = _pick(rng, DISTRICTS, 2)
            goal = rng.choice(TASK_GOALS).format(n=rng.randint(3, 60))
            product = rng.choice(TASK_PRODUCTS)
            return (
                f"{n}.{rng.choice(TASK_VERBS)}{industry}{product}。依托{a}、{b}，"
                f"{rng.choice(['重点发展', '加快引进', '培育壮大', '积极布局'])}{industry}"
                f"{rng.choice(TASK_PRODUCTS)}，{goal}。"
            )

        return self._unique(make)

    def support_item(self, n: int, industry: str) -> str:
        rng = self._rng

        def make() -> str:
            measure, base = rng.choice(MEASURES)
            kind = rng.choice(AWARD_KINDS)
            if rng.random() < 0.6:
                pct = rng.choice([10, 15, 20, 25, 30, 35, 40, 50])
                cap = rng.choice([50, 100, 200, 300, 500, 800, 1000, 1500, 2000, 3000])
                body = (
                    f"对{rng.choice(SUBJECTS)}{industry}企业，按照{base}的{pct}%给予{kind}，"
                    f"{rng.choice(LIMITS)}最高不超过{cap}万元。"
                )
            else:
                amount = rng.choice([20, 30, 50, 80, 100, 150, 200, 300, 500, 1000])
                body = f"对{rng.choice(SUBJECTS)}{industry}企业，给予{amount}万元的一次性{kind}。"
            return f"{n}.支持{industry}企业{measure}。{body}"

        return self._unique(make)

    def policy_text(self, index: int) -> str:
        """One document of about 65 clauses (序, chapters, sections, items, 尾)."""
        rng = self._rng
        focus = _pick(rng, INDUSTRIES, 4)
        year = 2021 + index % 5
        lines = [
            "各开发区管委会，各区县（市）人民政府，市人民政府各部门，各有关单位：",
            self._unique(
                lambda: (
                    f"为加快{focus[0]}、{focus[1]}等产业发展（第{index}号），"
                    "经市政府同意，特制定本意见。"
                )
            ),
            "一、基本情况",
            self._unique(
                lambda: (
                    f"近年来，我市{focus[0]}产业规模持续扩大，{focus[1]}、{focus[2]}"
                    f"等领域集聚企业{rng.randint(30, 400)}家，{year - 1}年实现主营业务收入"
                    f"{rng.randint(50, 2000)}亿元（第{index}号）。"
                )
            ),
            "二、总体要求",
            "（一）指导思想",
            self._unique(
                lambda: (
                    f"坚持创新驱动、应用牵引，聚焦{'、'.join(focus)}，加快建链延链补链强链，"
                    f"推动{focus[3]}与实体经济深度融合（第{index}号）。"
                )
            ),
            "（二）发展目标",
            self._unique(
                lambda: (
                    f"到{year + 4}年，{focus[0]}产业主营业务收入力争突破"
                    f"{rng.randint(100, 3000)}亿元，培育{rng.randint(3, 30)}家以上龙头企业"
                    f"（第{index}号）。"
                )
            ),
            "三、重点任务",
        ]
        n = 0
        for s, industry in enumerate(focus):
            lines.append(f"（{CN_NUM[s]}）发展{industry}产业")
            for _ in range(5):
                n += 1
                lines.append(self.task_item(n, industry))
        lines.append("四、支持政策")
        n = 0
        for s, industry in enumerate(focus):
            lines.append(f"（{CN_NUM[s]}）支持{industry}企业做大做强")
            for _ in range(6):
                n += 1
                lines.append(self.support_item(n, industry))
                lines.append(f"责任单位：{self._depts()}。")
        lines.append("五、保障措施")
        for s, (title, body) in enumerate(_pick(rng, SAFEGUARDS, 4)):
            lines.append(f"（{CN_NUM[s]}）{title}")
            lines.append(
                self._unique(
                    lambda body=body: (
                        body.format(
                            dept=rng.choice(["工信局", "发展改革委"]), ind=rng.choice(focus)
                        )
                        + f"（第{index}号）"
                    )
                )
            )
        lines += [
            self._unique(
                lambda: (
                    f"本意见自公布之日起实施，有效期三年（第{index}号），"
                    "根据实际执行情况适时修订完善。"
                )
            ),
            "郑州市人民政府办公厅",
            f"{year}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日",
        ]
        return "\n".join(lines)


def synthetic_policies(clauses_wanted: int, seed: int = 20220602) -> list[Any]:
    """Parsed synthetic policies with at least ``clauses_wanted`` clauses in total."""
    from knowledge.clause import PolicyMeta
    from knowledge.parse import parse_policy

    gen = CorpusGenerator(seed)
    policies: list[Any] = []
    total = 0
    i = 0
    while total < clauses_wanted:
        i += 1
        meta = PolicyMeta(slug=f"synthetic-{i:04d}", title=f"合成政策第{i}号", valid_years=3)
        parsed = parse_policy(gen.policy_text(i), meta)
        policies.append(parsed)
        total += len(parsed.clauses)
    return policies


# -- measuring ----------------------------------------------------------------------------------


def _status_kb(pid: int | str, key: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def reset_peak(pid: int | str = "self") -> None:
    with contextlib.suppress(OSError):  # older kernels: the peak is since process start
        Path(f"/proc/{pid}/clear_refs").write_text("5")


def peak_mb(pid: int | str = "self") -> float | None:
    kb = _status_kb(pid, "VmHWM")
    return round(kb / 1024, 1) if kb is not None else None


def du_mb(path: Path) -> float:
    if not path.exists():
        return 0.0
    total = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return round(total / 1e6, 2)


def gold_questions(limit: int) -> list[str]:
    out: list[str] = []
    for path in sorted(GOLD_DIR.glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                q = case.get("question") or (case.get("turns") or [""])[-1]
                if q and q not in out:
                    out.append(q)
    rng = random.Random(7)  # a fixed mix of categories, not the first file only
    rng.shuffle(out)
    return out[:limit]


@dataclass
class Run:
    factor: int
    mode: str
    policies: int
    clauses: int
    chunks: int
    embedded_now: int
    embed_s: float
    index_s: float
    index_mb: float
    cache_mb: float
    peak_mb: float | None
    chroma_peak_mb: float | None
    p50_ms: float
    p95_ms: float
    embed_p50_ms: float
    dense_p50_ms: float
    bm25_p50_ms: float

    def row(self) -> dict[str, Any]:
        return self.__dict__.copy()


def measure(
    factor: int,
    mode: str,
    policies: list[Any],
    data_dir: Path,
    embedder: Any,
    chroma: Any | None,
    questions: list[str],
) -> Run:
    from knowledge.base import KnowledgeBase
    from knowledge.chunking import chunk_clauses
    from knowledge.index import ClauseIndex, EmbeddingCache, embed_with_cache
    from knowledge.tokenize import query_tokens

    model_dir = Settings().embedding_model or str(Settings().default_model_dir)
    extra = {"chroma_host": chroma.host, "chroma_port": chroma.port} if chroma else {}
    settings = Settings(
        data_dir=data_dir, embedding_model=model_dir, embedding_engine=embedder.engine, **extra
    )
    chunks = chunk_clauses([c for p in policies for c in p.clauses])
    texts = [c.text for c in chunks]

    reset_peak()
    server_mb_before = du_mb(chroma.path) if chroma else 0.0
    if chroma:
        reset_peak(chroma.pid)
    cache = EmbeddingCache(settings.index_dir / "embedding-cache.sqlite3")
    cached = len(cache.get_many(embedder.model_id, texts))
    cache.close()
    unique_texts = len(set(texts))
    started = time.perf_counter()
    embed_with_cache(settings, embedder, texts, progress=sys.stderr.isatty())  # fills the cache
    embed_s = time.perf_counter() - started
    started = time.perf_counter()
    index = ClauseIndex.open(settings, embedder, policies, progress=False)  # cache hits only
    index_s = time.perf_counter() - started

    kb = KnowledgeBase(settings, embedder, policies, index)
    for q in questions[:5]:  # warm code paths
        kb.search(q)
    kb._query_cache._items.clear()  # every timed query embeds its question (bench only)
    total, emb, dense, bm25 = [], [], [], []
    for q in questions:
        t0 = time.perf_counter()
        kb.search(q, k=5)
        total.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        vector = embedder.embed_queries([q])[0]
        t1 = time.perf_counter()
        index.dense_search(vector, 40)
        t2 = time.perf_counter()
        index.keyword_search(query_tokens(q), 40)
        t3 = time.perf_counter()
        emb.append((t1 - t0) * 1000)
        dense.append((t2 - t1) * 1000)
        bm25.append((t3 - t2) * 1000)

    build_dir = index.build_dir
    index_mb = du_mb(build_dir)
    if chroma:
        # what this build added to the server's folder
        index_mb = round(index_mb + du_mb(chroma.path) - server_mb_before, 2)
    return Run(
        factor=factor,
        mode=mode,
        policies=len(policies),
        clauses=sum(len(p.clauses) for p in policies),
        chunks=len(chunks),
        embedded_now=unique_texts - cached,
        embed_s=round(embed_s, 1),
        index_s=round(index_s, 1),
        index_mb=index_mb,
        cache_mb=du_mb(settings.index_dir / "embedding-cache.sqlite3"),
        peak_mb=peak_mb(),
        chroma_peak_mb=peak_mb(chroma.pid) if chroma else None,
        p50_ms=round(statistics.median(total), 1),
        p95_ms=round(percentile(total, 95), 1),
        embed_p50_ms=round(statistics.median(emb), 1),
        dense_p50_ms=round(statistics.median(dense), 1),
        bm25_p50_ms=round(statistics.median(bm25), 2),
    )


@contextlib.contextmanager
def maybe_chroma(wanted: bool, root: Path) -> Iterator[Any]:
    if not wanted:
        yield None
        return
    from knowledge.chroma_server import chroma_server

    with chroma_server(root / "chroma-server") as server:
        yield server


def run(
    factors: list[int],
    modes: list[str],
    n_queries: int,
    keep: Path | None,
    engine: str = "onnx-int8",
    threads: int = 1,
) -> dict[str, Any]:
    from knowledge.catalog import load_policies
    from knowledge.embedding import load_embedder

    base_settings = Settings()
    real = [p for p in load_policies(base_settings) if p.meta.slug == base_settings.default_policy]
    real_clauses = len(real[0].clauses)
    embedder = load_embedder(
        Settings(
            embedding_model=base_settings.embedding_model or str(base_settings.default_model_dir),
            embedding_engine=engine,
            torch_threads=threads,
        )
    )
    questions = gold_questions(n_queries)
    root = keep or Path(tempfile.mkdtemp(prefix="bench-scale-"))
    root.mkdir(parents=True, exist_ok=True)
    runs: list[Run] = []
    try:
        with maybe_chroma("server" in modes, root) as chroma:
            for factor in factors:
                synth = synthetic_policies(real_clauses * (factor - 1))
                policies = real + synth
                previous: Path | None = None
                for mode in modes:
                    data_dir = root / f"x{factor}-{mode}"
                    shutil.rmtree(data_dir, ignore_errors=True)
                    (data_dir / "index").mkdir(parents=True)
                    if previous is not None:  # the later mode reuses the vectors by content hash
                        shutil.copy2(
                            previous / "index" / "embedding-cache.sqlite3",
                            data_dir / "index" / "embedding-cache.sqlite3",
                        )
                    r = measure(
                        factor,
                        mode,
                        policies,
                        data_dir,
                        embedder,
                        chroma if mode == "server" else None,
                        questions,
                    )
                    runs.append(r)
                    print(_line(r), file=sys.stderr, flush=True)
                    previous = data_dir
    finally:
        if keep is None:
            shutil.rmtree(root, ignore_errors=True)
    hundred = [r for r in runs if r.factor == 100]
    built = [r for r in hundred if r.mode == "embedded"]
    return {
        "engine": embedder.engine,
        "threads": threads,
        "real_policy_clauses": real_clauses,
        "queries": len(questions),
        "cores": os.cpu_count(),
        "runs": [r.row() for r in runs],
        "target_100x_p50_le_10ms": (
            all(r.p50_ms <= TARGET_P50_MS_AT_100 for r in hundred) if hundred else None
        ),
        "target_100x_build_le_60s": (
            all(r.embed_s + r.index_s <= TARGET_BUILD_S_AT_100 for r in built) if built else None
        ),
    }


HEADER = (
    f"{'factor':>6} {'mode':>8} {'clauses':>7} {'chunks':>6} {'embedded':>8} {'embed s':>7} "
    f"{'index s':>7} {'size MB':>7} {'peak MB':>7} {'chroma MB':>9} {'p50 ms':>6} "
    f"{'p95 ms':>6} {'emb ms':>6} {'dense ms':>8} {'bm25 ms':>7}"
)


def _line(r: Run) -> str:
    chroma = "-" if r.chroma_peak_mb is None else r.chroma_peak_mb
    return (
        f"{str(r.factor) + '×':>6} {r.mode:>8} {r.clauses:>7} {r.chunks:>6} {r.embedded_now:>8} "
        f"{r.embed_s:>7} {r.index_s:>7} {r.index_mb:>7} {r.peak_mb or '-':>7} {chroma:>9} "
        f"{r.p50_ms:>6} {r.p95_ms:>6} {r.embed_p50_ms:>6} {r.dense_p50_ms:>8} {r.bm25_p50_ms:>7}"
    )


def print_report(report: dict[str, Any]) -> None:
    print(
        f"Corpus scaling: factor × the real policy's {report['real_policy_clauses']} clauses "
        f"(real policy + distinct synthetic clauses); {report['queries']} warm queries each; "
        f"{report['cores']} cores; engine {report['engine']}, {report['threads']} thread(s) "
        "per query, a batch per core when building"
    )
    print(HEADER)
    for r in report["runs"]:
        print(_line(Run(**r)))
    print(
        "embedded = passages embedded by this build (the rest came from the embedding cache by "
        "content hash: the server build reuses the embedded build's vectors); embed s = "
        "embedding time; index s = chunk + BM25 + Chroma add + files; size = build folder "
        "(+ the Chroma server's folder in server mode); peak = this process's VmHWM "
        "(model included); p50/p95 = KnowledgeBase.search (fused, query embedded each time); "
        "emb/dense/bm25 = median of each part alone."
    )
    for key, label in (
        ("target_100x_p50_le_10ms", "100× query p50 ≤ 10 ms"),
        ("target_100x_build_le_60s", "100× build (embed + index) ≤ 60 s"),
    ):
        if report[key] is not None:
            print(f"target: {label} {'met' if report[key] else 'MISSED'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m evals.bench_scale",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--factors", default="1,10,100", help="corpus sizes, comma-separated")
    parser.add_argument("--modes", default="embedded,server", help="embedded, server or both")
    parser.add_argument("--queries", type=int, default=60, help="timed queries per run (≥ 10)")
    parser.add_argument("--keep", type=Path, help="keep the scratch data folders here")
    parser.add_argument(
        "--torch-threads",
        type=int,
        default=1,
        help="intra-op threads per query, torch or onnxruntime (default 1: two threads on a "
        "busy 2-core machine made each query embedding 10× slower); 0 = the engine's default",
    )
    parser.add_argument(
        "--engine",
        default=Settings().embedding_engine,
        choices=["onnx-int8", "onnx-fp32", "torch"],
        help="embedding engine (default: ASSISTANT_EMBEDDING_ENGINE, else onnx-int8)",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    try:
        factors = [int(x) for x in args.factors.split(",") if x.strip()]
    except ValueError:
        parser.error("--factors takes integers, e.g. 1,10,100")
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not factors or any(f < 1 or f > 1000 for f in factors):
        parser.error("--factors: each between 1 and 1000")
    if not modes or any(m not in ("embedded", "server") for m in modes):
        parser.error("--modes: embedded, server or both")
    if args.queries < 10:
        parser.error("--queries must be at least 10")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    if args.torch_threads > 0 and args.engine == "torch":
        import torch

        torch.set_num_threads(args.torch_threads)
    print(HEADER, file=sys.stderr)
    report = run(factors, modes, args.queries, args.keep, args.engine, args.torch_threads)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())

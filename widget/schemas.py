"""Input and output schemas of the widget bootstrap and console APIs (JSON keys in camelCase, like the socket)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from ninja import Schema
from pydantic import ConfigDict, Field, WithJsonSchema
from pydantic.alias_generators import to_camel

# A row id as SQL and MongoDB both store it (a signed 64-bit integer): a larger one is a 422, not an overflow.
RecordId = Annotated[int, Field(gt=0, le=2**63 - 1)]


class CamelSchema(Schema):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


# --- bootstrap ---------------------------------------------------------------------------------------------


class BootstrapIn(Schema):
    # Publishable keys look like pk_ + url-safe letters; anything else is refused before a query runs.
    key: str = Field(min_length=4, max_length=64, pattern=r"^pk_[A-Za-z0-9_]+$")
    # An identified visitor (data-user-email and data-user-hash on the snippet); both optional.
    user_email: str | None = Field(default=None, alias="userEmail", max_length=254)
    user_hash: str | None = Field(default=None, alias="userHash", max_length=128)
    # The host page's variables (data-context, VoiceAgent.setContext). Typed loosely here on purpose: the one
    # validator the socket uses too (agents.visitor_context) checks it, and a refusal stays readable cross-origin.
    context: Annotated[
        Any, WithJsonSchema({"type": "object", "additionalProperties": {"type": ["string", "number"]}})
    ] = Field(
        default=None,
        description="Page variables for the agent: at most 20 keys (simple names), string or number values, "
        "2 KB as JSON. Refused with 422 invalid_context otherwise.",
    )


class WidgetOptionsOut(CamelSchema):
    tenant_name: str
    brand_color: str
    logo_url: str
    agent_name: str
    greeting: str
    welcome_text: str
    disclaimer_text: str
    privacy_url: str = Field(
        description="The tenant's privacy policy (https), linked on the consent screen; may be empty."
    )
    launcher_position: str = Field(description="left or right; the script tag's data-position overrides it.")
    launcher_label: str = Field(description="The launcher's label; the script tag's data-label overrides it.")
    launcher_icon: str = Field(description="mic or chat; the script tag's data-icon overrides it.")
    capabilities: list[str]
    voice_available: bool
    text_available: bool
    simulator: bool
    language: str = Field(description="The language the widget speaks: its agent's when translated, else en.")
    strings: dict[str, str] = Field(description="The launcher's strings in that language (label, call states).")
    currency: str = Field(description="ISO 4217 code the widget formats card prices in when a card names none.")
    locale: str = Field(description="BCP 47 tag the widget formats card prices with (Intl.NumberFormat).")


class BootstrapOut(CamelSchema):
    token: str
    expires_at: int = Field(description="Unix seconds; ask for a fresh bootstrap before then.")
    origin: str = Field(description="The embedding origin the token is bound to.")
    ws_path: str
    options: WidgetOptionsOut


# --- console -----------------------------------------------------------------------------------------------


class ConsoleTokenIn(Schema):
    agent_id: RecordId


class NamedRefOut(CamelSchema):
    id: int
    name: str


class ConsoleTokenOut(CamelSchema):
    token: str
    expires_at: int
    ws_path: str
    tenant: NamedRefOut
    agent: NamedRefOut


class ConsoleAgentOut(CamelSchema):
    id: int
    name: str
    active: bool
    model_notice: str = Field(default="", description="Set when the agent's model is near or past its shutdown.")


class ConsoleTenantOut(CamelSchema):
    id: int
    name: str
    slug: str
    active: bool
    budget_alert: str = Field(default="", description="Set once the tenant has used 80 % of a budget.")
    agents: list[ConsoleAgentOut]


class SessionUsageOut(CamelSchema):
    dollars: float = 0.0
    total_tokens: int = 0
    responses: int = 0
    by_kind: dict[str, int] = {}


class SessionSummaryOut(CamelSchema):
    session_id: str
    agent: str | None = None
    channel: str | None = None
    status: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    end_reason: str | None = None
    end_reason_text: str = ""
    duration_seconds: float | None = None
    agent_id: int | None = None
    identified: bool = False
    model: str | None = None
    origin: str | None = None
    resumed_from: str | None = Field(default=None, description="The session this one continues after a page change.")
    resumed_by: str | None = Field(default=None, description="The session that continued this one.")
    simulator: bool | None = None
    model_switches: list[str] = Field(default_factory=list, description="Retired models this session replaced.")
    usage: SessionUsageOut


class TranscriptLineOut(CamelSchema):
    role: str
    text: str
    created_at: datetime | None = None


class ToolLogOut(CamelSchema):
    tool: str
    arguments: Any = None
    result: Any = None
    status: str | None = None
    http_status: int | None = None
    latency_ms: float | None = None
    error_class: str | None = None
    visual: str | None = None
    created_at: datetime | None = None


class ChainCheckOut(CamelSchema):
    intact: bool
    broken_at: int | None = None
    text: str


class ProblemOut(CamelSchema):
    kind: str
    text: str
    code: str
    detail: str = ""
    created_at: datetime | None = None


class SessionDetailOut(CamelSchema):
    session: SessionSummaryOut
    transcript: list[TranscriptLineOut]
    tool_logs: list[ToolLogOut]
    chain: ChainCheckOut | None = None
    cards: list[str] = []
    problems: list[ProblemOut] = []


class SessionPageOut(CamelSchema):
    items: list[SessionSummaryOut]
    total: int
    page: int
    pages: int
    per_page: int


class FilterChoiceOut(CamelSchema):
    value: str
    label: str


class FilterAgentOut(CamelSchema):
    id: int
    name: str


class SessionFiltersOut(CamelSchema):
    agents: list[FilterAgentOut]
    channels: list[FilterChoiceOut]
    end_reasons: list[FilterChoiceOut]

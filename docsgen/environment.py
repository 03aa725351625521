"""Every environment variable the settings read, found in the settings module's own source.

The readers in `config.env` take the variable's name as their first argument, so walking the settings'
syntax tree finds every read with its reader (the type), its default and its bounds. What a variable means is
in `MEANINGS`; a variable read without a meaning there fails the docs build, so none can be left out.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETTINGS_FILES = sorted((ROOT / "config").glob("settings*.py"))

KINDS = {
    "env_str": "text",
    "env_bool": "boolean (`1`/`0`, `true`/`false`, `yes`/`no`, `on`/`off`)",
    "env_int": "integer",
    "env_float": "number",
    "env_list": "comma-separated list",
    "env_int_list": "comma-separated integers",
    "env_url": "URL",
    "env_fernet_key": "Fernet key",
    "database_from_url": "database URL (`sqlite:///path`, `postgres://user:pass@host:port/db`)",
}

MEANINGS = {
    "VAR_DIR": "where local state lives: the SQLite file, development secrets, collected static files, the "
    "embedded servers' data and logs",
    "DEBUG": "development mode (`make run` sets `1`); with it off the three secrets must be set",
    "EMBEDDED_REDIS_PORT": "the port of the embedded Redis `make run` starts when `REDIS_URL` is unset",
    "EMBEDDED_MONGODB_PORT": "the port of the embedded MongoDB `make run` starts when `MONGODB_URI` is unset",
    "DJANGO_SECRET_KEY": "Django's signing key (sessions, CSRF); in development generated into `var/dev-secrets.json`",
    "WIDGET_TOKEN_SECRET": "HMAC key of the widget session tokens (JWT), at least 32 characters; in development "
    "generated into `var/dev-secrets.json`",
    "SECRETS_ENCRYPTION_KEY": "Fernet key that encrypts tenant secrets at rest (losing it loses the secrets); in "
    "development generated into `var/dev-secrets.json`",
    "ALLOWED_HOSTS": "host names this server answers to",
    "CSRF_TRUSTED_ORIGINS": "origins trusted for CSRF behind a proxy, e.g. `https://voice.example.com`",
    "PORT": "the HTTP port Daphne listens on (`make run`)",
    "PUBLIC_BASE_URL": "the public URL of this server, used in the widget snippet and links",
    "DATABASE_URL": "the SQL database for configuration",
    "DATABASE_POOL_SIZE": "PostgreSQL connections each process (Daphne, each Celery worker) keeps in its pool; "
    "keep the sum under the server's `max_connections`",
    "REDIS_URL": "Redis for rate limits, session leases, budgets, the cache and the Celery broker; unset: the "
    "embedded one",
    "MONGODB_URI": "MongoDB for sessions, transcripts, tool logs and usage (the database is the URI's path); "
    "unset: the embedded one",
    "OPENAI_API_KEY": "the OpenAI key; unset means the local realtime simulator answers voice sessions",
    "REALTIME_URL": "where voice sessions go upstream",
    "SIMULATOR_VOICE": "the simulator's voice: `espeak` (eSpeak NG speech in the agent's language, from the "
    "`espeakng-loader` wheel) or `tone` (a plain tone, cheaper, for tests)",
    "REALTIME_PROXY": "a proxy for the upstream realtime socket; unset means none, whatever `HTTPS_PROXY` or "
    "`ALL_PROXY` say",
    "OPENAI_EDITOR_MODEL": "the model behind Draft with AI, the tool descriptor editor in admin",
    "OPENAI_BASE_URL": "the OpenAI HTTP API Draft with AI calls (or a compatible gateway)",
    "SESSION_HEARTBEAT_SECONDS": "how often a live session renews its record and concurrent-session lease and "
    "rechecks revocation and budget; a session unseen for three heartbeats is reaped, and its lease expires "
    "after three",
    "SESSION_TIME_SCALE": "multiplies every voice-session timer (maximum duration, idle timeout, the heartbeat "
    "and what derives from it); smaller values are for drills and tests only",
    "SESSION_IDLE_WARNING_SECONDS": 'how long before a session\'s idle timeout the widget asks "Still there?" '
    "(at most half the tenant's idle timeout; scaled by `SESSION_TIME_SCALE` too)",
    "VOICE_AUDIO_SPEED_LIMIT": "how many times real time a visitor may stream input audio (plus a 3 s burst); "
    "past it appends are refused and a flood ends the session. Raise it only for the relay bench",
    "DEMO_ENABLED": "install the `demo` app: the `/demo/` sites and APIs, `manage.py seed_demo`, its tenants and "
    "login; leave it off in production",
    "HTTPTOOLS_ALLOW_LOOPBACK": "let HTTP tools call loopback addresses (`make run` sets `1`: the demo tools call "
    "this server's `/demo/` APIs); never in production",
    "HTTPTOOLS_ALLOWED_PORTS": "the ports an HTTP tool's base URL may use",
    "METRICS_TOKEN": "the bearer token `/metrics` requires from anything but loopback; empty: loopback only",
    "METRICS_TENANT_LABELS": "tenants named in metric labels at most; the rest are summed as `other`",
    "LOG_LEVEL": "the root log level: `DEBUG`, `INFO`, `WARNING`, `ERROR` or `CRITICAL`",
}


@dataclass(frozen=True)
class Variable:
    name: str
    reader: str
    default: str  # as the code says it, or "" when unset means empty
    fallback: str  # `env_str("X") or something`: what an unset or empty variable falls back to
    bounds: str
    source: str  # file:line of the read


class SettingsSourceError(Exception):
    """The settings read the environment in a way this module cannot document."""


def _literal(node: ast.expr) -> str:
    """A default as an operator would write it in the environment."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool):
            return "1" if node.value else "0"
        return str(node.value)
    if isinstance(node, ast.List):
        return ",".join(_literal(item) for item in node.elts)
    if isinstance(node, ast.JoinedStr):
        return "".join(
            str(part.value) if isinstance(part, ast.Constant) else "{" + ast.unparse(part.value) + "}"
            for part in node.values
            if isinstance(part, ast.Constant | ast.FormattedValue)
        )
    return ast.unparse(node)


def _default(call: ast.Call, reader: str) -> str:
    node: ast.expr | None = next((kw.value for kw in call.keywords if kw.arg == "default"), None)
    if node is None and len(call.args) > 1:
        node = call.args[1]
    text = _literal(node) if node is not None else ""
    if reader == "env_float" and text.endswith(".0"):
        text = text[:-2]
    return text


def _bounds(call: ast.Call) -> str:
    keywords = {kw.arg: kw.value for kw in call.keywords}
    parts = []
    for extra in [*call.args[2:], *(v for k, v in keywords.items() if k == "choices")]:
        if isinstance(extra, ast.Tuple | ast.List | ast.Set):
            parts.append("one of " + ", ".join(f"`{_literal(item)}`" for item in extra.elts))
    if "minimum" in keywords or "maximum" in keywords:
        low, high = keywords.get("minimum"), keywords.get("maximum")
        parts.append(f"{_literal(low) if low is not None else '…'} to {_literal(high) if high is not None else '…'}")
    if "schemes" in keywords:
        schemes = keywords["schemes"]
        names = sorted(_literal(e) for e in schemes.elts) if isinstance(schemes, ast.Set) else [ast.unparse(schemes)]
        parts.append(", ".join(f"`{name}:`" for name in names))
    return "; ".join(parts)


def variables(files: list[Path] | None = None) -> list[Variable]:
    """Every variable the settings read, in the order they are read."""
    found: dict[str, Variable] = {}
    for path in files or SETTINGS_FILES:
        tree = ast.parse(path.read_text(), filename=str(path))
        fallbacks: dict[int, ast.expr] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or) and isinstance(node.values[0], ast.Call):
                fallbacks[id(node.values[0])] = node.values[1]
            if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv"}:
                raise SettingsSourceError(
                    f"{path.name}:{node.lineno} reads os.{node.attr} directly; use a reader from config.env "
                    "so the variable is typed and documented"
                )
        # Every function the settings import from config.env is a reader, a new one included.
        readers = set(KINDS) | {
            alias.asname or alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "config.env"
            for alias in node.names
        }
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
        for call in sorted(calls, key=lambda c: (c.lineno, c.col_offset)):
            reader = call.func.id  # type: ignore[attr-defined]
            if reader not in readers:
                continue
            if not call.args or not isinstance(call.args[0], ast.Constant) or not isinstance(call.args[0].value, str):
                raise SettingsSourceError(
                    f"{path.name}:{call.lineno} {reader}() needs the variable's name as a literal"
                )
            name = call.args[0].value
            found.setdefault(
                name,
                Variable(
                    name=name,
                    reader=reader,
                    default=_default(call, reader),
                    fallback=ast.unparse(fallbacks[id(call)]) if id(call) in fallbacks else "",
                    bounds=_bounds(call),
                    source=f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name}:{call.lineno}",
                ),
            )
    return list(found.values())


def names(files: list[Path] | None = None) -> set[str]:
    return {variable.name for variable in variables(files)}


def undocumented(files: list[Path] | None = None) -> list[str]:
    """Variables the settings read that `MEANINGS` does not describe, and meanings of variables no longer read."""
    read = names(files)
    return [
        f"{name} is read by the settings but has no meaning in docsgen/environment.py"
        for name in sorted(read - set(MEANINGS))
    ] + [
        f"{name} has a meaning in docsgen/environment.py but the settings no longer read it"
        for name in sorted(set(MEANINGS) - read)
    ]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown() -> str:
    problems = undocumented()
    if problems:
        raise SettingsSourceError("; ".join(problems))
    lines = ["| variable | type | default | meaning |", "|---|---|---|---|"]
    for variable in variables():
        kind = KINDS.get(variable.reader, variable.reader.removeprefix("env_").replace("_", " "))
        kind += f" ({variable.bounds})" if variable.bounds else ""
        default = f"`{variable.default}`" if variable.default else "empty"
        if variable.fallback:
            default = f"`{variable.fallback}`" if not variable.default else f"{default}, else `{variable.fallback}`"
        lines.append(
            f"| `{variable.name}` | {_cell(kind)} | {_cell(default)} | {_cell(MEANINGS[variable.name])} "
            f"<small>({variable.source})</small> |"
        )
    return "\n".join(lines) + "\n"

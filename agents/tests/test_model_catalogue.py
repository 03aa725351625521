"""Agents pick models from the catalogue: unknown ones are refused, retiring ones warn, retired ones hand over."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.exceptions import ValidationError
from django.urls import reverse

from agents.models import Agent
from agents.plans import session_plan_build
from agents.recorder import recorder
from config.asgi import application
from tenants.tokens import token_issue
from tests.support.factories import Personas, make_agent, make_catalogue, make_key, make_prompt, make_tenant
from usage import catalogue
from usage import store as usage_store
from usage.models import ModelPrice

ORIGIN = "http://127.0.0.1:8000"


def _retire(model: str, *, in_days: int) -> None:
    ModelPrice.objects.filter(model=model).update(shutdown_on=catalogue.today() + timedelta(days=in_days))


@pytest.mark.django_db
def test_an_agent_on_a_model_without_a_catalogue_row_is_refused_by_name() -> None:
    tenant = make_tenant()
    agent = Agent(tenant=tenant, name="Helper", prompt=make_prompt(tenant), model="gpt-realtime-9")
    agent.transcription_model = "gpt-ear-3"
    with pytest.raises(ValidationError) as refused:
        agent.full_clean()
    assert refused.value.message_dict["model"] == [
        "'gpt-realtime-9' is not a realtime model in the catalogue: add its row under Usage › Models and prices "
        "(with its prices) before an agent uses it."
    ]
    assert "'gpt-ear-3' is not a transcription model" in refused.value.message_dict["transcription_model"][0]
    agent.model, agent.transcription_model = "gpt-transcribe", "gpt-realtime-2.1"  # rows of the other kind
    with pytest.raises(ValidationError) as crossed:
        agent.full_clean()
    assert set(crossed.value.message_dict) == {"model", "transcription_model"}


def _agent_form(personas: Personas, **overrides: str) -> dict[str, str]:
    agent = personas.rows["a"][Agent]
    data = {
        "tenant": str(personas.tenant_a.pk),
        "name": "Helper",
        "active": "on",
        "model": "gpt-realtime-2.1",
        "transcription_model": "gpt-transcribe",
        "voice": "marin",
        "language": "en",
        "prompt": str(agent.prompt_id),
        "fallback_message": "Sorry.",
        "agent_tools-TOTAL_FORMS": "0",
        "agent_tools-INITIAL_FORMS": "0",
    }
    return {**data, **overrides}


@pytest.mark.django_db
def test_the_agent_form_offers_the_catalogue_and_refuses_a_model_without_a_row(client: Any, personas: Personas) -> None:
    client.force_login(personas.superuser)
    page = client.get(reverse("admin:agents_agent_add")).content.decode()
    assert '<option value="gpt-realtime-2.1-mini">gpt-realtime-2.1-mini</option>' in page
    assert "gpt-realtime (shuts down 2027-01-20, use gpt-realtime-2.1)" in page
    assert '<option value="gpt-transcribe" selected>gpt-transcribe</option>' in page
    refused = client.post(reverse("admin:agents_agent_add"), _agent_form(personas, model="gpt-realtime-9"))
    assert refused.status_code == 200
    assert "is not a realtime model in the catalogue" in refused.content.decode()
    saved = client.post(reverse("admin:agents_agent_add"), _agent_form(personas))
    assert saved.status_code == 302
    assert Agent.objects.get(name="Helper").model == "gpt-realtime-2.1"


@pytest.mark.django_db
def test_an_agent_within_thirty_days_of_its_models_shutdown_warns_in_the_list_and_on_its_page(
    client: Any, personas: Personas
) -> None:
    agent = personas.rows["a"][Agent]
    Agent.objects.filter(pk=agent.pk).update(model="gpt-realtime")
    client.force_login(personas.superuser)
    _retire("gpt-realtime", in_days=31)
    assert "shuts down" not in client.get(reverse("admin:agents_agent_changelist")).content.decode()
    _retire("gpt-realtime", in_days=12)
    warning = "Model gpt-realtime shuts down in 12 days"
    assert warning in client.get(reverse("admin:agents_agent_changelist")).content.decode()
    page = client.get(reverse("admin:agents_agent_change", args=[agent.pk])).content.decode()
    assert warning in page and 'class="warning"' in page


@pytest.mark.django_db
def test_the_console_names_a_retiring_model_beside_its_agent(client: Any, personas: Personas) -> None:
    agent = personas.rows["a"][Agent]
    Agent.objects.filter(pk=agent.pk).update(transcription_model="gpt-4o-mini-transcribe")
    _retire("gpt-4o-mini-transcribe", in_days=3)
    client.force_login(personas.superuser)
    tenants = client.get("/api/console/tenants").json()
    [listed] = [a for t in tenants for a in t["agents"] if a["id"] == agent.pk]
    assert listed["modelNotice"].startswith("Transcription model gpt-4o-mini-transcribe shuts down in 3 days")
    others = [a for t in tenants for a in t["agents"] if a["id"] != agent.pk]
    assert others and all(a["modelNotice"] == "" for a in others)


@pytest.mark.django_db
def test_after_shutdown_a_plan_uses_the_successor_and_says_which_model_it_replaced() -> None:
    tenant = make_tenant()
    agent = make_agent(tenant, model="gpt-realtime-mini", transcription_model="gpt-4o-mini-transcribe")
    _retire("gpt-realtime-mini", in_days=0)
    plan = session_plan_build(agent=agent, channel="widget")
    assert plan.model == "gpt-realtime-2.1-mini"
    assert plan.realtime_config["audio"]["input"]["transcription"]["model"] == "gpt-4o-mini-transcribe"
    day = catalogue.today()
    assert plan.model_switches == [
        f"gpt-realtime-mini shut down on {day:%Y-%m-%d}; this session used gpt-realtime-2.1-mini."
    ]
    _retire("gpt-4o-mini-transcribe", in_days=-1)
    plan = session_plan_build(agent=agent, channel="widget")
    assert plan.realtime_config["audio"]["input"]["transcription"]["model"] == "gpt-transcribe"
    assert plan.transcription_model == "gpt-transcribe" and len(plan.model_switches) == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_session_on_a_retired_model_runs_on_its_successor_and_its_record_says_so(
    settings: Any, simulator_url: str, mongo: Any, redis_conn: Any
) -> None:
    settings.REALTIME_URL = simulator_url
    settings.OPENAI_API_KEY = ""

    def seed() -> tuple[int, str]:
        make_catalogue()
        tenant = make_tenant(allowed_origins=ORIGIN)
        agent = make_agent(tenant, greeting="", model="gpt-realtime")
        key = make_key(tenant)
        _retire("gpt-realtime", in_days=-3)
        token, _ = token_issue(tenant_id=tenant.pk, key_id=key.pk, channel="widget", origin=ORIGIN, agent_id=agent.pk)
        return tenant.pk, token

    tenant_id, token = await sync_to_async(seed)()
    headers = [(b"origin", ORIGIN.encode()), (b"host", b"127.0.0.1:8000")]
    socket = WebsocketCommunicator(
        application, "/ws/voice/", headers=headers, subprotocols=["voice.v1", f"token.{token}"]
    )
    connected, _ = await socket.connect(timeout=10)
    assert connected
    hello = json.loads(await socket.receive_from(timeout=5))
    await socket.disconnect()
    assert await recorder().drain()
    record = await sync_to_async(usage_store.session_get)(tenant_id=tenant_id, session_id=hello["sessionId"])
    assert record["model"] == "gpt-realtime-2.1" and record["transcriptionModel"] == "gpt-transcribe"
    day = catalogue.today() - timedelta(days=3)
    assert record["modelSwitches"] == [f"gpt-realtime shut down on {day}; this session used gpt-realtime-2.1."]

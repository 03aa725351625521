"""The model catalogue: every model priced by its own row, retirements and successors, transcription usage."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from agents.simulator.token_usage import transcription_usage
from config import mongo
from usage import catalogue, limits, pricing, services, store
from usage.models import ModelKind, ModelPrice

# A `response.done` usage object in the shape the GA Realtime API sends (the openai SDK's RealtimeResponseUsage).
USAGE = {
    "total_tokens": 320,
    "input_tokens": 132,
    "output_tokens": 188,
    "input_token_details": {
        "text_tokens": 59,
        "audio_tokens": 73,
        "image_tokens": 0,
        "cached_tokens": 64,
        "cached_tokens_details": {"text_tokens": 0, "audio_tokens": 64, "image_tokens": 0},
    },
    "output_token_details": {"text_tokens": 41, "audio_tokens": 147},
}


def _cost(model: str) -> Decimal:
    return pricing.cost_usd(pricing.token_counts(USAGE), services.price_for(model))


@pytest.mark.django_db
def test_each_model_is_priced_by_its_own_row_never_by_a_name_prefix() -> None:
    # By prefix, gpt-realtime-2.1-mini was charged as gpt-realtime (3-7x too much) and gpt-realtime-2.1 at
    # gpt-realtime's text output price (16 instead of 24).
    assert services.price_for("gpt-realtime-2.1-mini").model == "gpt-realtime-2.1-mini"
    assert round(_cost("gpt-realtime-2.1-mini"), 6) == Decimal("0.003183")
    assert services.price_for("gpt-realtime-2.1").text_output == Decimal("24.00")
    assert _cost("gpt-realtime-2.1") == Decimal("0.0109416")
    assert _cost("gpt-realtime") == Decimal("0.0106136")
    assert services.price_for("gpt-realtime-2025-08-28").model == "gpt-realtime-2025-08-28"


@pytest.mark.django_db
def test_a_model_without_a_row_is_priced_as_the_dearest_row_and_said_loudly(caplog: Any) -> None:
    with caplog.at_level(logging.ERROR, logger="usage.catalogue"):
        row = services.price_for("gpt-realtime-9-experimental")
    assert row.model in ("gpt-realtime-2.1", "gpt-realtime-2")  # the dearest rows (same prices)
    assert row.audio_output == Decimal("64.00") and row.text_output == Decimal("24.00")
    assert "MODEL NOT IN THE CATALOGUE" in caplog.text and "gpt-realtime-9-experimental" in caplog.text
    ModelPrice.objects.filter(model="gpt-realtime-mini").update(audio_output=Decimal("99"))
    assert services.price_for("gpt-some-other").model == "gpt-realtime-mini"  # the dearest row, as edited


@pytest.mark.django_db
def test_an_empty_catalogue_still_charges_the_dearest_published_price() -> None:
    ModelPrice.objects.update(successor=None)
    ModelPrice.objects.all().delete()
    assert services.price_for("gpt-realtime").audio_output == Decimal("64.00")
    assert services.price_for("gpt-realtime").text_output == Decimal("24.00")


@pytest.mark.django_db
def test_the_seeded_catalogue_names_the_retirements_and_their_successors() -> None:
    retiring = {
        row.model: (row.shutdown_on, row.successor.model if row.successor else None)
        for row in ModelPrice.objects.filter(shutdown_on__isnull=False).select_related("successor")
    }
    assert retiring["gpt-realtime"] == (date(2027, 1, 20), "gpt-realtime-2.1")
    assert retiring["gpt-realtime-2025-08-28"] == (date(2027, 1, 20), "gpt-realtime-2.1")
    assert retiring["gpt-realtime-mini"] == (date(2027, 1, 20), "gpt-realtime-2.1-mini")
    assert retiring["gpt-realtime-mini-2025-12-15"] == (date(2027, 1, 20), "gpt-realtime-2.1-mini")
    assert retiring["gpt-4o-mini-transcribe"] == (date(2027, 2, 26), "gpt-transcribe")
    assert ModelPrice.objects.get(model="gpt-transcribe").kind == ModelKind.TRANSCRIPTION
    assert all(row.source.startswith("https://developers.openai.com/") for row in ModelPrice.objects.all())


@pytest.mark.django_db
def test_a_model_warns_thirty_days_before_shutdown_and_hands_over_to_its_successor_on_the_day() -> None:
    shutdown = date(2027, 1, 20)
    assert not catalogue.retirement_of("gpt-realtime", on=shutdown - timedelta(days=31)).warn
    notice = catalogue.retirement_of("gpt-realtime", on=shutdown - timedelta(days=30))
    assert notice.warn and not notice.shut_down
    assert notice.message() == (
        "Model gpt-realtime shuts down in 30 days (2027-01-20). Sessions then use gpt-realtime-2.1. "
        "Choose a newer model."
    )
    assert catalogue.model_in_service("gpt-realtime", on=shutdown - timedelta(days=1)) == "gpt-realtime"
    assert catalogue.model_in_service("gpt-realtime", on=shutdown) == "gpt-realtime-2.1"
    assert catalogue.retirement_of("gpt-realtime", on=shutdown).message() == (
        "Model gpt-realtime shut down on 2027-01-20; sessions use gpt-realtime-2.1. Choose it to stop this notice."
    )
    assert catalogue.model_in_service("gpt-4o-mini-transcribe", on=date(2027, 2, 26)) == "gpt-transcribe"
    assert not catalogue.retirement_of("gpt-realtime-2.1", on=shutdown).warn
    unknown = catalogue.retirement_of("gpt-nobody-knows")
    assert unknown.warn and "not in the model catalogue" in unknown.message()


@pytest.mark.django_db
def test_a_successor_that_has_shut_down_too_hands_over_to_its_own_successor() -> None:
    ModelPrice.objects.filter(model="gpt-realtime-2.1").update(
        shutdown_on=date(2027, 6, 1), successor=ModelPrice.objects.get(model="gpt-realtime-2")
    )
    assert catalogue.model_in_service("gpt-realtime", on=date(2027, 7, 1)) == "gpt-realtime-2"


@pytest.mark.django_db
def test_a_successor_must_be_another_model_of_the_same_kind_and_never_a_circle() -> None:
    realtime = ModelPrice.objects.get(model="gpt-realtime-2.1")
    realtime.successor = ModelPrice.objects.get(model="gpt-transcribe")
    with pytest.raises(ValidationError, match="same kind"):
        realtime.full_clean()
    realtime.successor = realtime
    with pytest.raises(ValidationError, match="itself"):
        realtime.full_clean()
    realtime.successor = ModelPrice.objects.get(model="gpt-realtime")  # whose successor is gpt-realtime-2.1
    with pytest.raises(ValidationError, match="circle"):
        realtime.full_clean()


@pytest.mark.django_db
def test_input_transcription_is_priced_at_the_transcription_models_rates() -> None:
    tokens = {
        "type": "tokens",
        "input_tokens": 100,
        "output_tokens": 20,
        "total_tokens": 120,
        "input_token_details": {"text_tokens": 0, "audio_tokens": 100},
    }
    counts = pricing.transcription_counts(tokens)
    mini = services.price_for("gpt-4o-mini-transcribe")
    # 100 audio tokens at $1.25/1M and 20 transcript tokens at $5/1M.
    assert pricing.transcription_cost_usd(counts, mini) == Decimal("0.000225")
    # gpt-transcribe is billed by the minute: 12 s at $0.0045/min, whether usage says seconds or tokens.
    per_minute = services.price_for("gpt-transcribe")
    duration = pricing.transcription_counts({"type": "duration", "seconds": 12})
    assert pricing.transcription_cost_usd(duration, per_minute) == Decimal("0.0009")
    as_tokens = pricing.transcription_counts({**tokens, "input_token_details": {"audio_tokens": 120}})
    assert pricing.transcription_cost_usd(as_tokens, per_minute) == Decimal("0.0009")


def _session(session_id: str, tenant_id: int) -> None:
    store.session_start(
        tenant_id=tenant_id,
        channel="widget",
        session_id=session_id,
        agent_id=1,
        agent_name="A",
        model="gpt-realtime-2.1",
        key_id=1,
        simulator=True,
        transcription_model="gpt-4o-mini-transcribe",
    )


@pytest.mark.django_db
def test_a_transcription_counts_once_against_the_budget_beside_the_responses(mongo: Any, redis_conn: Any) -> None:
    _session("vs_tr", 5151)
    usage = transcription_usage(2000, "I would like two tickets please")  # what the simulator sends
    for _ in range(2):  # a replayed event counts once
        services.transcription_meter(
            tenant_id=5151,
            channel="widget",
            session_id="vs_tr",
            model="gpt-4o-mini-transcribe",
            item_id="item_7",
            usage=usage,
            price=None,
        )
    expected = Decimal(20) * Decimal("1.25") / 1_000_000 + Decimal(8) * Decimal("5.00") / 1_000_000
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    assert abs(limits.spend_get(tenant_id=5151, period=day) - int(expected * 1_000_000)) <= 1
    session = store.session_get(tenant_id=5151, session_id="vs_tr")
    assert session["usage"]["transcriptions"] == 1 and session["usage"]["responses"] == 0
    assert session["usage"]["dollars"] == pytest.approx(float(expected))
    [daily] = store.usage_daily_for(tenant_id=5151, day=day)
    assert daily["model"] == "gpt-4o-mini-transcribe" and daily["transcriptions"] == 1


@pytest.mark.django_db
def test_usage_reckoned_from_the_stream_is_marked_estimated(mongo: Any, redis_conn: Any) -> None:
    _session("vs_est", 5152)
    services.usage_meter(
        tenant_id=5152,
        channel="widget",
        session_id="vs_est",
        model="gpt-realtime-2.1",
        response_id="resp_cut",
        usage=USAGE,
        price=None,
        estimated=True,
    )
    event = mongo_event("vs_est:resp_cut")
    assert event["estimated"] is True and event["kind"] == "response"
    assert store.session_get(tenant_id=5152, session_id="vs_est")["usage"]["estimated"] == 1


def mongo_event(event_id: str) -> dict[str, Any]:
    document = mongo.collection(store.USAGE_EVENTS).find_one({"_id": event_id})
    assert document is not None
    return document

"""Request and response shapes of the webhook endpoints (R27). The secret appears only in the
answers of creation and rotation (WebhookSecretOut), never in a listing."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from ninja import Schema
from pydantic import Field

from rescind.api.schemas import MAX_ID, StrictIn

EventKind = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[A-Za-z]+$")]
StoreId = Annotated[int, Field(ge=1, le=MAX_ID)]


class WebhookIn(StrictIn):
    name: str = Field(min_length=1, max_length=100)
    url: str = Field(min_length=1, max_length=500,
                     description="http(s) URL of a public address")
    event_kinds: list[EventKind] = Field(default_factory=list, max_length=100,
                                   description="event kinds to deliver (e.g. OrderPaid); "
                                               "empty for every kind")
    store_ids: list[StoreId] = Field(default_factory=list, max_length=1000,
                                 description="stores whose orders' events to deliver; empty "
                                             "for every store")


class WebhookPatchIn(StrictIn):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    active: bool | None = Field(default=None, description="false stops every delivery, queued "
                                                          "retries included")
    event_kinds: list[EventKind] | None = Field(default=None, max_length=100)
    store_ids: list[StoreId] | None = Field(default=None, max_length=1000)


class WebhookOut(Schema):
    id: int
    name: str
    url: str
    active: bool
    event_kinds: list[str]
    store_ids: list[int]


class WebhookSecretOut(WebhookOut):
    secret: str = Field(description="shown only now. HMAC-SHA256 key: X-Rescind-Signature: "
                                    "t=<ts>,v1=<hex of HMAC(secret, '<ts>.<body>')>")


class DeliveryOut(Schema):
    id: int
    subscriber_id: int
    event_kind: str
    status: str = Field(description="pending, delivered, failed or dropped")
    delivery_key: str = Field(description="the X-Rescind-Delivery header; a replay keeps it")
    replay_of: int | None
    payload: dict[str, Any]
    created_at: datetime
    delivered_at: datetime | None
    attempts: int
    last_status: int | None
    last_error: str


class DeliveryPageOut(Schema):
    count: int
    limit: int
    offset: int
    deliveries: list[DeliveryOut]


class DeliveryQuery(Schema):
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=1_000_000)


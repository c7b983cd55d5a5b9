"""Webhooks end to end over GraphQL: admins register endpoints; moderation events reach a
real receiving server signed, once per id, also after the endpoint was down; a disabled
endpoint gets nothing; deliveries and failures are visible."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from api.graphql.webhooks import WebhookEventKind
from api.http.config import Config
from api.runtime import Runtime
from api.services.outbox import EVENT_KINDS
from api.webhooks.signature import sign, verify
from api.webhooks.worker import Worker, backoff
from models.queries import webhooks as queries
from moderation.scorers.registry import LoadedScorer
from tests.api.webhooks.conftest import SECRET
from tests.support.client import Api, in_process
from tests.support.constants import APPROVE, CLEAN, REPORT, TOXIC
from tests.support.receiver import Receiver

REGISTER = """mutation($i: RegisterWebhookInput!) { registerWebhook(input: $i) {
  secret endpoint { id url kinds enabled description } } }"""
UPDATE = """mutation($i: UpdateWebhookInput!) { updateWebhook(input: $i) {
  endpoint { id enabled kinds } } }"""
ENDPOINTS = "{ webhookEndpoints { id url enabled kinds } }"
DELIVERIES = """query($e: ID, $s: WebhookDeliveryStatus, $first: Int, $after: String) {
  webhookDeliveries(endpointId: $e, status: $s, first: $first, after: $after) {
    endCursor nodes { id eventId endpointId kind status attempts lastError lastStatusCode
      nextAttemptAt deliveredAt } } }"""
RETRY = """mutation($e: ID!) { retryWebhookDeliveries(endpointId: $e) { requeued } }"""
BAN = """mutation($i: BanUserInput!) { banUser(input: $i) { user { id } } }"""


async def register(api: Api, url: str, kinds: list[str] | None = None, **extra: Any) -> str:
    data = await api.data(
        REGISTER,
        {"i": {"url": url, "kinds": kinds or list(EVENT_KINDS), "secret": SECRET, **extra}},
        as_=api.token("root", "admin"),
    )
    endpoint_id: str = data["registerWebhook"]["endpoint"]["id"]
    return endpoint_id


async def deliveries(api: Api, **variables: Any) -> list[dict[str, Any]]:
    data = await api.data(DELIVERIES, variables, as_=api.token("root", "admin"))
    nodes: list[dict[str, Any]] = data["webhookDeliveries"]["nodes"]
    return nodes


async def settled(api: Api, timeout: float = 20.0) -> list[dict[str, Any]]:
    """The deliveries once none is pending: the receiver has an event as soon as the
    worker sent it, a moment before the worker records the answer."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        shown = await deliveries(api)
        if all(d["status"] != "PENDING" for d in shown):
            return shown
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"deliveries still pending after {timeout} s: {shown}")
        await asyncio.sleep(0.05)


def test_kind_vocabularies_agree_and_signatures_check() -> None:
    assert [kind.value for kind in WebhookEventKind] == list(EVENT_KINDS)
    body = b'{"id":"e1"}'
    now = 1_800_000_000
    signature = sign("s" * 20, now, body)
    assert verify("s" * 20, body, str(now), signature, now=now + 10)
    assert not verify("s" * 20, body + b" ", str(now), signature, now=now)
    assert not verify("t" * 20, body, str(now), signature, now=now)
    # A captured request replayed later is refused by its timestamp.
    assert not verify("s" * 20, body, str(now), signature, now=now + 3600)
    delays = [backoff(n, 1.0, 60.0) for n in range(1, 10)]
    assert all(
        0.5 * min(60, 2 ** (n - 1)) <= d <= min(60, 2 ** (n - 1)) for n, d in enumerate(delays, 1)
    )


async def test_registration_is_for_admins_and_checks_input(api: Api) -> None:
    root = api.token("root", "admin")
    data = await api.data(
        REGISTER,
        {
            "i": {
                "url": "https://example.org/hook",
                "kinds": ["COMMENT_HELD"],
                "description": "Slack",
            }
        },
        as_=root,
    )
    registered = data["registerWebhook"]
    # A generated secret, shown once.
    assert registered["secret"].startswith("whsec_") and len(registered["secret"]) > 30
    assert registered["endpoint"]["kinds"] == ["COMMENT_HELD"]
    assert registered["endpoint"]["enabled"] is True
    assert "secret" not in str(await api.data(ENDPOINTS, as_=root))
    mod = api.token("mo", "moderator")
    variables = {"i": {"url": "https://example.org/x", "kinds": ["COMMENT_HELD"]}}
    assert (await api.error(REGISTER, variables, as_=mod))["extensions"]["code"] == "FORBIDDEN"
    assert (await api.error(ENDPOINTS, as_=mod))["extensions"]["code"] == "FORBIDDEN"
    assert (await api.error(DELIVERIES))["extensions"]["code"] == "UNAUTHENTICATED"
    for bad in (
        {"url": "ftp://example.org/x", "kinds": ["COMMENT_HELD"]},
        {"url": "https://example.org/x", "kinds": []},
        {"url": "https://example.org/x", "kinds": ["COMMENT_HELD"], "secret": "short"},
    ):
        error = await api.error(REGISTER, {"i": bad}, as_=root)
        assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    error = await api.error(UPDATE, {"i": {"endpointId": "nope", "enabled": False}}, as_=root)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    # Nothing half-written: still the one endpoint.
    assert len((await api.data(ENDPOINTS, as_=root))["webhookEndpoints"]) == 1


async def test_moderation_events_arrive_signed_once_each(api: Api, receiver: Receiver) -> None:
    await register(api, receiver.url)
    article = await api.create_article()
    mo = api.token("mo", "moderator")
    clean = await api.comment(article["id"], CLEAN, as_=api.token("ann"))
    held = await api.comment(article["id"], TOXIC, as_=api.token("troll"))
    await api.data(APPROVE, {"i": {"commentId": held["id"]}}, as_=mo)
    await api.data(
        REPORT, {"i": {"commentId": clean["id"], "reason": "SPAM"}}, as_=api.token("bob")
    )
    await api.data(
        BAN, {"i": {"userId": "troll", "reason": "spam", "rejectExistingComments": True}}, as_=mo
    )
    events = await receiver.arrived(7)
    assert receiver.bad == []
    assert sorted(receiver.kinds()) == sorted(
        [
            "COMMENT_CREATED",
            "COMMENT_CREATED",
            "COMMENT_HELD",
            "COMMENT_APPROVED",
            "COMMENT_REPORTED",
            "USER_SANCTIONED",
            "COMMENT_REJECTED",  # the ban rejected troll's comment
        ]
    )
    by_kind = {event["kind"]: event for event in events}
    assert by_kind["COMMENT_HELD"]["data"]["comment"]["id"] == held["id"]
    assert by_kind["COMMENT_APPROVED"]["data"]["moderatorId"] == "mo"
    assert by_kind["COMMENT_REPORTED"]["data"]["report"] == {"reporterId": "bob", "reason": "SPAM"}
    assert by_kind["USER_SANCTIONED"]["data"]["userId"] == "troll"
    assert by_kind["USER_SANCTIONED"]["data"]["kind"] == "BAN"
    assert all(count == 1 for count in receiver.ids.values())
    shown = await settled(api)
    assert {d["status"] for d in shown} == {"DELIVERED"}
    assert {d["eventId"] for d in shown} == set(receiver.ids)


EDIT = """mutation($i: EditCommentInput!) { editComment(input: $i) {
  comment { id status version } } }"""


async def test_an_edit_held_again_is_heard_as_edited_and_held(api: Api, receiver: Receiver) -> None:
    await register(api, receiver.url, ["COMMENT_EDITED", "COMMENT_HELD", "COMMENT_APPROVED"])
    article = await api.create_article()
    ann = api.token("ann")
    posted = await api.comment(article["id"], CLEAN, as_=ann)
    assert posted["status"] == "APPROVED"
    edit = {"commentId": posted["id"], "body": TOXIC, "version": posted["version"]}
    held = (await api.data(EDIT, {"i": edit}, as_=ann))["editComment"]["comment"]
    assert held["status"] == "PENDING"
    # A second edit that stays held is an edit, not a new hold.
    edit = {"commentId": posted["id"], "body": f"{TOXIC} again", "version": held["version"]}
    await api.data(EDIT, {"i": edit}, as_=ann)
    events = await receiver.arrived(3)
    await asyncio.sleep(0.2)
    assert sorted(receiver.kinds()) == ["COMMENT_EDITED", "COMMENT_EDITED", "COMMENT_HELD"]
    hold = next(e for e in events if e["kind"] == "COMMENT_HELD")
    assert hold["data"]["comment"]["id"] == posted["id"]
    assert hold["data"]["moderatorId"] is None


async def test_endpoint_down_then_up_gets_every_event_once(api: Api, receiver: Receiver) -> None:
    endpoint = await register(api, receiver.url, ["COMMENT_CREATED"])
    article = await api.create_article()
    receiver.fail = True
    for n in range(3):
        await api.comment(article["id"], f"{CLEAN} ({n})", as_=api.token("ann"))
    # Retried with backoff, visible as pending with the failure.
    for _ in range(200):
        pending = await deliveries(api, e=endpoint, s="PENDING")
        if len(pending) == 3 and all(d["attempts"] >= 2 for d in pending):
            break
        await asyncio.sleep(0.05)
    assert len(pending) == 3
    assert {d["lastError"] for d in pending} == {"HTTP 503"}
    assert all(d["nextAttemptAt"] is not None and d["deliveredAt"] is None for d in pending)
    receiver.fail = False
    await receiver.arrived(3)
    await asyncio.sleep(0.2)
    assert len(receiver.ids) == 3 and set(receiver.ids.values()) == {1}
    # Paging through deliveries, newest first.
    first = (await api.data(DELIVERIES, {"first": 2}, as_=api.token("root", "admin")))[
        "webhookDeliveries"
    ]
    assert len(first["nodes"]) == 2 and first["endCursor"]
    rest = await deliveries(api, first=2, after=first["endCursor"])
    assert len(rest) == 1 and rest[0]["id"] not in {d["id"] for d in first["nodes"]}


async def test_disabled_endpoint_gets_nothing(api: Api, receiver: Receiver) -> None:
    root = api.token("root", "admin")
    endpoint = await register(api, receiver.url)
    other = Receiver(SECRET).start()
    try:
        await register(api, other.url, ["COMMENT_CREATED"])
        data = await api.data(UPDATE, {"i": {"endpointId": endpoint, "enabled": False}}, as_=root)
        assert data["updateWebhook"]["endpoint"]["enabled"] is False
        article = await api.create_article()
        await api.comment(article["id"], CLEAN, as_=api.token("ann"))
        # The enabled endpoint got its event; by then the disabled one would have too.
        await other.arrived(1)
        await asyncio.sleep(0.2)
        assert receiver.events == [] and await deliveries(api, e=endpoint) == []
    finally:
        other.stop()


async def test_failed_after_max_attempts_then_retried(api: Api, receiver: Receiver) -> None:
    api.runtime.settings.webhook_max_attempts = 2
    endpoint = await register(api, receiver.url, ["COMMENT_CREATED"])
    receiver.fail = True
    article = await api.create_article()
    await api.comment(article["id"], CLEAN, as_=api.token("ann"))
    for _ in range(200):
        failed = await deliveries(api, s="FAILED")
        if failed:
            break
        await asyncio.sleep(0.05)
    assert failed[0]["attempts"] == 2 and failed[0]["nextAttemptAt"] is None
    receiver.fail = False
    data = await api.data(RETRY, {"e": endpoint}, as_=api.token("root", "admin"))
    assert data["retryWebhookDeliveries"]["requeued"] == 1
    await receiver.arrived(1)


async def test_a_crashed_claim_is_sent_again_after_its_lease(api: Api, receiver: Receiver) -> None:
    """A worker that claimed rows and died never acknowledges: the rows come due again
    when the lease ends, and go out with the same event id."""
    await register(api, receiver.url, ["COMMENT_CREATED"])
    runtime = api.runtime
    runtime.settings.webhook_poll_interval = 3600  # the app's own worker stays asleep
    await asyncio.sleep(0.1)
    article = await api.create_article()
    await api.comment(article["id"], CLEAN, as_=api.token("ann"))
    async with runtime.db.write() as session:
        lease = datetime.now(UTC) + timedelta(seconds=0.3)
        claimed = await queries.claim(session, 10, lease)
    assert len(claimed) == 1
    worker = Worker(runtime)
    try:
        assert await worker.run_once() == 0  # still leased
        await asyncio.sleep(0.4)
        assert await worker.run_once() == 1
    finally:
        await worker.aclose()
    events = await receiver.arrived(1)
    assert events[0]["id"] == claimed[0].event_id
    shown = await deliveries(api)
    assert shown[0]["status"] == "DELIVERED" and shown[0]["attempts"] == 2


async def test_a_worker_stopped_mid_send_hands_its_claims_back(
    api: Api, receiver: Receiver
) -> None:
    """Stopping (a restart) while a batch is out does not leave the rows leased for a
    minute: they are due again at once, and the next worker sends them."""
    await register(api, receiver.url, ["COMMENT_CREATED"])
    runtime = api.runtime
    runtime.settings.webhook_poll_interval = 3600  # the app's own worker stays asleep
    runtime.settings.webhook_lease_seconds = 3600
    await asyncio.sleep(0.1)
    article = await api.create_article()
    await api.comment(article["id"], CLEAN, as_=api.token("ann"))
    sending = asyncio.Event()

    async def hang(request: httpx.Request) -> httpx.Response:
        sending.set()
        await asyncio.Event().wait()  # an endpoint that never answers
        raise AssertionError("unreachable")

    stuck = Worker(runtime, httpx.AsyncClient(transport=httpx.MockTransport(hang)))
    task = asyncio.create_task(stuck.run_once())
    await asyncio.wait_for(sending.wait(), 10)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    worker = Worker(runtime)
    try:
        assert await worker.run_once() == 1  # due now, not in an hour
    finally:
        await worker.aclose()
    await receiver.arrived(1)
    shown = await deliveries(api)
    assert shown[0]["status"] == "DELIVERED" and shown[0]["attempts"] == 2


async def test_concurrent_workers_never_send_one_event_twice(api: Api, receiver: Receiver) -> None:
    """Several workers on one database (as `serve --workers N` runs them) share the
    outbox: on PostgreSQL by FOR UPDATE SKIP LOCKED, on SQLite by its one writer."""
    await register(api, receiver.url, ["COMMENT_CREATED"])
    runtime = api.runtime
    runtime.settings.webhook_concurrency = 4
    article = await api.create_article()
    for n in range(20):
        await api.comment(article["id"], f"{CLEAN} #{n}", as_=api.token("ann"))
    workers = [Worker(runtime) for _ in range(3)]
    tasks = [asyncio.create_task(worker.run()) for worker in workers]
    try:
        await receiver.arrived(20)
        await asyncio.sleep(0.2)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for worker in workers:
            await worker.aclose()
    assert len(receiver.ids) == 20 and set(receiver.ids.values()) == {1}


async def test_a_failing_endpoint_is_paused_not_hammered(api: Api, receiver: Receiver) -> None:
    """During an outage the worker probes the endpoint instead of trying every due
    delivery: the others keep their attempt count until the pause ends."""
    await register(api, receiver.url, ["COMMENT_CREATED"])
    runtime = api.runtime
    runtime.settings.webhook_poll_interval = 3600  # the app's own worker stays asleep
    runtime.settings.webhook_concurrency = 1
    runtime.settings.webhook_backoff_base = 0.3
    await asyncio.sleep(0.1)
    article = await api.create_article()
    for n in range(3):
        await api.comment(article["id"], f"{CLEAN} {n}", as_=api.token("ann"))
    receiver.fail = True
    worker = Worker(runtime)
    try:
        assert await worker.run_once() == 1  # the probe fails: the endpoint is paused
        assert await worker.run_once() == 0  # two more are due, but not tried
        tried = sorted(d["attempts"] for d in await deliveries(api))
        assert tried == [0, 0, 1]
        receiver.fail = False
        await asyncio.sleep(0.35)
        while await worker.run_once():
            pass
    finally:
        await worker.aclose()
    await receiver.arrived(3)


async def test_outbox_depth_is_a_metric(
    settings: Config, receiver: Receiver, linear_scorer: LoadedScorer
) -> None:
    """With metrics on, the worker reports the deliveries waiting (the backlog alert)."""
    token = "outbox-metrics-token-0123456789"
    runtime = Runtime(
        settings.model_copy(update={"metrics_token": SecretStr(token)}), scorer=linear_scorer
    )
    async with in_process(runtime) as api:
        await register(api, receiver.url, ["COMMENT_CREATED"])
        article = await api.create_article()
        receiver.fail = True
        for n in range(3):
            await api.comment(article["id"], f"{CLEAN} ({n})", as_=api.token("ann"))

        async def pending() -> float:
            response = await api.http.get("/metrics", headers={"Authorization": f"Bearer {token}"})
            for family in text_string_to_metric_families(response.text):
                for sample in family.samples:
                    if sample.name == "commentmod_outbox_pending":
                        return sample.value
            raise AssertionError("no commentmod_outbox_pending in /metrics")

        for _ in range(200):
            if await pending() == 3:
                break
            await asyncio.sleep(0.05)
        assert await pending() == 3
        receiver.fail = False
        await receiver.arrived(3)
        for _ in range(200):
            if await pending() == 0:
                break
            await asyncio.sleep(0.05)
        assert await pending() == 0


NOTICE = """mutation($i: ReportIllegalContentInput!) { reportIllegalContent(input: $i) {
  notice { id } } }"""
DECIDE_NOTICE = """mutation($i: DecideNoticeInput!) { decideIllegalContentNotice(input: $i) {
  notice { status } } }"""


async def test_a_notifier_known_only_by_email_is_told_through_a_webhook(
    api: Api, receiver: Receiver
) -> None:
    """DSA Art. 16: the outcome of an anonymous notice goes to the site's mailer."""
    await register(api, receiver.url, ["NOTICE_DECIDED"])
    article = await api.create_article()
    comment = await api.comment(article["id"], CLEAN, as_=api.token("ann"))
    sent = await api.data(
        NOTICE,
        {
            "i": {
                "commentId": comment["id"],
                "lawBroken": "Incitement to hatred",
                "explanation": "The comment calls for violence against a group.",
                "notifierName": "Nina",
                "notifierEmail": "nina@example.org",
                "goodFaith": True,
            }
        },
    )
    decision = {
        "noticeId": sent["reportIllegalContent"]["notice"]["id"],
        "outcome": "NO_ACTION",
        "legalGround": "Incitement to hatred",
        "explanation": "Read in context the comment reports a threat; it makes none.",
    }
    await api.data(DECIDE_NOTICE, {"i": decision}, as_=api.token("mo", "moderator"))
    (event,) = await receiver.arrived(1)
    assert event["kind"] == "NOTICE_DECIDED"
    told = event["data"]
    assert told["email"] == "nina@example.org" and told["outcome"] == "NO_ACTION"
    assert told["message"]

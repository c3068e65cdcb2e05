"""The hot path's lean statements (rescind.statements) read and write exactly what the ORM does."""

from __future__ import annotations

from django.db import connection, transaction
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from rescind.aftersale.models import CancellationRequest
from rescind.notifications.tasks import notify_task
from rescind.orders.models import Deadline, Order, TimelineEntry
from rescind.shards import citus_distributed, one_of, shard_groups, update_by_shard
from rescind.statements import (
    row_get,
    row_insert_if_new,
    row_update,
    rows_claim,
    rows_insert,
    rows_update_many,
    rows_where,
    rows_where_each,
    task_enqueue,
    tasks_enqueue,
)
from tests.conftest import DAY, T0


def _columns(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_row_get_reads_what_the_orm_reads(market):
    # given a paid order with a pending cancellation request (datetimes, nulls, booleans)
    order = market.requested(at=T0 + DAY)
    request = CancellationRequest.objects.get(order=order)
    # when both are read by primary key, locked and not
    with transaction.atomic():
        locked = row_get(Order, order.pk, lock=True)
    plain = row_get(CancellationRequest, request.pk)
    # then every column equals the ORM's reading, with the same Python types
    assert _columns(locked) == _columns(Order.objects.get(pk=order.pk))
    assert _columns(plain) == _columns(request)
    assert locked.paid_at.tzinfo is not None and plain.report_supplier is False
    assert (locked._state.adding, locked._state.db) == (False, "default")


def test_row_get_of_a_missing_row_is_none(market):
    assert row_get(Order, 987654321, lock=True) is None


def test_an_id_beyond_the_bigint_range_is_no_row_and_no_statement(market):
    # given an order with a timeline, and ids no bigint column can hold
    order = market.requested(at=T0)
    # when rows are looked up by them: by primary key, by foreign key, by shard key, in a
    # batch and by a worker's claim
    with transaction.atomic(), CaptureQueriesContext(connection) as statements:
        found = (row_get(Order, 2**70, lock=True), row_get(Order, -(2**70)),
                 rows_where(TimelineEntry, "order_id", 2**70),
                 rows_where(TimelineEntry, "order", 2**63),
                 rows_where(CancellationRequest, "pk", 1, lock=True, shard=2**70),
                 rows_where_each([(TimelineEntry, "order_id", 2**70),
                                  (Deadline, "order", -(2**63) - 1)]),
                 rows_claim(Order, [2**70, -(2**70)]))
    # then none is found, and the database was not asked
    assert found == (None, None, [], [], [], [[], []], [])
    assert statements.captured_queries == []
    assert row_get(Order, order.pk) == order


def test_a_read_beyond_the_range_among_others_leaves_theirs_as_they_are(market):
    # given an order with a pending request, and the largest id a bigint holds (no order's)
    order = market.requested(at=T0)
    reads = [(CancellationRequest, "order_id", order.pk), (TimelineEntry, "order_id", 2**70),
             (Order, "pk", order.pk), (Order, "pk", 2**63 - 1)]
    # when they are read together and the in-range ids are claimed with one beyond it
    with transaction.atomic():
        rows = rows_where_each(reads)
        claimed = rows_claim(Order, [2**70, order.pk, 2**63 - 1])
    # then the reads in range are answered as alone, the ones beyond are empty
    assert rows == [list(CancellationRequest.objects.filter(order=order)), [], [order], []]
    assert len(rows[0]) == 1
    assert claimed == [order]


def test_rows_insert_numbers_rows_in_order_and_writes_every_field(market):
    # given an order and three unsaved rows, one with a JSON value and a null foreign key
    order = market.paid(at=T0)
    entries = [TimelineEntry(order=order, at=T0 + i * DAY, kind=f"Kind{i}", actor="buyer",
                             actor_user_id=None if i else market.buyer.pk,
                             params={"n": i, "text": "é"}) for i in range(3)]
    # when they are inserted in one statement
    rows_insert(entries)
    # then each got its own id, in order, and the ORM reads back exactly what was given
    ids = [entry.pk for entry in entries]
    assert ids == sorted(ids) and len(set(ids)) == 3
    stored = {e.pk: e for e in TimelineEntry.objects.filter(pk__in=ids)}
    assert [model_to_dict(stored[i]) for i in ids] == [model_to_dict(e) for e in entries]
    assert stored[ids[0]].params == {"n": 0, "text": "é"}


def test_row_insert_if_new_writes_a_row_once_per_unique_key(market):
    # given a row of the sandbox's books, and another with the same idempotency key
    from rescind.refunds.models import SandboxOperation

    def operation(amount: int) -> SandboxOperation:
        return SandboxOperation(key="k1", kind="refund", amount=amount, currency="USD",
                                method="bank_card", reference="sbx_refund_1", created_at=T0,
                                settles_at=T0 + DAY)

    first, second = operation(2800), operation(999)
    # when both are inserted if new, one statement each
    with CaptureQueriesContext(connection) as statements:
        written = [row_insert_if_new(first), row_insert_if_new(second)]
    # then the first is written with its id, the second is not, and nothing failed
    assert written == [True, False]
    assert len(statements.captured_queries) == 2
    assert (first.pk, first._state.adding, second.pk) == (
        SandboxOperation.objects.get().pk, False, None)
    assert model_to_dict(SandboxOperation.objects.get()) == model_to_dict(first)


def test_deadlines_void_where_voids_the_running_deadlines_of_its_shape_in_one_statement(market):
    # given an order whose deadlines are running, fired or voided already, two of them about
    # two refunds
    from rescind.orders.recording import deadlines_void_where

    order = market.paid(at=T0)
    Deadline.objects.filter(order=order).delete()
    kinds = Deadline.Kind

    def deadline(kind, subject_id=None, **ended):
        return Deadline.objects.create(order=order, kind=kind, due_at=T0 + DAY,
                                       subject_id=subject_id, **ended)

    start_1, start_2 = deadline(kinds.REFUND_START, 1), deadline(kinds.REFUND_START, 2)
    response = deadline(kinds.SELLER_RESPONSE)
    fired = deadline(kinds.HANDLING_TIME, fired_at=T0)
    voided = deadline(kinds.UNPAID_TIMEOUT, voided_at=T0)
    # when the start deadline of refund 1 is voided, then every one but the refunds' deadlines
    with CaptureQueriesContext(connection) as statements:
        deadlines_void_where(order, [kinds.REFUND_START], subject_id=1, now=T0 + 2 * DAY)
        deadlines_void_where(order, [kinds.REFUND_START, kinds.REFUND_CHECK], other_kinds=True,
                             now=T0 + 3 * DAY)
    # then each statement voided exactly its own, and an ended deadline kept its end
    assert len(statements.captured_queries) == 2
    ends = {d.pk: (d.fired_at, d.voided_at) for d in Deadline.objects.filter(order=order)}
    assert [ends[d.pk] for d in (start_1, start_2, response, fired, voided)] == [
        (None, T0 + 2 * DAY), (None, None), (None, T0 + 3 * DAY), (T0, None), (None, T0)]


def test_rows_insert_of_nothing_writes_nothing(market):
    before = Deadline.objects.count()
    rows_insert([])
    assert Deadline.objects.count() == before


def test_task_enqueue_writes_the_row_django_tasks_enqueue_writes(market):
    # given the same task queued the library's way and the lean way
    library_id = notify_task.enqueue([1, 2]).id
    task_enqueue(notify_task, [1, 2])
    library = DBTaskResult.objects.get(id=library_id)
    lean = DBTaskResult.objects.exclude(id=library_id).get()
    # then the rows differ only in their id and enqueue time
    skip = {"id", "enqueued_at"}
    assert {k: v for k, v in _columns(lean).items() if k not in skip} == \
        {k: v for k, v in _columns(library).items() if k not in skip}
    assert lean.args_kwargs == {"args": [[1, 2]], "kwargs": {}}
    assert lean.task_result.task.func is notify_task.func


def test_rows_where_reads_one_orders_rows_in_id_order(market):
    # given two orders, each with a timeline
    first, second = market.requested(at=T0), market.paid(at=T0)
    # when the first order's timeline is read by its foreign key
    rows = rows_where(TimelineEntry, "order_id", first.pk)
    # then it is exactly the ORM's list of that order's entries, in id order
    expected = list(TimelineEntry.objects.filter(order=first).order_by("pk"))
    assert [_columns(r) for r in rows] == [_columns(e) for e in expected]
    assert len(rows) >= 2 and all(r.order_id == first.pk for r in rows)
    assert rows_where(TimelineEntry, "order", second.pk) == list(second.timeline.order_by("pk"))


def test_rows_where_each_reads_what_rows_where_reads_in_one_round_trip(market):
    # given an order with a pending request and a timeline, and another order
    first, second = market.requested(at=T0), market.paid(at=T0)
    reads = [(TimelineEntry, "order_id", first.pk), (CancellationRequest, "order_id", first.pk),
             (Deadline, "order_id", second.pk), (Order, "pk", second.pk)]
    # when their rows are read together, noting for each statement whether it was pipelined
    pipelined = []

    def note(execute, sql, params, many, context):
        libpq = getattr(context["connection"].connection, "pgconn", None)  # psycopg only
        pipelined.append(bool(libpq and libpq.pipeline_status))  # PQpipelineStatus: ON, not OFF
        return execute(sql, params, many, context)

    with connection.execute_wrapper(note):
        rows = rows_where_each(reads)
    # then each list is what rows_where reads alone, and on PostgreSQL the four statements
    # were sent in one pipeline (one round trip); SQLite runs them one after the other
    assert rows == [rows_where(model, column, value) for model, column, value in reads]
    assert [len(r) for r in rows[1:]] == [1, len(rows_where(Deadline, "order_id", second.pk)), 1]
    assert pipelined == [connection.vendor == "postgresql"] * 4


def test_row_update_writes_only_the_named_fields(market):
    # given an order read twice, and one copy changed in two fields
    order = market.paid(at=T0)
    changed = Order.objects.get(pk=order.pk)
    changed.refunded, changed.close_reason = 700, "not_saved"
    # when only `refunded` is written
    row_update(changed, ["refunded"])
    # then the row has the new refund total and every other column as it was
    stored = Order.objects.get(pk=order.pk)
    assert stored.refunded == 700
    assert {**_columns(stored), "refunded": order.refunded} == _columns(order)


def _shard_of(order_ids: list[int]) -> dict[int, int]:
    """Each order's shard as Citus places it; one shard, 0, elsewhere."""
    if not citus_distributed():
        return dict.fromkeys(order_ids, 0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT o, get_shard_id_for_distribution_column('rescind_orders_order', o) "
                       "FROM unnest(%s::bigint[]) AS o", [order_ids])
        return dict(cursor.fetchall())


def test_one_of_finds_what_in_finds_with_one_array_on_postgresql(market):
    # given three orders, each with its deadlines
    orders = [market.paid(at=T0 + i * DAY) for i in range(3)]
    wanted = [orders[2].pk, orders[0].pk]
    # when they are filtered by one_of, by primary key and by order id, and by no id at all
    with CaptureQueriesContext(connection) as statements:
        by_pk = list(Order.objects.filter(one_of(Order, "pk", wanted)).order_by("pk"))
        by_order = sorted(Deadline.objects.filter(one_of(Deadline, "order_id", wanted))
                          .values_list("pk", flat=True))
        none = list(Order.objects.filter(one_of(Order, "pk", [])))
    # then each finds exactly what the ORM's __in finds
    assert by_pk == [orders[0], orders[2]]
    assert by_order == sorted(Deadline.objects.filter(order_id__in=wanted)
                              .values_list("pk", flat=True))
    assert by_order and none == []
    # and on PostgreSQL the ids travel as one array parameter, whatever their number
    sql = [s["sql"] for s in statements.captured_queries]
    assert all(("= ANY(" in q) == (connection.vendor == "postgresql") for q in sql[:2])


def test_shard_groups_put_each_order_with_the_others_of_its_shard(market):
    # given six orders (on Citus, spread over the test database's shards)
    ids = [market.paid(at=T0).pk for _ in range(6)]
    # when they are grouped by shard
    groups = shard_groups(ids)
    # then every order is in one group, in the order given, and a group is one shard's orders
    shard = _shard_of(ids)
    assert sorted(pk for group in groups for pk in group) == sorted(ids)
    assert all(group == [pk for pk in ids if shard[pk] == shard[group[0]]] for group in groups)
    assert len(groups) == len(set(shard.values()))
    assert shard_groups([]) == []


def test_update_by_shard_updates_the_named_orders_rows_one_statement_a_shard(market):
    # given six paid orders, each with its open deadlines
    orders = [market.paid(at=T0) for _ in range(6)]
    ids = [order.pk for order in orders]
    open_of = {pk: sorted(Deadline.objects.filter(order_id=pk, voided_at__isnull=True)
                          .values_list("pk", flat=True)) for pk in ids}
    assert all(open_of.values())
    # when the first four orders' deadlines are voided, one statement a shard group
    with CaptureQueriesContext(connection) as statements:
        updated = update_by_shard(Deadline.objects.filter(voided_at__isnull=True), "order_id",
                                  ids[:4], voided_at=T0 + DAY)
    # then exactly their deadlines are voided, the count returned, one UPDATE a shard group
    voided = set(Deadline.objects.filter(voided_at=T0 + DAY).values_list("pk", flat=True))
    assert voided == {pk for order_id in ids[:4] for pk in open_of[order_id]}
    assert updated == len(voided)
    assert sum(q["sql"].startswith("UPDATE") for q in statements.captured_queries) == \
        len(shard_groups(ids[:4]))
    assert sorted(Deadline.objects.filter(order_id__in=ids[4:], voided_at__isnull=True)
                  .values_list("pk", flat=True)) == sorted(open_of[ids[4]] + open_of[ids[5]])


def test_update_by_shard_with_pks_of_updates_only_those_rows(market):
    # given two paid orders with their deadlines, and one deadline of each picked
    first, second = (market.paid(at=T0) for _ in range(2))
    picked = {order.pk: [Deadline.objects.filter(order=order).order_by("pk")[0].pk]
              for order in (first, second)}
    # when only the picked rows are marked fired
    updated = update_by_shard(Deadline.objects.all(), "order_id", list(picked), pks_of=picked,
                              fired_at=T0 + DAY)
    # then those two, and no other deadline, are fired
    assert updated == 2
    assert sorted(Deadline.objects.filter(fired_at=T0 + DAY).values_list("pk", flat=True)) == \
        sorted(pk for pks in picked.values() for pk in pks)
    assert update_by_shard(Deadline.objects.all(), "order_id", [], fired_at=T0) == 0


def test_rows_insert_of_many_orders_rows_gives_each_row_its_own_id(market):
    # given rows of six orders, interleaved (on Citus, an INSERT over several shards returns
    # its ids shard by shard)
    orders = [market.paid(at=T0) for _ in range(6)]
    entries = [TimelineEntry(order=order, at=T0 + n * DAY, kind=f"Kind{n}-{order.pk}",
                             actor="buyer", params={"n": n})
               for n in range(2) for order in orders]
    # when they are inserted
    rows_insert(entries)
    # then each row's id reads back that very row
    stored = {e.pk: (e.order_id, e.kind) for e in TimelineEntry.objects.filter(
        pk__in=[entry.pk for entry in entries])}
    assert [stored[e.pk] for e in entries] == [(e.order_id, e.kind) for e in entries]


def test_rows_update_many_writes_each_row_its_own_values(market):
    # given four orders read, two to end one way and two another
    orders = [Order.objects.get(pk=market.paid(at=T0).pk) for _ in range(4)]
    for n, order in enumerate(orders):
        order.refunded = 100 * (n % 2 + 1)
    # when their `refunded` is written in a batch
    rows_update_many(orders, ["refunded"])
    # then each order has its own value
    assert [Order.objects.get(pk=o.pk).refunded for o in orders] == [100, 200, 100, 200]


def test_tasks_enqueue_writes_the_rows_task_enqueue_writes(market):
    # given a task queued once the single way, and twice in one batch
    task_enqueue(notify_task, [1, 2], 7)
    single = DBTaskResult.objects.get()
    tasks_enqueue(notify_task, [([1, 2], 7), ([3], 8)])
    batch = sorted(DBTaskResult.objects.exclude(id=single.id),
                   key=lambda row: row.args_kwargs["args"][1])
    # then every row is the single one's but for its id, enqueue time and arguments
    skip = {"id", "enqueued_at", "args_kwargs"}
    assert [{k: v for k, v in _columns(row).items() if k not in skip} for row in batch] == \
        [{k: v for k, v in _columns(single).items() if k not in skip}] * 2
    assert [row.args_kwargs for row in batch] == [
        {"args": [[1, 2], 7], "kwargs": {}}, {"args": [[3], 8], "kwargs": {}}]
    assert len({single.id, *(row.id for row in batch)}) == 3


def test_a_statement_run_five_times_is_prepared_on_postgresql(market):
    # given an order
    order = market.paid(at=T0)
    # when its lean read runs six times on one connection
    for _ in range(6):
        row_get(Order, order.pk)
    # then PostgreSQL holds it prepared, parsed and planned once, with its parameter bound on
    # the server; SQLite has no server to prepare on, and no such option
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            prepared = [text for (text,) in cursor.fetchall()]
        assert [text for text in prepared
                if 'FROM "rescind_orders_order" WHERE "id" = $1' in text] != []
    else:
        assert "server_side_binding" not in connection.settings_dict["OPTIONS"]


def test_a_statement_of_more_parameters_than_postgresql_carries_still_runs(market):
    # given two orders, and 70,000 ids that include theirs: more parameters than PostgreSQL's
    # protocol carries (65,535) when they are bound on the server
    orders = [market.paid(at=T0), market.paid(at=T0)]
    ids = [*range(10**9, 10**9 + 69_998), *(o.pk for o in orders)]
    # when the ORM filters by all of them, then the statement runs (bound on the client on
    # PostgreSQL) and finds the two orders
    assert sorted(Order.objects.filter(pk__in=ids).values_list("pk", flat=True)) == \
        sorted(o.pk for o in orders)

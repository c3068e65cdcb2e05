-- The data set of bench/query_plans.py, step by step (see bench/plans_dataset.py).
-- {NAME} placeholders are filled by dataset_sql(); '{{' and '}}' stand for braces.

-- step: users
SELECT setseed(0.42);
INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, email,
                       is_staff, is_active, date_joined)
SELECT i, '!', i >= {SUP} AND i < {CARRIER_USER},
       CASE WHEN i <= {B} THEN 'buyer' || i WHEN i < {SUP} THEN 'seller' || i
            WHEN i < {CARRIER_USER} THEN 'support' || i ELSE 'carrier' END,
       '', '', CASE WHEN i < {CARRIER_USER} THEN 'u' || i || '@example.com' ELSE '' END,
       i >= {SUP} AND i < {CARRIER_USER}, true, {NOW} - interval '400 days'
FROM generate_series(1, {CARRIER_USER}) i;
INSERT INTO rescind_accounts_apitoken (key_hash, name, created_at, user_id)
SELECT encode(sha256(convert_to('rsc_bench_' || i, 'UTF8')), 'hex'), 'bench', {NOW}, i
FROM generate_series(1, {CARRIER_USER} - 1) i;

-- step: stores, products, carriers
INSERT INTO rescind_orders_store (id, name, currency, shipping_fee)
SELECT i, 'Store ' || i, 'USD', CASE WHEN i % 3 = 0 THEN 0 ELSE 300 END
FROM generate_series(1, {S}) i;
INSERT INTO rescind_orders_store_sellers (store_id, user_id)
SELECT i, {B} + i FROM generate_series(1, {S}) i;
INSERT INTO rescind_orders_product (id, name, unit_price, currency, option_choices, store_id)
SELECT i, 'Product ' || i, 500 + (i * 37 % 50) * 100, 'USD', '{{}}', (i - 1) / 4 + 1
FROM generate_series(1, {S} * 4) i;
INSERT INTO rescind_orders_carrier (id, name) VALUES (1, 'Cainiao'), (2, 'DHL'), (3, 'UPS');
INSERT INTO rescind_orders_carrier_accounts (carrier_id, user_id) VALUES (1, {CARRIER_USER});
INSERT INTO rescind_notifications_webhooksubscriber (id, name, url, secret, active, event_kinds,
  store_ids)
VALUES (1, 'marketplace', 'http://127.0.0.1:9/hooks', 'whsec_bench', true, '[]', '[]');

-- step: order fates
CREATE TEMP TABLE po AS
SELECT i::bigint AS id, (1 + floor(random() * {B}))::int AS buyer_id,
       (1 + floor({S} * power(random(), 2)))::bigint AS store_id,
       (ARRAY['bank_card', 'e_wallet', 'bank_transfer'])[1 + floor(random() * 3)::int] AS method,
       {NOW} - ({N} - i)::float8 / {N} * interval '{DAYS} days'
             - random() * interval '10 minutes' AS placed_at,
       random() AS fate, random() AS r2
FROM generate_series(1, {N}) i;
ALTER TABLE po ADD COLUMN kind text, ADD COLUMN age interval, ADD COLUMN state text,
  ADD COLUMN close_reason text NOT NULL DEFAULT '', ADD COLUMN side text NOT NULL DEFAULT '',
  ADD COLUMN closed_at timestamptz, ADD COLUMN paid_at timestamptz,
  ADD COLUMN ship_by timestamptz, ADD COLUMN requested_at timestamptz,
  ADD COLUMN respond_by timestamptz, ADD COLUMN req_state text, ADD COLUMN decided_at timestamptz,
  ADD COLUMN shipped_at timestamptz, ADD COLUMN dropped_at timestamptz,
  ADD COLUMN delivered_at timestamptz, ADD COLUMN completed_at timestamptz,
  ADD COLUMN dispute_at timestamptz, ADD COLUMN dispute_state text,
  ADD COLUMN refund_at timestamptz, ADD COLUMN refund_started timestamptz,
  ADD COLUMN refund_arrived timestamptz, ADD COLUMN arrive_by timestamptz,
  ADD COLUMN refund_flagged timestamptz, ADD COLUMN price1 int, ADD COLUMN price2 int,
  ADD COLUMN fee int, ADD COLUMN total int;
UPDATE po SET age = {NOW} - placed_at, kind = CASE
  WHEN fate < 0.025 THEN 'unpaid_cancel' WHEN fate < 0.05 THEN 'unpaid_timeout'
  WHEN fate < 0.17 THEN 'request' WHEN fate < 0.185 THEN 'not_shipped'
  WHEN fate < 0.205 THEN 'dispute' WHEN fate < 0.21 THEN 'ship_canceled' ELSE 'normal' END;
UPDATE po SET price1 = p.unit_price FROM rescind_orders_product p
 WHERE p.id = (po.store_id - 1) * 4 + 1 + po.id % 4;
UPDATE po SET price2 = p.unit_price FROM rescind_orders_product p
 WHERE po.id % 3 = 0 AND p.id = (po.store_id - 1) * 4 + 1 + (po.id + 1) % 4;
UPDATE po SET fee = st.shipping_fee, total = price1 + coalesce(price2, 0) + st.shipping_fee
  FROM rescind_orders_store st WHERE st.id = po.store_id;
-- unpaid
UPDATE po SET state = 'awaiting_payment'
 WHERE kind = 'unpaid_cancel' AND age < interval '2 hours'
    OR kind = 'unpaid_timeout' AND age < interval '20 days';
UPDATE po SET state = 'closed', close_reason = 'cancelled_by_buyer', side = 'buyer',
              closed_at = placed_at + interval '2 hours'
 WHERE kind = 'unpaid_cancel' AND state IS NULL;
UPDATE po SET state = 'closed', close_reason = 'unpaid_timeout', side = 'buyer',
              closed_at = placed_at + interval '20 days'
 WHERE kind = 'unpaid_timeout' AND state IS NULL;
UPDATE po SET paid_at = least(placed_at + interval '10 minutes', {NOW}),
              ship_by = least(placed_at + interval '10 minutes', {NOW}) + interval '9 days'
 WHERE kind NOT LIKE 'unpaid%';
-- cancellation requests: 25-49 h after payment; the seller has 72 h
UPDATE po SET requested_at = paid_at + interval '25 hours' + r2 * interval '24 hours'
 WHERE kind = 'request';
UPDATE po SET kind = 'normal', requested_at = NULL WHERE kind = 'request' AND requested_at > {NOW};
UPDATE po SET respond_by = requested_at + interval '72 hours' WHERE kind = 'request';
UPDATE po SET respond_by = {NOW} - (id % 60 + 1) * interval '1 minute',
              requested_at = {NOW} - (id % 60 + 1) * interval '1 minute' - interval '72 hours',
              req_state = 'pending', state = 'awaiting_shipment'
 WHERE kind = 'request' AND age >= interval '4 days' AND age < interval '5 days';
UPDATE po SET req_state = 'pending', state = 'awaiting_shipment'
 WHERE kind = 'request' AND req_state IS NULL AND respond_by > {NOW};
UPDATE po SET req_state = 'approved', decided_at = requested_at + interval '30 hours',
              state = 'closed', close_reason = 'cancelled_on_request', side = 'buyer',
              closed_at = requested_at + interval '30 hours'
 WHERE kind = 'request' AND req_state IS NULL AND id % 4 IN (0, 1);
UPDATE po SET req_state = 'auto_approved', decided_at = respond_by, state = 'closed',
              close_reason = 'cancelled_on_request', side = 'seller', closed_at = respond_by
 WHERE kind = 'request' AND req_state IS NULL AND id % 4 = 2;
UPDATE po SET req_state = 'refused', decided_at = requested_at + interval '10 hours',
              shipped_at = requested_at + interval '11 hours'
 WHERE kind = 'request' AND req_state IS NULL;
-- not shipped within the handling time
UPDATE po SET state = CASE WHEN ship_by > {NOW} THEN 'awaiting_shipment' ELSE 'closed' END,
              close_reason = CASE WHEN ship_by > {NOW} THEN '' ELSE 'not_shipped_in_time' END,
              side = CASE WHEN ship_by > {NOW} THEN '' ELSE 'seller' END,
              closed_at = CASE WHEN ship_by > {NOW} THEN NULL ELSE ship_by END
 WHERE kind = 'not_shipped';
-- the carrier dropped the parcel; the seller refunded after a week
UPDATE po SET shipped_at = paid_at + interval '2 days', dropped_at = paid_at + interval '6 days',
              state = CASE WHEN age < interval '2 days' THEN 'awaiting_shipment'
                           WHEN age < interval '6 days' THEN 'awaiting_delivery'
                           WHEN age < interval '13 days' THEN 'shipment_canceled'
                           ELSE 'closed' END
 WHERE kind = 'ship_canceled';
UPDATE po SET close_reason = 'refunded_shipment_canceled', side = 'seller',
              closed_at = paid_at + interval '13 days'
 WHERE kind = 'ship_canceled' AND state = 'closed';
-- disputes: opened 3 days after delivery; resolved by support 20 days later
UPDATE po SET shipped_at = paid_at + interval '2 days', delivered_at = paid_at + interval '8 days',
              dispute_at = paid_at + interval '11 days'
 WHERE kind = 'dispute';
UPDATE po SET state = 'in_dispute', dispute_state = CASE
    WHEN age >= interval '26 days' THEN 'escalated'
    ELSE (ARRAY['awaiting_seller', 'seller_refused', 'seller_proposed', 'escalated',
                'awaiting_return'])[1 + id % 5] END
 WHERE kind = 'dispute' AND age >= interval '11 days' AND age < interval '40 days';
UPDATE po SET dispute_state = 'resolved', decided_at = dispute_at + interval '20 days',
              state = CASE WHEN id % 2 = 0 THEN 'closed' ELSE 'completed' END,
              close_reason = CASE WHEN id % 2 = 0 THEN 'refunded_after_dispute' ELSE '' END,
              side = CASE WHEN id % 2 = 0 THEN 'seller' ELSE '' END,
              closed_at = CASE WHEN id % 2 = 0 THEN dispute_at + interval '20 days' END,
              completed_at = CASE WHEN id % 2 = 1 THEN dispute_at + interval '20 days' END
 WHERE kind = 'dispute' AND age >= interval '40 days';
UPDATE po SET dispute_at = NULL WHERE kind = 'dispute' AND dispute_state IS NULL;
-- everything else ships 1-3 days after payment, arrives 5 days later, completes 15 days later
UPDATE po SET shipped_at = coalesce(shipped_at, paid_at + (1 + id % 3) * interval '1 day')
 WHERE state IS NULL;
UPDATE po SET delivered_at = coalesce(delivered_at, shipped_at + interval '5 days')
 WHERE state IS NULL;
UPDATE po SET completed_at = delivered_at + interval '15 days' WHERE state IS NULL;
UPDATE po SET state = CASE WHEN shipped_at > {NOW} THEN 'awaiting_shipment'
                           WHEN completed_at > {NOW} THEN 'awaiting_delivery'
                           ELSE 'completed' END
 WHERE state IS NULL;
UPDATE po SET shipped_at = CASE WHEN shipped_at <= {NOW} THEN shipped_at END,
              dropped_at = CASE WHEN dropped_at <= {NOW} THEN dropped_at END,
              delivered_at = CASE WHEN delivered_at <= {NOW} THEN delivered_at END,
              completed_at = CASE WHEN completed_at <= {NOW} THEN completed_at END;
-- refunds: started an hour after the decision; 1 in 40 never arrives (flagged overdue)
UPDATE po SET refund_at = closed_at, arrive_by = closed_at + CASE method
                WHEN 'e_wallet' THEN interval '7 days' ELSE interval '21 days' END
 WHERE close_reason IN ('cancelled_on_request', 'not_shipped_in_time',
                        'refunded_after_dispute', 'refunded_shipment_canceled');
UPDATE po SET refund_started = refund_at + interval '1 hour'
 WHERE refund_at + interval '1 hour' <= {NOW};
UPDATE po SET refund_arrived = refund_started + (2 + id % 8) * interval '1 day'
 WHERE refund_started IS NOT NULL AND id % 40 <> 0
   AND refund_started + (2 + id % 8) * interval '1 day' <= {NOW};
UPDATE po SET refund_flagged = arrive_by
 WHERE refund_started IS NOT NULL AND refund_arrived IS NULL AND arrive_by <= {NOW};
ANALYZE po;

-- step: checkouts, payments, orders, lines
INSERT INTO rescind_orders_checkout (id, created_at, buyer_id)
SELECT id, placed_at, buyer_id FROM po;
INSERT INTO rescind_orders_payment (id, method, amount, currency, state, gateway_reference,
                                    captured_at, checkout_id, capture_key, instrument)
SELECT id, method, total, 'USD', CASE WHEN paid_at IS NULL THEN 'pending' ELSE 'captured' END,
       CASE WHEN paid_at IS NULL THEN '' ELSE 'sbx_capture_' || md5(id::text) END,
       paid_at, id, CASE WHEN paid_at IS NULL THEN '' ELSE 'capture-' || id END, ''
FROM po;
INSERT INTO rescind_refunds_sandboxoperation (key, kind, amount, currency, method, reference,
                                              created_at, settles_at)
SELECT 'capture-' || id, 'capture', total, 'USD', method, 'sbx_capture_' || md5(id::text),
       paid_at, paid_at
FROM po WHERE paid_at IS NOT NULL;
INSERT INTO rescind_orders_order (id, state, close_reason, responsible_side, currency,
  items_total, shipping_fee, discount_total, total, refunded, payment_method, placed_at, paid_at,
  ship_by, closed_at, buyer_id, checkout_id, store_id, delivered_at, dispute_from)
SELECT id, state, close_reason, side, 'USD', total - fee, fee, 0, total,
       CASE WHEN refund_at IS NULL THEN 0 ELSE total END, method, placed_at, paid_at, ship_by,
       closed_at, buyer_id, id, store_id, delivered_at,
       CASE WHEN dropped_at IS NOT NULL THEN dropped_at END
FROM po ORDER BY id;
INSERT INTO rescind_orders_orderline (product_name, options, quantity, unit_price, discount,
                                      order_id, product_id)
SELECT 'Product', '{{}}'::jsonb, 1, price1, 0, id, (store_id - 1) * 4 + 1 + id % 4 FROM po
UNION ALL
SELECT 'Product', '{{}}'::jsonb, 1, price2, 0, id, (store_id - 1) * 4 + 1 + (id + 1) % 4 FROM po
 WHERE price2 IS NOT NULL;

-- step: shipments, requests, changes, disputes, messages
INSERT INTO rescind_orders_shipment (carrier, tracking_number, shipped_at, order_id,
                                     delivered_at, void_cause, voided_at)
SELECT (ARRAY['Cainiao', 'DHL', 'UPS'])[1 + id % 3], 'TRK' || lpad(id::text, 10, '0'),
       shipped_at, id, delivered_at,
       CASE WHEN dropped_at IS NULL THEN '' ELSE 'tracking_invalid' END, dropped_at
FROM po WHERE shipped_at IS NOT NULL;
INSERT INTO rescind_aftersale_cancellationrequest (reason, side, report_supplier, state,
  requested_at, respond_by, decided_at, decision_note, refusal_reason, order_id)
SELECT CASE WHEN id % 5 = 4 THEN 'out_of_stock' ELSE 'no_longer_needed' END,
       CASE WHEN id % 5 = 4 THEN 'seller' ELSE 'buyer' END, false, req_state, requested_at,
       respond_by, decided_at, '', '', id
FROM po WHERE req_state IS NOT NULL;
INSERT INTO rescind_aftersale_changerequest (lines, delivery, currency, price_before,
  price_after, state, requested_at, respond_by, decided_at, decision_note, confirm_by,
  charge_reference, charged_at, applied_at, order_id)
SELECT '[]', '{{"address": "1 Bench Street"}}', 'USD', total, total, 'applied',
       paid_at + interval '1 hour', paid_at + interval '73 hours', paid_at + interval '2 hours',
       '', NULL, '', NULL, paid_at + interval '2 hours', id
FROM po WHERE id % 200 = 0 AND shipped_at IS NOT NULL AND paid_at + interval '2 hours' <= {NOW};
INSERT INTO rescind_disputes_dispute (reason, description, currency, claim, return_item,
  evidence, beside_cancellation, state, opened_at, respond_by, escalate_by, confirm_by,
  escalated_at, seller_note, proposal, proposal_return, refund, return_required, decided_at,
  decided_by, decision_note, return_carrier, return_tracking, resolved_at, version, order_id)
SELECT 'not_as_described', 'Not what the page showed.', 'USD', total,
       dispute_state = 'awaiting_return', '[]', false, dispute_state, dispute_at,
       dispute_at + interval '15 days',
       CASE WHEN dispute_state IN ('seller_refused', 'seller_proposed')
            THEN dispute_at + interval '10 days' END,
       NULL,
       CASE WHEN dispute_state = 'escalated'
            THEN least(dispute_at + interval '10 days', {NOW} - interval '1 hour') END,
       CASE WHEN dispute_state = 'awaiting_seller' THEN '' ELSE 'Works as described.' END,
       CASE WHEN dispute_state = 'seller_proposed' THEN total / 2 END, false,
       CASE WHEN dispute_state = 'awaiting_return' THEN total
            WHEN dispute_state = 'resolved' THEN CASE WHEN id % 2 = 0 THEN total ELSE 0 END END,
       dispute_state = 'awaiting_return',
       CASE WHEN dispute_state IN ('resolved', 'awaiting_return') THEN decided_at END,
       CASE WHEN dispute_state = 'resolved' THEN 'support' ELSE '' END, '', '', '',
       CASE WHEN dispute_state = 'resolved' THEN decided_at END, 0, id
FROM po WHERE dispute_state IS NOT NULL;
-- a few open disputes whose deadline passed minutes ago, at any size of data set
UPDATE rescind_disputes_dispute SET escalate_by = {NOW} - interval '5 minutes'
 WHERE id IN (SELECT id FROM rescind_disputes_dispute
               WHERE state IN ('seller_refused', 'seller_proposed')
               ORDER BY id DESC LIMIT greatest(2, {N} / 5000));
UPDATE rescind_disputes_dispute SET respond_by = {NOW} - interval '5 minutes'
 WHERE id IN (SELECT id FROM rescind_disputes_dispute WHERE state = 'awaiting_seller'
               ORDER BY id DESC LIMIT greatest(2, {N} / 5000));
INSERT INTO rescind_messaging_ordermessage (author_party, body, sent_at, author_id, order_id)
SELECT 'buyer', 'Any news about my order?', paid_at + interval '1 hour', buyer_id, id
FROM po WHERE id % 20 = 0 AND paid_at + interval '1 hour' <= {NOW}
UNION ALL
SELECT 'seller', 'It ships tomorrow.', paid_at + interval '3 hours', {B} + store_id::int, id
FROM po WHERE id % 20 = 0 AND paid_at + interval '3 hours' <= {NOW};

-- step: refunds
INSERT INTO rescind_refunds_refund (amount, currency, method, state, idempotency_key, cause,
  created_at, start_by, arrive_by, started_at, arrived_at, overdue_flagged_at, attempts,
  last_error, gateway_reference, order_id, payment_id, failure_code, failure_message, instrument)
SELECT total, 'USD', method,
       CASE WHEN refund_started IS NULL THEN 'pending' WHEN refund_arrived IS NULL
            THEN 'processing' ELSE 'succeeded' END,
       md5('refund-' || id)::uuid, 'CancellationApproved', refund_at, refund_at + interval '1 day',
       arrive_by, refund_started, refund_arrived, refund_flagged,
       CASE WHEN refund_started IS NULL THEN 0 ELSE 1 END, '',
       CASE WHEN refund_started IS NULL THEN '' ELSE 'sbx_refund_' || md5(id::text) END, id, id,
       '', '', ''
FROM po WHERE refund_at IS NOT NULL ORDER BY refund_at;
INSERT INTO rescind_refunds_sandboxoperation (key, kind, amount, currency, method, reference,
                                              created_at, settles_at)
SELECT r.idempotency_key::text, 'refund', r.amount, 'USD', r.method, r.gateway_reference,
       r.started_at, coalesce(r.arrived_at, {NOW} + interval '30 days')
FROM rescind_refunds_refund r WHERE r.started_at IS NOT NULL;

-- step: timeline
INSERT INTO rescind_orders_timelineentry (at, kind, actor, params, actor_user_id, order_id)
SELECT at, kind, actor, params::jsonb, actor_user_id, order_id FROM (
  SELECT placed_at AS at, 'OrderPlaced' AS kind, 'buyer' AS actor, '{{}}' AS params,
         buyer_id AS actor_user_id, id AS order_id FROM po
  UNION ALL SELECT paid_at, 'OrderPaid', 'buyer', '{{}}', buyer_id, id FROM po
   WHERE paid_at IS NOT NULL
  UNION ALL SELECT closed_at, CASE close_reason WHEN 'cancelled_by_buyer'
         THEN 'UnpaidOrderCancelled' WHEN 'unpaid_timeout' THEN 'UnpaidOrderTimedOut'
         WHEN 'not_shipped_in_time' THEN 'OrderNotShippedInTime'
         ELSE 'ShipmentCanceledRefunded' END,
         CASE WHEN close_reason = 'cancelled_by_buyer' THEN 'buyer' ELSE 'platform' END, '{{}}',
         NULL, id FROM po
   WHERE close_reason IN ('cancelled_by_buyer', 'unpaid_timeout', 'not_shipped_in_time',
                          'refunded_shipment_canceled')
  UNION ALL SELECT requested_at, 'CancellationRequested', 'buyer',
         '{{"reason": "no_longer_needed"}}', buyer_id, id FROM po WHERE requested_at IS NOT NULL
  UNION ALL SELECT respond_by - interval '24 hours', 'SellerReminded', 'platform', '{{}}', NULL, id
    FROM po WHERE requested_at IS NOT NULL
     AND respond_by - interval '24 hours' <= coalesce(decided_at, {NOW})
  UNION ALL SELECT decided_at, CASE req_state WHEN 'approved' THEN 'CancellationApproved'
         WHEN 'auto_approved' THEN 'CancellationAutoApproved' ELSE 'CancellationRefused' END,
         CASE WHEN req_state = 'auto_approved' THEN 'platform' ELSE 'seller' END, '{{}}', NULL, id
    FROM po WHERE req_state IN ('approved', 'auto_approved', 'refused')
  UNION ALL SELECT refund_at, 'RefundCreated', 'platform', '{{}}', NULL, id FROM po
   WHERE refund_at IS NOT NULL
  UNION ALL SELECT refund_started, 'RefundStarted', 'platform', '{{}}', NULL, id FROM po
   WHERE refund_started IS NOT NULL
  UNION ALL SELECT refund_arrived, 'RefundArrived', 'platform', '{{}}', NULL, id FROM po
   WHERE refund_arrived IS NOT NULL
  UNION ALL SELECT refund_flagged, 'RefundFlaggedOverdue', 'platform', '{{}}', NULL, id FROM po
   WHERE refund_flagged IS NOT NULL
  UNION ALL SELECT shipped_at, 'OrderShipped', 'seller', '{{}}', NULL, id FROM po
   WHERE shipped_at IS NOT NULL
  UNION ALL SELECT dropped_at, 'ShipmentCanceled', 'carrier', '{{}}', NULL, id FROM po
   WHERE dropped_at IS NOT NULL
  UNION ALL SELECT delivered_at, 'ParcelDelivered', 'carrier', '{{}}', NULL, id FROM po
   WHERE delivered_at IS NOT NULL
  UNION ALL SELECT completed_at, 'OrderCompleted', 'platform', '{{}}', NULL, id FROM po
   WHERE completed_at IS NOT NULL
  UNION ALL SELECT dispute_at, 'DisputeOpened', 'buyer', '{{}}', buyer_id, id FROM po
   WHERE dispute_at IS NOT NULL
  UNION ALL SELECT decided_at, 'DisputeDecided', 'support', '{{}}', NULL, id FROM po
   WHERE dispute_state = 'resolved'
) events ORDER BY at, order_id;

-- step: deadlines
INSERT INTO rescind_orders_deadline (kind, due_at, subject_id, fired_at, voided_at, order_id)
-- R5: every order could time out unpaid
SELECT 'unpaid_timeout', placed_at + interval '20 days', NULL::bigint,
       CASE WHEN close_reason = 'unpaid_timeout' THEN closed_at END,
       coalesce(paid_at, CASE WHEN close_reason = 'cancelled_by_buyer' THEN closed_at END), id
FROM po
UNION ALL  -- R12 and its R27 reminder: every paid order
SELECT k.kind, ship_by - k.before, NULL,
       CASE WHEN ship_by - k.before <= least(coalesce(shipped_at, closed_at, {NOW}), {NOW})
             AND (k.kind = 'handling_time_reminder' OR close_reason = 'not_shipped_in_time')
            THEN ship_by - k.before END,
       CASE WHEN (shipped_at IS NOT NULL OR closed_at IS NOT NULL)
             AND NOT (ship_by - k.before <= coalesce(shipped_at, closed_at)
                      AND (k.kind = 'handling_time_reminder'
                           OR close_reason = 'not_shipped_in_time'))
            THEN coalesce(shipped_at, closed_at) END, id
FROM po, (VALUES ('handling_time', interval '0'),
                 ('handling_time_reminder', interval '24 hours')) k(kind, before)
WHERE paid_at IS NOT NULL
UNION ALL  -- R10 and its reminder: every cancellation request
SELECT k.kind, respond_by - k.before, NULL,
       CASE WHEN k.kind = 'seller_response_reminder'
             AND respond_by - k.before <= coalesce(decided_at, {NOW})
            THEN respond_by - k.before
            WHEN k.kind = 'seller_response' AND req_state = 'auto_approved' THEN respond_by END,
       CASE WHEN req_state IN ('approved', 'refused')
             AND NOT (k.kind = 'seller_response_reminder'
                      AND respond_by - k.before <= decided_at)
            THEN decided_at END, id
FROM po, (VALUES ('seller_response', interval '0'),
                 ('seller_response_reminder', interval '24 hours')) k(kind, before)
WHERE requested_at IS NOT NULL
UNION ALL  -- R15: completes by itself after delivery; a dispute stops the clock
SELECT 'delivery_confirmation', delivered_at + interval '15 days', NULL,
       CASE WHEN dispute_at IS NULL THEN completed_at END,
       CASE WHEN dispute_at IS NOT NULL THEN dispute_at END, id
FROM po WHERE delivered_at IS NOT NULL
UNION ALL  -- R16: the seller's week after the carrier dropped the parcel
SELECT 'shipment_canceled_reply', dropped_at + interval '7 days', NULL, closed_at, NULL, id
FROM po WHERE dropped_at IS NOT NULL
UNION ALL  -- R13: the applied change requests' seller window
SELECT 'change_request_response', paid_at + interval '73 hours', c.id, NULL,
       paid_at + interval '2 hours', po.id
FROM po JOIN rescind_aftersale_changerequest c ON c.order_id = po.id;
-- R23: a daily check per started refund until it arrives; one open per processing refund,
-- a third of them due now (the worker is a few minutes behind)
INSERT INTO rescind_orders_deadline (kind, due_at, subject_id, fired_at, voided_at, order_id)
SELECT 'refund_check', r.started_at + d * interval '1 day', r.id,
       r.started_at + d * interval '1 day', NULL::timestamptz, r.order_id
FROM rescind_refunds_refund r,
     generate_series(1, greatest(0, floor(extract(epoch FROM coalesce(r.arrived_at, {NOW})
                                                       - r.started_at) / 86400)::int)) d
WHERE r.started_at IS NOT NULL
UNION ALL
SELECT 'refund_check', CASE WHEN r.id % 3 = 0 THEN {NOW} - (r.id % 30 + 1) * interval '1 minute'
                            ELSE {NOW} + (r.id % 1440 + 1) * interval '1 minute' END,
       r.id, NULL, NULL, r.order_id
FROM rescind_refunds_refund r WHERE r.state = 'processing';

-- step: inbox, e-mails, webhook deliveries
CREATE TEMP TABLE pn AS
SELECT t.id AS entry_id, t.kind, t.at, t.order_id, u.user_id
FROM rescind_orders_timelineentry t JOIN po ON po.id = t.order_id
CROSS JOIN LATERAL (
  SELECT po.buyer_id AS user_id WHERE t.kind = ANY({BUYER_KINDS})
  UNION ALL SELECT {B} + po.store_id::int WHERE t.kind = ANY({SELLER_KINDS})
  UNION ALL SELECT s FROM generate_series({SUP}, {CARRIER_USER} - 1) s
   WHERE t.kind = ANY({SUPPORT_KINDS})) u;
INSERT INTO rescind_notifications_notification (kind, title, body, params, party, created_at,
                                                read_at, dedup_key, order_id, user_id)
SELECT kind, kind, 'Order ' || order_id, '{{}}', '', at,
       CASE WHEN at < {NOW} - interval '3 days' OR entry_id % 3 = 0
            THEN least(at + interval '2 hours', {NOW}) END,
       entry_id || ':inbox:' || user_id, order_id, user_id
FROM pn ORDER BY entry_id;
INSERT INTO rescind_notifications_emailmessage (id, "to", subject, body, created_at, sent_at,
                                                attempts, last_error, dedup_key, html_body)
SELECT row_number() OVER (ORDER BY entry_id, user_id), 'u' || user_id || '@example.com', kind,
       'Order ' || order_id, at, least(at + interval '1 minute', {NOW}), 1, '',
       entry_id || ':email:' || user_id, ''
FROM pn;
INSERT INTO rescind_notifications_webhookdelivery (event_kind, payload, created_at, delivered_at,
  attempts, last_status, last_error, dedup_key, subscriber_id, status)
SELECT kind, jsonb_build_object('id', id, 'kind', kind, 'order_id', order_id, 'at', at,
                                'actor', actor, 'params', params),
       at, least(at + interval '1 second', {NOW}), 1, 200, '', id || ':webhook:1', 1, 'delivered'
FROM rescind_orders_timelineentry ORDER BY id;

-- step: task rows
INSERT INTO django_tasks_database_dbtaskresult (id, status, args_kwargs, priority, task_path,
  queue_name, backend_name, run_after, enqueued_at, finished_at, started_at, return_value,
  exception_class_path, traceback, worker_ids)
SELECT gen_random_uuid(), CASE WHEN t.id % 997 = 0 THEN 'FAILED' ELSE 'SUCCESSFUL' END,
       jsonb_build_object('args', jsonb_build_array(jsonb_build_array(t.id)), 'kwargs',
                          '{{}}'::jsonb),
       0, 'rescind.notifications.tasks.notify_task', 'default', 'default',
       '9999-01-01 00:00:00+00'::timestamptz, t.at, least(t.at + interval '2 seconds', {NOW}),
       least(t.at + interval '1 second', {NOW}), 'null'::jsonb,
       CASE WHEN t.id % 997 = 0 THEN 'smtplib.SMTPServerDisconnected' ELSE '' END, '',
       '["bench-worker"]'::jsonb
FROM rescind_orders_timelineentry t
UNION ALL  -- each started refund was submitted by a task; each fired check ran one
SELECT gen_random_uuid(), 'SUCCESSFUL',
       jsonb_build_object('args', jsonb_build_array(d.subject_id), 'kwargs', '{{}}'::jsonb), 0,
       'rescind.refunds.tasks.refund_check_task', 'default', 'default',
       '9999-01-01 00:00:00+00'::timestamptz,
       d.fired_at, d.fired_at + interval '2 seconds', d.fired_at + interval '1 second',
       '"waiting"'::jsonb, '', '', '["bench-worker"]'::jsonb
FROM rescind_orders_deadline d WHERE d.kind = 'refund_check' AND d.fired_at IS NOT NULL
UNION ALL  -- the pending refunds' submissions wait in the queue
SELECT gen_random_uuid(), 'READY',
       jsonb_build_object('args', jsonb_build_array(r.id), 'kwargs', '{{}}'::jsonb), 0,
       'rescind.refunds.tasks.refund_submit_task', 'default', 'default',
       '9999-01-01 00:00:00+00'::timestamptz, r.created_at, NULL, NULL, NULL, '', '', '[]'
FROM rescind_refunds_refund r WHERE r.state = 'pending'
UNION ALL  -- e-mail retries backing off, due later
SELECT gen_random_uuid(), 'READY',
       jsonb_build_object('args', jsonb_build_array(i), 'kwargs', '{{}}'::jsonb), 0,
       'rescind.notifications.tasks.email_send_task', 'default', 'default',
       {NOW} + i * interval '1 minute', {NOW} - interval '1 hour', NULL, NULL, NULL, '', '', '[]'
FROM generate_series(1, 200) i
UNION ALL  -- claimed by workers that died two hours ago
SELECT gen_random_uuid(), 'RUNNING',
       jsonb_build_object('args', jsonb_build_array(jsonb_build_array(1)), 'kwargs',
                          '{{}}'::jsonb), 0,
       'rescind.notifications.tasks.notify_task', 'default', 'default',
       '9999-01-01 00:00:00+00'::timestamptz,
       {NOW} - interval '2 hours', NULL, {NOW} - interval '2 hours', NULL, '', '',
       '["dead-worker"]'
FROM generate_series(1, 3) i;

-- step: idempotency records
INSERT INTO rescind_api_idempotencyrecord (scope, key, request_hash, status_code, content_type,
                                           body, created_at)
SELECT 't:' || left(encode(sha256(convert_to('rsc_bench_' || buyer_id, 'UTF8')), 'hex'), 40),
       'checkout-' || id, md5(id::text) || md5(id::text), 201, 'application/json',
       convert_to('{{}}', 'UTF8'), placed_at
FROM po;
DROP TABLE pn;
DROP TABLE po;

"""The order page's money rows: each amount once, summing to the total to the cent (R3)."""

from __future__ import annotations

from rescind.web.order_money import ChangeMoney, money_rows


def usd(amount: int) -> dict:
    return {"amount": amount, "currency": "USD"}


def signed(table: dict) -> list[tuple[str, str, int]]:
    return [(row["label"], row["sign"], row["amount"]["amount"]) for row in table["rows"]]


def test_r3_a_coupon_share_is_shown_once_not_inside_the_line_too():
    # given: a 8.99 phone case with 4.99 shipping and a 2.86 share of coupon SPRING10,
    # charged 11.12 (the page used to show the line at 6.13 and subtract 2.86 again)
    # when: the rows are built
    table = money_rows(currency="USD", line_amounts=[899], shipping_fee=499,
                       coupons=[("SPRING10", "platform", 286)], price_cuts=[], changes=[],
                       total=1112, refunded=0)

    # then: the line at list price, shipping, the coupon subtracted once, and they add up
    assert table["lines"] == [usd(899)]
    assert signed(table) == [("Shipping", "+", 499), ("Coupon SPRING10", "-", 286)]
    assert table["total"] == usd(1112)
    assert table["refunds"] == []
    assert table["adds_up"] is True


def test_r3_r6_each_coupon_kind_and_the_sellers_price_cut_get_a_row_of_their_own():
    # given: two lines, a store coupon, a promo code and a seller's price cut of 6.00
    # when: the rows are built
    table = money_rows(currency="USD", line_amounts=[2999, 1250], shipping_fee=0,
                       coupons=[("SUNRISE3", "seller", 300), ("THREADS", "promo", 150)],
                       price_cuts=[600], changes=[], total=3199, refunded=0)

    # then: free shipping still shows, each discount is its own subtracted row, and they add up
    assert signed(table) == [("Shipping", "+", 0), ("Store coupon SUNRISE3", "-", 300),
                             ("Promo code THREADS", "-", 150),
                             ("Price lowered by the seller", "-", 600)]
    assert table["adds_up"] is True


def test_r3_r13_a_cheaper_change_adds_back_what_was_paid_before_it_and_refunds_come_after():
    # given: two shirts (25.00) + 3.00 shipping paid 28.00, changed to one shirt (12.50):
    # the 12.50 difference refunded
    # when: the rows are built
    table = money_rows(currency="USD", line_amounts=[1250], shipping_fee=300, coupons=[],
                       price_cuts=[],
                       changes=[ChangeMoney(difference=-1250, applied=True, charged=False,
                                            discount_dropped=0)],
                       total=2800, refunded=1250)

    # then: the total stays what was charged, the difference is shown added back, and the
    # refund is a block of its own below the total
    assert signed(table) == [
        ("Shipping", "+", 300),
        ("Paid before the change of items (the difference is refunded)", "+", 1250)]
    assert table["adds_up"] is True
    assert table["refunds"] == [
        {"label": "Refunded", "sign": "-", "amount": usd(1250)},
        {"label": "Paid after refunds", "sign": "+", "amount": usd(1550)}]


def test_r3_r13_a_dropped_discount_and_an_extra_charge_that_did_not_apply_are_shown():
    # given: a 10.00 line with a 4.00 coupon share, changed to a 3.00 line that keeps 3.00 of
    # it (1.00 dropped): with 2.00 shipping the price went 8.00 -> 2.00, 6.00 refunded; then a
    # dearer change whose 5.00 extra charge was taken but never applied (refunded)
    changes = [ChangeMoney(difference=-600, applied=True, charged=False, discount_dropped=100),
               ChangeMoney(difference=500, applied=False, charged=True, discount_dropped=0)]

    # when: the rows are built (total: the 8.00 paid, plus the 5.00 extra charge)
    table = money_rows(currency="USD", line_amounts=[300], shipping_fee=200,
                       coupons=[("WELCOME5", "platform", 400)], price_cuts=[], changes=changes,
                       total=1300, refunded=1100)

    # then: every movement has its row and they add up to the 13.00 charged
    assert signed(table) == [
        ("Shipping", "+", 200), ("Coupon WELCOME5", "-", 400),
        ("Discount the changed items could not carry", "+", 100),
        ("Paid before the change of items (the difference is refunded)", "+", 600),
        ("Extra charge for a change that did not go ahead (refunded)", "+", 500)]
    assert table["adds_up"] is True


def test_r3_rows_that_do_not_reach_the_total_are_flagged():
    # given: a total one cent off what the parts make
    # when: the rows are built
    table = money_rows(currency="USD", line_amounts=[899], shipping_fee=499, coupons=[],
                       price_cuts=[], changes=[], total=1399, refunded=0)

    # then: the table says it does not add up (the page logs it as an error)
    assert table["adds_up"] is False

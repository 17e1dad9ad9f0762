"""The orders CSV reader: good files parse, every bad row is an InputError naming the
file, the line and the column; no input makes it fail any other way (hypothesis)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.scheduling import parse_orders_csv, read_orders_csv
from surrogates.errors import InputError

PRODUCTS = ("P-STD", "P-HP")
HEADER = "order,product,quantity_t,release,due,priority"


def test_parses_a_good_file() -> None:
    text = (f"{HEADER}\n"
            "A1,P-STD,12.5,2025-03-03 06:00,2025-03-04,2\n"
            "\n"
            "A2,P-HP,3,,,\n")
    orders = parse_orders_csv(text, PRODUCTS)
    assert [o.order for o in orders] == ["A1", "A2"]
    assert orders[0].quantity_t == 12.5 and orders[0].priority == 2.0
    assert orders[0].release == dt.datetime(2025, 3, 3, 6)
    assert orders[0].due == dt.datetime(2025, 3, 4)
    assert orders[1].release is None and orders[1].due is None and orders[1].priority == 1.0


def test_batches_column_and_bom(tmp_path) -> None:
    path = tmp_path / "o.csv"
    path.write_text("\ufefforder,product,batches\nB1,P-HP,3\n", encoding="utf-8")
    (order,) = read_orders_csv(path, PRODUCTS)
    assert order.batches == 3 and order.quantity_t is None


BAD_ROWS = [
    # unknown product: names the column and lists the products
    ("X,P-XX,1,,,", "line 2, column 'product'", "unknown product"),
    # quantity is not a number
    ("X,P-STD,lots,,,", "line 2, column 'quantity_t'", "not a number"),
    # quantity zero
    ("X,P-STD,0,,,", "line 2, column 'quantity_t'", "> 0"),
    # infinite quantity
    ("X,P-STD,inf,,,", "line 2, column 'quantity_t'", "> 0"),
    # unreadable due date
    ("X,P-STD,1,,next week,", "line 2, column 'due'", "as a date"),
    # due before release
    ("X,P-STD,1,2025-03-04,2025-03-03,", "line 2, column 'due'", "not after release"),
    # date with a time zone
    ("X,P-STD,1,2025-03-04T06:00+01:00,,", "line 2, column 'release'", "time zone"),
    # negative priority
    ("X,P-STD,1,,,-2", "line 2, column 'priority'", "> 0"),
    # empty order id
    (",P-STD,1,,,", "line 2, column 'order'", "empty"),
    # missing field
    ("X,P-STD,1,,", "line 2", "5 fields"),
    # no quantity at all
    ("X,P-STD,,,,", "line 2", "exactly one of quantity_t and batches"),
]


@pytest.mark.parametrize(("row", "where", "what"), BAD_ROWS)
def test_bad_rows_name_file_line_and_column(row: str, where: str, what: str) -> None:
    with pytest.raises(InputError) as info:
        parse_orders_csv(f"{HEADER}\n{row}\n", PRODUCTS, source="week/orders.csv")
    text = str(info.value)
    assert text.startswith("week/orders.csv: ")
    assert where in text and what in text


def test_repeated_order_names_both_lines() -> None:
    with pytest.raises(InputError, match=r"line 3.*repeated \(first on line 2\)"):
        parse_orders_csv(f"{HEADER}\nX,P-STD,1,,,\nX,P-HP,2,,,\n", PRODUCTS)


@pytest.mark.parametrize(("text", "what"), [
    ("", "empty"),  # no header
    ("order,product\n", "quantity_t"),  # no amount column
    ("order,product,quantity_t,colour\nX,P-STD,1,red\n", "unknown column"),  # typo
    ("order,quantity_t\nX,1\n", "missing column 'product'"),  # no product column
    (f"{HEADER}\n", "no orders"),  # header only
])
def test_bad_headers(text: str, what: str) -> None:
    with pytest.raises(InputError, match=what):
        parse_orders_csv(text, PRODUCTS)


def test_missing_file_names_it(tmp_path) -> None:
    with pytest.raises(InputError, match=r"orders\.csv: orders file not found"):
        read_orders_csv(tmp_path / "orders.csv", PRODUCTS)


_cell = st.one_of(st.sampled_from(["", "1", "2.5", "-1", "0", "nan", "1e9", "abc",
                                   "2025-03-03", "2025-03-03 06:00", "2025-02-30",
                                   "P-STD", "P-HP", '"', "a,b", "\u00e9"]),
                  st.text(max_size=6))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(_cell, min_size=4, max_size=7), min_size=1, max_size=5))
def test_any_input_parses_or_raises_input_error(rows: list[list[str]]) -> None:
    text = HEADER + "\n" + "\n".join(",".join(r) for r in rows) + "\n"
    try:
        orders = parse_orders_csv(text, PRODUCTS, source="fuzz.csv")
    except InputError as exc:
        assert str(exc).startswith("fuzz.csv")
        assert "line" in str(exc) or "no orders" in str(exc)
        return
    for order in orders:
        assert order.product in PRODUCTS
        assert (order.quantity_t is None) != (order.batches is None)
        assert order.priority > 0

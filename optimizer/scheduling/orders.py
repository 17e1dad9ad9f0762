"""Reading the order book from a CSV file.

Columns (header names exact, order free): ``order`` and ``product`` (required),
``quantity_t`` (good product, tonnes) or ``batches`` (one of them per row), ``release``
and ``due`` (ISO dates or date-times in local plant time, optional) and ``priority``
(tardiness weight per hour late, default 1). Empty cells mean "not given". Every problem
raises :class:`~surrogates.errors.InputError` naming the file, the line and the column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Collection
from pathlib import Path

from pydantic import ValidationError

from optimizer.scheduling.config import OrderConfig
from surrogates.errors import InputError

__all__ = ["ORDER_COLUMNS", "parse_orders_csv", "read_orders_csv"]

MAX_BATCHES = 10_000
ORDER_COLUMNS = ("order", "product", "quantity_t", "batches", "release", "due", "priority")


def read_orders_csv(path: str | Path, products: Collection[str]) -> list[OrderConfig]:
    """Read and check an orders CSV file.

    Args:
        path: The CSV file.
        products: Known product names.

    Raises:
        InputError: The file is missing or unreadable, or a row is invalid (the message
            names the file, the line and the column).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("orders file not found", file=path,
                         hint="check orders_csv in the scenario (relative to the"
                         " scenario file)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the orders file: {exc}", file=path,
                         hint="save it as UTF-8 CSV") from None
    return parse_orders_csv(text, products, source=path)


def _date(value: str, file: str | Path, where: str) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"cannot read {value!r} as a date", file=file, location=where,
                         hint="write dates as YYYY-MM-DD or YYYY-MM-DD HH:MM") from None
    if when.tzinfo is not None:
        raise InputError(f"{value!r} has a time zone", file=file, location=where,
                         hint="give local plant time without an offset")
    return when


def _number(value: str, file: str | Path, where: str, *, integer: bool = False) -> float:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number <= 0 or (integer and (
            number != int(number) or number > MAX_BATCHES)):
        kind = f"a whole number from 1 to {MAX_BATCHES}" if integer else "a number > 0"
        raise InputError(f"{value!r} is not {kind}", file=file, location=where)
    return number


def parse_orders_csv(text: str, products: Collection[str], *,
                     source: str | Path = "orders.csv") -> list[OrderConfig]:
    """Parse orders CSV text (see the module docstring for the columns).

    Args:
        text: The CSV text (with a header line).
        products: Known product names.
        source: File name used in error messages.

    Raises:
        InputError: A missing or unknown column, or an invalid row.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InputError("the orders file is empty", file=source,
                         hint=f"start with a header line: {','.join(ORDER_COLUMNS)}") from None
    except csv.Error as exc:
        raise InputError(f"not a CSV file: {exc}", file=source, location="line 1") from None
    unknown = [h for h in header if h not in ORDER_COLUMNS]
    if unknown:
        raise InputError(f"unknown column(s) {', '.join(map(repr, unknown))}", file=source,
                         location="line 1 (header)",
                         hint=f"allowed columns: {', '.join(ORDER_COLUMNS)}")
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise InputError(f"repeated column(s) {', '.join(dupes)}", file=source,
                         location="line 1 (header)")
    for needed in ("order", "product"):
        if needed not in header:
            raise InputError(f"missing column {needed!r}", file=source,
                             location="line 1 (header)",
                             hint=f"columns: {', '.join(ORDER_COLUMNS)}")
    if "quantity_t" not in header and "batches" not in header:
        raise InputError("needs a 'quantity_t' or a 'batches' column", file=source,
                         location="line 1 (header)")
    known = set(products)
    orders: list[OrderConfig] = []
    seen: dict[str, int] = {}
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise InputError(f"not valid CSV: {exc}", file=source,
                             location=f"line {reader.line_num}") from None
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise InputError(f"has {len(row)} fields, the header has {len(header)}",
                             file=source, location=f"line {line}",
                             hint="check for missing or extra commas")
        cells = {h: c.strip() for h, c in zip(header, row, strict=True)}
        orders.append(_order(cells, line, source, known, seen))
    if not orders:
        raise InputError("no orders in the file", file=source,
                         hint="add one line per order below the header")
    return orders


def _order(cells: dict[str, str], line: int, source: str | Path, known: set[str],
           seen: dict[str, int]) -> OrderConfig:
    def where(column: str) -> str:
        return f"line {line}, column {column!r}"

    name = cells["order"]
    if not name:
        raise InputError("the order id is empty", file=source, location=where("order"))
    if name in seen:
        raise InputError(f"order {name!r} is repeated (first on line {seen[name]})",
                         file=source, location=where("order"))
    seen[name] = line
    product = cells["product"]
    if product not in known:
        raise InputError(f"unknown product {product!r} (order {name})", file=source,
                         location=where("product"),
                         hint=f"products in the scenario: {', '.join(sorted(known))}")
    quantity = cells.get("quantity_t", "")
    batches = cells.get("batches", "")
    if bool(quantity) == bool(batches):
        raise InputError(f"order {name}: give exactly one of quantity_t and batches",
                         file=source, location=f"line {line}")
    release = _date(cells["release"], source, where("release")) \
        if cells.get("release") else None
    due = _date(cells["due"], source, where("due")) if cells.get("due") else None
    if release is not None and due is not None and due <= release:
        raise InputError(f"order {name}: due {due} is not after release {release}",
                         file=source, location=where("due"))
    try:
        return OrderConfig(
            order=name, product=product,
            quantity_t=_number(quantity, source, where("quantity_t")) if quantity else None,
            batches=int(_number(batches, source, where("batches"), integer=True))
            if batches else None,
            release=release, due=due,
            priority=_number(cells["priority"], source, where("priority"))
            if cells.get("priority") else 1.0)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(f"order {name}: {first['msg']}", file=source,
                         location=f"line {line}") from None

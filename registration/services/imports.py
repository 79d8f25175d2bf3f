"""Staff import the reference lists from Excel (.xlsx) or CSV: the severe-dishonesty and judgment-defaulter
lists, recognised parks and the statistics bureau's new-above-scale list (the money core reads other programmes'
award lists with the same reader, vouchers.services.subsidy_imports). Every row is checked first; one bad row
refuses the whole file with the row numbers, so nothing is half-imported."""
import csv
import io
from datetime import date, datetime

from django.conf import settings
from django.db import transaction

from hangqifu.accounts.validators import is_valid_credit_code
from hangqifu.audit.services import audit_record
from hangqifu.core.errors import InvalidInput, NotPermitted

from .. import permissions
from ..models import AboveScaleEntry, CreditListEntry, ParkRecognition
from .credit_lists import delisted_keys, listed_parties_suspend

MAX_ROWS = 50_000
# Column header (Chinese or English) → field
HEADERS = {
    "统一社会信用代码": "credit_code", "信用代码": "credit_code", "credit_code": "credit_code",
    "运营主体统一社会信用代码": "credit_code",
    "名称": "name", "企业名称": "name", "主体名称": "name", "name": "name",
    "列入日期": "listed_on", "listed_on": "listed_on", "移出日期": "removed_on", "removed_on": "removed_on",
    "园区名称": "park_name", "park_name": "park_name", "运营主体名称": "operator_name",
    "operator_name": "operator_name", "星级": "star_level", "star_level": "star_level",
    "认定日期": "recognised_on", "recognised_on": "recognised_on", "有效期至": "valid_until",
    "valid_until": "valid_until", "年度": "year", "升规年度": "year", "year": "year",
    "政策类别": "programme", "programme": "programme", "项目名称": "project", "project": "project",
    "服务机构名称": "provider_name", "provider_name": "provider_name", "支持金额": "amount", "amount": "amount",
    "服务机构统一社会信用代码": "provider_credit_code", "provider_credit_code": "provider_credit_code",
}
LABELS = {"credit_code": "统一社会信用代码", "name": "名称", "listed_on": "列入日期", "park_name": "园区名称",
          "recognised_on": "认定日期", "valid_until": "有效期至", "year": "升规年度", "project": "项目名称"}


def _refuse(message: str):
    raise InvalidInput(message, code="invalid_import", fields={"file": [message]})


def read_rows(uploaded_file) -> list[dict]:
    """Rows of an .xlsx or .csv (UTF-8 or GBK) file as {field: value}, keyed by the header row. The file is
    refused above UPLOAD_MAX_BYTES before it is parsed, and rows are streamed (openpyxl read-only): reading
    stops at the first row past MAX_ROWS instead of loading a huge sheet into memory first."""
    limit = settings.UPLOAD_MAX_BYTES
    name = (getattr(uploaded_file, "name", "") or "").lower()
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > limit:
        _refuse(f"文件过大：最大 {limit // (1024 * 1024)} MB")
    data = uploaded_file.read(limit + 1)
    if len(data) > limit:
        _refuse(f"文件过大：最大 {limit // (1024 * 1024)} MB")
    if data[:2] == b"PK" or name.endswith(".xlsx"):
        table = _xlsx_rows(data)
    elif name.endswith(".csv") or not name:
        table = _csv_rows(data)
    else:
        _refuse("只支持 Excel（.xlsx）或 CSV 文件")
    table = (row for row in table if any(str(c).strip() for c in row if c is not None))
    first = next(table, None)
    if first is None:
        _refuse("文件中没有数据")
    header = [HEADERS.get(str(c or "").strip()) for c in first]
    if "credit_code" not in header:
        _refuse("表头缺少“统一社会信用代码”列")
    rows = []
    for row in table:
        if len(rows) == MAX_ROWS:
            _refuse(f"单个文件最多 {MAX_ROWS} 行")
        rows.append({key: value for key, value in zip(header, row, strict=False) if key})
    return rows


def _xlsx_rows(data: bytes):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except Exception:  # noqa: BLE001 — any unreadable workbook is the user's file, not our bug
        _refuse("无法读取 Excel 文件，请确认是 .xlsx 格式")
    try:
        yield from sheet.iter_rows(values_only=True)
    finally:
        workbook.close()


def _csv_rows(data: bytes):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        _refuse("CSV 文件编码无法识别，请使用 UTF-8 或 GBK")
    return csv.reader(io.StringIO(text))


def _date(value, *, required: bool):
    if value in (None, ""):
        if required:
            raise ValueError("不能为空")
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"日期“{value}”格式应为 YYYY-MM-DD") from exc


def credit_code_cell(value) -> str:
    code = str(value or "").strip().upper()
    if not is_valid_credit_code(code):
        raise ValueError(f"统一社会信用代码“{code}”无效")
    return code


def parse_rows(rows: list[dict], parse_row) -> list[dict]:
    parsed, errors = [], []
    for number, row in enumerate(rows, start=2):
        try:
            parsed.append(parse_row(row))
        except ValueError as exc:
            errors.append(f"第 {number} 行：{exc}")
    if errors:
        shown = errors[:20] + ([f"……共 {len(errors)} 处错误"] if len(errors) > 20 else [])
        raise InvalidInput("导入文件有误，未导入任何数据", code="invalid_import", fields={"file": shown})
    return parsed


def row_field(row, name, *, required=True, parse=None):
    try:
        value = row.get(name)
        if parse:
            return parse(value)
        value = "" if value is None else str(value).strip()
        if required and not value:
            raise ValueError("不能为空")
        return value
    except ValueError as exc:
        raise ValueError(f"{LABELS.get(name, name)}{exc}" if str(exc) == "不能为空" else str(exc)) from exc


def assert_may_import(actor):
    if not permissions.is_reviewer(actor) and not getattr(actor, "is_superuser", False):
        raise NotPermitted("只有市工信服务中心可以导入名单")


@transaction.atomic
def import_credit_list(*, actor, list_kind: str, uploaded_file, source: str = "") -> dict:
    assert_may_import(actor)
    if list_kind not in CreditListEntry.ListKind.values:
        raise InvalidInput("名单类型无效", fields={"list_kind": ["名单类型无效"]})
    rows = parse_rows(read_rows(uploaded_file), lambda row: {
        "credit_code": row_field(row, "credit_code", parse=credit_code_cell),
        "name": row_field(row, "name", required=False),
        "listed_on": row_field(row, "listed_on", parse=lambda v: _date(v, required=True)),
        "removed_on": row_field(row, "removed_on", parse=lambda v: _date(v, required=False)),
    })

    created, delisted = 0, delisted_keys()
    for row in rows:
        defaults = {"name": row["name"], "removed_on": row["removed_on"], "source": source}
        if (list_kind, row["credit_code"], row["listed_on"]) in delisted and row["removed_on"] is None:
            del defaults["removed_on"]  # a documented delisting stands until the list itself ends the entry
        _, was_created = CreditListEntry.objects.update_or_create(
            list_kind=list_kind, credit_code=row["credit_code"], listed_on=row["listed_on"], defaults=defaults)
        created += was_created
    result = import_done(actor, "reference.import_credit_list", {"list_kind": list_kind, "rows": len(rows),
                                                           "created": created, "source": source})
    # 第六条: what the lists in force today hit is suspended now (entries listed from a later day: the daily
    # job `vouchers.credit_lists` suspends them on that day).
    return {**result, **listed_parties_suspend(actor=actor)}


@transaction.atomic
def import_park_recognitions(*, actor, uploaded_file) -> dict:
    assert_may_import(actor)

    def parse(row):
        parsed = {"credit_code": row_field(row, "credit_code", parse=credit_code_cell),
                  "park_name": row_field(row, "park_name"),
                  "operator_name": row_field(row, "operator_name", required=False),
                  "star_level": row_field(row, "star_level", required=False),
                  "recognised_on": row_field(row, "recognised_on", parse=lambda v: _date(v, required=True)),
                  "valid_until": row_field(row, "valid_until", parse=lambda v: _date(v, required=True))}
        if parsed["valid_until"] < parsed["recognised_on"]:
            raise ValueError("有效期至不能早于认定日期")
        return parsed

    rows = parse_rows(read_rows(uploaded_file), parse)
    created = 0
    for row in rows:
        _, was_created = ParkRecognition.objects.update_or_create(
            credit_code=row["credit_code"], recognised_on=row["recognised_on"],
            defaults={k: row[k] for k in ("park_name", "operator_name", "star_level", "valid_until")})
        created += was_created
    return import_done(actor, "reference.import_park_recognitions", {"rows": len(rows), "created": created})


@transaction.atomic
def import_above_scale(*, actor, uploaded_file, year: int | None = None) -> dict:
    assert_may_import(actor)

    def parse(row):
        row_year = row.get("year")
        if row_year in (None, ""):
            if year is None:
                raise ValueError("升规年度不能为空")
            row_year = year
        try:
            row_year = int(row_year)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"升规年度“{row_year}”无效") from exc
        return {"credit_code": row_field(row, "credit_code", parse=credit_code_cell), "name": row_field(row, "name", required=False),
                "year": row_year}

    rows = parse_rows(read_rows(uploaded_file), parse)
    created = 0
    for row in rows:
        _, was_created = AboveScaleEntry.objects.update_or_create(
            year=row["year"], credit_code=row["credit_code"], defaults={"name": row["name"]})
        created += was_created
    return import_done(actor, "reference.import_above_scale", {"rows": len(rows), "created": created})


def import_done(actor, action, payload) -> dict:
    audit_record(actor=actor, action=action, payload=payload)
    return {"rows": payload["rows"], "created": payload["created"], "updated": payload["rows"] - payload["created"]}

"""Excel files finance writes, byte for byte reproducible: the same rows give the same file
(a closed month's vouchers exported twice are identical; an auditor can compare checksums)."""

import io
import re
import zipfile
from datetime import datetime

from openpyxl import Workbook

_FIXED_TIME = datetime(2000, 1, 1)
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)
# openpyxl stamps the save time into docProps/core.xml, and zip entries carry their write time.
_MODIFIED = re.compile(rb"<dcterms:modified([^>]*)>[^<]*</dcterms:modified>")


def workbook_bytes(workbook: Workbook) -> bytes:
    workbook.properties.created = _FIXED_TIME
    saved = io.BytesIO()
    workbook.save(saved)
    fixed = io.BytesIO()
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _MODIFIED.sub(rb"<dcterms:modified\1>2000-01-01T00:00:00Z</dcterms:modified>", data)
            target.writestr(zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME), data, zipfile.ZIP_DEFLATED)
    return fixed.getvalue()

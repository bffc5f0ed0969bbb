"""Recognise files that are not delimited text although their name says so (an Excel workbook or
a UTF-16 export renamed ``.csv``, SPSS/Stata files), so that the message says what the file is
and how to get it read, instead of a decoding error."""
from __future__ import annotations

_SAVE_AS = "save it as CSV (UTF-8) — in Excel: File > Save As > 'CSV UTF-8 (comma delimited)'"


def sniff(raw: bytes) -> str | None:
    """What a non-text file is and what to do, or ``None`` for (apparently) text."""
    head = raw[:16]
    if head.startswith(b"PK\x03\x04"):
        return (f"is an Excel workbook (.xlsx) or another zip archive, not delimited text; rename it to .xlsx "
                f"(read directly; --sheet, --header-row) or {_SAVE_AS}")
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return f"is an old Excel workbook (.xls), not delimited text; rename it to .xls (read directly) or {_SAVE_AS}"
    if head.startswith((b"$FL2", b"$FL3")):
        return ("is an SPSS data file (.sav), not delimited text; rename it to .sav (read directly, with its "
                "variable and value labels) or export it from SPSS as CSV (UTF-8)")
    if head.startswith(b"<stata_dta>") or (head[:1] in b"\x71\x72\x73\x74\x75\x76\x77" and head[1:2] in (b"\x01", b"\x02")
                                           and len(raw) > 100 and b"\n" not in raw[:64]):
        return ("is a Stata data file (.dta), not delimited text; rename it to .dta (read directly) or export it "
                "from Stata as CSV (export delimited)")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(raw) >= 8 and raw[1:8:2] == b"\x00\x00\x00\x00"):
        return ("is UTF-16 text (Excel's 'Unicode Text' export), not UTF-8; save it as CSV UTF-8 (or, in Python, "
                "read it with encoding='utf-16')")
    if b"\x00" in raw[:4096]:
        return "is a binary file, not delimited text; expected a CSV/TSV file"
    return None

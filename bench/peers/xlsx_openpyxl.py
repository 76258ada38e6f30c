"""Peer for XLSX: openpyxl in read-only mode, iter_rows(values_only=True), one json.dumps line
per row keyed by the header row; dates and date-times (datetime cells) as ISO text.

    python3 xlsx_openpyxl.py FILE > out.jsonl     (row count on stderr)
"""
import json
import sys

from openpyxl import load_workbook


def iso(value):
    return value.isoformat()


def main():
    workbook = load_workbook(sys.argv[1], read_only=True)
    values = workbook.worksheets[0].iter_rows(values_only=True)
    header = next(values)
    write = sys.stdout.write
    rows = 0
    for row in values:
        write(json.dumps(dict(zip(header, row)), ensure_ascii=False, default=iso))
        write("\n")
        rows += 1
    workbook.close()
    sys.stdout.flush()
    print(f"rows={rows}", file=sys.stderr)


main()

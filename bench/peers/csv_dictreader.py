"""Peer for CSV/TSV: Python's csv.DictReader, a cast per column, one json.dumps line per row.

What a user writes without jobtap for the bench files' 20 columns (bench/data.ts): empty cells
become null; integers; numbers from "1234.5", "$1,234.56", "-$5.00", "12.34%" (a fraction, as
jobtap types percent text) and accounting negatives "(12.50)"; booleans; ISO and MM/DD/YYYY dates
to ISO dates; date-times checked and kept as written.

    python3 csv_dictreader.py FILE [DELIMITER] > out.jsonl     (row count on stderr)
"""
import csv
import json
import sys
from datetime import date, datetime


def text(s):
    return s if s != "" else None


def integer(s):
    return int(s) if s != "" else None


def number(s):
    if s == "":
        return None
    negative = s[0] == "(" and s[-1] == ")"
    if negative:
        s = s[1:-1]
    percent = s[-1] == "%"
    if percent:
        s = s[:-1]
    value = float(s.replace("$", "").replace(",", ""))
    if percent:
        value /= 100
    return -value if negative else value


def boolean(s):
    return s.lower() == "true" if s != "" else None


def iso_date(s):
    return date.fromisoformat(s).isoformat() if s != "" else None


def us_date(s):
    return datetime.strptime(s, "%m/%d/%Y").date().isoformat() if s != "" else None


def date_time(s):
    if s == "":
        return None
    datetime.fromisoformat(s)
    return s


CASTS = {
    "ID": integer, "Account": text, "Security Name": text, "Note": text, "As Of": iso_date,
    "Trade Date": us_date, "Updated At": date_time, "Quantity": number, "Price": number,
    "Market Value": number, "Cost Basis": number, "TWR %": number, "Weight": number,
    "Active": boolean, "Currency": text, "Asset Class": text, "Sector": text, "Units": integer,
    "Fee": number, "Comment": text,
}


def main():
    path = sys.argv[1]
    delimiter = sys.argv[2] if len(sys.argv) > 2 else ","
    write = sys.stdout.write
    rows = 0
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter=delimiter):
            write(json.dumps({name: cast(row[name]) for name, cast in CASTS.items()}, ensure_ascii=False))
            write("\n")
            rows += 1
    sys.stdout.flush()
    print(f"rows={rows}", file=sys.stderr)


main()

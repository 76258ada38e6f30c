"""Peer for JSON: ijson (yajl2_c backend where installed) streaming the top-level array, one
json.dumps line per object. The values are already typed in the file; nothing is cast.

    python3 json_ijson.py FILE > out.jsonl     (row count and ijson backend on stderr)
"""
import json
import sys

import ijson


def main():
    write = sys.stdout.write
    rows = 0
    with open(sys.argv[1], "rb") as f:
        for item in ijson.items(f, "item", use_float=True):
            write(json.dumps(item, ensure_ascii=False))
            write("\n")
            rows += 1
    sys.stdout.flush()
    print(f"rows={rows} backend={ijson.backend}", file=sys.stderr)


main()

#!/usr/bin/env bash
# Renders a report's index.html in Debian's headless chromium and fails unless
#   1. the page loads with no console errors (JavaScript or resource errors in chromium's log),
#   2. the DOM holds the inline SVG figures, and
#   3. the screenshot is a PNG that is not blank (many distinct colours, enough non-white pixels).
# Usage: scripts/check-report-html.sh REPORT_DIR [SCREENSHOT.png]
# Needs: chromium (apt-get install chromium), /usr/bin/python3 (standard library only).
set -euo pipefail
dir=${1:?usage: check-report-html.sh REPORT_DIR [SCREENSHOT.png]}
shot=${2:-$dir/screenshot.png}
page="$(cd "$dir" && pwd)/index.html"
[[ -f $page ]] || { echo "check-report-html: no $page" >&2; exit 1; }
command -v chromium >/dev/null || { echo "check-report-html: chromium not installed" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
flags=(--headless --disable-gpu --no-sandbox --no-first-run --user-data-dir="$work/profile"
  --disable-extensions --hide-scrollbars)

# 1 and 2: the DOM after load, with chromium's console routed to stderr.
chromium "${flags[@]}" --enable-logging=stderr --v=0 --dump-dom "file://$page" \
  >"$work/dom.html" 2>"$work/console.log" || { cat "$work/console.log" >&2; exit 1; }
if grep -E 'CONSOLE|Uncaught|ERR_FILE_NOT_FOUND|Failed to load' "$work/console.log" >&2; then
  echo "check-report-html: console errors while loading $page" >&2
  exit 1
fi
svgs=$(grep -o '<svg ' "$work/dom.html" | wc -l)
(( svgs > 0 )) || { echo "check-report-html: no inline SVG in the rendered page" >&2; exit 1; }

# 3: a screenshot, checked for content.
chromium "${flags[@]}" --screenshot="$shot" --window-size=1400,2400 "file://$page" \
  >/dev/null 2>"$work/shot.log" || { cat "$work/shot.log" >&2; exit 1; }
/usr/bin/python3 - "$shot" <<'PY'
import struct, sys, zlib
path = sys.argv[1]
data = open(path, "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit(f"check-report-html: {path} is not a PNG")
pos, idat, width, height, ctype = 8, b"", 0, 0, 0
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
        if depth != 8 or ctype not in (2, 6):
            sys.exit(f"check-report-html: unexpected PNG format depth={depth} type={ctype}")
    elif kind == b"IDAT":
        idat += body
    pos += 12 + length
bpp = 4 if ctype == 6 else 3
raw = zlib.decompress(idat)
stride = width * bpp
prev = bytearray(stride)
colours, ink = set(), 0
for y in range(height):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    if y % 2 == 0:
        for x in range(0, stride, bpp * 2):
            px = bytes(line[x:x + 3])
            colours.add(px)
            if px != b"\xff\xff\xff":
                ink += 1
    prev = line
sampled = (height // 2) * (width // 2)
share = ink / max(sampled, 1)
print(f"check-report-html: {width}x{height}, {len(colours)} colours, {share:.1%} non-white")
if len(colours) < 8 or share < 0.01:
    sys.exit("check-report-html: the screenshot is blank")
PY
echo "check-report-html: ok ($svgs inline SVG figures, screenshot $shot)"

#!/usr/bin/env python
"""Screenshots of the built documentation's figures at the rendered width (issue 20).

Copies the HTML build, outlines every ``<img>`` in pure red (an outline does not change the
layout), takes full-page screenshots of the pages with figures with headless Chromium at two
viewport widths, and crops every outlined figure into ``OUT/figs/`` with its rendered size, so
that each figure can be checked for legibility as a reader sees it.

Usage (after ``sphinx-build -W -n -b html docs docs/_build/html``; needs ``chromium``, e.g.
Debian's ``apt-get install -y chromium``, and Pillow, NumPy, SciPy)::

    python tools/docs_screenshots.py docs/_build/html /tmp/shots
"""

from __future__ import annotations

import argparse
import pathlib
import shutil
import subprocess
import tempfile

PAGES = ["krylov", "sor", "sketching", "sequences", "bcd", "completion", "lasso", "monotone",
         "auto_examples/index"]
WIDTHS = (1024, 1400)
OUTLINE = "<style>img{outline:3px solid rgb(255,0,0) !important}</style></head>"


def shoot(build: pathlib.Path, out: pathlib.Path, browser: str = "chromium") -> list[str]:
    """Screenshot the pages with figures; return the PNG names written to ``out``."""
    work = pathlib.Path(tempfile.mkdtemp()) / "html"
    shutil.copytree(build, work)
    examples = sorted(work.glob("auto_examples/plot_*.html"))
    pages = PAGES + [f"auto_examples/{p.stem}" for p in examples]
    written = []
    for page in pages:
        html = work / f"{page}.html"
        if not html.is_file():
            continue
        html.write_text(html.read_text().replace("</head>", OUTLINE, 1))
        for width in WIDTHS:
            png = out / f"{page.replace('/', '_')}_{width}.png"
            subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                            "--hide-scrollbars", f"--window-size={width},14000",
                            f"--screenshot={png}", html.as_uri()],
                           check=True, capture_output=True, timeout=120)
            written.append(png.name)
    return written


def crop_figures(out: pathlib.Path) -> list[str]:
    """Crop every red-outlined figure of the screenshots into ``out/figs``."""
    import numpy as np
    from PIL import Image
    from scipy import ndimage

    (out / "figs").mkdir(exist_ok=True)
    lines = []
    for png in sorted(out.glob("*.png")):
        image = Image.open(png)
        a = np.asarray(image.convert("RGB")).astype(int)
        red = (a[..., 0] > 240) & (a[..., 1] < 20) & (a[..., 2] < 20)
        labels, _ = ndimage.label(ndimage.binary_dilation(red, iterations=2))
        boxes = [b for b in ndimage.find_objects(labels)
                 if b[0].stop - b[0].start > 60 and b[1].stop - b[1].start > 60]
        for k, b in enumerate(boxes):
            image.crop((b[1].start, b[0].start, b[1].stop, b[0].stop)).save(
                out / "figs" / f"{png.stem}_fig{k}.png")
            lines.append(f"{png.stem} fig{k}: rendered {b[1].stop - b[1].start - 6} x "
                         f"{b[0].stop - b[0].start - 6} px")
    return lines


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("build", type=pathlib.Path, help="the HTML build directory")
    p.add_argument("out", type=pathlib.Path, help="where the screenshots go")
    p.add_argument("--browser", default="chromium")
    args = p.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    shoot(args.build.resolve(), args.out.resolve(), args.browser)
    print("\n".join(crop_figures(args.out.resolve())))


if __name__ == "__main__":
    main()

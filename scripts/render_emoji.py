#!/usr/bin/env python3
"""Render the three emoji targets of the image-morphing task (paper-spec §4).

The glyphs 👾 (U+1F47E, "alien"), 🦠 (U+1F9A0, "microbe") and 🐓 (U+1F413,
"rooster") are drawn from Google's Noto Color Emoji font (Debian package
``fonts-noto-color-emoji``) with Pillow, cropped to the glyph's bounding box
(alpha > 0), padded to a centred transparent square, resized to 120×120 with
Lanczos resampling and saved as 8-bit RGBA PNGs with straight
(non-premultiplied) alpha. A ``LICENSE.md`` records the provenance.

Usage::

    apt-get install -y fonts-noto-color-emoji
    python scripts/render_emoji.py [--out nca_core/assets/emoji] [--font PATH]

The script is idempotent: rerunning it rewrites the same files. Every file is
written atomically (temporary file in the target directory, then ``os.replace``).
"""

from __future__ import annotations

import argparse
import glob
import io
import os
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

EMOJI = {"alien": "\U0001F47E", "microbe": "\U0001F9A0", "rooster": "\U0001F413"}
SIZE = 120
FONT_SIZE = 109  # the only bitmap strike in the CBDT Noto Color Emoji font
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "nca_core" / "assets" / "emoji"
FONT_GLOBS = (
    "/usr/share/fonts/**/NotoColorEmoji.ttf",
    "/usr/local/share/fonts/**/NotoColorEmoji.ttf",
    os.path.expanduser("~/.local/share/fonts/**/NotoColorEmoji.ttf"),
)

LICENSE_TEXT = """\
# Emoji images

`alien.png` (👾 U+1F47E), `microbe.png` (🦠 U+1F9A0) and `rooster.png`
(🐓 U+1F413) are rendered from the **Noto Color Emoji** font by Google
(<https://github.com/googlefonts/noto-emoji>), font `{version}`.

The Noto Emoji images are licensed under the **Apache License, Version 2.0**
(<https://www.apache.org/licenses/LICENSE-2.0>). Copyright Google Inc.
The paper this companion accompanies used the same Google/Noto designs under the
same licence.

The files were produced (glyph rendered at the font's native 109 px bitmap size,
cropped to the glyph's alpha > 0 bounding box, padded to a centred transparent
square, Lanczos-resized to 120×120, 8-bit RGBA with straight alpha) by:

```
apt-get install -y fonts-noto-color-emoji
python scripts/render_emoji.py --out nca_core/assets/emoji
```
"""


def find_font(explicit: str | None = None) -> str:
    """Return the path of NotoColorEmoji.ttf.

    Args:
        explicit: a path given on the command line, used as is if set.

    Raises:
        FileNotFoundError: if the font cannot be found.
    """
    if explicit:
        if not os.path.isfile(explicit):
            raise FileNotFoundError(f"font {explicit!r} does not exist")
        return explicit
    for pattern in FONT_GLOBS:
        hits = sorted(glob.glob(pattern, recursive=True))
        if hits:
            return hits[0]
    raise FileNotFoundError(
        "NotoColorEmoji.ttf not found; install it with "
        "`apt-get install -y fonts-noto-color-emoji` or pass --font PATH"
    )


def render(char: str, font: ImageFont.FreeTypeFont, size: int = SIZE) -> Image.Image:
    """Render one emoji to a ``size``×``size`` straight-alpha RGBA image.

    Args:
        char: the emoji character.
        font: the colour emoji font at its bitmap size.
        size: output edge length in pixels.

    Returns:
        The RGBA image.
    """
    canvas = Image.new("RGBA", (2 * FONT_SIZE, 2 * FONT_SIZE), (0, 0, 0, 0))
    ImageDraw.Draw(canvas).text(
        (FONT_SIZE // 2, FONT_SIZE // 2), char, font=font, embedded_color=True
    )
    bbox = canvas.getchannel("A").getbbox()  # bounding box of alpha > 0
    if bbox is None:
        raise RuntimeError(f"glyph U+{ord(char):04X} rendered blank")
    glyph = canvas.crop(bbox)
    edge = max(glyph.size)
    square = Image.new("RGBA", (edge, edge), (0, 0, 0, 0))
    square.paste(glyph, ((edge - glyph.width) // 2, (edge - glyph.height) // 2))
    # Pillow's RGBA resize premultiplies internally and returns straight alpha.
    return square.resize((size, size), Image.Resampling.LANCZOS)


def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and ``os.replace``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    parser.add_argument("--font", default=None, help="path to NotoColorEmoji.ttf")
    args = parser.parse_args(argv)

    font_path = find_font(args.font)
    font = ImageFont.truetype(font_path, FONT_SIZE)
    version = " ".join(str(x) for x in font.getname() if x) or "unknown"
    try:
        from fontTools.ttLib import TTFont  # optional, for the exact version string

        version = TTFont(font_path)["name"].getDebugName(5) or version
    except Exception:  # noqa: BLE001 - fontTools is optional
        pass

    args.out.mkdir(parents=True, exist_ok=True)
    for name, char in EMOJI.items():
        img = render(char, font)
        buf = io.BytesIO()
        img.save(buf, format="PNG", optimize=True)
        _atomic_write(args.out / f"{name}.png", buf.getvalue())
        print(f"wrote {args.out / (name + '.png')}")
    _atomic_write(args.out / "LICENSE.md", LICENSE_TEXT.format(version=version).encode())
    print(f"wrote {args.out / 'LICENSE.md'} (font {font_path}, {version})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

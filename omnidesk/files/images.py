"""Image dimensions and thumbnails, by Pillow (which fpdf2 brings). Rocket.Chat's defaults: a
thumbnail fits 480 by 360 (``Message_Attachments_Thumbnails_Width``/``Height``)."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, ImageOps

log = logging.getLogger(__name__)

THUMBNAIL_SIZE = (480, 360)
# An image larger than this is neither measured nor shrunk (a small file can claim huge dimensions).
MAX_PIXELS = 50_000_000
_THUMBNAIL_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}


@dataclass(frozen=True)
class Thumbnail:
    data: bytes
    media_type: str
    width: int
    height: int


@dataclass(frozen=True)
class ImageFacts:
    width: int
    height: int
    thumbnail: Thumbnail | None


def image_facts(source: BinaryIO, media_type: str) -> ImageFacts | None:
    """The image's size, and a thumbnail when it is larger than one (not for GIFs, which keep their
    animation); None when Pillow cannot read it."""
    try:
        with Image.open(source) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                return None
            output = _THUMBNAIL_FORMATS.get(media_type)
            if output is None or (width <= THUMBNAIL_SIZE[0] and height <= THUMBNAIL_SIZE[1]):
                return ImageFacts(width, height, None)
            small = ImageOps.exif_transpose(image)
            small.thumbnail(THUMBNAIL_SIZE)
            if output == "JPEG" and small.mode not in ("RGB", "L"):
                small = small.convert("RGB")
            buffer = io.BytesIO()
            small.save(buffer, output)
            return ImageFacts(width, height, Thumbnail(buffer.getvalue(), media_type, *small.size))
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        log.info("no thumbnail for an upload: %s", error)
        return None

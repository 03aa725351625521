"""The demo content: ProductCo's outdoor catalog and EventCo's conference. Plain data, no I/O.

One module per customer (`productco`, `eventco`); the names are importable from here, as `data.products(...)`.
`demo_seed` writes it to MongoDB; the image views read it here so pictures work before seeding.
"""

from __future__ import annotations

from demo.data.eventco import (
    DAYS,
    EVENT_ID,
    TRACKS,
    event,
    speaker_name,
    speaker_photo_path,
    speakers,
    talks,
)
from demo.data.productco import (
    CATEGORIES,
    CATEGORY_COLORS,
    IMAGE_VIEWS,
    IMAGES_PER_PRODUCT,
    JACKET_SIZES,
    PRODUCTCO_API_KEY,
    SHOE_SIZES,
    product_image_path,
    product_name_and_category,
    products,
)
from demo.data.shared import CURRENCY

__all__ = [
    "CATEGORIES",
    "CATEGORY_COLORS",
    "CURRENCY",
    "DAYS",
    "EVENT_ID",
    "IMAGES_PER_PRODUCT",
    "IMAGE_VIEWS",
    "JACKET_SIZES",
    "PRODUCTCO_API_KEY",
    "SHOE_SIZES",
    "TRACKS",
    "event",
    "product_image_path",
    "product_name_and_category",
    "products",
    "speaker_name",
    "speaker_photo_path",
    "speakers",
    "talks",
]

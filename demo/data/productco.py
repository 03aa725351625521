"""ProductCo's outdoor catalog: five categories of products with prices, stock, options and pictures."""

from __future__ import annotations

from typing import Any

from demo.data.shared import CURRENCY

# The key ProductCo's backend expects in X-Api-Key; the seed stores it as the tenant secret PRODUCTCO_API_KEY.
PRODUCTCO_API_KEY = "demo-productco-key-123"

SHOE_SIZES = ["EU 39", "EU 40", "EU 41", "EU 42", "EU 43", "EU 44", "EU 45"]
JACKET_SIZES = ["S", "M", "L", "XL"]

# Card colour per category, used by the generated product pictures and the storefront.
CATEGORY_COLORS: dict[str, str] = {
    "running shoes": "#e4572e",
    "jackets": "#2e86ab",
    "backpacks": "#3b8c5a",
    "tents": "#c9862b",
    "accessories": "#6c4ab6",
}
CATEGORIES = list(CATEGORY_COLORS)

# (id, name, category, price, stock, options, description)
_PRODUCTS: list[tuple[str, str, str, float, int, list[str], str]] = [
    (
        "p-001",
        "Trailblazer GTX",
        "running shoes",
        149.95,
        24,
        SHOE_SIZES,
        "Waterproof trail runner with a Gore-Tex membrane and a 5 mm lug outsole for mud and wet rock.",
    ),
    (
        "p-002",
        "Cloudstride Road",
        "running shoes",
        129.00,
        31,
        SHOE_SIZES,
        "Cushioned road shoe for daily miles; light foam midsole and a breathable knit upper.",
    ),
    (
        "p-003",
        "Summit Sprint",
        "running shoes",
        89.90,
        18,
        SHOE_SIZES[1:6],
        "A light, low-drop racer for tempo runs and 10 km race day.",
    ),
    (
        "p-004",
        "Ridge Runner Pro",
        "running shoes",
        169.00,
        9,
        SHOE_SIZES,
        "Carbon-plated trail racer with a rock plate, built for ultra distances.",
    ),
    (
        "p-005",
        "Pacer Kids",
        "running shoes",
        49.95,
        40,
        ["EU 30", "EU 32", "EU 34", "EU 36", "EU 38"],
        "Durable running shoe for kids with a hook-and-loop strap and reflective heel.",
    ),
    (
        "p-006",
        "Tempo Knit Women",
        "running shoes",
        119.50,
        22,
        SHOE_SIZES[:5],
        "Women's road shoe with a narrower heel cup and a soft knit collar.",
    ),
    (
        "p-007",
        "Mudguard Winter",
        "running shoes",
        139.00,
        7,
        SHOE_SIZES[1:],
        "Winter trail shoe with an insulated upper, gaiter ring and metal-stud outsole.",
    ),
    (
        "p-011",
        "Stormshell 3L",
        "jackets",
        279.00,
        12,
        JACKET_SIZES,
        "Three-layer waterproof hard shell with pit zips and a helmet-compatible hood.",
    ),
    (
        "p-012",
        "Featherdown 800",
        "jackets",
        229.00,
        15,
        JACKET_SIZES,
        "800-fill-power down jacket that packs into its own pocket; 340 g in size M.",
    ),
    (
        "p-013",
        "Windrunner Light",
        "jackets",
        79.95,
        35,
        ["XS", *JACKET_SIZES],
        "Ultralight wind jacket for runs and ridge walks; packs to the size of a fist.",
    ),
    (
        "p-014",
        "Alpine Softshell",
        "jackets",
        159.00,
        20,
        JACKET_SIZES,
        "Stretchy softshell with a brushed inside for cold, dry days of ski touring.",
    ),
    (
        "p-015",
        "Drizzle Rain Jacket",
        "jackets",
        99.00,
        28,
        ["XS", *JACKET_SIZES, "XXL"],
        "Everyday 2.5-layer rain jacket with taped seams and a stowable hood.",
    ),
    (
        "p-016",
        "Polar Fleece Hoodie",
        "jackets",
        69.90,
        42,
        JACKET_SIZES,
        "Warm recycled fleece mid-layer with a snug hood and thumb loops.",
    ),
    (
        "p-017",
        "Insulated Parka",
        "jackets",
        319.00,
        6,
        JACKET_SIZES,
        "Long synthetic-fill parka for city winters and basecamp evenings, rated to -20 °C.",
    ),
    (
        "p-021",
        "Daytripper 22",
        "backpacks",
        89.00,
        30,
        ["Forest green", "Slate grey", "Sunset orange"],
        "22-litre day pack with a ventilated back panel, hip belt pockets and a rain cover.",
    ),
    (
        "p-022",
        "Trekker 45+10",
        "backpacks",
        189.00,
        14,
        ["S/M", "M/L"],
        "Adjustable trekking pack for multi-day hikes; the lid extends by 10 litres.",
    ),
    (
        "p-023",
        "Commuter 18",
        "backpacks",
        74.50,
        26,
        ["Black", "Navy"],
        "Water-resistant commuter pack with a padded 16-inch laptop sleeve.",
    ),
    (
        "p-024",
        "Vest Pack 8",
        "backpacks",
        99.95,
        19,
        ["S", "M", "L"],
        "Running vest with two 500 ml soft flasks and stretch pockets for trail races.",
    ),
    (
        "p-025",
        "Expedition 70",
        "backpacks",
        299.00,
        5,
        ["M", "L"],
        "Load-carrying pack for expeditions, with an aluminium frame and a sleeping-bag compartment.",
    ),
    (
        "p-026",
        "Summit Sack 30",
        "backpacks",
        119.00,
        11,
        ["Red", "Graphite"],
        "Climbing pack with ice-axe loops, rope strap and a removable frame sheet.",
    ),
    (
        "p-031",
        "Solo Ultralight 1",
        "tents",
        349.00,
        8,
        ["Green"],
        "One-person trekking-pole tent at 890 g, for fast-and-light trips.",
    ),
    (
        "p-032",
        "Basecamp 2",
        "tents",
        259.00,
        13,
        ["Green", "Sand"],
        "Two-person freestanding tent with two doors and two vestibules.",
    ),
    (
        "p-033",
        "Family Dome 4",
        "tents",
        399.00,
        7,
        ["Blue"],
        "Four-person dome with standing height in the middle and a large porch.",
    ),
    (
        "p-034",
        "Storm Tunnel 3",
        "tents",
        489.00,
        4,
        ["Orange"],
        "Three-person tunnel tent tested to 100 km/h winds, for alpine and winter camps.",
    ),
    (
        "p-035",
        "Beach Shelter",
        "tents",
        59.90,
        25,
        ["Blue", "Yellow"],
        "Pop-up sun shelter with UPF 50 fabric and sand pockets.",
    ),
    (
        "p-036",
        "Bikepacker 1",
        "tents",
        289.00,
        9,
        ["Grey"],
        "Short-pole one-person tent that fits on a handlebar roll.",
    ),
    (
        "p-041",
        "Merino Running Socks",
        "accessories",
        19.90,
        80,
        ["S", "M", "L"],
        "Merino-blend socks with a cushioned heel; three pairs per pack.",
    ),
    (
        "p-042",
        "Headlamp 400",
        "accessories",
        44.95,
        37,
        ["Black", "Lime"],
        "Rechargeable 400-lumen headlamp with red light and a lock mode.",
    ),
    (
        "p-043",
        "Trekking Poles Carbon",
        "accessories",
        129.00,
        16,
        ["110-130 cm", "120-140 cm"],
        "Foldable carbon poles with cork grips, 460 g per pair.",
    ),
    (
        "p-044",
        "Insulated Bottle 750",
        "accessories",
        29.50,
        54,
        ["Steel", "Forest green", "Coral"],
        "Vacuum bottle that keeps drinks hot for 12 hours and cold for 24.",
    ),
    (
        "p-045",
        "Sun Cap",
        "accessories",
        24.00,
        45,
        ["One size"],
        "Quick-dry running cap with a neck flap and reflective print.",
    ),
    (
        "p-046",
        "Camp Stove Mini",
        "accessories",
        54.90,
        21,
        ["Standard"],
        "Compact gas stove with piezo ignition; boils a litre in about 3.5 minutes.",
    ),
    (
        "p-047",
        "Thermal Gloves",
        "accessories",
        34.95,
        33,
        ["S", "M", "L", "XL"],
        "Touch-screen compatible fleece gloves for cold morning runs.",
    ),
    (
        "p-048",
        "Trail Buds Sport Headphones",
        "accessories",
        79.00,
        26,
        ["Black", "Glacier white"],
        "Sweat-proof wireless headphones with an ear hook and an ambient mode to hear the traffic.",
    ),
    (
        "p-049",
        "Summit Over-Ear Headphones",
        "accessories",
        149.00,
        12,
        ["Black"],
        "Noise-cancelling over-ear headphones for the train to the trailhead; 30 hours per charge.",
    ),
]

IMAGES_PER_PRODUCT = 2
IMAGE_VIEWS = ("front view", "detail")


def product_image_path(product_id: str, number: int) -> str:
    return f"/demo/productco/images/{product_id}-{number}.svg"


def products(base_url: str) -> list[dict[str, Any]]:
    """The catalog as MongoDB documents; image URLs are absolute so a card shows them wherever it is drawn."""
    return [
        {
            "_id": pid,
            "name": name,
            "category": category,
            "description": description,
            "price": price,
            "currency": CURRENCY,
            "options": list(options),
            "stock": stock,
            "images": [base_url + product_image_path(pid, n) for n in range(1, IMAGES_PER_PRODUCT + 1)],
        }
        for pid, name, category, price, stock, options, description in _PRODUCTS
    ]


def product_name_and_category(product_id: str) -> tuple[str, str] | None:
    for pid, name, category, *_ in _PRODUCTS:
        if pid == product_id:
            return name, category
    return None

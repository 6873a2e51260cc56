"""A suggested category from the words of a complaint, in Bahasa Indonesia and English.

Only a suggestion for the customer-experience team, who classify the case themselves. The first
category in the order below wins, so a skin reaction is never hidden behind a torn box.
"""

from __future__ import annotations

import re

KEYWORDS: dict[str, tuple[str, ...]] = {
    "product_reaction": (
        "gatal",
        "kemerahan",
        "merah",
        "alergi",
        "iritasi",
        "ruam",
        "bentol",
        "perih",
        "panas",
        "jerawat",
        "bengkak",
        "reaksi",
        "itchy",
        "itch",
        "rash",
        "redness",
        "allergy",
        "allergic",
        "irritation",
        "burning",
        "swelling",
        "swollen",
        "breakout",
        "reaction",
    ),
    "packaging_leak": (
        "bocor",
        "tumpah",
        "kemasan",
        "segel",
        "pecah",
        "penyok",
        "tutup",
        "leak",
        "leaking",
        "leaked",
        "spilled",
        "packaging",
        "seal",
        "cracked",
        "broken",
        "cap",
        "pump",
    ),
    "quality_defect": (
        "rusak",
        "bau",
        "warna",
        "tekstur",
        "menggumpal",
        "kedaluwarsa",
        "kadaluarsa",
        "palsu",
        "cacat",
        "damaged",
        "smell",
        "colour",
        "color",
        "texture",
        "lumpy",
        "expired",
        "fake",
        "defect",
        "defective",
        "mould",
        "mold",
    ),
    "logistics": (
        "pengiriman",
        "kurir",
        "terlambat",
        "belum sampai",
        "salah kirim",
        "paket",
        "ongkir",
        "delivery",
        "courier",
        "late",
        "not arrived",
        "wrong item",
        "shipping",
        "parcel",
    ),
    "b2b_project": (
        "maklon",
        "oem",
        "formula",
        "sampel",
        "produksi",
        "kontrak",
        "pesanan massal",
        "moq",
        "sample",
        "production",
        "contract",
        "bulk order",
        "private label",
    ),
}
_PATTERNS = {
    category: re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b")
    for category, words in KEYWORDS.items()
}


def suggest(text: str) -> tuple[str | None, list[str]]:
    """(category, the words that matched) for a description; (None, []) when nothing fits."""
    lowered = text.lower()
    for category, pattern in _PATTERNS.items():
        found = sorted(set(pattern.findall(lowered)))
        if found:
            return category, found
    return None, []


COMPLAINT_WORDS = re.compile(r"\b(komplain|keluhan|mengeluh|complaint|complain)\b")


def mentions_complaint(text: str) -> bool:
    """A WhatsApp/SMS message that files a complaint by its own words ('komplain', ...)."""
    return bool(COMPLAINT_WORDS.search(text.lower()))

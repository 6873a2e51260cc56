"""Who takes part in the demo: the ten agents, the customer directory (known callers skip the
language question) and what callers press or say for each topic, in both languages."""

from __future__ import annotations

from dataclasses import dataclass

from telephony.customers import Customer

NUMBER = "+622150001234"  # the centre's number


@dataclass(frozen=True)
class AgentProfile:
    id: str
    name: str
    skills: dict[str, int]
    languages: tuple[str, ...]


AGENTS = (
    AgentProfile("ayu", "Ayu Lestari", {"general": 3, "product": 4, "complaints": 3}, ("id", "en")),
    AgentProfile("budi", "Budi Santoso", {"general": 2, "orders": 4}, ("id",)),
    AgentProfile("citra", "Citra Dewi", {"product": 3, "orders": 2, "general": 2}, ("id", "en")),
    AgentProfile("dewi", "Dewi Kartika", {"complaints": 5, "general": 2}, ("id",)),
    AgentProfile("eko", "Eko Prasetyo", {"b2b": 4, "general": 1}, ("id", "en")),
    AgentProfile("fitri", "Fitri Handayani", {"vip": 4, "general": 3, "product": 2}, ("id", "en")),
    AgentProfile("gilang", "Gilang Ramadhan", {"orders": 3, "partners": 3, "general": 2}, ("id",)),
    AgentProfile("hana", "Hana Wijaya", {"general": 3, "product": 2, "orders": 2}, ("en", "id")),
    AgentProfile("indra", "Indra Gunawan", {"partners": 2, "b2b": 2, "general": 2}, ("id",)),
    AgentProfile("joko", "Joko Susilo", {"general": 2, "complaints": 3, "orders": 1}, ("id",)),
)

DIRECTORY = (  # the demo's customer directory: known callers skip the language question
    Customer("+628111000001", "Sari", "B2C", False, "id"),
    Customer("+628111000002", "Emily", "B2C", False, "en"),
    Customer("+628111000003", "Dewi Anggraini", "B2C", True, "id"),
    Customer("+628111000004", "Olivia", "B2C", True, "en"),
    Customer("+628111000005", "PT Cantik Alami", "B2B", False, "id"),
    Customer("+628111000006", "Glow Labs Pte Ltd", "B2B", False, "en"),
)

# Menu paths (keypad digits) with what a caller says instead, per language.
TOPICS: dict[str, tuple[tuple[str, ...], dict[str, tuple[str, ...]]]] = {
    "product": (("1",), {"id": ("konsultasi produk",), "en": ("product ingredients",)}),
    "orders": (("2",), {"id": ("status pesanan",), "en": ("order status",)}),
    "skin_reaction": (
        ("3", "1"),
        {"id": ("keluhan", "reaksi kulit"), "en": ("complaint", "allergic reaction")},
    ),
    "damaged_package": (
        ("3", "2"),
        {"id": ("keluhan", "kemasan bocor"), "en": ("complaint", "leaking package")},
    ),
    "b2b": (("4",), {"id": ("maklon",), "en": ("business",)}),
    "partners": (("5",), {"id": ("program mitra",), "en": ("partner",)}),
    "general": (("0",), {"id": ("petugas",), "en": ("agent",)}),
}
TOPIC_WEIGHTS = {
    "product": 30,
    "orders": 30,
    "skin_reaction": 5,
    "damaged_package": 8,
    "b2b": 4,
    "partners": 8,
    "general": 15,
}
LANGUAGE_WORDS = {"id": ("1", "bahasa indonesia"), "en": ("2", "english")}
MESSAGES = {
    "id": (
        "Halo, pesanan saya belum sampai.",
        "Apakah serum ini cocok untuk kulit berminyak?",
        "Kapan promo berikutnya?",
    ),
    "en": (
        "Hi, where is my order?",
        "Is this serum fine for oily skin?",
        "Do you ship to Singapore?",
    ),
}

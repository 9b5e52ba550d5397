"""SEPA character set and transliteration."""

from __future__ import annotations

import pytest

from adapters.sepa.charset import CharsetError, is_sepa_id, is_sepa_text, transliterate


@pytest.mark.parametrize(
    ("raw", "sepa"),
    [
        ("Zoë", "Zoe"),
        ("Straße", "Strasse"),
        ("Ørsted", "Orsted"),
        ("Søren Kierkegaard", "Soren Kierkegaard"),
        ("Ærøskøbing", "AEroskobing"),
        ("Œuvre", "OEuvre"),
        ("Müller & Söhne", "Muller + Sohne"),
        ("François Côté", "Francois Cote"),
        ("José Núñez", "Jose Nunez"),
        ("Łódź", "Lodz"),
        ("Dvořák", "Dvorak"),
        ("Þór Guðmundsson", "THor Gudmundsson"),
        ("Đorđe", "Dorde"),
        ("İstanbul Şişli", "Istanbul Sisli"),
        ("O\u2019Brien", "O'Brien"),
        ("“Quoted” — dash", "'Quoted' - dash"),
        ("snake_case_ref", "snake-case-ref"),
        ("  many   spaces\there ", "many spaces here"),
        ("Ref: 2024/11 (A-B) ?.,'+", "Ref: 2024/11 (A-B) ?.,'+"),
        ("ﬁnance", "finance"),  # ligature decomposes
    ],
)
def test_transliteration_table(raw: str, sepa: str) -> None:
    out = transliterate(raw)
    assert out == sepa
    assert is_sepa_text(out)


@pytest.mark.parametrize("raw", ["Дмитрий Иванов", "Αλέξανδρος", "山田太郎", "Zoë 😀"])
def test_untransliterable_is_a_clear_error(raw: str) -> None:
    with pytest.raises(CharsetError) as info:
        transliterate(raw)
    message = str(info.value)
    assert "SEPA character set" in message
    assert "U+" in message  # names the offending characters


def test_cut_to_length() -> None:
    assert transliterate("Ä" * 80, max_length=70) == "A" * 70
    assert transliterate("abc defg", max_length=4) == "abc"  # no trailing space


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("op-01jabc", True),
        ("A" * 35, True),
        ("A" * 36, False),
        ("/abc", False),
        ("abc/", False),
        ("ab//c", False),
        ("ab/c", True),
        ("op_1", False),  # underscore is not in the SEPA set
        ("", False),
        (" abc", False),
    ],
)
def test_sepa_id_rules(value: str, ok: bool) -> None:
    assert is_sepa_id(value) is ok

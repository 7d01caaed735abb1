"""ICAO Doc 9303 Part 3 transliteration of names into Latin characters, and script detection.

The tables are the recommended transliterations of ICAO Doc 9303 Part 3
(section 6): Latin letters with diacritics, Cyrillic, and Arabic. The Arabic
table is the one ICAO gives for the machine-readable zone; it marks letters
without a one-letter equivalent with an `X` prefix so that it can be
reversed (ح is `XH`, so محمد becomes `MXHMD`). Latin and Cyrillic keep the
case of the original (Ж gives ZH, ж gives zh, Жанна gives Zhanna); Arabic
has no case and comes out in capitals.

Characters the tables do not know are decomposed (NFKD) and their Latin base
letter kept; what is still not Latin is dropped. The result holds only ASCII
letters, digits, spaces, hyphens and apostrophes, whatever the input.
"""

from __future__ import annotations

import unicodedata

__all__ = ["ARABIC", "CYRILLIC", "LATIN", "script_of", "transliterate"]

# ICAO 9303 Part 3, "Transliteration of multinational characters" (upper case).
# fmt: off
LATIN: dict[str, str] = {
    "À": "A", "Á": "A", "Â": "A", "Ã": "A", "Ä": "AE", "Å": "AA", "Æ": "AE", "Ç": "C",
    "È": "E", "É": "E", "Ê": "E", "Ë": "E", "Ì": "I", "Í": "I", "Î": "I", "Ï": "I",
    "Ð": "D", "Ñ": "N", "Ò": "O", "Ó": "O", "Ô": "O", "Õ": "O", "Ö": "OE", "Ø": "OE",
    "Ù": "U", "Ú": "U", "Û": "U", "Ü": "UE", "Ý": "Y", "Þ": "TH", "ß": "SS",
    "Ā": "A", "Ă": "A", "Ą": "A", "Ć": "C", "Ĉ": "C", "Ċ": "C", "Č": "C", "Ď": "D",
    "Đ": "D", "Ē": "E", "Ĕ": "E", "Ė": "E", "Ę": "E", "Ě": "E", "Ĝ": "G", "Ğ": "G",
    "Ġ": "G", "Ģ": "G", "Ĥ": "H", "Ħ": "H", "Ĩ": "I", "Ī": "I", "Ĭ": "I", "Į": "I",
    "İ": "I", "ı": "I", "Ĳ": "IJ", "Ĵ": "J", "Ķ": "K", "Ĺ": "L", "Ļ": "L", "Ľ": "L",
    "Ŀ": "L", "Ł": "L", "Ń": "N", "Ņ": "N", "Ň": "N", "Ŋ": "N", "Ō": "O", "Ŏ": "O",
    "Ő": "O", "Œ": "OE", "Ŕ": "R", "Ŗ": "R", "Ř": "R", "Ś": "S", "Ŝ": "S", "Ş": "S",
    "Š": "S", "Ţ": "T", "Ť": "T", "Ŧ": "T", "Ũ": "U", "Ū": "U", "Ŭ": "U", "Ů": "U",
    "Ű": "U", "Ų": "U", "Ŵ": "W", "Ŷ": "Y", "Ÿ": "Y", "Ź": "Z", "Ż": "Z", "Ž": "Z",
    "Ș": "S", "Ț": "T", "ẞ": "SS",
}

# ICAO 9303 Part 3, Cyrillic (the general column; Ь is omitted).
CYRILLIC: dict[str, str] = {
    "А": "A", "Б": "B", "В": "V", "Г": "G", "Ґ": "G", "Ѓ": "G", "Д": "D", "Ђ": "D",
    "Е": "E", "Ё": "E", "Є": "IE", "Ж": "ZH", "З": "Z", "Ѕ": "DZ", "И": "I", "І": "I",
    "Ї": "I", "Й": "I", "Ј": "J", "К": "K", "Л": "L", "Љ": "LJ", "М": "M", "Н": "N",
    "Њ": "NJ", "О": "O", "П": "P", "Р": "R", "С": "S", "Т": "T", "Ћ": "C", "Ќ": "K",
    "У": "U", "Ў": "U", "Ф": "F", "Х": "KH", "Ц": "TS", "Ч": "CH", "Џ": "DZ", "Ш": "SH",
    "Щ": "SHCH", "Ъ": "IE", "Ы": "Y", "Ь": "", "Э": "E", "Ю": "IU", "Я": "IA",
}

# ICAO 9303 Part 3, Arabic (machine-readable zone table, with its vowel signs).
ARABIC: dict[str, str] = {
    "\u0621": "XE", "\u0622": "XAA", "\u0623": "XAE", "\u0624": "U", "\u0625": "I",
    "\u0626": "XI", "\u0627": "A", "\u0628": "B", "\u0629": "XTA", "\u062a": "T",
    "\u062b": "XTH", "\u062c": "J", "\u062d": "XH", "\u062e": "XKH", "\u062f": "D",
    "\u0630": "XDH", "\u0631": "R", "\u0632": "Z", "\u0633": "S", "\u0634": "XSH",
    "\u0635": "XSS", "\u0636": "XDZ", "\u0637": "XTT", "\u0638": "XZZ", "\u0639": "E",
    "\u063a": "G", "\u0641": "F", "\u0642": "Q", "\u0643": "K", "\u0644": "L",
    "\u0645": "M", "\u0646": "N", "\u0647": "H", "\u0648": "W", "\u0649": "XAY",
    "\u064a": "Y", "\u064b": "F", "\u064c": "N", "\u064d": "K", "\u064e": "A",
    "\u064f": "U", "\u0650": "I", "\u0651": "", "\u0652": "O", "\u0670": "",
    "\u0671": "XXA", "\u067e": "P", "\u0686": "XC", "\u0698": "XJ", "\u06a9": "XKK",
    "\u06af": "XGG", "\u06cc": "XYA", "\u0640": "",
}
# fmt: on

_KEPT = frozenset(" -'")
# ASCII punctuation and control characters other than the kept ones are dropped.
_ASCII_CLEAN = {
    code: (" " if chr(code).isspace() else None)
    for code in range(128)
    if not chr(code).isalnum() and chr(code) not in _KEPT
}


def _build_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for source in (LATIN, CYRILLIC):
        for upper, latin in source.items():
            table[upper] = latin
            lower = upper.lower()
            if lower != upper and len(lower) == 1:
                table[lower] = latin.lower()
    table["ß"] = "ss"
    table["ı"] = "i"
    table.update(ARABIC)
    return table


_TABLE = _build_table()


def transliterate(text: str) -> str:
    """The Latin form of a name, per ICAO Doc 9303; ASCII only, whitespace collapsed."""
    if text.isascii():
        return " ".join(text.translate(_ASCII_CLEAN).split())
    out: list[str] = []
    for i, char in enumerate(text):
        latin = _TABLE.get(char)
        if latin is None:
            latin = _fallback(char)
        elif len(latin) > 1 and char.isupper() and _next_is_lower(text, i):
            latin = latin.capitalize()  # Жанна gives Zhanna, not ZHanna
        out.append(latin)
    return " ".join("".join(out).split())


def _next_is_lower(text: str, i: int) -> bool:
    return i + 1 < len(text) and text[i + 1].islower()


def _fallback(char: str) -> str:
    if char.isascii():
        return char if char.isalnum() or char in _KEPT else " " if char.isspace() else ""
    if char.isspace():
        return " "
    base = unicodedata.normalize("NFKD", char)
    return "".join(c for c in base if c.isascii() and c.isalnum())


def script_of(text: str) -> str | None:
    """The ISO 15924 code of a name's script: `Arab`, `Cyrl`, `Latn`, or None if unknown."""
    for char in text:
        if char.isascii() or not char.isalpha():
            continue
        name = unicodedata.name(char, "")
        for prefix, code in (("ARABIC", "Arab"), ("CYRILLIC", "Cyrl"), ("LATIN", "Latn")):
            if name.startswith(prefix):
                return code
        return None
    return "Latn"

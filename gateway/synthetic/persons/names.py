"""Name pools of the synthetic persons, by origin: Latin form as an officer types it, and the
original spelling where the name is written in another script (or with diacritics).

Data, not logic. Pairs are (Latin, original); an empty original means the name
is written the same way in the original.
"""

from __future__ import annotations

from gateway.domain.frozen import frozen

__all__ = ["ORIGINS", "Origin"]


@frozen
class Origin:
    """Where a synthetic person comes from: nationality, places, and names."""

    nationality: str  # ISO 3166-1 alpha-3
    alpha2: str
    register_code: str  # code of the sample Waiting Register list (nationality-nr)
    weight: int
    places: tuple[str, ...]
    families: tuple[tuple[str, str], ...]
    males: tuple[tuple[str, str], ...]
    females: tuple[tuple[str, str], ...]


_ARABIC_FAMILIES = (
    ("AL-HASSAN", "الحسن"), ("HADDAD", "حداد"), ("KHALIL", "خليل"), ("NASSER", "ناصر"),
    ("SALEH", "صالح"), ("YOUSSEF", "يوسف"), ("IBRAHIM", "إبراهيم"), ("AL-AHMAD", "الأحمد"),
)  # fmt: skip
_ARABIC_MALES = (
    ("Mohammed", "محمد"), ("Ahmad", "أحمد"), ("Omar", "عمر"), ("Khaled", "خالد"),
    ("Yousef", "يوسف"), ("Ali", "علي"), ("Hassan", "حسن"),
)  # fmt: skip
_ARABIC_FEMALES = (
    ("Fatima", "فاطمة"), ("Aisha", "عائشة"), ("Layla", "ليلى"), ("Noor", "نور"),
    ("Mariam", "مريم"), ("Huda", "هدى"),
)  # fmt: skip

ORIGINS: tuple[Origin, ...] = (
    Origin(
        nationality="SYR", alpha2="SY", register_code="256", weight=18,
        places=("Homs", "Aleppo", "Damascus", "Idlib", "Deir ez-Zor"),
        families=_ARABIC_FAMILIES, males=_ARABIC_MALES, females=_ARABIC_FEMALES,
    ),
    Origin(
        nationality="IRQ", alpha2="IQ", register_code="254", weight=8,
        places=("Baghdad", "Mosul", "Basra", "Kirkuk"),
        families=_ARABIC_FAMILIES, males=_ARABIC_MALES, females=_ARABIC_FEMALES,
    ),
    Origin(
        nationality="PSE", alpha2="PS", register_code="257", weight=8,
        places=("Gaza", "Khan Yunis", "Rafah"),
        families=_ARABIC_FAMILIES, males=_ARABIC_MALES, females=_ARABIC_FEMALES,
    ),
    Origin(
        nationality="AFG", alpha2="AF", register_code="251", weight=16,
        places=("Kabul", "Herat", "Kandahar", "Jalalabad", "Ghazni"),
        families=(("KARIMI", "کریمی"), ("AHMADI", "احمدی"), ("HAIDARI", "حیدری"),
                  ("RAHIMI", "رحیمی"), ("SAFI", "صافی"), ("HOTAK", "هوتک")),
        males=(("Ahmad", "احمد"), ("Mustafa", "مصطفی"), ("Javid", "جاوید"),
               ("Rahmatullah", "رحمت الله"), ("Sayed", "سید")),
        females=(("Zahra", "زهرا"), ("Maryam", "مریم"), ("Shabnam", "شبنم"), ("Nilofar", "نیلوفر")),
    ),
    Origin(
        nationality="UKR", alpha2="UA", register_code="302", weight=10,
        places=("Kharkiv", "Kyiv", "Odesa", "Mariupol", "Dnipro"),
        families=(("", "Шевченко"), ("", "Коваленко"), ("", "Бондаренко"), ("", "Ткаченко"),
                  ("", "Кравчук"), ("", "Олійник")),
        males=(("", "Олександр"), ("", "Андрій"), ("", "Юрій"), ("", "Богдан")),
        females=(("", "Олена"), ("", "Наталія"), ("", "Юлія"), ("", "Жанна")),
    ),
    Origin(
        nationality="RUS", alpha2="RU", register_code="301", weight=5,
        places=("Grozny", "Moskva", "Makhachkala"),
        families=(("", "Кадыров"), ("", "Щукин"), ("", "Волков"), ("", "Исаев")),
        males=(("", "Рустам"), ("", "Дмитрий"), ("", "Ибрагим")),
        females=(("", "Марьям"), ("", "Татьяна"), ("", "Зарема")),
    ),
    Origin(
        nationality="TUR", alpha2="TR", register_code="258", weight=8,
        places=("Diyarbakır", "Istanbul", "Van", "Şanlıurfa"),
        families=(("", "Yıldız"), ("", "Öztürk"), ("", "Çelik"), ("", "Şahin"), ("", "Doğan")),
        males=(("", "Mehmet"), ("", "Ömer"), ("", "Barış"), ("", "İsmail")),
        females=(("", "Ayşe"), ("", "Gülşen"), ("", "Elif"), ("", "Özlem")),
    ),
    Origin(
        nationality="ERI", alpha2="ER", register_code="401", weight=8,
        places=("Asmara", "Keren", "Massawa"),
        families=(("", "TESFAYE"), ("", "GEBREMEDHIN"), ("", "HAILE"), ("", "KIDANE")),
        males=(("", "Yonas"), ("", "Tesfalem"), ("", "Filmon")),
        females=(("", "Helen"), ("", "Senait"), ("", "Selam")),
    ),
    Origin(
        nationality="COD", alpha2="CD", register_code="404", weight=7,
        places=("Kinshasa", "Goma", "Bukavu", "Lubumbashi"),
        families=(("", "MUKENDI"), ("", "KABILA"), ("", "MBUYI"), ("", "NGOY")),
        males=(("", "Jérôme"), ("", "Désiré"), ("", "Patrice")),
        females=(("", "Béatrice"), ("", "Hélène"), ("", "Gisèle")),
    ),
    Origin(
        nationality="GIN", alpha2="GN", register_code="403", weight=6,
        places=("Conakry", "Kankan", "Labé"),
        families=(("", "DIALLO"), ("", "BARRY"), ("", "CAMARA"), ("", "SOW")),
        males=(("", "Mamadou"), ("", "Alpha Oumar"), ("", "Ibrahima")),
        females=(("", "Fatoumata"), ("", "Mariama"), ("", "Aïssatou")),
    ),
    Origin(
        nationality="VEN", alpha2="VE", register_code="501", weight=6,
        places=("Caracas", "Maracaibo", "Valencia"),
        families=(("", "Muñoz"), ("", "González"), ("", "Pérez"), ("", "Hernández")),
        males=(("", "José Ángel"), ("", "Andrés"), ("", "Raúl")),
        females=(("", "María José"), ("", "Sofía"), ("", "Lucía")),
    ),
)  # fmt: skip

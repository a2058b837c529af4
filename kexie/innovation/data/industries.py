"""GB/T 4754-2017 "Industrial classification for national economic activities" (国民经济行业分类) as plain data.

``SECTIONS`` lists the 20 sections (门类) as ``(letter, name)``, A to T.

``DIVISIONS`` lists the 97 divisions (大类) as ``(code, name, section_letter)``, codes "01" to "97" in the
order of the standard. Names are those of GB/T 4754-2017 (published 2017-06-30, in force 2017-10-01); Amendment
No. 1 of 2019 (GB/T 4754-2017/XG1-2019) revised explanatory notes and lower-level classes and, to our knowledge,
left every section and division name unchanged, so the names here are valid for the amended edition as well.
Groups (中类, three digits) and classes (小类, four digits) are not included.

``DIVISION_DISCIPLINES`` maps every division code to the GB/T 13745-2009 first-level discipline codes (three
digits, see ``kexie.people.data.disciplines``) whose experts typically serve enterprises and bodies of that
industry, most relevant first, one to five codes each. This mapping is not part of either standard: it is an
editorial judgement used to suggest experts for a technology need when nothing but its industry is known (e.g.
"36" 汽车制造业 → 460 机械工程, 470 动力与电气工程, 430 材料科学, 580 交通运输工程).
"""

from collections.abc import Iterator, Mapping

SECTIONS: list[tuple[str, str]] = [
    ("A", "农、林、牧、渔业"),
    ("B", "采矿业"),
    ("C", "制造业"),
    ("D", "电力、热力、燃气及水生产和供应业"),
    ("E", "建筑业"),
    ("F", "批发和零售业"),
    ("G", "交通运输、仓储和邮政业"),
    ("H", "住宿和餐饮业"),
    ("I", "信息传输、软件和信息技术服务业"),
    ("J", "金融业"),
    ("K", "房地产业"),
    ("L", "租赁和商务服务业"),
    ("M", "科学研究和技术服务业"),
    ("N", "水利、环境和公共设施管理业"),
    ("O", "居民服务、修理和其他服务业"),
    ("P", "教育"),
    ("Q", "卫生和社会工作"),
    ("R", "文化、体育和娱乐业"),
    ("S", "公共管理、社会保障和社会组织"),
    ("T", "国际组织"),
]

DIVISIONS: list[tuple[str, str, str]] = [
    # A 农、林、牧、渔业
    ("01", "农业", "A"),
    ("02", "林业", "A"),
    ("03", "畜牧业", "A"),
    ("04", "渔业", "A"),
    ("05", "农、林、牧、渔专业及辅助性活动", "A"),
    # B 采矿业
    ("06", "煤炭开采和洗选业", "B"),
    ("07", "石油和天然气开采业", "B"),
    ("08", "黑色金属矿采选业", "B"),
    ("09", "有色金属矿采选业", "B"),
    ("10", "非金属矿采选业", "B"),
    ("11", "开采专业及辅助性活动", "B"),
    ("12", "其他采矿业", "B"),
    # C 制造业
    ("13", "农副食品加工业", "C"),
    ("14", "食品制造业", "C"),
    ("15", "酒、饮料和精制茶制造业", "C"),
    ("16", "烟草制品业", "C"),
    ("17", "纺织业", "C"),
    ("18", "纺织服装、服饰业", "C"),
    ("19", "皮革、毛皮、羽毛及其制品和制鞋业", "C"),
    ("20", "木材加工和木、竹、藤、棕、草制品业", "C"),
    ("21", "家具制造业", "C"),
    ("22", "造纸和纸制品业", "C"),
    ("23", "印刷和记录媒介复制业", "C"),
    ("24", "文教、工美、体育和娱乐用品制造业", "C"),
    ("25", "石油、煤炭及其他燃料加工业", "C"),
    ("26", "化学原料和化学制品制造业", "C"),
    ("27", "医药制造业", "C"),
    ("28", "化学纤维制造业", "C"),
    ("29", "橡胶和塑料制品业", "C"),
    ("30", "非金属矿物制品业", "C"),
    ("31", "黑色金属冶炼和压延加工业", "C"),
    ("32", "有色金属冶炼和压延加工业", "C"),
    ("33", "金属制品业", "C"),
    ("34", "通用设备制造业", "C"),
    ("35", "专用设备制造业", "C"),
    ("36", "汽车制造业", "C"),
    ("37", "铁路、船舶、航空航天和其他运输设备制造业", "C"),
    ("38", "电气机械和器材制造业", "C"),
    ("39", "计算机、通信和其他电子设备制造业", "C"),
    ("40", "仪器仪表制造业", "C"),
    ("41", "其他制造业", "C"),
    ("42", "废弃资源综合利用业", "C"),
    ("43", "金属制品、机械和设备修理业", "C"),
    # D 电力、热力、燃气及水生产和供应业
    ("44", "电力、热力生产和供应业", "D"),
    ("45", "燃气生产和供应业", "D"),
    ("46", "水的生产和供应业", "D"),
    # E 建筑业
    ("47", "房屋建筑业", "E"),
    ("48", "土木工程建筑业", "E"),
    ("49", "建筑安装业", "E"),
    ("50", "建筑装饰、装修和其他建筑业", "E"),
    # F 批发和零售业
    ("51", "批发业", "F"),
    ("52", "零售业", "F"),
    # G 交通运输、仓储和邮政业
    ("53", "铁路运输业", "G"),
    ("54", "道路运输业", "G"),
    ("55", "水上运输业", "G"),
    ("56", "航空运输业", "G"),
    ("57", "管道运输业", "G"),
    ("58", "多式联运和运输代理业", "G"),
    ("59", "装卸搬运和仓储业", "G"),
    ("60", "邮政业", "G"),
    # H 住宿和餐饮业
    ("61", "住宿业", "H"),
    ("62", "餐饮业", "H"),
    # I 信息传输、软件和信息技术服务业
    ("63", "电信、广播电视和卫星传输服务", "I"),
    ("64", "互联网和相关服务", "I"),
    ("65", "软件和信息技术服务业", "I"),
    # J 金融业
    ("66", "货币金融服务", "J"),
    ("67", "资本市场服务", "J"),
    ("68", "保险业", "J"),
    ("69", "其他金融业", "J"),
    # K 房地产业
    ("70", "房地产业", "K"),
    # L 租赁和商务服务业
    ("71", "租赁业", "L"),
    ("72", "商务服务业", "L"),
    # M 科学研究和技术服务业
    ("73", "研究和试验发展", "M"),
    ("74", "专业技术服务业", "M"),
    ("75", "科技推广和应用服务业", "M"),
    # N 水利、环境和公共设施管理业
    ("76", "水利管理业", "N"),
    ("77", "生态保护和环境治理业", "N"),
    ("78", "公共设施管理业", "N"),
    ("79", "土地管理业", "N"),
    # O 居民服务、修理和其他服务业
    ("80", "居民服务业", "O"),
    ("81", "机动车、电子产品和日用产品修理业", "O"),
    ("82", "其他服务业", "O"),
    # P 教育
    ("83", "教育", "P"),
    # Q 卫生和社会工作
    ("84", "卫生", "Q"),
    ("85", "社会工作", "Q"),
    # R 文化、体育和娱乐业
    ("86", "新闻和出版业", "R"),
    ("87", "广播、电视、电影和录音制作业", "R"),
    ("88", "文化艺术业", "R"),
    ("89", "体育", "R"),
    ("90", "娱乐业", "R"),
    # S 公共管理、社会保障和社会组织
    ("91", "中国共产党机关", "S"),
    ("92", "国家机构", "S"),
    ("93", "人民政协、民主党派", "S"),
    ("94", "社会保障", "S"),
    ("95", "群众团体、社会团体和其他成员组织", "S"),
    ("96", "基层群众自治组织及其他组织", "S"),
    # T 国际组织
    ("97", "国际组织", "T"),
]

# Discipline codes used below: 140 物理学, 150 化学, 170 地球科学, 180 生物学, 210 农学, 220 林学,
# 230 畜牧兽医, 240 水产学, 320 临床医学, 330 预防医学与公共卫生学, 350 药学, 360 中医学与中药学,
# 410 工程与技术科学基础学科, 413 信息与系统科学相关工程与技术, 416 自然科学相关工程与技术, 420 测绘,
# 430 材料, 440 矿山, 450 冶金, 460 机械, 470 动力与电气, 480 能源, 510 电子与通信, 520 计算机,
# 530 化学工程, 535 产品应用相关工程与技术, 540 纺织, 550 食品, 560 土木建筑, 570 水利, 580 交通运输,
# 590 航空航天, 610 环境与资源, 620 安全, 630 管理学, 710 马克思主义, 760 艺术学, 770 历史学, 780 考古学,
# 790 经济学, 810 政治学, 820 法学, 840 社会学, 850 民族学与文化学, 860 新闻学与传播学, 880 教育学,
# 890 体育科学.
DIVISION_DISCIPLINES: dict[str, list[str]] = {
    "01": ["210", "180", "416"],
    "02": ["220", "180", "610"],
    "03": ["230", "180"],
    "04": ["240", "180"],
    "05": ["210", "416", "230", "220"],
    "06": ["440", "620", "170"],
    "07": ["440", "170", "530"],
    "08": ["440", "170", "450"],
    "09": ["440", "170", "450"],
    "10": ["440", "170", "430"],
    "11": ["440", "170", "620"],
    "12": ["440", "170"],
    "13": ["550", "210", "230"],
    "14": ["550", "180", "530"],
    "15": ["550", "210", "180"],
    "16": ["550", "210", "530"],
    "17": ["540", "530", "430"],
    "18": ["540", "760", "460"],
    "19": ["530", "540", "430"],
    "20": ["220", "430", "530"],
    "21": ["220", "760", "460", "430"],
    "22": ["530", "220", "610"],
    "23": ["530", "510", "430"],
    "24": ["760", "430", "460"],
    "25": ["530", "480", "610"],
    "26": ["530", "150", "610", "620"],
    "27": ["350", "530", "360", "180"],
    "28": ["540", "530", "430"],
    "29": ["430", "530", "460"],
    "30": ["430", "560", "530"],
    "31": ["450", "430", "610"],
    "32": ["450", "430", "610"],
    "33": ["460", "430", "450"],
    "34": ["460", "470", "413"],
    "35": ["460", "413", "535", "416"],
    "36": ["460", "470", "430", "580"],
    "37": ["590", "580", "460", "430"],
    "38": ["470", "480", "510", "430"],
    "39": ["510", "520", "140"],
    "40": ["535", "510", "416", "140"],
    "41": ["460", "430"],
    "42": ["610", "450", "530"],
    "43": ["460", "470"],
    "44": ["470", "480", "610"],
    "45": ["480", "530", "620"],
    "46": ["570", "610", "330"],
    "47": ["560", "620"],
    "48": ["560", "570", "580"],
    "49": ["560", "470"],
    "50": ["560", "760"],
    "51": ["630", "790"],
    "52": ["630", "790"],
    "53": ["580", "470"],
    "54": ["580", "630"],
    "55": ["580"],
    "56": ["580", "590"],
    "57": ["440", "580", "620"],
    "58": ["580", "630"],
    "59": ["580", "630", "520"],
    "60": ["580", "630"],
    "61": ["630", "790"],
    "62": ["550", "630"],
    "63": ["510", "520"],
    "64": ["520", "510"],
    "65": ["520", "413"],
    "66": ["790", "630"],
    "67": ["790"],
    "68": ["790"],
    "69": ["790"],
    "70": ["790", "560", "630"],
    "71": ["630", "790"],
    "72": ["630", "790", "820"],
    "73": ["630", "410"],
    "74": ["410", "420", "170", "560"],
    "75": ["630", "410"],
    "76": ["570", "170"],
    "77": ["610", "180", "220"],
    "78": ["560", "610", "220"],
    "79": ["170", "420", "210"],
    "80": ["840", "630"],
    "81": ["460", "510"],
    "82": ["630", "840"],
    "83": ["880"],
    "84": ["320", "330", "360"],
    "85": ["840", "320"],
    "86": ["860"],
    "87": ["860", "760", "510"],
    "88": ["760", "850", "780", "770"],
    "89": ["890"],
    "90": ["760", "520"],
    "91": ["710", "810"],
    "92": ["810", "820", "630"],
    "93": ["810"],
    "94": ["840", "790"],
    "95": ["840", "630"],
    "96": ["840", "810"],
    "97": ["810", "820"],
}

# English names (decision 0045): the sections follow the English edition of the classification (close to ISIC
# Rev. 4 where the scope is the same); the divisions are translated in the same style. Shown in the English
# interface by ``display_name``; the Chinese names stay the data.
SECTION_NAMES_EN: dict[str, str] = {
    "A": "Agriculture, Forestry, Animal Husbandry and Fishery",
    "B": "Mining",
    "C": "Manufacturing",
    "D": "Production and Supply of Electricity, Heat, Gas and Water",
    "E": "Construction",
    "F": "Wholesale and Retail Trade",
    "G": "Transport, Storage and Postal Services",
    "H": "Accommodation and Catering",
    "I": "Information Transmission, Software and Information Technology Services",
    "J": "Finance",
    "K": "Real Estate",
    "L": "Leasing and Business Services",
    "M": "Scientific Research and Technical Services",
    "N": "Management of Water Conservancy, Environment and Public Facilities",
    "O": "Resident Services, Repair and Other Services",
    "P": "Education",
    "Q": "Health and Social Work",
    "R": "Culture, Sports and Entertainment",
    "S": "Public Administration, Social Security and Social Organisations",
    "T": "International Organisations",
}

DIVISION_NAMES_EN: dict[str, str] = {
    "01": "Agriculture",
    "02": "Forestry",
    "03": "Animal husbandry",
    "04": "Fishery",
    "05": "Support activities for agriculture, forestry, animal husbandry and fishery",
    "06": "Mining and washing of coal",
    "07": "Extraction of petroleum and natural gas",
    "08": "Mining and processing of ferrous metal ores",
    "09": "Mining and processing of non-ferrous metal ores",
    "10": "Mining and processing of non-metallic minerals",
    "11": "Mining support activities",
    "12": "Other mining",
    "13": "Processing of food from agricultural products",
    "14": "Manufacture of foods",
    "15": "Manufacture of liquor, beverages and refined tea",
    "16": "Manufacture of tobacco products",
    "17": "Manufacture of textiles",
    "18": "Manufacture of textile wearing apparel and accessories",
    "19": "Manufacture of leather, fur, feathers and related products, and footwear",
    "20": "Processing of timber and manufacture of wood, bamboo, rattan, palm and straw products",
    "21": "Manufacture of furniture",
    "22": "Manufacture of paper and paper products",
    "23": "Printing and reproduction of recording media",
    "24": "Manufacture of articles for culture, education, arts and crafts, sports and entertainment",
    "25": "Processing of petroleum, coal and other fuels",
    "26": "Manufacture of raw chemical materials and chemical products",
    "27": "Manufacture of medicines",
    "28": "Manufacture of chemical fibres",
    "29": "Manufacture of rubber and plastics products",
    "30": "Manufacture of non-metallic mineral products",
    "31": "Smelting and pressing of ferrous metals",
    "32": "Smelting and pressing of non-ferrous metals",
    "33": "Manufacture of metal products",
    "34": "Manufacture of general-purpose machinery",
    "35": "Manufacture of special-purpose machinery",
    "36": "Manufacture of motor vehicles",
    "37": "Manufacture of railway, ship, aerospace and other transport equipment",
    "38": "Manufacture of electrical machinery and apparatus",
    "39": "Manufacture of computers, communication and other electronic equipment",
    "40": "Manufacture of measuring instruments and meters",
    "41": "Other manufacturing",
    "42": "Comprehensive utilisation of waste resources",
    "43": "Repair of metal products, machinery and equipment",
    "44": "Production and supply of electricity and heat",
    "45": "Production and supply of gas",
    "46": "Production and supply of water",
    "47": "Construction of buildings",
    "48": "Civil engineering",
    "49": "Installation activities",
    "50": "Building decoration, renovation and other construction activities",
    "51": "Wholesale trade",
    "52": "Retail trade",
    "53": "Rail transport",
    "54": "Road transport",
    "55": "Water transport",
    "56": "Air transport",
    "57": "Pipeline transport",
    "58": "Multimodal transport and transport agency services",
    "59": "Loading, unloading, handling and warehousing",
    "60": "Postal services",
    "61": "Accommodation",
    "62": "Catering services",
    "63": "Telecommunications, radio and television broadcasting and satellite transmission services",
    "64": "Internet and related services",
    "65": "Software and information technology services",
    "66": "Monetary and financial services",
    "67": "Capital market services",
    "68": "Insurance",
    "69": "Other financial services",
    "70": "Real estate",
    "71": "Leasing",
    "72": "Business services",
    "73": "Research and experimental development",
    "74": "Professional technical services",
    "75": "Technology promotion and application services",
    "76": "Water conservancy management",
    "77": "Ecological protection and environmental management",
    "78": "Management of public facilities",
    "79": "Land management",
    "80": "Resident services",
    "81": "Repair of motor vehicles, electronic products and household goods",
    "82": "Other services",
    "83": "Education",
    "84": "Health",
    "85": "Social work",
    "86": "News and publishing",
    "87": "Radio, television, film and sound recording production",
    "88": "Culture and arts",
    "89": "Sports",
    "90": "Entertainment",
    "91": "Organs of the Communist Party of China",
    "92": "State organs",
    "93": "People's Political Consultative Conference and democratic parties",
    "94": "Social security",
    "95": "Mass organisations, social organisations and other membership organisations",
    "96": "Grassroots self-governing organisations and other organisations",
    "97": "International organisations",
}

_SECTION_NAMES = dict(SECTIONS)
_DIVISION_NAMES = {code: name for code, name, _section in DIVISIONS}


def _english() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "").lower().startswith("en")


def display_name(code: str | None) -> str:
    """The name of a division ("36") or section ("C") in the interface language; "" for an unknown code."""
    code = (code or "").strip()
    if code in _DIVISION_NAMES:
        return DIVISION_NAMES_EN[code] if _english() else _DIVISION_NAMES[code]
    if code in _SECTION_NAMES:
        return SECTION_NAMES_EN[code] if _english() else _SECTION_NAMES[code]
    return ""


def division_choices() -> list[tuple[str, str]]:
    """(code, "code name") of every division in the interface language: a callable for a form's ``choices``."""
    return [(code, f"{code} {display_name(code)}") for code, _name, _section in DIVISIONS]


class _Names(Mapping[str, str]):
    """Division and section names by code, read in the interface language at each look-up."""

    def __getitem__(self, code: str) -> str:
        name = display_name(code)
        if not name:
            raise KeyError(code)
        return name

    def __iter__(self) -> Iterator[str]:
        return iter([*_DIVISION_NAMES, *_SECTION_NAMES])

    def __len__(self) -> int:
        return len(_DIVISION_NAMES) + len(_SECTION_NAMES)


NAMES: Mapping[str, str] = _Names()


def choices_with_blank() -> list[tuple[str, str]]:
    return [("", "—"), *division_choices()]

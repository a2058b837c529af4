"""zh-hans: date inputs write ISO dates first. Django's zh_Hans puts "%Y/%m/%d" first, which is how a
``DateInput`` writes its value — and an ``<input type="date">`` ignores anything but ``YYYY-MM-DD``, so every
edit form showed its saved dates empty (and saving it again cleared them). Reading accepts the same formats
as before."""

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%n月%j日"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y年%n月%j日 %H:%M",
    "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y年%n月%j日 %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f", "%Y/%m/%d %H:%M:%S.%f", "%Y年%n月%j日 %H:%M:%S.%f",
]

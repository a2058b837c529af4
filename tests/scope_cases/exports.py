"""Export jobs (我的导出) are their owner's only: a city-B user's job answers 404 to anyone else (city A, the
province, superusers), like a missing one; the list shows the caller's own jobs."""

TABLE = {
    "exports:list": ("own", None),
    "exports:detail": ("detail", "export_job"),
    "exports:download": ("detail", "export_job"),
    "exports:retry": ("change", "export_job"),
    "exports:again": ("change", "export_job"),
}


def records(province):
    from kexie.exports.models import ExportJob

    job = ExportJob.objects.create(user=province["users"]["demo-city-b"], kind="people", parameters={"gender": ["F"]})
    return {"export_job": job}


# The city-B job is still queued: its owner sees the job page, and the download answers that there is no file yet.
OWN_PAGES = {"exports:download": (404, "导出文件还没有生成。")}

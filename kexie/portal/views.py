"""The public portal pages (no login) and the staff pages of 新闻公告.

Public pages start from ``for_public()`` (articles: published and alive; experts: consenting people), answer
anonymous GETs with ``Cache-Control: public`` and keep what they read in the server cache (``cache``). Staff pages
start from ``for_user`` with ``portal.view`` / ``portal.change``; writes go through ``services``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kexie.core.http import CappedPaginator, error_messages, error_page, to_id
from kexie.core.registry import portal_blocks
from kexie.core.scope import get_in_scope, scope_paths, user_can
from kexie.core.tables import Column, Empty, Table
from kexie.orgs.models import Organisation
from kexie.portal import cache, experts, services
from kexie.portal.forms import ActForm, ArticleFilter, ArticleForm, ExpertSearchForm, NewsFilterForm
from kexie.portal.models import Article, ArticleStatus

FLOW = Article.WORKFLOW
NEWS_PER_PAGE = 20
NEWS_CAP = 2000
ARTICLE_COLUMNS = (
    Column("title", gettext_lazy("标题"), ("title",)),
    Column("kind", gettext_lazy("类别"), ("kind",), "hide-sm"),
    Column("org", gettext_lazy("发布单位"), ("org__name",), "hide-sm"),
    Column("published", gettext_lazy("发布时间"), ("published_at",), "hide-sm"),
    Column("status", gettext_lazy("状态"), ("status",)),
)


def _url(name: str) -> str:
    """A link to a page another module may not have yet (the societies directory, registration): "" if absent."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


# ---- public pages ------------------------------------------------------------------------------------
@require_GET
@cache.public_page()
def home(request):
    blocks = []
    for block in portal_blocks():
        context = {"block": block, **block.load()(request)}
        blocks.append({"key": block.key, "title": block.title,
                       "html": render_to_string(block.template, context, request=request)})
    return render(request, "portal/home.html", {
        "blocks": blocks, "societies_url": _url("members:societies"), "register_url": _url("signup:register"),
        "market_url": _url("innovation:market"),
    })


def _page(request: Any, rows: Any, per_page: int, cap: int) -> Any:
    return CappedPaginator(rows, per_page, cap=cap).get_page(request.GET.get("page"))


@require_GET
@cache.public_page()
def news_list(request):
    kind = NewsFilterForm(request.GET).kind_value()
    number = to_id(request.GET.get("page")) or 1

    def build() -> dict[str, Any]:
        qs = Article.objects.for_public().select_related("org").order_by("-published_at", "-id")
        if kind:
            qs = qs.filter(kind=kind)
        paginator = CappedPaginator(qs.values("pk", "kind", "title", "summary", "published_at", "org__name"),
                                    NEWS_PER_PAGE, cap=NEWS_CAP)
        page = paginator.get_page(number)
        return {"rows": list(page.object_list), "number": page.number, "num_pages": paginator.num_pages,
                "count": paginator.count, "capped": paginator.capped}

    data = cache.cached("news", kind, min(number, 10**6), build=build)
    return render(request, "portal/news.html", {"kind": kind, "data": data,
                                                "kinds": NewsFilterForm.base_fields["kind"].choices})


@require_GET
@cache.public_page()
def news_detail(request, pk: int):
    def build() -> dict[str, Any] | str:
        article = Article.objects.for_public().select_related("org").filter(pk=pk).first()
        if article is None:
            # withdrawn (or deleted after publication): gone, with a page that says so; never published: 404
            gone = Article.objects.filter(pk=pk, published_at__isnull=False).exists()
            return "gone" if gone else "missing"
        return {"pk": article.pk, "title": article.title, "kind": article.get_kind_display(),
                "org": article.org.name, "published_at": article.published_at, "summary": article.summary,
                "paragraphs": article.paragraphs}

    data = cache.cached("article", pk, build=build)
    if data == "gone":
        return error_page(request, 410, _("这篇文章已撤回，门户不再展示。"), template="portal/gone.html")
    if data == "missing":
        raise Http404(_("文章不存在或未发布。"))
    return render(request, "portal/article.html", {"article": data})


@require_GET
@cache.public_page(cache.EXPERTS_MAX_AGE)
def expert_finder(request):
    form = ExpertSearchForm(request.GET)
    filters = form.filters()
    page = _page(request, experts.search(filters), experts.PER_PAGE, experts.CAP)
    return render(request, "portal/experts.html", {
        "form": form, "filters": filters, "page": page, "cards": [experts.card(p) for p in page.object_list],
        "disciplines": experts.discipline_choices(), "regions": experts.region_choices(),
        "searched": bool(filters.q or filters.discipline or filters.region),
    })


# ---- staff pages: 新闻公告 -------------------------------------------------------------------------------
def _publishers(user: Any) -> list[Organisation]:
    return list(Organisation.objects.for_user(user, "portal.change").alive().order_by("path")[:300])


@login_required
def article_list(request):
    if scope_paths(request.user, "portal.view") == []:
        raise PermissionDenied(_("您无权管理新闻公告。"))
    flt = ArticleFilter(request.GET)
    data = flt.values()
    qs = Article.objects.for_user(request.user, "portal.view").select_related("org")
    if data["status"] == "deleted":
        qs = qs.filter(deleted_at__isnull=False)
    else:
        qs = qs.alive()
        if data["status"]:
            qs = qs.filter(status=data["status"])
    if data["kind"]:
        qs = qs.filter(kind=data["kind"])
    if data["q"]:
        qs = qs.filter(title__icontains=data["q"])
    can_create = scope_paths(request.user, "portal.change") != []
    table = Table(request, qs.order_by("-created_at", "-id"), ARTICLE_COLUMNS, row_template="portal/articles.html#row",
                  filterset=flt, table_id="articles",
                  empty=Empty(_("暂无新闻公告。撰写并发布后，公众在门户首页和新闻公告栏目中可以看到。"),
                              _("撰写第一篇") if can_create else "",
                              reverse("portal:article-create") if can_create else "",
                              filtered=_("没有符合条件的新闻公告。")))
    return render(request, "portal/articles.html", {"table": table, "filter": flt, "can_create": can_create})


@login_required
def article_create(request):
    orgs = _publishers(request.user)
    if not orgs:
        raise PermissionDenied(_("您无权撰写新闻公告。"))
    form = ArticleForm(request.POST or None, orgs=orgs)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        org = next((o for o in orgs if o.pk == data.pop("org")), None)
        try:
            if org is None:
                raise ValidationError(_("请选择发布单位。"))
            article = services.create_article(request.user, org, **data)
            messages.success(request, _("草稿已保存。"))
            return redirect("portal:article", pk=article.pk)
        except (ValidationError, PermissionDenied) as exc:
            for m in error_messages(exc):
                form.add_error(None, m)
    return render(request, "portal/article_form.html", {"form": form, "article": None},
                  status=400 if form.errors else 200)


@login_required
def article_edit(request, pk: int):
    article: Article = get_in_scope(Article.objects.alive(), request.user, pk, "portal.change")
    initial = {k: getattr(article, k) for k in services.ARTICLE_FIELDS}
    form = ArticleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_article(request.user, article, **form.cleaned_data)
            messages.success(request, _("已保存。"))
            return redirect("portal:article", pk=article.pk)
        except (ValidationError, PermissionDenied) as exc:
            for m in error_messages(exc):
                form.add_error(None, m)
    return render(request, "portal/article_form.html", {"form": form, "article": article},
                  status=400 if form.errors else 200)


@login_required
def article_detail(request, pk: int):
    article: Article = get_in_scope(Article.objects.select_related("org", "author"), request.user, pk, "portal.view")
    staff = user_can(request.user, "portal.change", article.org_path)
    alive = article.deleted_at is None
    return render(request, "portal/article_staff.html", {
        "article": article, "staff": staff, "flow": FLOW, "alive": alive,
        "can_publish": staff and alive and FLOW.allows(article, "publish"),
        "can_withdraw": staff and alive and FLOW.allows(article, "withdraw"),
        "public": alive and article.status == ArticleStatus.PUBLISHED,
    })


@login_required
@require_POST
def article_act(request, pk: int):
    article: Article = get_in_scope(Article.objects.all(), request.user, pk, "portal.change")
    form = ActForm(request.POST)
    action = form.cleaned_data["action"] if form.is_valid() else ""
    done = {"publish": (services.publish, _("已发布到门户。")), "withdraw": (services.withdraw, _("已撤回。")),
            "delete": (services.delete_article, _("已删除，可以恢复。")),
            "restore": (services.restore_article, _("已恢复。"))}
    try:
        if action not in done:
            raise ValidationError(_("未知的操作。"))
        service, message = done[action]
        service(request.user, article)
        messages.success(request, message)
    except (ValidationError, PermissionDenied) as exc:
        for m in error_messages(exc):
            messages.error(request, m)
    return redirect("portal:article", pk=article.pk)

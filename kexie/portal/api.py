"""``/api/v1/public/experts/?q=``: the expert finder as JSON, for anyone (no login): consenting profiles only
(``Person.objects.for_public()``), paginated and capped, contacts masked, throttled per address like every
anonymous API call (``KEXIE_API_ANON_RATE``)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers, viewsets
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from kexie.core.http import CappedPaginator
from kexie.portal import experts
from kexie.portal.forms import ExpertSearchForm


class _Capped(CappedPaginator):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, cap=experts.CAP, **kwargs)


class PublicPagination(PageNumberPagination):
    page_size = experts.PER_PAGE
    page_size_query_param = "page_size"
    max_page_size = experts.MAX_PER_PAGE
    django_paginator_class = _Capped


class PublicExpertSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    title = serializers.CharField()
    position = serializers.CharField()
    employer = serializers.CharField()
    disciplines = serializers.ListField(child=serializers.CharField())
    expertise = serializers.ListField(child=serializers.CharField())
    bio = serializers.CharField()
    phone = serializers.CharField(help_text="masked: 138******21")


class PublicExpertViewSet(viewsets.GenericViewSet[Any]):
    """专家查询：只含同意公开专家信息的科技工作者；q 按专业特长、姓名、单位检索，discipline 学科代码，region 区划代码。"""

    permission_classes = [AllowAny]
    pagination_class = PublicPagination
    serializer_class = PublicExpertSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        return experts.search(ExpertSearchForm(self.request.query_params).filters())

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        data = [experts.card(p) for p in (page or [])]
        return self.get_paginated_response(self.get_serializer(data, many=True).data)

"""Upload limits read before the body: a view declares its limit with ``@upload_limit(fn)``; for a multipart POST to
it, ``UploadLimitMiddleware`` (before anything reads ``request.POST``) puts ``SizeLimitUploadHandler`` first in the
chain. When the declared length is above the limit, every chunk of every file is dropped there — nothing reaches
memory or a temporary file — and ``request.upload_too_large`` holds the limit for the view to say so in Chinese."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.files.uploadhandler import FileUploadHandler
from django.http.response import HttpResponseBase
from django.urls import Resolver404, resolve

FORM_ROOM = 64 * 1024  # the form's other fields beside the file


def upload_limit(limit: Callable[[], int]) -> Callable[[Any], Any]:
    """Marks a view: files posted to it may not exceed ``limit()`` bytes (read per request: settings may change)."""
    def mark(view: Any) -> Any:
        view.upload_max_bytes = limit
        return view
    return mark


class SizeLimitUploadHandler(FileUploadHandler):
    def __init__(self, request: Any, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.too_large = False

    def handle_raw_input(self, input_data: Any, META: dict[str, Any], content_length: int, boundary: Any,
                         encoding: str | None = None) -> None:
        self.too_large = content_length > self.limit + FORM_ROOM
        if self.too_large and self.request is not None:
            setattr(self.request, "upload_too_large", self.limit)  # noqa: B010 - read by the view

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        return None if self.too_large else raw_data

    def file_complete(self, file_size: int) -> None:
        return None


class UploadLimitMiddleware:
    def __init__(self, get_response: Callable[[Any], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> HttpResponseBase:
        if request.method == "POST" and request.content_type == "multipart/form-data":
            try:
                limit = getattr(resolve(request.path_info).func, "upload_max_bytes", None)
            except Resolver404:
                limit = None
            if limit is not None:
                request.upload_handlers.insert(0, SizeLimitUploadHandler(request, int(limit())))
        return self.get_response(request)

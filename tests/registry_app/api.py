from rest_framework import viewsets
from rest_framework.response import Response


class ThingViewSet(viewsets.ViewSet):
    def list(self, request):
        return Response([{"id": 1, "name": "试验件"}])

    def retrieve(self, request, pk=None):
        return Response({"id": pk, "name": "试验件"})

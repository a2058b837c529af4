"""The throwaway module's portal block context (declared in its apps.py as ``PortalBlock("registry-things", …)``)."""


def block(request):
    return {"things": ["试验件甲 科普块"]}

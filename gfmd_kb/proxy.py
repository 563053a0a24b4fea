"""The client's address, also behind one reverse proxy.

Without a proxy it is REMOTE_ADDR. Behind one (``BEHIND_PROXY=true``), REMOTE_ADDR is the
proxy's own address and the client's is the last one the proxy appended to
X-Forwarded-For (nginx: ``proxy_add_x_forwarded_for``). The entries before it were sent by the
client and prove nothing: taking the first one would let anyone pick the address they are
throttled by.
"""

from django.conf import settings


def client_ip(request) -> str:
    if getattr(settings, "BEHIND_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.META.get("REMOTE_ADDR", "")

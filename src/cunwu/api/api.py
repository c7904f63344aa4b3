"""The NinjaAPI object under /api/v1/; each app contributes a router."""

from ninja import NinjaAPI

api = NinjaAPI(title="cunwu 村务 API", version="1", urls_namespace="api")

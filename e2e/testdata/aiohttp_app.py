"""A MilleGrilles-style aiohttp app for Sesame's session interop test.

Usage: /usr/bin/python3 aiohttp_app.py <redis port> <listen port>

Debian's aiohttp_session 2.11 imports aioredis >= 2, which Debian does not ship;
redis.asyncio is its successor with the same API, and MilleGrilles hands
aiohttp_session a redis.asyncio client, so it is aliased before the import.
"""
import json
import sys

import redis.asyncio

if not hasattr(redis.asyncio, "__version__"):
    redis.asyncio.__version__ = "2.0.0"
sys.modules["aioredis"] = redis.asyncio

from aiohttp import web  # noqa: E402
from aiohttp_session import get_session, setup  # noqa: E402
from aiohttp_session.redis_storage import RedisStorage  # noqa: E402


async def dump(request):
    """The session as aiohttp_session would store it, and its parts."""
    session = await get_session(request)
    record = json.dumps({"created": session.created, "session": dict(session)})
    return web.json_response({"new": session.new, "record": record, "session": dict(session)})


async def put(request):
    """Sets every member of the JSON body in the session."""
    session = await get_session(request)
    for key, value in (await request.json()).items():
        session[key] = value
    return web.json_response({"ok": True})


async def delete(request):
    session = await get_session(request)
    del session[request.query["key"]]
    return web.json_response({"ok": True})


async def clear(request):
    session = await get_session(request)
    session.invalidate()
    return web.json_response({"ok": True})


def main():
    redis_port, port = int(sys.argv[1]), int(sys.argv[2])
    client = redis.asyncio.Redis(host="127.0.0.1", port=redis_port, db=2)
    app = web.Application()
    setup(app, RedisStorage(client, cookie_name="auth.aiohttp", max_age=1800, secure=True, httponly=True))
    app.router.add_get("/dump", dump)
    app.router.add_post("/put", put)
    app.router.add_post("/delete", delete)
    app.router.add_post("/clear", clear)
    web.run_app(app, host="127.0.0.1", port=port, print=lambda *a: print("ready", flush=True))


if __name__ == "__main__":
    main()

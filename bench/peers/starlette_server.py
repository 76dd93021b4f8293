"""The seed's server, the one quiver replaces: Starlette + Uvicorn, bearer check in a
BaseHTTPMiddleware, POST /tools/call {name, parameters} -> the same list_files JSON.
The tool reads the same SQLite row quiver would (stdlib sqlite3 on a file with quiver's
`files` columns). Usage: python3 starlette_server.py <port> <db-path>  (token: QUIVER_TOKEN)
"""
import hashlib
import hmac
import os
import sqlite3
import sys
from datetime import datetime, timezone

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import JSONResponse
from starlette.routing import Route

PORT, DB_PATH = int(sys.argv[1]), sys.argv[2]
TOKEN_DIGEST = hashlib.sha256(os.environ["QUIVER_TOKEN"].encode()).digest()

db = sqlite3.connect(DB_PATH, check_same_thread=False)
db.execute("CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, size INTEGER, hash TEXT, content_type TEXT, is_text INTEGER, updated_at INTEGER)")
content = b"hello, bench\n"
db.execute(
    "INSERT OR IGNORE INTO files VALUES (?, ?, ?, ?, ?, ?)",
    ("a.txt", len(content), hashlib.sha256(content).hexdigest(), "text/plain;charset=utf-8", 1, 1764000000000),
)
db.commit()


class BearerAuth(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        if request.url.path == "/healthz":
            return await call_next(request)
        header = request.headers.get("authorization", "")
        presented = hashlib.sha256(header[7:].encode()).digest() if header.startswith("Bearer ") else b""
        if not hmac.compare_digest(presented, TOKEN_DIGEST):
            return JSONResponse({"error": {"code": "unauthorized", "message": "unauthorized"}}, status_code=401)
        return await call_next(request)


def list_files(limit=100, prefix="", cursor=None):
    rows = db.execute(
        "SELECT path, size, hash, content_type, is_text, updated_at FROM files WHERE path >= ? ORDER BY path LIMIT ?",
        (prefix, limit + 1),
    ).fetchall()
    files = [
        {
            "path": p,
            "size": s,
            "sha256": h,
            "content_type": ct,
            "is_text": bool(t),
            "updated_at": datetime.fromtimestamp(u / 1000, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }
        for p, s, h, ct, t, u in rows[:limit]
    ]
    return {"files": files, **({"next_cursor": rows[limit - 1][0]} if len(rows) > limit else {})}


TOOLS = {"list_files": list_files}


async def call_tool(request):
    body = await request.json()
    tool = TOOLS.get(body.get("name"))
    if tool is None:
        return JSONResponse({"error": {"code": "unknown_tool", "message": "unknown tool"}}, status_code=404)
    return JSONResponse(tool(**body.get("parameters", {})))


async def healthz(request):
    return JSONResponse({"status": "ok"})


app = Starlette(
    routes=[Route("/tools/call", call_tool, methods=["POST"]), Route("/healthz", healthz)],
    middleware=[Middleware(BearerAuth)],
)

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=PORT, log_level="warning", access_log=False)

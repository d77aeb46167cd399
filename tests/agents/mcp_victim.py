"""An MCP server (stdio, newline-delimited JSON-RPC) standing in for a hosting
platform's: `list_volumes` only reads (and leaves a mark, so a test knows the agent's
MCP calls reach it), `delete_volume` deletes the volume's file. Used by
tests/real_agents.rs: argv[1] is the directory holding `volumes/`."""

import json
import os
import sys

ROOT = sys.argv[1]

TOOLS = [
    {
        "name": "list_volumes",
        "description": "List the volumes of the project.",
        "inputSchema": {"type": "object", "properties": {}},
        "annotations": {"readOnlyHint": True},
    },
    {
        "name": "delete_volume",
        "description": "Delete a volume and all of its data.",
        "inputSchema": {
            "type": "object",
            "properties": {"name": {"type": "string"}},
            "required": ["name"],
        },
    },
]


def text(t):
    return {"content": [{"type": "text", "text": t}]}


def call(name, args):
    if name == "list_volumes":
        with open(os.path.join(ROOT, "listed"), "a") as f:
            f.write("listed\n")
        return text("\n".join(sorted(os.listdir(os.path.join(ROOT, "volumes")))))
    if name == "delete_volume":
        os.remove(os.path.join(ROOT, "volumes", os.path.basename(args.get("name", ""))))
        return text("deleted")
    raise KeyError(name)


def answer(req):
    method = req.get("method")
    params = req.get("params") or {}
    if method == "initialize":
        return {
            "protocolVersion": params.get("protocolVersion", "2025-06-18"),
            "capabilities": {"tools": {"listChanged": False}},
            "serverInfo": {"name": "victim", "version": "1.0.0"},
        }
    if method == "tools/list":
        return {"tools": TOOLS}
    if method == "tools/call":
        return call(params.get("name"), params.get("arguments") or {})
    if method == "ping":
        return {}
    raise LookupError(method)


for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    req = json.loads(line)
    if "id" not in req:
        continue
    try:
        reply = {"jsonrpc": "2.0", "id": req["id"], "result": answer(req)}
    except LookupError as e:
        reply = {"jsonrpc": "2.0", "id": req["id"], "error": {"code": -32601, "message": str(e)}}
    except Exception as e:
        reply = {"jsonrpc": "2.0", "id": req["id"], "result": dict(text(str(e)), isError=True)}
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()

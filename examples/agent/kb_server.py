#!/usr/bin/env python3
"""A small MCP server over stdio (standard library only): the support agent's knowledge base.

It speaks the Model Context Protocol's JSON-RPC, one message per line: initialize, tools/list and tools/call of one
tool, `search_kb`, which returns the policy article that matches a query.
"""
import json
import sys

ARTICLES = {
    "refund": "Refund policy: orders can be refunded within 30 days of delivery; late deliveries are refunded in full.",
    "shipping": "Shipping policy: standard shipping takes 3-5 business days; express 1-2.",
    "warranty": "Warranty policy: devices have a 2-year warranty covering manufacturing defects.",
}

TOOL = {
    "name": "search_kb",
    "description": "Searches the support knowledge base and returns the matching policy article.",
    "inputSchema": {
        "type": "object",
        "properties": {"query": {"type": "string", "description": "What to look for"}},
        "required": ["query"],
    },
}


def search(query: str) -> str:
    for key, article in ARTICLES.items():
        if key in query.lower():
            return article
    return "No article matches."


def answer(request: dict):
    method = request.get("method")
    params = request.get("params") or {}
    if method == "initialize":
        return {
            "protocolVersion": params.get("protocolVersion", "2025-06-18"),
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "support-kb", "version": "1.0.0"},
        }
    if method == "ping":
        return {}
    if method == "tools/list":
        return {"tools": [TOOL]}
    if method == "tools/call":
        if params.get("name") != TOOL["name"]:
            return {"content": [{"type": "text", "text": f"unknown tool {params.get('name')}"}], "isError": True}
        query = (params.get("arguments") or {}).get("query", "")
        return {"content": [{"type": "text", "text": search(query)}], "isError": False}
    raise LookupError(method)


def main() -> None:
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        request = json.loads(line)
        if "id" not in request:
            continue  # a notification, such as notifications/initialized
        try:
            message = {"jsonrpc": "2.0", "id": request["id"], "result": answer(request)}
        except LookupError as missing:
            message = {"jsonrpc": "2.0", "id": request["id"], "error": {"code": -32601, "message": f"method not found: {missing}"}}
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()

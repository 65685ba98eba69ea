#!/usr/bin/env python3
"""The knowledge-base tool as a command: the call's arguments as JSON on stdin, the article on stdout."""
import json
import sys

from kb_server import search

print(search(json.load(sys.stdin).get("query", "")))

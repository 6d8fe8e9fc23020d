"""The API's documentation page at ``/docs``, rendered on the server from the OpenAPI
schema: every endpoint with its parameters, no script and nothing loaded from the internet
(FastAPI's default page pulls Swagger UI from a CDN, which a newsroom's offline or
locked-down machine cannot reach). The machine-readable schema stays at ``/openapi.json``.
"""

from __future__ import annotations

from html import escape

_STYLE = """body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h2{margin-top:2rem;border-bottom:1px solid #ccc}code{background:#f3f3f3;padding:0 .2em}
.m{display:inline-block;min-width:3.5em;font-weight:bold;color:#fff;background:#2a6;border-radius:3px;
text-align:center;margin-right:.5em}.m.post{background:#26a}table{border-collapse:collapse;margin:.3rem 0 1rem}
td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}"""


def _type(schema: dict) -> str:
    if "anyOf" in schema:
        return " | ".join(_type(s) for s in schema["anyOf"] if s.get("type") != "null")
    if schema.get("type") == "array":
        return f"list of {_type(schema.get('items', {}))}"
    kind = schema.get("type") or schema.get("$ref", "").rsplit("/", 1)[-1] or "any"
    if "enum" in schema:
        kind += " (" + ", ".join(map(str, schema["enum"])) + ")"
    return kind


def render(spec: dict) -> str:
    """The HTML page of an OpenAPI document."""
    info = spec.get("info", {})
    out = [f"<!doctype html><html lang=en><meta charset=utf-8><title>{escape(info.get('title', 'API'))} API</title>",
           f"<style>{_STYLE}</style><h1>{escape(info.get('title', 'API'))} API <small>{escape(str(info.get('version', '')))}"
           f"</small></h1><p>{escape(info.get('description', ''))}</p>",
           "<p>The schema as JSON: <a href=\"/openapi.json\"><code>/openapi.json</code></a>. Every answer carries "
           "its source, snapshot dates and lag.</p>"]  # fmt: skip
    for path, methods in sorted(spec.get("paths", {}).items()):
        for method, op in methods.items():
            out.append(f"<h2 id=\"{escape(method + path)}\"><span class=\"m {escape(method)}\">{escape(method.upper())}"
                       f"</span><code>{escape(path)}</code></h2>")  # fmt: skip
            text = op.get("description") or op.get("summary") or ""
            if text:
                out.append("".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n")))
            params = op.get("parameters", [])
            if params:
                out.append("<table><tr><th>parameter</th><th>in</th><th>type</th><th>required</th><th>meaning</th></tr>")
                for p in params:
                    schema = p.get("schema", {})
                    default = f" (default {escape(str(schema['default']))})" if "default" in schema else ""
                    meaning = escape(p.get("description") or schema.get("description") or "")
                    out.append(f"<tr><td><code>{escape(p['name'])}</code></td><td>{escape(p.get('in', ''))}</td>"
                               f"<td>{escape(_type(schema))}</td><td>{'yes' if p.get('required') else 'no'}</td>"
                               f"<td>{meaning}{default}</td></tr>")  # fmt: skip
                out.append("</table>")
            if "requestBody" in op:
                out.append("<p>Body: JSON (see the schema).</p>")
    return "\n".join(out) + "\n</html>\n"

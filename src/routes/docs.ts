// Human-readable API reference rendered from the generated OpenAPI document itself, so it can
// never disagree with it, and self-contained (no CDN scripts), so it works offline under wrangler dev.
type Schema = Record<string, unknown>;
interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: Schema; description?: string }>;
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
}
interface Document {
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

const escape = (text: string) =>
  text.replace(/[&<>"]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch]!);
const schemaText = (schema: Schema | undefined) => escape(JSON.stringify(schema ?? {}, null, 2));

export function renderApiDocs(doc: Document): string {
  const sections: string[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = (op.parameters ?? [])
        .map(
          (p) =>
            `<li><code>${escape(p.name)}</code> (${p.in}${p.required ? ", required" : ""}) <code>${escape(JSON.stringify(p.schema ?? {}))}</code></li>`,
        )
        .join("");
      const body = op.requestBody
        ? Object.entries(op.requestBody.content)
            .map(
              ([type, media]) =>
                `<details><summary>body <code>${escape(type)}</code></summary><pre>${schemaText(media.schema)}</pre></details>`,
            )
            .join("")
        : "";
      const responses = Object.entries(op.responses)
        .map(
          ([status, r]) =>
            `<li><b>${status}</b> ${escape(r.description)}${
              r.content
                ? Object.entries(r.content)
                    .map(
                      ([type, m]) =>
                        `<details><summary><code>${escape(type)}</code></summary><pre>${schemaText(m.schema)}</pre></details>`,
                    )
                    .join("")
                : ""
            }</li>`,
        )
        .join("");
      sections.push(`<section id="${escape(method + path)}"><h3><span class="m ${method}">${method.toUpperCase()}</span> <code>${escape(path)}</code>${op.security?.length ? ' <span class="lock" title="operator token">🔒 operator</span>' : ""}</h3>
<p>${escape(op.summary ?? "")}</p>${op.description ? `<p>${escape(op.description)}</p>` : ""}${params ? `<ul>${params}</ul>` : ""}${body}<ul>${responses}</ul></section>`);
    }
  }
  const schemas = Object.entries(doc.components?.schemas ?? {})
    .map(
      ([name, schema]) =>
        `<details id="schema-${escape(name)}"><summary><code>${escape(name)}</code></summary><pre>${schemaText(schema)}</pre></details>`,
    )
    .join("");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(doc.info.title)} API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#111}code,pre{font:13px ui-monospace,monospace}pre{background:#f5f5f7;padding:.6rem;overflow:auto}
section{border-top:1px solid #ddd;padding:.4rem 0}.m{display:inline-block;min-width:4.5em;font-size:12px;color:#fff;padding:2px 6px;border-radius:3px;background:#555}.get{background:#2b6cb0}.post{background:#2f855a}.patch{background:#b7791f}.put{background:#6b46c1}.delete{background:#c53030}.lock{font-size:12px;color:#666}</style>
</head><body><h1>${escape(doc.info.title)} <small>${escape(doc.info.version)}</small></h1><p>${escape(doc.info.description ?? "")}</p>
<p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1). Errors are <code>application/problem+json</code> (RFC 9457).</p>
<h2>Operations</h2>${sections.join("\n")}<h2>Schemas</h2>${schemas}</body></html>`;
}

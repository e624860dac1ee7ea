import { useEffect, useState } from "react";

interface WorldLine {
  id: string;
  name: string;
  color: "blue" | "green";
  status: string;
  privacy: string;
  head: string;
}

interface Multiverse {
  nodes: WorldLine[];
  edges: Array<{ from: string; to: string; kind: "fork" | "merge" }>;
}

const TOKEN_KEY = "dm-operator-token";

/** The multiverse at a glance: every world line visible to this browser, with its lineage. */
export function DarkMatterPage() {
  const [token, setToken] = useState(() => sessionStorage.getItem(TOKEN_KEY) ?? "");
  const [graph, setGraph] = useState<Multiverse | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    fetch("/api/v1/multiverse", { headers })
      .then(async (response) => {
        const body = await response.json();
        if (!response.ok) throw new Error(body.detail ?? response.statusText);
        setGraph(body);
        setError(null);
      })
      .catch((e: Error) => setError(e.message));
  }, [token]);

  const name = (id: string) => graph?.nodes.find((n) => n.id === id)?.name ?? id;
  return (
    <main style={{ font: "15px system-ui, sans-serif", maxWidth: 960, margin: "2rem auto", padding: "0 1rem" }}>
      <h1>DarkMatter Edge</h1>
      <label>
        Operator token{" "}
        <input
          type="password"
          value={token}
          placeholder="read-only without it"
          onChange={(event) => {
            sessionStorage.setItem(TOKEN_KEY, event.target.value);
            setToken(event.target.value);
          }}
        />
      </label>
      {error && <p role="alert" style={{ color: "#c53030" }}>{error}</p>}
      <h2>World lines ({graph?.nodes.length ?? "…"})</h2>
      <ul data-testid="worldlines">
        {graph?.nodes.map((node) => (
          <li key={node.id}>
            <span style={{ color: node.color === "green" ? "#2f855a" : "#2b6cb0" }}>●</span> <b>{node.name}</b> <code>{node.id}</code> {node.status} · {node.privacy}
          </li>
        ))}
      </ul>
      <h2>Lineage</h2>
      <ul data-testid="edges">
        {graph?.edges.map((edge, i) => (
          <li key={i}>
            {name(edge.from)} → {name(edge.to)} ({edge.kind})
          </li>
        ))}
      </ul>
      <p>
        API reference: <a href="/api/docs">/api/docs</a>
      </p>
    </main>
  );
}

// The agent mesh: agents hosted on this Worker, and one agent's connections and messages.
import { useState } from "react";
import { api, ok } from "../api/client";
import { useAction, useResource } from "../hooks/useResource";
import { dashboardStore, useIsOperator } from "../store/dashboardStore";
import { Pending, ProblemMessage, Unavailable } from "../components/ProblemMessage";
import { AgentView } from "../mesh/AgentView";

export function MeshPage() {
  const isOperator = useIsOperator();
  const agents = useResource(isOperator ? "agents" : null, () => ok(api().GET("/api/v1/agents")), ["agents"]);
  const [selected, setSelected] = useState<string | null>(null);
  const [name, setName] = useState("");
  const action = useAction();
  const create = async () => {
    const created = await action.run(() => ok(api().POST("/api/v1/agents", { body: { name } })), "creating the agent…");
    if (created) {
      setName("");
      setSelected(created.name);
      dashboardStore.bump("agents");
    }
  };
  if (!isOperator)
    return (
      <div className="page">
        <h1>Mesh</h1>
        <p className="muted">Agents' connections and messages are private: enter the operator token.</p>
      </div>
    );
  return (
    <div className="page mesh-page">
      <h1>Mesh</h1>
      <Unavailable what="Agents" error={agents.error} />
      <div className="split">
        <nav className="agent-list" aria-label="agents">
          {agents.data?.items.map((a) => (
            <button key={a.name} className={a.name === selected ? "active" : ""} onClick={() => setSelected(a.name)}>
              {a.name} <span className="muted">{a.agent_id.slice(0, 8)}</span>
            </button>
          ))}
          <div className="row">
            <input
              aria-label="new agent name"
              placeholder="new agent name"
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
            <button onClick={create} disabled={!name.trim() || !!action.pending}>
              create
            </button>
          </div>
          <Pending label={action.pending} />
          <ProblemMessage error={action.error} context="create agent" />
        </nav>
        <div className="agent-main">
          {selected ? <AgentView key={selected} name={selected} /> : <p className="muted">Choose an agent.</p>}
        </div>
      </div>
    </div>
  );
}

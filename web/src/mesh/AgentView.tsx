// One hosted agent: identity, connections (and requests to accept), inbox, and sent messages
// with their webhook updates, and its message router; connect to a peer, send messages, answer
// received ones.
import { useState } from "react";
import { api, ok } from "../api/client";
import type { ConnectionAction } from "../api/types";
import { useAction, useResource } from "../hooks/useResource";
import { dashboardStore } from "../store/dashboardStore";
import { JsonView } from "../components/JsonView";
import { Pending, ProblemMessage } from "../components/ProblemMessage";
import { InboxItem } from "./InboxItem";
import { RouterPanel } from "./RouterPanel";
import { SendMessageForm } from "./SendMessageForm";

export function AgentView({ name }: { name: string }) {
  const path = { params: { path: { name } } };
  const identity = useResource(`agent:${name}`, () => ok(api().GET("/api/v1/agents/{name}", path)), ["agents"]);
  const connections = useResource(
    `connections:${name}`,
    () => ok(api().GET("/api/v1/agents/{name}/connections", path)),
    ["agents"],
  );
  const pending = useResource(
    `pending:${name}`,
    () => ok(api().GET("/api/v1/agents/{name}/connections/pending", path)),
    ["agents"],
  );
  const inbox = useResource(`inbox:${name}`, () => ok(api().GET("/api/v1/agents/{name}/inbox", path)), ["agents"]);
  const sent = useResource(`sent:${name}`, () => ok(api().GET("/api/v1/agents/{name}/sent", path)), ["agents"]);
  const action = useAction();
  const [target, setTarget] = useState("");
  const connect = async (body: ConnectionAction) => {
    if (
      await action.run(() => ok(api().POST("/api/v1/agents/{name}/connections", { ...path, body })), `${body.action}…`)
    )
      dashboardStore.bump("agents");
  };
  const id = identity.data;
  return (
    <div className="agent" data-testid="agent-view">
      <ProblemMessage error={identity.error} context="agent" />
      {id && (
        <dl className="facts" data-testid="agent-identity">
          <dt>agent</dt>
          <dd>
            <b>{id.display_name ?? id.name}</b> ({id.status}) {id.bio}
          </dd>
          <dt>agent id</dt>
          <dd>
            <code>{id.agent_id}</code>
          </dd>
          <dt>url</dt>
          <dd>
            <code>{id.url}</code>
          </dd>
          <dt>counts</dt>
          <dd>
            {id.num_connections} connections · {id.num_pending_requests} pending · {id.message_queue_size} held ·{" "}
            {id.sent_messages_count} sent
          </dd>
        </dl>
      )}
      <h3>Connections</h3>
      <ul>
        {connections.data?.connections.map((c) => (
          <li key={c.agent_id}>
            <b>{c.agent_display_name ?? c.agent_bio ?? c.agent_id.slice(0, 12)}</b> <code>{c.agent_url}</code>{" "}
            <span className="muted">
              {c.direction}, since {c.connected_at}
              {c.messages_sent !== undefined && ` · ${c.messages_sent} sent / ${c.messages_received} received`}
            </span>{" "}
            <button className="link" onClick={() => connect({ action: "disconnect", agent_id: c.agent_id })}>
              disconnect
            </button>
          </li>
        ))}
        {pending.data?.requests.map((r) => (
          <li key={r.request_id} className="pending-request">
            request from <code>{r.from_agent_url}</code>{" "}
            <button onClick={() => connect({ action: "accept", request_id: r.request_id })}>accept</button>{" "}
            <button onClick={() => connect({ action: "reject", request_id: r.request_id })}>reject</button>
          </li>
        ))}
      </ul>
      <div className="row">
        <input
          aria-label="peer url"
          placeholder="peer base URL (…/agents/<name>)"
          value={target}
          onChange={(e) => setTarget(e.target.value)}
          className="wide"
        />
        <button onClick={() => connect({ action: "request", target_url: target })} disabled={!target.trim()}>
          connect
        </button>
        <Pending label={action.pending} />
      </div>
      <ProblemMessage error={action.error} context="connection" />
      <SendMessageForm name={name} connections={connections.data?.connections ?? []} />
      <h3>Inbox ({inbox.data?.items.length ?? 0})</h3>
      <ul data-testid="inbox">
        {inbox.data?.items.map((m) => (
          <InboxItem key={m.message_id} agent={name} message={m} />
        ))}
      </ul>
      <h3>Sent ({sent.data?.items.length ?? 0})</h3>
      <ul data-testid="sent">
        {sent.data?.items.map((m) => (
          <li key={m.message_id}>
            <code>{m.message_id}</code> [{m.status}] to {m.routed_to.length} peer(s): {m.content.slice(0, 200)}
            {m.updates.length > 0 && (
              <details>
                <summary>{m.updates.length} webhook update(s)</summary>
                <JsonView value={m.updates} />
              </details>
            )}
            {m.response && <div className="ok">response: {m.response.response}</div>}
          </li>
        ))}
      </ul>
      <RouterPanel name={name} connections={connections.data?.connections ?? []} />
    </div>
  );
}

// darkmatter_send_message from the dashboard: a new signed message to one connection or to all.
import { useState } from "react";
import { api, ok } from "../api/client";
import type { Connection } from "../api/types";
import { useAction } from "../hooks/useResource";
import { dashboardStore } from "../store/dashboardStore";
import { Pending, ProblemMessage } from "../components/ProblemMessage";

export function SendMessageForm({ name, connections }: { name: string; connections: Connection[] }) {
  const [content, setContent] = useState("");
  const [target, setTarget] = useState("");
  const [sent, setSent] = useState<string | null>(null);
  const action = useAction();
  const send = async () => {
    const result = await action.run(
      () =>
        ok(
          api().POST("/api/v1/agents/{name}/messages", {
            params: { path: { name } },
            body: {
              content,
              ...(target && { target_agent_id: target }),
              metadata: {},
              hops_remaining: 10,
              force: false,
            },
          }),
        ),
      "signing and sending…",
    );
    if (result) {
      setContent("");
      setSent(`sent ${result.message_id}`);
      dashboardStore.bump("agents");
    }
  };
  return (
    <fieldset>
      <legend>Send a message</legend>
      <textarea
        aria-label="message"
        rows={3}
        value={content}
        onChange={(e) => setContent(e.target.value)}
        placeholder="message content"
      />
      <div className="row">
        <select aria-label="send to" value={target} onChange={(e) => setTarget(e.target.value)}>
          <option value="">all connections</option>
          {connections.map((c) => (
            <option key={c.agent_id} value={c.agent_id}>
              {c.agent_display_name ?? c.agent_url}
            </option>
          ))}
        </select>
        <button className="primary" onClick={send} disabled={!content.trim() || !!action.pending}>
          send
        </button>
        <Pending label={action.pending} />
        {sent && !action.error && <span className="ok">{sent}</span>}
      </div>
      <ProblemMessage error={action.error} context="send" />
    </fieldset>
  );
}

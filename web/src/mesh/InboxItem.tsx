// One message in a hosted agent's inbox, answerable from the dashboard: the response is signed by
// the agent and POSTed to the sender's webhook (protocol §11.4), which takes it out of the inbox.
import { useState } from "react";
import { api, ok } from "../api/client";
import type { InboxMessage } from "../api/types";
import { useAction } from "../hooks/useResource";
import { dashboardStore } from "../store/dashboardStore";
import { Pending, ProblemMessage } from "../components/ProblemMessage";

export function InboxItem({ agent, message }: { agent: string; message: InboxMessage }) {
  const [response, setResponse] = useState("");
  const action = useAction();
  const respond = async () => {
    const params = { path: { name: agent, messageId: message.message_id } };
    if (
      await action.run(
        () => ok(api().POST("/api/v1/agents/{name}/messages/{messageId}/respond", { params, body: { response } })),
        "signing and answering…",
      )
    )
      dashboardStore.bump("agents");
  };
  return (
    <li data-testid="inbox-message" data-id={message.message_id}>
      <code>{message.message_id}</code> from <code>{message.from_agent_id.slice(0, 12)}</code>{" "}
      {message.verified ? "✓ signed" : "unsigned"}: {message.content.slice(0, 200)}
      <form
        className="row"
        onSubmit={(event) => {
          event.preventDefault();
          void respond();
        }}
      >
        <input
          aria-label={`response to ${message.message_id}`}
          placeholder="response"
          value={response}
          onChange={(e) => setResponse(e.target.value)}
        />
        <button type="submit" disabled={!!action.pending}>
          respond
        </button>
        <Pending label={action.pending} />
      </form>
      <ProblemMessage error={action.error} context="respond" />
    </li>
  );
}

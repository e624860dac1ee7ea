// One message in a hosted agent's inbox, answerable from the dashboard: the response is signed by
// the agent and POSTed to the sender's webhook (protocol §11.4), which takes it out of the inbox.
// A message the router left here shows what it decided and why, and can be routed again (after a
// failure, a defer or a router change).
import { useState } from "react";
import { api, ok } from "../api/client";
import type { InboxMessage, RoutingRecord } from "../api/types";
import { useAction } from "../hooks/useResource";
import { dashboardStore } from "../store/dashboardStore";
import { Pending, ProblemMessage } from "../components/ProblemMessage";

/** "respond → failed (rule 0): …": a routing decision in a few words. */
function decisionText(record: RoutingRecord): string {
  const by = record.rule !== null ? ` (rule ${record.rule})` : "";
  const handler = record.handler ? `, the handler answered ${record.handler}` : "";
  return `${record.action} → ${record.outcome}${by}${handler}${record.reason ? `: ${record.reason}` : ""}`;
}

export function InboxItem({ agent, message }: { agent: string; message: InboxMessage }) {
  const [response, setResponse] = useState("");
  const action = useAction();
  const routing = useAction();
  const params = { path: { name: agent, messageId: message.message_id } };
  const route = async () => {
    // The answer is the decision the refreshed inbox and decision log show (or the message has left).
    if (
      await routing.run(() => ok(api().POST("/api/v1/agents/{name}/inbox/{messageId}/route", { params })), "routing…")
    )
      dashboardStore.bump("agents");
  };
  const respond = async () => {
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
      {message.routing && (
        <div className="row" data-testid="routing">
          <span className={message.routing.outcome === "failed" ? "bad" : "muted"}>
            router: {decisionText(message.routing)}
          </span>
          <button onClick={route} disabled={!!routing.pending || message.routing.outcome === "handling"}>
            route again
          </button>
        </div>
      )}
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
        {!message.routing && (
          <button type="button" onClick={route} disabled={!!routing.pending}>
            route
          </button>
        )}
        <Pending label={action.pending ?? routing.pending} />
      </form>
      <ProblemMessage error={action.error} context="respond" />
      <ProblemMessage error={routing.error} context="route" />
    </li>
  );
}

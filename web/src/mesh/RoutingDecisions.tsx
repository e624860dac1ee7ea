// The router's latest decisions (GET …/router/decisions, newest first): which rule decided what for
// each message, and how carrying it out went.
import { api, ok } from "../api/client";
import { useResource } from "../hooks/useResource";
import { when } from "../components/JsonView";
import { ProblemMessage } from "../components/ProblemMessage";

const SHOWN = 20;

export function RoutingDecisions({ name }: { name: string }) {
  const decisions = useResource(
    `decisions:${name}`,
    () => ok(api().GET("/api/v1/agents/{name}/router/decisions", { params: { path: { name } } })),
    ["agents"],
  );
  const items = decisions.data?.items ?? [];
  return (
    <>
      <h4>Latest decisions ({items.length})</h4>
      <ProblemMessage error={decisions.error} context="decisions" />
      {items.length === 0 ? (
        <p className="muted">No message routed yet.</p>
      ) : (
        <table className="routing-decisions" data-testid="routing-decisions">
          <thead>
            <tr>
              <th>when</th>
              <th>message</th>
              <th>from</th>
              <th>rule</th>
              <th>action</th>
              <th>outcome</th>
              <th>reason</th>
            </tr>
          </thead>
          <tbody>
            {items.slice(0, SHOWN).map((d) => (
              <tr
                key={`${d.message_id}:${d.at}`}
                data-testid="routing-decision"
                data-message-id={d.message_id}
                className={`outcome-${d.outcome}`}
              >
                <td>{when(d.at)}</td>
                <td>
                  <code>{d.message_id}</code>
                </td>
                <td>
                  <code>{d.from_agent_id.slice(0, 12)}</code>
                </td>
                <td>{d.rule ?? "—"}</td>
                <td>
                  {d.action}
                  {d.handler && <span className="muted"> (handler: {d.handler})</span>}
                  {d.targets && <span className="muted"> to {d.targets.join(", ")}</span>}
                </td>
                <td>{d.outcome}</td>
                <td>{d.reason ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {items.length > SHOWN && <p className="muted">and {items.length - SHOWN} older (the agent keeps 100)</p>}
    </>
  );
}

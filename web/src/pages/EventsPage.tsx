// The live event feed (seed 003 event wormholes), newest first, with filters. The newest page stays
// live; older pages are fetched on demand with the API's keyset cursor.
import { useState } from "react";
import { api, ok } from "../api/client";
import { useOlderPages, useResource } from "../hooks/useResource";
import { useIsOperator } from "../store/dashboardStore";
import { JsonView, when } from "../components/JsonView";
import { Unavailable } from "../components/ProblemMessage";
import { LoadOlder } from "../components/LoadOlder";
import { WORLD_LINE_ID_PATTERN } from "../../../src/core/ids";
import { SEVERITIES } from "../../../src/core/severity";

/** Each severity, and the two that trigger HALO together (the API takes a comma-separated list). */
const SEVERITY_FILTERS = [...SEVERITIES, "error,critical"];

export function EventsPage() {
  const isOperator = useIsOperator();
  const [type, setType] = useState("");
  const [severity, setSeverity] = useState("");
  const [worldline, setWorldline] = useState("");
  const [agent, setAgent] = useState("");
  const query = {
    limit: 100,
    ...(type.trim() && { type: type.trim() }),
    ...(severity && { severity }),
    ...(WORLD_LINE_ID_PATTERN.test(worldline.trim()) && { worldline: worldline.trim() }),
    ...(agent.trim() && { agent: agent.trim() }),
  };
  const key = JSON.stringify(query);
  const events = useResource(
    isOperator ? `events:${key}` : null,
    () => ok(api().GET("/api/v1/events", { params: { query } })),
    ["events"],
    { keepPrevious: true },
  );
  const pages = useOlderPages(key, events.data, (cursor) =>
    ok(api().GET("/api/v1/events", { params: { query: { ...query, cursor } } })),
  );
  if (!isOperator)
    return (
      <div className="page">
        <h1>Events</h1>
        <p className="muted">Events are visible to the operator only: enter the operator token.</p>
      </div>
    );
  return (
    <div className="page events-page">
      <h1>Events</h1>
      <div className="row">
        <input
          aria-label="event type"
          placeholder="type, e.g. worldline.* "
          value={type}
          onChange={(e) => setType(e.target.value)}
        />
        <select aria-label="severity" value={severity} onChange={(e) => setSeverity(e.target.value)}>
          <option value="">any severity</option>
          {SEVERITY_FILTERS.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <input
          aria-label="world line"
          placeholder="world line id"
          value={worldline}
          onChange={(e) => setWorldline(e.target.value)}
        />
        <input aria-label="agent" placeholder="agent id" value={agent} onChange={(e) => setAgent(e.target.value)} />
      </div>
      <Unavailable what="Events" error={events.error} />
      <table className="events" data-testid="events">
        <thead>
          <tr>
            <th>time</th>
            <th>severity</th>
            <th>type</th>
            <th>about</th>
            <th>data</th>
          </tr>
        </thead>
        <tbody>
          {pages.items.map((event) => (
            <tr key={event.id} className={`severity-${event.severity}`}>
              <td>{when(event.time)}</td>
              <td>{event.severity}</td>
              <td>
                <code>{event.type}</code>
              </td>
              <td>{event.worldline ?? event.agent?.slice(0, 12) ?? ""}</td>
              <td>
                <details>
                  <summary>{event.source}</summary>
                  <JsonView value={event.data} max={2000} />
                </details>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {events.data && pages.items.length === 0 && <p className="muted">No events match.</p>}
      <LoadOlder pages={pages} noun="events" />
    </div>
  );
}

import { useState } from "react";
import { POLL_MS } from "../hooks/useResource";
import { dashboardStore, useDashboardStore } from "../store/dashboardStore";

/**
 * The operator token, entered once per browser session (sessionStorage: gone when the tab closes,
 * never sent anywhere but the API). Without it the dashboard is read-only and the API shows only
 * public world lines.
 */
export function TokenBar() {
  const token = useDashboardStore((s) => s.token);
  const [draft, setDraft] = useState("");
  if (token) {
    return (
      <div className="token-bar" data-testid="token-bar">
        <span className="badge operator">operator</span>
        <button className="link" onClick={() => dashboardStore.setToken("")}>
          forget token
        </button>
      </div>
    );
  }
  return (
    <form
      className="token-bar"
      data-testid="token-bar"
      onSubmit={(event) => {
        event.preventDefault();
        dashboardStore.setToken(draft.trim());
        setDraft("");
      }}
    >
      <span
        className="badge readonly"
        title="without the operator token you see public world lines and the ledger only"
      >
        read-only
      </span>
      <input
        type="password"
        aria-label="operator token"
        placeholder="operator token"
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        autoComplete="off"
      />
      <button type="submit" disabled={!draft.trim()}>
        use token
      </button>
    </form>
  );
}

export function LiveBadge() {
  const live = useDashboardStore((s) => s.live);
  const label = live === "live" ? "live" : live === "polling" ? `polling every ${POLL_MS / 1000} s` : "connecting…";
  return (
    <span
      className={`badge live-${live}`}
      data-testid="live-state"
      title="changes appear without reloading: over the live WebSocket, or by polling when it is unavailable"
    >
      ● {label}
    </span>
  );
}

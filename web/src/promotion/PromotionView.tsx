// Blue → Green for one world line (seed 000 `PromoteButton.tsx`): propose the head for promotion
// (or roll back to an earlier green commit), then follow the proposal to quorum; the node turns
// green in the graph when the decision lands.
import { useState } from "react";
import { api, ok } from "../api/client";
import type { CreateProposal, WorldLine } from "../api/types";
import { useAction, useResource } from "../hooks/useResource";
import { dashboardStore, useIsOperator } from "../store/dashboardStore";
import { short } from "../components/JsonView";
import { Pending, ProblemMessage } from "../components/ProblemMessage";
import { ProposalView } from "./ProposalView";

export function PromotionView({ worldLine }: { worldLine: WorldLine }) {
  const isOperator = useIsOperator();
  const [created, setCreated] = useState<string | null>(null);
  const action = useAction();
  const pending = useResource(
    `pending-proposals`,
    () => ok(api().GET("/api/v1/promotions", { params: { query: { status: "pending", limit: 500 } } })),
    ["promotions"],
  );
  const open = pending.data?.items.filter((p) => p.payload.worldline === worldLine.id) ?? [];
  const shown = [...new Set([...(created ? [created] : []), ...open.map((p) => p.id)])];

  const propose = async (body: Extract<CreateProposal, { kind: "promote" | "rollback" }>) => {
    const proposal = await action.run(() => ok(api().POST("/api/v1/promotions", { body })), "creating the proposal…");
    if (proposal) {
      setCreated(proposal.id);
      dashboardStore.bump("promotions", "ledger");
    }
  };

  return (
    <section className="promotion" data-testid="promotion">
      <div className="row">
        {worldLine.color === "green" ? (
          <span className="badge green">green: the head is the promoted commit</span>
        ) : (
          <span className="badge blue">
            blue{worldLine.green ? `, green at ${short(worldLine.green)}` : ", never promoted"}
          </span>
        )}
        {isOperator && worldLine.status === "active" && worldLine.color !== "green" && (
          <button
            className="primary"
            onClick={() => propose({ kind: "promote", worldline: worldLine.id })}
            disabled={!!action.pending}
          >
            promote head {short(worldLine.head, 7)} to green
          </button>
        )}
        <Pending label={action.pending} />
      </div>
      <ProblemMessage error={action.error} context="proposal" />
      {shown.map((id) => (
        <ProposalView key={id} id={id} />
      ))}
      {isOperator && worldLine.status !== "terminated" && (
        <RollbackForm
          worldLine={worldLine}
          onPropose={(commit) => propose({ kind: "rollback", worldline: worldLine.id, commit })}
        />
      )}
    </section>
  );
}

/** Rollback targets: the commits of earlier promote decisions of this world line (from the ledger). */
function RollbackForm({ worldLine, onPropose }: { worldLine: WorldLine; onPropose: (commit: string) => void }) {
  const promotions = useResource(
    `promote-entries:${worldLine.id}`,
    () =>
      ok(
        api().GET("/api/v1/ledger/entries", {
          params: { query: { kind: "promote", worldline: worldLine.id, limit: 1000, from: 0 } },
        }),
      ),
    ["ledger"],
  );
  const [commit, setCommit] = useState("");
  const commits = [
    ...new Set(
      (promotions.data?.items ?? [])
        .map((entry) => (entry.data as { what?: { commit?: string } }).what?.commit)
        .filter((c): c is string => !!c && c !== worldLine.green),
    ),
  ];
  if (commits.length === 0) return null;
  return (
    <div className="row rollback">
      Roll back green to
      <select aria-label="rollback commit" value={commit} onChange={(e) => setCommit(e.target.value)}>
        <option value="">an earlier green commit…</option>
        {commits.map((c) => (
          <option key={c} value={c}>
            {short(c)}
          </option>
        ))}
      </select>
      <button disabled={!commit} onClick={() => onPropose(commit)}>
        propose rollback
      </button>
    </div>
  );
}

// One proposal as it gathers approvals: the digest to sign, the approvals arriving (k of n), and
// the decision. Authorities can sign right here: the private key is used by src/core/signing.ts in
// this browser and never sent; the digest is re-derived from the payload before signing, as the CLI does.
import { useState } from "react";
import { api, ok } from "../api/client";
import { useAction, useResource } from "../hooks/useResource";
import { dashboardStore } from "../store/dashboardStore";
import { proposalDigest } from "../../../src/core/authority";
import { hexToBytes } from "../../../src/core/hash";
import { publicKeyOf, signHex } from "../../../src/core/signing";
import { JsonView, short, when } from "../components/JsonView";
import { Pending, ProblemMessage } from "../components/ProblemMessage";

export function ProposalView({ id }: { id: string }) {
  const proposal = useResource(
    `proposal:${id}`,
    () => ok(api().GET("/api/v1/promotions/{id}", { params: { path: { id } } })),
    ["promotions", "ledger"],
  );
  const ledger = useResource("ledger-status", () => ok(api().GET("/api/v1/ledger")), ["ledger"]);
  const p = proposal.data;
  if (proposal.error) return <ProblemMessage error={proposal.error} context="proposal" />;
  if (!p) return <p className="muted">loading the proposal…</p>;
  const authorities = ledger.data?.authorities ?? [];
  const approved = new Map(p.approvals.map((a) => [a.authority, a]));
  return (
    <div className="proposal" data-testid="proposal" data-status={p.status}>
      <div className="row">
        <b>{p.kind}</b> of <code>{short(p.payload.commit)}</code>
        <span className={`badge status-${p.status}`} data-testid="proposal-status">
          {p.status}
        </span>
        <span data-testid="approval-count">
          {p.approvals.length} of {p.quorum} approvals
        </span>
        <progress max={p.quorum} value={Math.min(p.approvals.length, p.quorum)} />
      </div>
      <div className="digest">
        digest to sign (SHA3-256 of the canonical payload): <code data-testid="digest">{p.digest}</code>
      </div>
      <details>
        <summary>signed payload</summary>
        <JsonView value={p.payload} />
      </details>
      <ul className="approvals">
        {authorities.map((key, i) => {
          const approval = approved.get(key);
          return (
            <li key={key} className={approval ? "ok" : "muted"}>
              {approval ? "✓" : "…"} authority {i + 1} <code>{short(key, 16)}</code>{" "}
              {approval ? `signed ${when(approval.at)}, ledger entry ${approval.entry}` : "waiting"}
            </li>
          );
        })}
      </ul>
      {p.status === "approved" && p.decision && (
        <p className="ok">
          Quorum reached: decided at ledger entry {p.decision.index} ({when(p.decidedAt)}).
        </p>
      )}
      {p.status === "stale" && <p className="problem">Stale: {p.reason}</p>}
      {p.status === "pending" && <SignForm id={p.id} payload={p.payload} digest={p.digest} authorities={authorities} />}
    </div>
  );
}

function SignForm({
  id,
  payload,
  digest,
  authorities,
}: {
  id: string;
  payload: unknown;
  digest: string;
  authorities: string[];
}) {
  const [key, setKey] = useState("");
  const action = useAction();
  const sign = async () => {
    const privateKey = key.trim().toLowerCase();
    const result = await action.run(async () => {
      if (!/^[0-9a-f]{64}$/.test(privateKey)) throw new Error("an authority private key is 64 hex characters");
      if (proposalDigest(payload) !== digest)
        throw new Error("refusing to sign: the digest shown is not the hash of the payload");
      const authority = publicKeyOf(privateKey);
      if (!authorities.includes(authority))
        throw new Error(`key ${authority.slice(0, 16)}… is not one of the ledger's authorities`);
      const signature = await signHex(privateKey, hexToBytes(digest));
      return ok(
        api().POST("/api/v1/promotions/{id}/approvals", { params: { path: { id } }, body: { authority, signature } }),
      );
    }, "signing and sending the approval…");
    if (result) {
      setKey("");
      dashboardStore.bump("promotions", "ledger", "worldlines");
    }
  };
  return (
    <div className="sign-form">
      <div className="row">
        <input
          type="password"
          aria-label="authority private key"
          placeholder="authority private key (64 hex, stays in this browser)"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          autoComplete="off"
        />
        <button onClick={sign} disabled={!key.trim() || !!action.pending}>
          sign and approve
        </button>
        <Pending label={action.pending} />
      </div>
      <p className="muted">
        or from a terminal: <code>darkmatter approve {id} --authority 1</code>
      </p>
      <ProblemMessage error={action.error} context="approval" />
    </div>
  );
}

// Ledger status (seed 000 `BlockchainStatus.tsx`): size, root, quorum, authorities, the latest
// signed checkpoint and whether its signature holds in this browser; the operator can also ask
// the server to re-check the whole log.
import { api, ok } from "../api/client";
import type { LedgerStatus, LedgerVerification } from "../api/types";
import { useAction } from "../hooks/useResource";
import { useIsOperator } from "../store/dashboardStore";
import { short } from "../components/JsonView";
import { Pending, ProblemMessage } from "../components/ProblemMessage";
import type { TrustedCheckpoint } from "./entryVerification";
import { useState } from "react";

export function LedgerStatusView({
  status,
  checkpoint,
}: {
  status: LedgerStatus;
  checkpoint: TrustedCheckpoint | undefined;
}) {
  const isOperator = useIsOperator();
  const action = useAction();
  const [audit, setAudit] = useState<LedgerVerification | null>(null);
  const verifyAll = async () => {
    const result = await action.run(
      () => ok(api().POST("/api/v1/ledger/verify")),
      `re-checking ${status.size.toLocaleString()} entries on the server…`,
    );
    if (result) setAudit(result);
  };
  return (
    <section className="ledger-status" data-testid="ledger-status">
      <dl className="facts">
        <dt>origin</dt>
        <dd>{status.origin}</dd>
        <dt>size</dt>
        <dd data-testid="ledger-size">{status.size.toLocaleString()} entries</dd>
        <dt>root</dt>
        <dd>
          <code title={status.root}>{short(status.root, 24)}</code>
        </dd>
        <dt>quorum</dt>
        <dd>
          {status.quorum} of {status.authorities.length} authorities
        </dd>
        <dt>authorities</dt>
        <dd>
          {status.authorities.map((key, i) => (
            <div key={key}>
              {i + 1}. <code>{key}</code>
            </div>
          ))}
        </dd>
        <dt>ledger key</dt>
        <dd>
          <code>{status.ledgerPublicKey}</code>
        </dd>
        <dt>checkpoint</dt>
        <dd data-testid="checkpoint">
          {!checkpoint ? (
            "loading…"
          ) : checkpoint.ok ? (
            <span className="good">
              ✓ size {checkpoint.size.toLocaleString()}, root <code>{short(checkpoint.rootHex, 16)}</code> —{" "}
              {checkpoint.detail}
            </span>
          ) : (
            <span className="bad">✗ {checkpoint.detail}</span>
          )}
          {checkpoint && (
            <details>
              <summary>signed note</summary>
              <pre className="json">{checkpoint.note}</pre>
            </details>
          )}
        </dd>
      </dl>
      {isOperator && (
        <div className="row">
          <button onClick={verifyAll} disabled={!!action.pending}>
            re-check the whole ledger on the server
          </button>
          <Pending label={action.pending} />
          {audit &&
            (audit.ok ? (
              <span className="good">✓ all {audit.size.toLocaleString()} entries check out</span>
            ) : (
              <span className="bad">
                ✗ entry {audit.firstBadIndex}: {audit.reason}
              </span>
            ))}
        </div>
      )}
      <ProblemMessage error={action.error} context="ledger verify" />
    </section>
  );
}

// The consensus ledger: status with the signed checkpoint, and the audit log with per-entry
// verification in this browser.
import { api, ok } from "../api/client";
import { useResource } from "../hooks/useResource";
import { ProblemMessage } from "../components/ProblemMessage";
import { LedgerStatusView } from "../ledger/LedgerStatusView";
import { AuditLogViewer } from "../ledger/AuditLogViewer";
import { AuthorityHistory, loadCheckpoint } from "../ledger/entryVerification";

export function LedgerPage() {
  const status = useResource("ledger-status", () => ok(api().GET("/api/v1/ledger")), ["ledger"]);
  const size = status.data?.size;
  // The checkpoint and the authority history change only when the log grows.
  const checkpoint = useResource(
    status.data ? `checkpoint:${size}` : null,
    async () => {
      const genesis = await ok(api().GET("/api/v1/ledger/entries/{index}", { params: { path: { index: 0 } } }));
      return loadCheckpoint(status.data!, genesis);
    },
    [],
    { poll: false, keepPrevious: true },
  );
  const authorities = useResource(status.data ? `authorities:${size}` : null, () => AuthorityHistory.load(), [], {
    poll: false,
    keepPrevious: true,
  });
  return (
    <div className="page ledger-page">
      <h1>Consensus ledger</h1>
      <ProblemMessage error={status.error ?? checkpoint.error ?? authorities.error} context="ledger" />
      {status.data && <LedgerStatusView status={status.data} checkpoint={checkpoint.data} />}
      <h2>Audit log</h2>
      {status.data && (
        <AuditLogViewer size={status.data.size} checkpoint={checkpoint.data} authorities={authorities.data} />
      )}
    </div>
  );
}

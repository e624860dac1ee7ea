// Per-entry verification result: ✓ when every applicable check holds, ✗ with the reason otherwise.
// Verification starts once the row has been on screen for a moment, so fast scrolling does not
// fire a proof request per row flown past.
import { useEffect, useState } from "react";
import type { LedgerEntry } from "../api/types";
import {
  verifyEntry,
  type AuthorityHistory,
  type EntryVerification,
  type TrustedCheckpoint,
} from "./entryVerification";

const SETTLE_MS = 200;

export function useEntryVerification(
  entry: LedgerEntry | undefined,
  checkpoint: TrustedCheckpoint | undefined,
  authorities: AuthorityHistory | undefined,
): EntryVerification | undefined {
  const [result, setResult] = useState<EntryVerification | undefined>(undefined);
  useEffect(() => {
    setResult(undefined);
    if (!entry || !checkpoint || !authorities) return;
    let cancelled = false;
    const timer = setTimeout(
      () => void verifyEntry(entry, checkpoint, authorities).then((r) => !cancelled && setResult(r)),
      SETTLE_MS,
    );
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [entry, checkpoint, authorities]);
  return result;
}

export function VerifyBadge({ result }: { result: EntryVerification | undefined }) {
  if (!result)
    return (
      <span className="verify pending" data-testid="verify" data-result="pending" title="verifying in this browser…">
        …
      </span>
    );
  const failed = result.checks.find((check) => check.ok === false);
  const title = result.checks.map((c) => `${c.ok === null ? "–" : c.ok ? "✓" : "✗"} ${c.name}: ${c.detail}`).join("\n");
  return (
    <span
      className={`verify ${result.ok ? "good" : "bad"}`}
      data-testid="verify"
      data-result={result.ok ? "ok" : "failed"}
      title={title}
    >
      {result.ok ? "✓" : `✗ ${failed?.name ?? ""}`}
    </span>
  );
}

export function VerificationDetail({ result }: { result: EntryVerification | undefined }) {
  if (!result) return <p className="muted">verifying…</p>;
  return (
    <ul className="checks" data-testid="verification-detail">
      {result.checks.map((check) => (
        <li key={check.name} className={check.ok === false ? "bad" : check.ok ? "good" : "muted"}>
          {check.ok === null ? "–" : check.ok ? "✓" : "✗"} <b>{check.name}</b>: {check.detail}
        </li>
      ))}
    </ul>
  );
}

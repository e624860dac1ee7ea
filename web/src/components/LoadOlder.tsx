// The "older …" button under a paged list (useOlderPages), with its progress and problem.
import type { OlderPages } from "../hooks/useResource";
import { Pending, ProblemMessage } from "./ProblemMessage";

export function LoadOlder<T>({ pages, noun }: { pages: OlderPages<T>; noun: string }) {
  return (
    <>
      {pages.hasOlder && (
        <div className="row">
          <button onClick={() => void pages.loadOlder()} disabled={!!pages.action.pending}>
            older {noun}
          </button>
          <span className="muted">{pages.items.length} shown, newest first</span>
          <Pending label={pages.action.pending} />
        </div>
      )}
      <ProblemMessage error={pages.action.error} context={`older ${noun}`} />
    </>
  );
}

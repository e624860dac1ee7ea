import type { ApiError } from "../api/problem";

/** An API failure as the user should read it: the problem's `detail`, and the fields at fault. */
export function ProblemMessage({ error, context }: { error: ApiError | undefined; context?: string }) {
  if (!error) return null;
  const { problem } = error;
  return (
    <div role="alert" className="problem" data-code={problem.code}>
      {context && <b>{context}: </b>}
      {problem.detail}
      {problem.status > 0 && (
        <span className="muted">
          {" "}
          ({problem.status}
          {problem.code ? ` ${problem.code}` : ""})
        </span>
      )}
      {problem.errors && problem.errors.length > 0 && (
        <ul>
          {problem.errors.map((field, i) => (
            <li key={i}>
              <code>{field.path || "/"}</code> {field.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** What a page shows when the server lacks the endpoints behind it (404 no-route), instead of fake data. */
export function Unavailable({ what, error }: { what: string; error: ApiError | undefined }) {
  if (!error) return null;
  if (error.isMissingRoute) {
    return (
      <p className="unavailable" role="status" data-testid="unavailable">
        {what} are not available on this server. <span className="muted">({error.problem.detail})</span>
      </p>
    );
  }
  return <ProblemMessage error={error} />;
}

export function Pending({ label }: { label: string | null }) {
  if (!label) return null;
  return (
    <span className="pending" role="status">
      <span className="spinner" aria-hidden /> {label}
    </span>
  );
}

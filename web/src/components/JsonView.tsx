/** A JSON value, pretty-printed and bounded so one huge entity cannot freeze the page. */
export function JsonView({ value, max = 4000 }: { value: unknown; max?: number }) {
  if (value === undefined) return <span className="muted">absent</span>;
  const text = JSON.stringify(value, null, 2) ?? String(value);
  return (
    <pre className="json">
      {text.length > max ? `${text.slice(0, max)}\n… (${text.length - max} more characters)` : text}
    </pre>
  );
}

export const short = (hash: string | null | undefined, n = 10) => (hash ? hash.slice(0, n) : "—");
export const when = (ms: number | null | undefined) => (ms ? new Date(ms).toLocaleString() : "—");

// A refused merge's conflicts, side by side: for each path, the common ancestor's value and
// ours and theirs (a missing side means the field is absent on that side).
import type { Conflict } from "../api/types";
import { JsonView } from "../components/JsonView";

export function MergeConflicts({ conflicts, ours, theirs }: { conflicts: Conflict[]; ours: string; theirs: string }) {
  return (
    <table className="conflicts" data-testid="merge-conflicts">
      <caption>
        {conflicts.length} conflict{conflicts.length === 1 ? "" : "s"}: nothing was merged
      </caption>
      <thead>
        <tr>
          <th>path</th>
          <th>base</th>
          <th>ours ({ours})</th>
          <th>theirs ({theirs})</th>
        </tr>
      </thead>
      <tbody>
        {conflicts.map((conflict) => (
          <tr key={conflict.path} data-testid="conflict">
            <th>
              <code>{conflict.path}</code>
            </th>
            <td>
              <JsonView value={conflict.base} max={500} />
            </td>
            <td className="ours">
              <JsonView value={conflict.ours} max={500} />
            </td>
            <td className="theirs">
              <JsonView value={conflict.theirs} max={500} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

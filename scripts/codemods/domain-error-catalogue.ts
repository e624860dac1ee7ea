/// <reference types="node" />
// Issue 13 codemod: `new DomainError(status, code, fields)` → `new DomainError(code, fields)`, the
// status now coming from the error catalogue (src/core/error-catalogue.ts). Re-runnable: only the
// three-argument form is rewritten, so running it again (or on a tree where other branches added
// or moved construction sites) changes only what is still old. The few sites whose code changed
// name (one code, one status) are renamed by RENAMES, matched on their old status and code.
//
//   npx tsx scripts/codemods/domain-error-catalogue.ts [--check] [files or folders…]
//
// Without paths it walks every .ts file git knows under src, durable-objects, test, cli, scripts,
// bench (tracked or untracked but not ignored). It prints each rewritten site whose old status is
// not the catalogue's (a status that changes), and fails on a code the catalogue lacks or a
// site it cannot rewrite. --check rewrites nothing and exits 1 while any old form is left.
// Changed files are formatted with the repository's Prettier configuration.
import { execFileSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import * as prettier from "prettier";
import ts from "typescript";
import { CATALOGUE, isProblemCode } from "../../src/core/error-catalogue.js";

/** Old (status, code) → new code, where one code carried two meanings (issue 13, "Errors"). */
const RENAMES: Array<{ status: number; code: string; to: string; why: string }> = [
  {
    status: 409,
    code: "worldline-terminated",
    to: "target-worldline-terminated",
    why: "a request about another resource (a proposal, a deploy) that names a terminated world line; 410 stays for writes to the world line itself",
  },
];

const ROOTS = ["src", "durable-objects", "test", "cli", "scripts", "bench"];
const args = process.argv.slice(2);
const check = args.includes("--check");
const paths = args.filter((arg) => arg !== "--check");

function filesToVisit(): string[] {
  const listed = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "--", ...ROOTS], {
    encoding: "utf8",
  })
    .split("\n")
    .filter((file) => /\.tsx?$/.test(file) && !file.endsWith(".d.ts"));
  if (paths.length === 0) return listed;
  const wanted = paths.map((path) => resolve(path));
  return listed.filter((file) =>
    wanted.some((path) => {
      const full = resolve(file);
      return statSync(path).isDirectory() ? full.startsWith(path + "/") : full === path;
    }),
  );
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

const literalText = (node: ts.Expression): string | null =>
  ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) ? node.text : null;

let oldLeft = 0;
let rewritten = 0;
const problems: string[] = [];
const statusChanges: string[] = [];
const prettierConfig = (await prettier.resolveConfig(resolve("package.json"))) ?? {};

for (const file of filesToVisit()) {
  const text = readFileSync(file, "utf8");
  if (!text.includes("DomainError(")) continue;
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const edits: Edit[] = [];
  const visit = (node: ts.Node) => {
    if (
      ts.isNewExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === "DomainError" &&
      node.arguments?.length === 3
    ) {
      const [status, code] = node.arguments as unknown as [ts.Expression, ts.Expression];
      const where = `${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
      oldLeft++;
      const oldStatus = ts.isNumericLiteral(status) ? Number(status.text) : null;
      const oldCode = literalText(code);
      const rename = RENAMES.find((r) => r.status === oldStatus && r.code === oldCode);
      const newCode = rename?.to ?? oldCode;
      if (newCode !== null && !isProblemCode(newCode))
        problems.push(`${where}: code "${newCode}" is not in the catalogue`);
      const catalogued = newCode !== null && isProblemCode(newCode) ? CATALOGUE[newCode].status : null;
      if (catalogued !== null && oldStatus !== catalogued)
        statusChanges.push(
          `${where}: ${oldCode} ${oldStatus ?? `(${status.getText(source)})`} → ${newCode} ${catalogued}`,
        );
      if (newCode === null)
        statusChanges.push(
          `${where}: computed code ${code.getText(source)} with status ${status.getText(source)}: now the catalogue's status of each code it can take`,
        );
      // Drop `status, ` (comments and line breaks between the two arguments go with it).
      edits.push({ start: status.getStart(source), end: code.getStart(source), text: "" });
      if (rename) edits.push({ start: code.getStart(source), end: code.getEnd(), text: JSON.stringify(rename.to) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  if (edits.length === 0 || check) continue;
  let next = text;
  for (const edit of edits.sort((a, b) => b.start - a.start))
    next = next.slice(0, edit.start) + edit.text + next.slice(edit.end);
  next = await prettier.format(next, { ...prettierConfig, filepath: file });
  writeFileSync(file, next);
  rewritten += edits.filter((edit) => edit.text === "").length;
  console.log(`${file}: ${edits.filter((edit) => edit.text === "").length} site(s)`);
}

if (statusChanges.length) console.log(`\nstatus changes:\n  ${statusChanges.join("\n  ")}`);
if (problems.length) console.error(`\ncannot rewrite:\n  ${problems.join("\n  ")}`);
console.log(
  check
    ? `\n${oldLeft} old-form construction site(s) left`
    : `\n${rewritten} construction site(s) rewritten; RENAMES: ${RENAMES.map((r) => `${r.status} ${r.code} → ${r.to}`).join(", ")}`,
);
process.exitCode = problems.length || (check && oldLeft) ? 1 : 0;

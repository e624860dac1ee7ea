// Import boundaries (issue 13; docs/DESIGN.md "pure core, thin edges"), checked by `npm test`.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "core-is-pure",
      comment:
        "src/core imports only src/core and src/schemas (and libraries): no Cloudflare runtime, no stores, no routes.",
      severity: "error",
      from: { path: "^src/core/" },
      to: { path: "^(src|durable-objects)/", pathNot: "^src/(core|schemas)/" },
    },
    {
      name: "schemas-are-pure",
      comment: "src/schemas describe data: they import only src/core and src/schemas.",
      severity: "error",
      from: { path: "^src/schemas/" },
      to: { path: "^(src|durable-objects)/", pathNot: "^src/(core|schemas)/" },
    },
    {
      name: "only-the-entry-imports-durable-object-classes",
      comment:
        "Durable Object classes are values only src/index.ts needs (to export them); everyone else reaches an object through its typed accessor and imports its contract as a type.",
      severity: "error",
      from: { path: "^(src|cli|web|scripts|bench)/", pathNot: "^src/index\\.ts$" },
      to: { path: "^durable-objects/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "durable-objects-do-not-import-each-other",
      comment: "One Durable Object calls another through the accessor module, never by importing its file.",
      severity: "error",
      from: { path: "^durable-objects/" },
      to: { path: "^durable-objects/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "services-never-import-routes",
      comment: "Routes are the HTTP edge: nothing below them depends on them.",
      severity: "error",
      from: { path: "^(src|durable-objects)/", pathNot: "^src/(routes/|app\\.ts$|index\\.ts$)" },
      to: { path: "^src/routes/" },
    },
    {
      name: "web-imports-only-core-and-schemas",
      comment: "The dashboard shares src/core and src/schemas with the server, nothing else.",
      severity: "error",
      from: { path: "^web/" },
      to: { path: "^(src|durable-objects|cli|scripts)/", pathNot: "^src/(core|schemas)/" },
    },
    {
      name: "cli-imports-only-core-and-schemas",
      comment: "The CLI runs on Node: it shares src/core and src/schemas, never the Worker's runtime pieces.",
      severity: "error",
      from: { path: "^cli/" },
      to: { path: "^(src|durable-objects|web)/", pathNot: "^src/(core|schemas)/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|dist|\\.wrangler)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default"],
      extensions: [".ts", ".tsx", ".js", ".mjs"],
    },
  },
};

// Names for the API's data, taken from the generated OpenAPI types (never restated by hand).
import type { components, paths } from "./schema";

type Schemas = components["schemas"];
export type WorldLine = Schemas["WorldLine"];
export type Multiverse = Schemas["Multiverse"];
/** The whole multiverse graph, gathered from every page of /multiverse. */
export type MultiverseGraphData = Pick<Multiverse, "nodes" | "edges">;
export type MultiverseNode = Multiverse["nodes"][number];
export type MultiverseEdge = Multiverse["edges"][number];
export type State = Schemas["State"];
export type Commit = Schemas["Commit"];
export type Diff = Schemas["Diff"];
export type Conflict = Schemas["Conflict"];
export type MergeStrategy = Schemas["MergeWorldLine"]["strategy"];
export type MergeResult = Schemas["MergeResult"];
export type LedgerStatus = Schemas["LedgerStatus"];
export type LedgerVerification = Schemas["LedgerVerification"];
export type LedgerEntry = Schemas["LedgerEntry"];
export type LedgerKind = LedgerEntry["kind"];
export type Proposal = Schemas["Proposal"];
export type CreateProposal = Schemas["CreateProposal"];
export type AgentIdentity = Schemas["AgentIdentity"];
export type ApiProblem = Schemas["Problem"];
export type StoredEvent = Schemas["StoredEvent"];
export type Severity = StoredEvent["severity"];
export type Connection = Schemas["ConnectionList"]["connections"][number];
export type ConnectionAction = Schemas["ConnectionAction"];
export type PendingRequest = Schemas["PendingRequestList"]["requests"][number];
export type InboxMessage = Schemas["InboxList"]["items"][number];
export type SentMessage = Schemas["SentList"]["items"][number];
export type ArbiterStatus = Schemas["ArbiterStatus"];
export type GenomeWeights = ArbiterStatus["genome"]["weights"];
/** A squad task; GET /tasks/{id} adds its `dispatches`. */
export type SquadTask = Schemas["SquadTask"] & Partial<Pick<Schemas["SquadTaskDetail"], "dispatches">>;
export type TaskTransition = SquadTask["history"][number];
export type FieldProblem = NonNullable<ApiProblem["errors"]>[number];
export type StoredRouter = Schemas["StoredRouter"];
export type RouterConfig = Schemas["RouterConfig"];
export type RouterMode = Schemas["RouterMode"];
export type RoutingRule = Schemas["RoutingRule"];
export type RuleAction = RoutingRule["action"];
export type RuleMatch = Schemas["RuleMatch"];
export type RouterHandler = Schemas["RouterHandler"];
/** The body of PUT …/router: the handler's limits may be left to their defaults. */
export type RouterInput = NonNullable<
  paths["/api/v1/agents/{name}/router"]["put"]["requestBody"]
>["content"]["application/json"];
export type RoutingRecord = Schemas["RoutingRecord"];
export type RoutingLogEntry = Schemas["RoutingLogEntry"];

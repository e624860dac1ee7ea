// Shapes of the agent operator API's answers. The OpenAPI document types them as plain objects,
// so they are taken from the zod schemas of the Agent Durable Object's state (type-only imports).
import type { z } from "zod";
import type { InboxMessage as InboxSchema, MeshConnection as ConnectionSchema, PendingConnectionRequest as PendingSchema, SentMessage as SentSchema } from "../../../src/schemas/mesh-state";

export type Connection = z.infer<typeof ConnectionSchema> & { messages_sent?: number; messages_received?: number; last_activity?: number | null; impression?: string };
export type PendingRequest = z.infer<typeof PendingSchema>;
export type InboxMessage = z.infer<typeof InboxSchema>;
export type SentMessage = z.infer<typeof SentSchema>;

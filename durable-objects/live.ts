// The live channel: one Durable Object holding every connected dashboard's WebSocket through the
// Hibernation API (sockets stay open while the object sleeps; it wakes only to fan out a change
// or to answer an auth frame; pings are answered by the runtime without waking it). Each socket
// carries whether it presented the operator token; `publish` sends each socket only the view of a
// notification its audience allows (src/core/live-notification.ts). Each socket is tagged with its
// client's address key, so the anonymous sockets of one address are counted without a scan.
import { DurableObject } from "cloudflare:workers";
import { UNKNOWN_CLIENT } from "../src/core/client-address.js";
import { isOperatorToken } from "../src/core/operator-token.js";
import { DomainError } from "../src/core/problem.js";
import { problemResponse } from "../src/http/problem.js";
import {
  LIVE_CLIENT_HEADER,
  LIVE_OPERATOR_HEADER,
  MAX_ANONYMOUS_SOCKETS_PER_CLIENT,
  viewFor,
  type LiveClientFrame,
  type LiveFrame,
  type LiveNotification,
} from "../src/core/live-notification.js";

const MAX_SOCKETS = 10_000;
const LIVE_PATH = "/api/v1/live";
const MAX_FRAME_CHARS = 4096;

interface SocketState {
  operator: boolean;
}

export class Live extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Keep-alive pings are answered by the runtime itself, so idle dashboards never wake the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  override async fetch(request: Request): Promise<Response> {
    // The route checks the upgrade first (src/routes/live.ts); answered the same here, as problem+json.
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket")
      return problemResponse(
        new DomainError(
          "upgrade-required",
          "GET /api/v1/live is a WebSocket: connect with Upgrade: websocket",
        ).toProblem(),
        LIVE_PATH,
      );
    if (this.ctx.getWebSockets().length >= MAX_SOCKETS) {
      return problemResponse(
        new DomainError(
          "live-full",
          `the live channel holds ${MAX_SOCKETS} sockets; dashboards fall back to polling`,
        ).toProblem(),
        LIVE_PATH,
      );
    }
    const operator = request.headers.get(LIVE_OPERATOR_HEADER) === "1";
    const tag = clientTag(request.headers.get(LIVE_CLIENT_HEADER) || UNKNOWN_CLIENT);
    // Counting and accepting happen with no await between them, so concurrent upgrades from one
    // address cannot both pass the cap. Tags are fixed at accept; a socket that authenticates
    // later keeps its tag and is skipped by the attachment check instead.
    if (
      !operator &&
      this.ctx.getWebSockets(tag).filter((ws) => !isOperatorSocket(ws)).length >= MAX_ANONYMOUS_SOCKETS_PER_CLIENT
    ) {
      return problemResponse(
        new DomainError(
          "too-many-live-sockets",
          `your address already holds ${MAX_ANONYMOUS_SOCKETS_PER_CLIENT} anonymous live sockets; close one, or connect with the operator token`,
        ).toProblem(),
        LIVE_PATH,
      );
    }
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server, [tag]);
    server.serializeAttachment({ operator } satisfies SocketState);
    send(server, { type: "hello", operator });
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (typeof message !== "string" || message.length > MAX_FRAME_CHARS)
      return void send(ws, { type: "error", detail: "frames are JSON text of at most 4096 characters" });
    let frame: LiveClientFrame;
    try {
      frame = JSON.parse(message) as LiveClientFrame;
    } catch {
      return void send(ws, { type: "error", detail: 'frames are JSON: {"type": "auth", "token": "…"}' });
    }
    if (frame?.type === "auth") {
      const operator = isOperatorToken(
        typeof frame.token === "string" ? frame.token : null,
        this.env.DM_OPERATOR_TOKEN,
      );
      ws.serializeAttachment({ operator } satisfies SocketState);
      return void send(
        ws,
        operator
          ? { type: "hello", operator }
          : { type: "error", detail: "the token is not the operator token; this socket receives public changes only" },
      );
    }
    if (frame?.type === "ping") return void ws.send("pong");
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code === 1005 ? 1000 : code, reason); // complete the closing handshake; 1005 may not be sent
    } catch {
      // already closed by the runtime: nothing to complete
    }
  }

  /** Fans notifications out; returns how many frames were sent. */
  async publish(notifications: LiveNotification[]): Promise<number> {
    let sent = 0;
    for (const ws of this.ctx.getWebSockets()) {
      const operator = isOperatorSocket(ws);
      for (const notification of notifications) {
        const view = viewFor(notification, operator);
        if (view && send(ws, { type: "change", notification: view })) sent += 1;
      }
    }
    return sent;
  }
}

/** Hibernation tags are at most 256 characters; client keys are at most 64 (src/core/client-address.ts). */
function clientTag(clientKey: string): string {
  return `client:${clientKey}`;
}

function isOperatorSocket(ws: WebSocket): boolean {
  return ((ws.deserializeAttachment() as SocketState | null) ?? { operator: false }).operator;
}

function send(ws: WebSocket, frame: LiveFrame): boolean {
  try {
    ws.send(JSON.stringify(frame));
    return true;
  } catch {
    return false; // the socket closed between listing and sending; its close handler cleans up
  }
}

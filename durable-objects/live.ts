// The live channel: one Durable Object holding every connected dashboard's WebSocket through the
// Hibernation API (sockets stay open while the object sleeps; it wakes only to fan out a change
// or to answer an auth frame; pings are answered by the runtime without waking it). Each socket
// carries whether it presented the operator token; `publish` sends each socket only the view of a
// notification its audience allows (src/live/notification.ts).
import { DurableObject } from "cloudflare:workers";
import { secretsEqual } from "../src/core/constant-time.js";
import { viewFor, type LiveClientFrame, type LiveFrame, type LiveNotification } from "../src/live/notification.js";

export const LIVE_NAME = "live";
/** Set by the /api/v1/live route (never taken from the client): "1" when the upgrade request carried the operator token. */
export const LIVE_OPERATOR_HEADER = "x-dm-live-operator";
const MAX_SOCKETS = 10_000;
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
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response("expected a WebSocket upgrade", { status: 426 });
    if (this.ctx.getWebSockets().length >= MAX_SOCKETS) return new Response("too many live dashboards", { status: 503 });
    const operator = request.headers.get(LIVE_OPERATOR_HEADER) === "1";
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({ operator } satisfies SocketState);
    send(server, { type: "hello", operator });
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (typeof message !== "string" || message.length > MAX_FRAME_CHARS) return void send(ws, { type: "error", detail: "frames are JSON text of at most 4096 characters" });
    let frame: LiveClientFrame;
    try {
      frame = JSON.parse(message) as LiveClientFrame;
    } catch {
      return void send(ws, { type: "error", detail: 'frames are JSON: {"type": "auth", "token": "…"}' });
    }
    if (frame?.type === "auth") {
      const expected = this.env.DM_OPERATOR_TOKEN;
      const operator = typeof frame.token === "string" && Boolean(expected) && secretsEqual(frame.token, expected!);
      ws.serializeAttachment({ operator } satisfies SocketState);
      return void send(ws, operator ? { type: "hello", operator } : { type: "error", detail: "the token is not the operator token; this socket receives public changes only" });
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
      const { operator } = (ws.deserializeAttachment() as SocketState | null) ?? { operator: false };
      for (const notification of notifications) {
        const view = viewFor(notification, operator);
        if (view && send(ws, { type: "change", notification: view })) sent += 1;
      }
    }
    return sent;
  }
}

function send(ws: WebSocket, frame: LiveFrame): boolean {
  try {
    ws.send(JSON.stringify(frame));
    return true;
  } catch {
    return false; // the socket closed between listing and sending; its close handler cleans up
  }
}

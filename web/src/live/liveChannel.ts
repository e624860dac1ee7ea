// The browser end of GET /api/v1/live: a WebSocket of change hints. The token goes in the first
// frame (browsers cannot set headers on a WebSocket). Each hint bumps its topics in the store, and
// the views showing them fetch again. When the socket cannot open (a server without the live
// channel, a network drop) the store says "polling" and the views poll every 3 s; reconnects back
// off to 30 s.
import { LIVE_TOPICS, type LiveFrame, type LiveTopic } from "../../../src/core/live-notification";
import { dashboardStore } from "../store/dashboardStore";

const MAX_BACKOFF_MS = 30_000;
const PING_MS = 25_000;

export function startLiveChannel(): () => void {
  let socket: WebSocket | null = null;
  let backoff = 1_000;
  let stopped = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let ping: ReturnType<typeof setInterval> | undefined;
  let token = dashboardStore.get().token;

  const url = () => {
    const base = new URL(dashboardStore.get().apiUrl || window.location.origin);
    base.protocol = base.protocol === "https:" ? "wss:" : "ws:";
    base.pathname = "/api/v1/live";
    return base.toString();
  };

  const connect = () => {
    if (stopped) return;
    dashboardStore.setLive(dashboardStore.get().live === "live" ? "connecting" : dashboardStore.get().live);
    try {
      socket = new WebSocket(url());
    } catch {
      return scheduleRetry();
    }
    const current = socket;
    // With a token, the server's first hello is the anonymous one and the operator's follows the
    // auth frame (or an error does): catch up once, on the answer that settles the audience.
    let awaitingAuth = false;
    current.onopen = () => {
      awaitingAuth = Boolean(token);
      if (token) current.send(JSON.stringify({ type: "auth", token }));
      ping = setInterval(() => current.readyState === WebSocket.OPEN && current.send("ping"), PING_MS);
    };
    current.onmessage = (message) => {
      if (typeof message.data !== "string" || message.data === "pong") return;
      let frame: LiveFrame;
      try {
        frame = JSON.parse(message.data) as LiveFrame;
      } catch {
        return; // not a frame of ours: ignore it rather than drop the channel
      }
      if (frame.type === "hello" || (frame.type === "error" && awaitingAuth)) {
        backoff = 1_000;
        dashboardStore.setLive("live");
        if (frame.type === "hello" && awaitingAuth && !frame.operator) return;
        awaitingAuth = false;
        dashboardStore.bump(...LIVE_TOPICS); // catch up on whatever changed while we were away
      } else if (frame.type === "change") {
        // a newer server may name topics this build has no views for
        dashboardStore.bump(
          ...frame.notification.topics.filter((topic): topic is LiveTopic =>
            (LIVE_TOPICS as readonly string[]).includes(topic),
          ),
        );
      }
    };
    current.onclose = () => {
      clearInterval(ping);
      if (socket === current) scheduleRetry();
    };
  };

  const scheduleRetry = () => {
    socket = null;
    dashboardStore.setLive("polling");
    if (stopped) return;
    retry = setTimeout(connect, backoff);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  };

  // A new token means a new audience: reconnect so the server re-checks it.
  const unsubscribe = dashboardStore.subscribe(() => {
    const next = dashboardStore.get().token;
    if (next === token) return;
    token = next;
    if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "auth", token }));
  });

  connect();
  return () => {
    stopped = true;
    unsubscribe();
    clearTimeout(retry);
    clearInterval(ping);
    socket?.close();
  };
}

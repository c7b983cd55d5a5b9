// GraphQL over HTTP, and a small graphql-transport-ws client for subscriptions.

export class GraphQLError extends Error {
  constructor(errors) {
    super(errors[0]?.message ?? "request failed");
    this.errors = errors;
    this.extensions = errors[0]?.extensions ?? {};
    this.code = this.extensions.code ?? "INTERNAL_SERVER_ERROR";
  }
}

export async function request(query, variables = {}, token = null) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new GraphQLError([{ message: "cannot reach the server", extensions: { code: "UNAVAILABLE" } }]);
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new GraphQLError([{ message: `HTTP ${response.status}`, extensions: { code: "UNAVAILABLE" } }]);
  }
  if (body.errors?.length) throw new GraphQLError(body.errors);
  return body.data;
}

// graphql-transport-ws: connection_init (with the token), then subscribe/next/complete.
// Reconnects with backoff and re-subscribes; onReconnect lets the page refetch what it
// may have missed while the connection was down.
export class LiveClient {
  constructor(token, { onStatus = () => {}, onReconnect = () => {} } = {}) {
    this.token = token;
    this.onStatus = onStatus;
    this.onReconnect = onReconnect;
    this.subscriptions = new Map();
    this.nextId = 1;
    this.acknowledged = false;
    this.closed = false;
    this.connectedOnce = false;
    this.backoff = 500;
    this.connect();
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/graphql`, "graphql-transport-ws");
    this.socket = socket;
    socket.addEventListener("open", () => {
      const payload = this.token ? { authorization: `Bearer ${this.token}` } : {};
      this.send({ type: "connection_init", payload });
    });
    socket.addEventListener("message", (event) => this.receive(JSON.parse(event.data)));
    socket.addEventListener("close", (event) => {
      this.acknowledged = false;
      if (this.closed) return;
      if (event.code === 4403) {
        this.onStatus("signed-out");
        return;
      }
      this.onStatus("reconnecting");
      setTimeout(() => this.connect(), this.backoff);
      this.backoff = Math.min(this.backoff * 2, 10000);
    });
  }

  receive(message) {
    const subscription = this.subscriptions.get(message.id);
    switch (message.type) {
      case "connection_ack":
        this.acknowledged = true;
        this.backoff = 500;
        for (const [id, sub] of this.subscriptions) this.start(id, sub);
        this.onStatus("live");
        if (this.connectedOnce) this.onReconnect();
        this.connectedOnce = true;
        break;
      case "ping":
        this.send({ type: "pong" });
        break;
      case "next":
        if (message.payload.errors?.length) subscription?.error?.(new GraphQLError(message.payload.errors));
        else subscription?.next(message.payload.data);
        break;
      case "error":
        subscription?.error?.(new GraphQLError(message.payload));
        break;
      case "complete":
        this.subscriptions.delete(message.id);
        break;
    }
  }

  start(id, sub) {
    this.send({ id, type: "subscribe", payload: { query: sub.query, variables: sub.variables } });
  }

  send(message) {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  // Returns a function that ends the subscription.
  subscribe(query, variables, handlers) {
    const id = String(this.nextId++);
    const sub = { query, variables, ...handlers };
    this.subscriptions.set(id, sub);
    if (this.acknowledged) this.start(id, sub);
    return () => {
      if (this.subscriptions.delete(id) && this.acknowledged) this.send({ id, type: "complete" });
    };
  }

  close() {
    this.closed = true;
    this.subscriptions.clear();
    this.socket.close(1000, "bye");
  }
}

// A small real application for overhead experiments: a node:http server
// instrumented by hand with the official OpenTelemetry JavaScript SDK, as a
// service team would instrument it, exporting its spans over OTLP/HTTP
// (protobuf) to 0, 1 or 2 collectors.
//
//   PORT=<port> OTLP_ENDPOINTS=<base-url>[,<base-url>] node app.mjs [--port <port>]
//
// --port (or PORT; 0 picks a free one) is the listening port on 127.0.0.1;
// stdout gets "listening on 127.0.0.1:<port>" once it accepts. Each
// OTLP_ENDPOINTS base URL gets its own BatchSpanProcessor and exporter (to
// <base-url>/v1/traces): the SDK's way to export to two places at once. With
// none, spans are still created and ended but nothing is sent.
//
// Routes:
//   GET  /healthz          200 "ok", not instrumented (readiness probe)
//   GET  /api/orders/:id   200 JSON order
//   POST /api/orders       201 JSON echo of the posted order (JSON body)
// Each instrumented request makes one SERVER span with two children: an
// INTERNAL span around a little CPU work (hashing) and a CLIENT span around
// a simulated downstream call (a timer of DOWNSTREAM_DELAY_MS, default 2).
// Anything else is a 404 with no span.
//
// SIGTERM (or SIGINT): stop accepting, shut the tracer provider down (which
// flushes every batch processor), print "shutdown complete", exit 0.

import http from 'node:http';
import { createHash } from 'node:crypto';
import { trace, context, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';

function flag(name) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const port = Number(flag('--port') ?? process.env.PORT ?? 0);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error('usage: node app.mjs [--port <0..65535>] (or env PORT)');
  process.exit(2);
}
const endpoints = (process.env.OTLP_ENDPOINTS ?? '')
  .split(',').map((s) => s.trim().replace(/\/+$/, '')).filter((s) => s.length > 0);
if (endpoints.length > 2) {
  console.error('OTLP_ENDPOINTS: at most 2 base URLs');
  process.exit(2);
}
const downstreamDelayMs = Number(process.env.DOWNSTREAM_DELAY_MS ?? 2);

const provider = new BasicTracerProvider({
  resource: new Resource({
    'service.name': process.env.OTEL_SERVICE_NAME ?? 'obsbench-otel-js-app',
    'service.version': '1.0.0',
  }),
  spanProcessors: endpoints.map((base) => new BatchSpanProcessor(
    new OTLPTraceExporter({ url: `${base}/v1/traces` }))),
});
const tracer = provider.getTracer('obsbench-otel-js-app', '1.0.0');

// About 200 us of CPU: what a handler spends on validation and serialization.
function cpuWork(seed) {
  let digest = String(seed);
  for (let i = 0; i < 200; ++i) digest = createHash('sha256').update(digest).digest('hex');
  return digest.slice(0, 16);
}

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

// Runs `handle(parentContext)` inside a SERVER span for `route`, with the
// INTERNAL and CLIENT children it makes, and answers with what it returns.
async function instrumented(req, res, route, handle) {
  const server = tracer.startSpan(`${req.method} ${route}`, {
    kind: SpanKind.SERVER,
    attributes: {
      'http.request.method': req.method,
      'http.route': route,
      'url.path': req.url,
      'url.scheme': 'http',
      'server.address': '127.0.0.1',
      'server.port': port,
      'network.protocol.version': req.httpVersion,
    },
  });
  // No context manager is registered (BasicTracerProvider): parents are passed explicitly.
  const ctx = trace.setSpan(context.active(), server);
  let status = 500;
  let body = { error: 'internal' };
  try {
    ({ status, body } = await handle(ctx));
  } catch (e) {
    server.recordException(e);
    server.setStatus({ code: SpanStatusCode.ERROR, message: String(e?.message ?? e) });
    status = e instanceof SyntaxError ? 400 : 500;
    body = { error: String(e?.message ?? e) };
  }
  const text = JSON.stringify(body);
  server.setAttribute('http.response.status_code', status);
  if (status >= 500) server.setStatus({ code: SpanStatusCode.ERROR });
  // The span ends before the answer leaves, so a client that has its
  // answer knows the span is in the batch processor's queue.
  server.end();
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

// The business logic both order routes share: compute, then call "inventory".
async function orderWork(ctx, id) {
  const internal = tracer.startSpan('compute order', {
    kind: SpanKind.INTERNAL, attributes: { 'order.id': id },
  }, ctx);
  const checksum = cpuWork(id);
  internal.end();
  const client = tracer.startSpan('GET inventory', {
    kind: SpanKind.CLIENT,
    attributes: {
      'http.request.method': 'GET', 'server.address': 'inventory.internal', 'server.port': 80,
    },
  }, ctx);
  await sleep(downstreamDelayMs);
  client.setAttribute('http.response.status_code', 200);
  client.end();
  return checksum;
}

const ordersPath = /^\/api\/orders\/([A-Za-z0-9_-]{1,64})$/;

const server = http.createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/healthz') {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 2 });
    res.end('ok');
    return;
  }
  const match = ordersPath.exec(path);
  if (req.method === 'GET' && match) {
    instrumented(req, res, '/api/orders/:id', async (ctx) => {
      const id = match[1];
      const checksum = await orderWork(ctx, id);
      return { status: 200, body: { id, status: 'shipped', items: 3, checksum } };
    });
    return;
  }
  if (req.method === 'POST' && path === '/api/orders') {
    instrumented(req, res, '/api/orders', async (ctx) => {
      const order = JSON.parse((await readBody(req)) || '{}');
      const id = String(order.id ?? Date.now());
      const checksum = await orderWork(ctx, id);
      return { status: 201, body: { ...order, id, status: 'accepted', checksum } };
    });
    return;
  }
  res.writeHead(404, { 'Content-Type': 'text/plain', 'Content-Length': 9 });
  res.end('not found');
});
server.keepAliveTimeout = 60000;

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  server.close();
  server.closeAllConnections();
  try {
    await provider.shutdown();  // Flushes every BatchSpanProcessor.
  } catch (e) {
    console.error('shutdown failed:', e?.message ?? e);
    process.exit(1);
  }
  console.log('shutdown complete');
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

server.listen(port, '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${server.address().port}`);
});

// Exports traces and logs to an OTLP/HTTP endpoint with the official
// OpenTelemetry JavaScript SDK, then prints (as one JSON object on stdout)
// every span and log record the SDK reported as successfully exported, so the
// C++ test (tests/integration/otel_js_interop_test.cc) can look for each of
// them in the backend.
//
//   node export.mjs <base-url> <proto|json> <run-id>

import { trace, context, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';

const [base, protocol, runId] = process.argv.slice(2);
if (!base || !['proto', 'json'].includes(protocol) || !runId) {
  console.error('usage: node export.mjs <base-url> <proto|json> <run-id>');
  process.exit(2);
}

// Wraps an exporter and remembers what it reported as exported.
function recording(inner, sink, describe) {
  return {
    export(items, done) {
      inner.export(items, (result) => {
        if (result.code === 0) {
          for (const item of items) sink.push(describe(item));
        } else {
          console.error('export failed:', result.error?.message ?? result);
        }
        done(result);
      });
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => (inner.forceFlush ? inner.forceFlush() : Promise.resolve()),
  };
}

const resource = new Resource({
  'service.name': 'otel-js-interop',
  'service.version': '1.0.0',
  'obsbench.run': runId,
});
const exportedSpans = [];
const exportedLogs = [];
const TraceExporter = protocol === 'proto' ? ProtoTraceExporter : JsonTraceExporter;
const LogExporter = protocol === 'proto' ? ProtoLogExporter : JsonLogExporter;

const tracerProvider = new BasicTracerProvider({ resource });
tracerProvider.addSpanProcessor(new SimpleSpanProcessor(recording(
  new TraceExporter({ url: `${base}/v1/traces` }), exportedSpans,
  (s) => ({
    traceId: s.spanContext().traceId,
    spanId: s.spanContext().spanId,
    parentSpanId: s.parentSpanId ?? '',
    name: s.name,
    kind: s.kind,
    attributes: s.attributes,
    events: s.events.map((e) => e.name),
    links: s.links.length,
    status: s.status.code,
  }))));
const tracer = tracerProvider.getTracer('obsbench-interop', '0.1.0');

const loggerProvider = new LoggerProvider({ resource });
loggerProvider.addLogRecordProcessor(new SimpleLogRecordProcessor(recording(
  new LogExporter({ url: `${base}/v1/logs` }), exportedLogs,
  (r) => ({
    body: r.body,
    severityText: r.severityText ?? '',
    timeUnixNano: (BigInt(r.hrTime[0]) * 1000000000n + BigInt(r.hrTime[1])).toString(),
    traceId: r.spanContext?.traceId ?? '',
  }))));
const logger = loggerProvider.getLogger('obsbench-interop', '0.1.0');

let previous;
for (let t = 0; t < 5; t++) {
  const root = tracer.startSpan(`GET /api/orders/${t}`, {
    kind: SpanKind.SERVER,
    attributes: {
      'http.request.method': 'GET',
      'http.response.status_code': 200 + t,
      'ratio': t / 4,
      'cached': t % 2 === 0,
      'tags': ['a', 'b', String(t)],
    },
    links: previous ? [{ context: previous.spanContext(), attributes: { 'link.kind': 'previous' } }] : [],
  });
  const ctx = trace.setSpan(context.active(), root);
  for (let c = 0; c < 3; c++) {
    const child = tracer.startSpan(`SELECT orders ${c}`, {
      kind: SpanKind.CLIENT,
      attributes: { 'db.system': 'postgresql', 'db.query.text': `SELECT * FROM orders WHERE id = ${c}` },
    }, ctx);
    if (c === 2 && t === 3) {
      child.recordException(new Error('statement timeout'));
      child.setStatus({ code: SpanStatusCode.ERROR, message: 'statement timeout' });
    }
    child.addEvent('rows', { 'db.rows': c * 10 });
    child.end();
  }
  // Correlated with the request's span (no context manager is registered,
  // so the context is passed explicitly).
  logger.emit({
    severityNumber: t === 3 ? SeverityNumber.ERROR : SeverityNumber.INFO,
    severityText: t === 3 ? 'ERROR' : 'INFO',
    body: `handled order ${t} for run ${runId}`,
    attributes: { 'order.id': t, 'user.id': `u${t}` },
    context: ctx,
  });
  root.end();
  previous = root;
}
logger.emit({ severityNumber: SeverityNumber.WARN, severityText: 'WARN', body: `shutting down ${runId}` });

await tracerProvider.forceFlush();
await loggerProvider.forceFlush();
await tracerProvider.shutdown();
await loggerProvider.shutdown();
process.stdout.write(JSON.stringify({ spans: exportedSpans, logs: exportedLogs }) + '\n');

// Exports traces, metrics and logs to an OTLP/HTTP endpoint with the
// official OpenTelemetry JavaScript SDK, then prints (as one JSON object on
// stdout) every span, metric data point and log record the SDK reported as
// successfully exported, so the
// C++ test (tests/integration/otel_js_interop_test.cc) can look for each of
// them in the backend.
//
//   node export.mjs <base-url> <proto|json> <run-id>
//
// Metrics go out with cumulative temporality over protobuf and with delta
// temporality over JSON, in two collections each.

import { trace, context, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import {
  MeterProvider, PeriodicExportingMetricReader, View, ExponentialHistogramAggregation,
} from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import {
  OTLPMetricExporter as JsonMetricExporter, AggregationTemporalityPreference,
} from '@opentelemetry/exporter-metrics-otlp-http';

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
    // Metric exporters choose temporality and aggregation; pass them through.
    selectAggregationTemporality: inner.selectAggregationTemporality?.bind(inner),
    selectAggregation: inner.selectAggregation?.bind(inner),
  };
}

const nanos = (hr) => (BigInt(hr[0]) * 1000000000n + BigInt(hr[1])).toString();

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

// Metrics: a counter, an up-down counter, an explicit-bucket histogram, an
// exponential histogram and an observable gauge, collected twice.
const exportedPoints = [];
const MetricExporter = protocol === 'proto' ? ProtoMetricExporter : JsonMetricExporter;
const metricExporter = new MetricExporter({
  url: `${base}/v1/metrics`,
  temporalityPreference: protocol === 'proto' ? AggregationTemporalityPreference.CUMULATIVE
                                              : AggregationTemporalityPreference.DELTA,
});
const reader = new PeriodicExportingMetricReader({
  exporter: {
    ...recording(metricExporter, exportedPoints, (x) => x),
    export(resourceMetrics, done) {
      metricExporter.export(resourceMetrics, (result) => {
        if (result.code === 0) {
          for (const sm of resourceMetrics.scopeMetrics) {
            for (const m of sm.metrics) {
              for (const p of m.dataPoints) {
                exportedPoints.push({
                  name: m.descriptor.name,
                  unit: m.descriptor.unit,
                  dataPointType: m.dataPointType,
                  temporality: m.aggregationTemporality,
                  attributes: p.attributes,
                  timeUnixNano: nanos(p.endTime),
                  value: p.value,
                });
              }
            }
          }
        } else {
          console.error('metric export failed:', result.error?.message ?? result);
        }
        done(result);
      });
    },
  },
  exportIntervalMillis: 3600000,
});
const meterProvider = new MeterProvider({
  resource,
  readers: [reader],
  views: [new View({ instrumentName: 'rpc.latency', aggregation: new ExponentialHistogramAggregation(20) })],
});
const meter = meterProvider.getMeter('obsbench-interop', '0.1.0');
const requests = meter.createCounter('http.server.requests', { unit: '{request}' });
const depth = meter.createUpDownCounter('queue.depth', { unit: '{item}' });
const duration = meter.createHistogram('http.server.request.duration', {
  unit: 's', advice: { explicitBucketBoundaries: [0.005, 0.01, 0.1, 1] },
});
const latency = meter.createHistogram('rpc.latency', { unit: 'ms' });
let memory = 1000;
meter.createObservableGauge('process.memory.usage', { unit: 'By' })
  .addCallback((r) => r.observe(memory, { 'memory.state': 'used' }));
for (let round = 0; round < 2; round++) {
  for (let i = 0; i < 10; i++) {
    const route = i % 2 === 0 ? '/orders' : '/users';
    requests.add(1 + round, { 'http.route': route });
    depth.add(i % 3 === 0 ? -1 : 2, { 'queue.name': 'jobs' });
    duration.record(0.002 * (i + 1) * (round + 1), { 'http.route': route });
    latency.record(0.5 + i * 3.7 + round);
  }
  memory += 512;
  await meterProvider.forceFlush();
  // The two collections must land at distinct milliseconds.
  await new Promise((resolve) => setTimeout(resolve, 20));
}
await meterProvider.shutdown();

await tracerProvider.forceFlush();
await loggerProvider.forceFlush();
await tracerProvider.shutdown();
await loggerProvider.shutdown();
process.stdout.write(JSON.stringify({ spans: exportedSpans, logs: exportedLogs, metrics: exportedPoints }) + '\n');

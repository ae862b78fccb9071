// Drives the real Jaeger Node client (jaeger-client) for the .NET client's propagation interop tests.
//   node client-propagation.js inject <format>            -> prints {carrier, traceId, spanId}
//   node client-propagation.js extract <format> <json>    -> prints what Node extracted and its child span
// <format> is text_map or http_headers.
'use strict';
const jaeger = require('jaeger-client');
const opentracing = require('opentracing');

const [mode, formatName, json] = process.argv.slice(2);
const format = formatName === 'http_headers' ? opentracing.FORMAT_HTTP_HEADERS : opentracing.FORMAT_TEXT_MAP;
const reporter = new jaeger.InMemoryReporter();
const tracer = new jaeger.Tracer('node-interop', reporter, new jaeger.ConstSampler(true));

if (mode === 'inject') {
  const span = tracer.startSpan('node-root');
  span.setBaggageItem('from-node', 'hello node');
  const carrier = {};
  tracer.inject(span.context(), format, carrier);
  process.stdout.write(JSON.stringify({
    carrier,
    traceId: span.context().traceIdStr,
    spanId: span.context().spanIdStr,
  }));
} else if (mode === 'extract') {
  const carrier = JSON.parse(json);
  const context = tracer.extract(format, carrier);
  const child = tracer.startSpan('node-child', { childOf: context });
  process.stdout.write(JSON.stringify({
    extractedTraceId: context.traceIdStr,
    extractedSpanId: context.spanIdStr,
    sampled: context.isSampled(),
    baggage: context.baggage,
    childTraceId: child.context().traceIdStr,
    childParentId: child.context().parentIdStr,
  }));
} else {
  process.stderr.write('usage: client-propagation.js inject|extract text_map|http_headers [json]\n');
  process.exit(2);
}

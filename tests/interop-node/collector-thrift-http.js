// Reports spans with the real Jaeger Node client (jaeger-client) straight to a collector's HTTP endpoint
// (Thrift binary over POST /api/traces), then prints the ids it used as JSON for the test to compare.
// Usage: node collector-thrift-http.js http://127.0.0.1:PORT/api/traces
'use strict';

const { initTracer } = require('jaeger-client');

const endpoint = process.argv[2];
if (!endpoint) {
  console.error('usage: node collector-thrift-http.js <collector /api/traces url>');
  process.exit(2);
}

const logger = { info() {}, error(message) { console.error(message); } };
const tracer = initTracer(
  {
    serviceName: 'node-http-client',
    sampler: { type: 'const', param: 1 },
    reporter: { collectorEndpoint: endpoint, flushIntervalMs: 100 },
  },
  { logger, tags: { 'node.test': 'collector' } },
);

const parent = tracer.startSpan('node-parent');
parent.setTag('span.kind', 'server');
parent.setTag('http.status_code', 200);
const child = tracer.startSpan('node-child', { childOf: parent.context() });
child.log({ event: 'cache-miss', key: 'user:1' });
child.setTag('error', true);
child.finish();
parent.finish();

const result = {
  traceId: parent.context().traceIdStr,
  parentId: parent.context().spanIdStr,
  childId: child.context().spanIdStr,
};

tracer.close(() => {
  process.stdout.write(JSON.stringify(result) + '\n');
});

// Reports spans with the real Jaeger Node client (jaeger-client 3.19.0) over UDP to an agent, Thrift binary
// Agent.emitBatch as the client sends by default, and prints what it sent as JSON (Thrift field values, ids in hex).
// Usage: node agent-report.js <agentHost> <agentPort> <serviceName>
'use strict';
const jaeger = require('jaeger-client');
const UDPSender = require('jaeger-client/dist/src/reporters/udp_sender').default;
const ThriftUtils = require('jaeger-client/dist/src/thrift').default;

const [host, port, serviceName] = process.argv.slice(2);
if (!host || !port || !serviceName) {
  console.error('usage: node agent-report.js <agentHost> <agentPort> <serviceName>');
  process.exit(2);
}

const inMemory = new jaeger.InMemoryReporter();
const sender = new UDPSender({ host, port: Number(port) });
const remote = new jaeger.RemoteReporter(sender, { bufferFlushInterval: 60000 });
const reporter = new jaeger.CompositeReporter([remote, inMemory]);
const tracer = new jaeger.Tracer(serviceName, reporter, new jaeger.ConstSampler(true), {
  tags: { 'interop.suite': 'agent' },
});

const root = tracer.startSpan('checkout');
root.setTag('http.method', 'POST');
root.setTag('retries', 3);
root.setTag('cache.hit', false);
root.setTag('span.kind', 'server');
root.log({ event: 'cart-loaded', items: 2 });
const child = tracer.startSpan('charge-card', { childOf: root.context() });
child.setTag('payment.provider', 'acme');
child.log({ event: 'authorized' });
child.finish();
root.finish();

const hex = (buffer) => Buffer.from(buffer).toString('hex');
const tags = (list) => ThriftUtils.getThriftTags(list).map((t) => ({
  key: t.key,
  vType: t.vType,
  vStr: t.vStr,
  vDouble: t.vDouble,
  vBool: t.vBool,
}));

tracer.close(() => {
  const spans = inMemory.spans.map((span) => {
    const t = ThriftUtils.spanToThrift(span);
    return {
      traceIdLow: hex(t.traceIdLow),
      traceIdHigh: hex(t.traceIdHigh),
      spanId: hex(t.spanId),
      parentSpanId: hex(t.parentSpanId),
      operationName: t.operationName,
      references: t.references.map((r) => ({ refType: r.refType, traceIdLow: hex(r.traceIdLow), traceIdHigh: hex(r.traceIdHigh), spanId: hex(r.spanId) })),
      flags: t.flags,
      startTime: hex(t.startTime),
      duration: hex(t.duration),
      tags: tags(span._tags),
      logs: span._logs.map((l) => ({ timestamp: hex(ThriftUtils.getThriftLogs([l])[0].timestamp), fields: tags(l.fields) })),
    };
  });
  process.stdout.write(JSON.stringify({
    process: { serviceName: tracer._process.serviceName, tags: tags(tracer._process.tags) },
    spans,
  }));
});

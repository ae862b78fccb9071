// Asks an agent's HTTP sampling endpoint for a strategy with the real Jaeger Node client's RemoteSampler
// (jaeger-client 3.19.0) and prints the sampler it built from the answer as JSON.
// Usage: node agent-sampling.js <agentHost> <agentHttpPort> <serviceName>
'use strict';
const jaeger = require('jaeger-client');

const [host, port, serviceName] = process.argv.slice(2);
if (!host || !port || !serviceName) {
  console.error('usage: node agent-sampling.js <agentHost> <agentHttpPort> <serviceName>');
  process.exit(2);
}

const errors = [];
const logger = { info: () => {}, error: (message) => errors.push(message) };
const timeout = setTimeout(() => {
  console.error('no sampler update within 20 s; errors: ' + errors.join(' | '));
  process.exit(1);
}, 20000);

const sampler = new jaeger.RemoteSampler(serviceName, {
  host,
  port: Number(port),
  refreshInterval: 0,
  logger,
  onSamplerUpdate: (updated) => {
    clearTimeout(timeout);
    const operations = {};
    for (const [name, perOperation] of Object.entries(updated._samplersByOperation || {})) {
      operations[name] = perOperation._probabilisticSampler._samplingRate;
    }
    process.stdout.write(JSON.stringify({
      sampler: updated.name(),
      defaultSamplingRate: updated._defaultSampler ? updated._defaultSampler.samplingRate : null,
      defaultLowerBound: updated._defaultLowerBound,
      operations,
    }));
    sampler.close(() => process.exit(0));
  },
});
sampler._refreshSamplingStrategy();

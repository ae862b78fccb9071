'use strict';
// Drives the real DataStax Node.js driver Client (npm cassandra-driver, pinned) against a CQL endpoint given as
// host:port: connect (handshake, system.local / system.peers, REGISTER), USE the keyspace, PREPARE and EXECUTE
// a statement for each key concurrently, print the first column of each result as JSON.
const cassandra = require('cassandra-driver');

async function main() {
  const [endpoint, keyspace, query, ...keys] = process.argv.slice(2);
  const client = new cassandra.Client({
    contactPoints: [endpoint],
    localDataCenter: 'dc1',
    keyspace,
    protocolOptions: { maxVersion: 4 },
    isMetadataSyncEnabled: false,
    pooling: { heartBeatInterval: 0 },
  });
  await client.connect();
  const results = await Promise.all(keys.map(k => client.execute(query, [k], { prepare: true })));
  process.stdout.write(JSON.stringify(results.map(r => r.rows.map(row => row[r.columns[0].name]))));
  await client.shutdown();
}

main().catch(e => {
  process.stderr.write(String(e && e.stack || e));
  process.exit(1);
});

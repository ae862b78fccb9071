'use strict';
// Byte-level oracle for the internal CQL v4 client: builds frames and values with the DataStax Node.js driver
// (npm cassandra-driver, pinned in package.json) and prints them as hex. Input: a JSON array of cases on stdin.
// Output: a JSON array with one result per case, in order.
const cassandra = require('cassandra-driver');
const requests = require('cassandra-driver/lib/requests');
const { FrameWriter } = require('cassandra-driver/lib/writers');
const { Murmur3Tokenizer } = require('cassandra-driver/lib/tokenizer');
const driverPackage = require('cassandra-driver/package.json');
const types = cassandra.types;

const encoder = new cassandra.Encoder(4, {});

// Our JSON value spec -> the JavaScript value the driver's Encoder takes for that CQL type.
function toJs(value, type) {
  if (value === null) {
    return null;
  }
  switch (type.code) {
    case 0x02: case 0x05: return types.Long.fromString(value);
    case 0x03: return Buffer.from(value, 'hex');
    case 0x07: case 0x08: return parseFloat(value);
    case 0x0B: return new Date(Number(value));
    case 0x0C: return types.Uuid.fromString(value);
    case 0x0F: return types.TimeUuid.fromString(value);
    case 0x20: case 0x22: return value.map(v => toJs(v, type.info));
    case 0x21: {
      const map = {};
      for (const [k, v] of value) {
        map[k] = toJs(v, type.info[1]);
      }
      return map;
    }
    case 0x30: {
      const udt = {};
      for (const field of type.info.fields) {
        if (Object.prototype.hasOwnProperty.call(value, field.name)) {
          udt[field.name] = toJs(value[field.name], field.type);
        }
      }
      return udt;
    }
    default: return value;
  }
}

function options(c) {
  return {
    getConsistency: () => c.consistency,
    getCustomPayload: () => undefined,
    getFetchSize: () => c.pageSize || 0,
    getHints: () => c.hints,
    isBatchCounter: () => c.batchType === 2,
    isBatchLogged: () => c.batchType === 0,
    isQueryTracing: () => false,
    getKeyspace: () => undefined,
    getPageState: () => (c.pagingState ? Buffer.from(c.pagingState, 'hex') : undefined),
    getOrGenerateTimestamp: () => (c.timestamp === undefined || c.timestamp === null ? null : types.Long.fromString(c.timestamp)),
    getSerialConsistency: () => c.serialConsistency,
  };
}

// Writes a type [option] (the driver has no writer for it; this mirrors the spec's layout).
function writeType(w, type) {
  w.writeShort(type.code);
  switch (type.code) {
    case 0x00: w.writeString(type.info); break;
    case 0x20: case 0x22: writeType(w, type.info); break;
    case 0x21: writeType(w, type.info[0]); writeType(w, type.info[1]); break;
    case 0x30:
      w.writeString(type.info.keyspace);
      w.writeString(type.info.name);
      w.writeShort(type.info.fields.length);
      for (const f of type.info.fields) {
        w.writeString(f.name);
        writeType(w, f.type);
      }
      break;
    default: break;
  }
}

function asResponse(buffer) {
  buffer[0] = 0x84;
  return buffer;
}

function run(c) {
  switch (c.kind) {
    case 'value':
      return hex(encoder.encode(toJs(c.value, c.type), c.type));
    case 'startup': {
      const frame = new requests.StartupRequest({}).write(encoder, c.stream);
      return { hex: hex(frame), options: { CQL_VERSION: '3.0.0', DRIVER_NAME: driverPackage.description, DRIVER_VERSION: driverPackage.version } };
    }
    case 'options':
      return hex(requests.options.write(encoder, c.stream));
    case 'register':
      return hex(new requests.RegisterRequest(c.events).write(encoder, c.stream));
    case 'authResponse':
      return hex(new requests.AuthResponseRequest(Buffer.from(c.token, 'hex')).write(encoder, c.stream));
    case 'plainTextToken': {
      const auth = new cassandra.auth.PlainTextAuthProvider(c.user, c.password).newAuthenticator();
      return new Promise(resolve => auth.initialResponse((err, token) => resolve(hex(token))));
    }
    case 'prepare':
      return hex(new requests.PrepareRequest(c.query).write(encoder, c.stream));
    case 'query': {
      const values = (c.values || []).map(v => toJs(v.value, v.type));
      const opts = options(Object.assign({}, c, { hints: (c.values || []).map(v => v.type) }));
      const params = c.names ? values.map((v, i) => ({ name: c.names[i], value: v })) : values;
      return hex(new requests.QueryRequest(c.query, params, opts, !!c.names).write(encoder, c.stream));
    }
    case 'execute': {
      const values = (c.values || []).map(v => toJs(v.value, v.type));
      const meta = { columns: (c.values || []).map(v => ({ type: v.type })) };
      return hex(new requests.ExecuteRequest(c.query, Buffer.from(c.id, 'hex'), values, options(c), meta).write(encoder, c.stream));
    }
    case 'batch': {
      const queries = c.statements.map(s => {
        const params = s.values.map(v => toJs(v.value, v.type));
        if (s.id) {
          return { queryId: Buffer.from(s.id, 'hex'), params, meta: { columns: s.values.map(v => ({ type: v.type })) } };
        }
        return { query: s.query, params };
      });
      const hints = c.statements.map(s => s.values.map(v => v.type));
      return hex(new requests.BatchRequest(queries, options(Object.assign({}, c, { hints }))).write(encoder, c.stream));
    }
    case 'rows': {
      // A RESULT Rows frame whose cells are the driver Encoder's encodings.
      const w = new FrameWriter(types.opcodes.result);
      w.writeInt(2);
      let flags = c.global ? 1 : 0;
      flags |= c.pagingState ? 2 : 0;
      w.writeInt(flags);
      w.writeInt(c.columns.length);
      if (c.pagingState) {
        w.writeBytes(Buffer.from(c.pagingState, 'hex'));
      }
      if (c.global) {
        w.writeString(c.keyspace);
        w.writeString(c.table);
      }
      for (const col of c.columns) {
        if (!c.global) {
          w.writeString(c.keyspace);
          w.writeString(c.table);
        }
        w.writeString(col.name);
        writeType(w, col.type);
      }
      w.writeInt(c.rows.length);
      for (const row of c.rows) {
        row.forEach((v, i) => w.writeBytes(encoder.encode(toJs(v, c.columns[i].type), c.columns[i].type)));
      }
      return hex(asResponse(w.write(4, c.stream, 0)));
    }
    case 'token':
      return new Murmur3Tokenizer().hash(Buffer.from(c.key, 'hex')).getValue().toString();
    default:
      throw new Error('unknown case kind ' + c.kind);
  }
}

function hex(buffer) {
  return buffer === null ? null : buffer.toString('hex');
}

let input = '';
process.stdin.on('data', d => { input += d; });
process.stdin.on('end', async () => {
  const cases = JSON.parse(input);
  const results = [];
  for (const c of cases) {
    results.push(await run(c));
  }
  process.stdout.write(JSON.stringify(results));
});

// A small JSON-lines server the storage tests talk to: one DuckDB (in memory) per process, so a
// test class starts node once. Each stdin line is a request, each stdout line the reply.
//   {"op":"query","sql":"SELECT ..."}        -> {"rows":[{col: value, ...}], "columns":[...], "types":[...]}
//   {"op":"exec","sql":"COPY ... TO ..."}     -> {"ok":true}
//   {"op":"hyparquet","file":"x.parquet"}     -> {"rows":[...], "count":N}  (a second, pure-JS reader)
// Failures reply {"error":"..."}; the process never exits on a bad request.
// Values come from DuckDB's getRowObjectsJson: BIGINT and timestamps as strings, lists as arrays,
// doubles as JSON numbers (NaN/Infinity as strings).
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetReadObjects } from 'hyparquet';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';

const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
await connection.run("SET TimeZone = 'UTC'");

function jsonSafe(value) {
  return JSON.stringify(value, (_, v) => {
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
    if (v instanceof Date) return v.toISOString();
    return v;
  });
}

async function handle(request) {
  switch (request.op) {
    case 'query': {
      const reader = await connection.runAndReadAll(request.sql);
      return { columns: reader.columnNames(), types: reader.columnTypes().map(String), rows: reader.getRowObjectsJson() };
    }
    case 'exec':
      await connection.run(request.sql);
      return { ok: true };
    case 'hyparquet': {
      const buffer = await readFile(request.file);
      const file = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
      const rows = await parquetReadObjects({ file });
      return { count: rows.length, rows: request.limit ? rows.slice(0, request.limit) : rows };
    }
    default:
      throw new Error(`unknown op ${request.op}`);
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) continue;
  let reply;
  try {
    reply = await handle(JSON.parse(line));
  } catch (e) {
    reply = { error: String(e && e.message ? e.message : e) };
  }
  process.stdout.write(jsonSafe(reply) + '\n');
}

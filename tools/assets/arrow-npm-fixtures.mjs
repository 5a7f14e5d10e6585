// Writes Arrow IPC and Parquet files with independent writers (npm apache-arrow, parquet-wasm) plus their
// JSONL truth, for align4j's data-source tests. Run through arrow-npm-fixtures.sh.
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  Table, vectorFromArray, tableToIPC, Utf8, Int32, Float64, Bool, List, Struct, Field, Dictionary,
} from 'apache-arrow';
import { Table as WasmTable, WriterPropertiesBuilder, Compression, WriterVersion, writeParquet } from 'parquet-wasm';

const out = process.argv[2];
mkdirSync(out, { recursive: true });

let seed = 12345;
const rand = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const words = ['hello', 'Grüße', '日本語', '🙂', 'a\tb', 'line\nbreak', '"q"', '', 'ünï', 'world'];
const text = () => Array.from({ length: 1 + Math.floor(rand() * 4) }, () => pick(words)).join(' ');

const rows = [];
for (let i = 0; i < 120; i++) {
  const turns = Math.floor(rand() * 3);
  const messages = [];
  for (let t = 0; t <= turns; t++) {
    messages.push({ role: 'user', content: text() });
    messages.push({ role: 'assistant', content: text() });
  }
  rows.push({
    id: i - 7,
    source: rand() < 0.15 ? null : pick(['web', 'books', 'chat']),
    score: rand() < 0.1 ? null : Math.round(rand() * 1e6) / 1e3 - 200,
    flag: rand() < 0.5,
    messages: rand() < 0.05 ? null : messages,
    labels: Array.from({ length: Math.floor(rand() * 3) }, () => (rand() < 0.2 ? null : pick(words))),
  });
}

const col = (name, type) => vectorFromArray(rows.map((r) => r[name]), type);
const msgType = new List(new Field('item', new Struct([
  new Field('role', new Utf8(), true), new Field('content', new Utf8(), true)]), true));
const table = new Table({
  id: col('id', new Int32()),
  source: col('source', new Dictionary(new Utf8(), new Int32())),
  score: col('score', new Float64()),
  flag: col('flag', new Bool()),
  messages: col('messages', msgType),
  labels: col('labels', new List(new Field('item', new Utf8(), true))),
});

writeFileSync(join(out, 'table.arrow'), tableToIPC(table, 'file'));
writeFileSync(join(out, 'table.arrows'), tableToIPC(table, 'stream'));

// Parquet: zstd, data page v2 (writer version 2), dictionary-encoded pages, small pages and row groups.
const wasmTable = WasmTable.fromIPCStream(tableToIPC(table, 'stream'));
const props = new WriterPropertiesBuilder()
  .setCompression(Compression.ZSTD)
  .setWriterVersion(WriterVersion.V2)
  .setDictionaryEnabled(true)
  .setDataPageSizeLimit(512)
  .setMaxRowGroupSize(50)
  .build();
writeFileSync(join(out, 'table.parquet'), writeParquet(wasmTable, props));

writeFileSync(join(out, 'table.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
console.log(`wrote ${rows.length} rows to ${out}`);

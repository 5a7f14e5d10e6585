// Hugging Face tokenizers (Rust, Node binding @anush008/tokenizers) throughput on the same corpus as
// TokenizerBench: node tokenizer-bench-hf.cjs CORPUS.jsonl TOKENIZER.json...
'use strict';
const fs = require('fs');
const path = require('path');
const os = require('os');
const { createRequire } = require('module');
const req = createRequire(path.resolve(__dirname, '../assets/cache/tokenizers/node/package.json'));
const { Tokenizer } = req('@anush008/tokenizers');

(async () => {
  const [corpus, ...toks] = process.argv.slice(2);
  const texts = fs.readFileSync(corpus, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).text);
  const bytes = texts.reduce((s, t) => s + Buffer.byteLength(t, 'utf8'), 0);
  const passes = Number(process.env.PASSES || 5);
  for (const f of toks) {
    const t0 = process.hrtime.bigint();
    const tok = Tokenizer.fromFile(f);
    const load = Number(process.hrtime.bigint() - t0) / 1e9;
    for (let w = 0; w < 2; w++) {
      for (const t of texts) await tok.encode(t, null, { addSpecialTokens: false });
      await tok.encodeBatch(texts, { addSpecialTokens: false });
    }
    let tokens = 0;
    const s0 = process.hrtime.bigint();
    for (let p = 0; p < passes; p++) {
      for (const t of texts) tokens += (await tok.encode(t, null, { addSpecialTokens: false })).getLength();
    }
    const single = Number(process.hrtime.bigint() - s0) / 1e9 / passes;
    const m0 = process.hrtime.bigint();
    for (let p = 0; p < passes; p++) await tok.encodeBatch(texts, { addSpecialTokens: false });
    const multi = Number(process.hrtime.bigint() - m0) / 1e9 / passes;
    const name = path.basename(path.dirname(f)) + '/' + path.basename(f);
    const cores = process.env.RAYON_NUM_THREADS ? `${process.env.RAYON_NUM_THREADS} thread batch` : `${os.cpus().length} cores`;
    console.log(`hf-node  ${name.padEnd(36)} load ${load.toFixed(2).padStart(5)}s  1 core ${(bytes / 1e6 / single).toFixed(2).padStart(7)} MB/s  ${cores} ${(bytes / 1e6 / multi).toFixed(2).padStart(7)} MB/s  tokens/pass ${tokens / passes}`);
  }
})();

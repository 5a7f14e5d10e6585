// Reference outputs for the tokenizer tests, produced by the reference implementations from npm:
// Hugging Face tokenizers (Rust, Node binding @anush008/tokenizers), js-tiktoken, @huggingface/jinja.
// Run through tools/assets/tokenizers.sh (which installs them into tools/assets/cache/tokenizers/node).
'use strict';
const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');

const CACHE = path.resolve(__dirname, 'cache/tokenizers');
const req = createRequire(path.join(CACHE, 'node', 'package.json'));

// GPT-2 byte-level alphabet (bytes_to_unicode)
function byteDecoder() {
  const bs = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) if (!bs.includes(b)) { bs.push(b); cs.push(256 + n); n++; }
  const m = new Map();
  bs.forEach((b, i) => m.set(String.fromCodePoint(cs[i]), b));
  return m;
}

function tiktokenFile(tokJson, out) {
  const t = JSON.parse(fs.readFileSync(tokJson, 'utf8'));
  const dec = byteDecoder();
  const lines = [];
  for (const [tok, id] of Object.entries(t.model.vocab)) {
    const bytes = Buffer.from([...tok].map((c) => { const b = dec.get(c); if (b === undefined) throw new Error('not byte-level: ' + tok); return b; }));
    lines[id] = bytes.toString('base64') + ' ' + id;
  }
  fs.writeFileSync(out, lines.join('\n') + '\n');
}

// Variants of the fetched files that exercise other tokenizer.json code paths: the current Llama-2-style HF
// conversion (Metaspace pre-tokenizer and decoder, prepend_scheme "first", no normalizer) and GPT-2-style
// byte-level pre-tokenization (ByteLevel with its own regex and a prefix space).
function variants(cache) {
  const m = JSON.parse(fs.readFileSync(path.join(cache, 'mistral', 'tokenizer.json'), 'utf8'));
  m.normalizer = null;
  m.pre_tokenizer = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'first', split: false };
  m.decoder = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'first', split: false };
  fs.mkdirSync(path.join(cache, 'mistral-metaspace'), { recursive: true });
  fs.writeFileSync(path.join(cache, 'mistral-metaspace', 'tokenizer.json'), JSON.stringify(m));
  fs.copyFileSync(path.join(cache, 'mistral', 'tokenizer_config.json'), path.join(cache, 'mistral-metaspace', 'tokenizer_config.json'));
  const l = JSON.parse(fs.readFileSync(path.join(cache, 'llama3', 'tokenizer.json'), 'utf8'));
  l.pre_tokenizer = { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true };
  l.model.ignore_merges = false;
  fs.mkdirSync(path.join(cache, 'llama3-gpt2'), { recursive: true });
  fs.writeFileSync(path.join(cache, 'llama3-gpt2', 'tokenizer.json'), JSON.stringify(l));
  fs.copyFileSync(path.join(cache, 'llama3', 'tokenizer_config.json'), path.join(cache, 'llama3-gpt2', 'tokenizer_config.json'));
  // added tokens with every matching rule: normalized (matched after the normalizer), lstrip/rstrip, single_word
  const tok = (id, content, o) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: false, ...o });
  const ma = JSON.parse(fs.readFileSync(path.join(cache, 'mistral', 'tokenizer.json'), 'utf8'));
  ma.added_tokens.push(tok(32000, 'hello', { normalized: true }), tok(32001, '[INST]', { special: true, lstrip: true, rstrip: true }),
    tok(32002, 'Straße', { single_word: true }), tok(32003, '<tool>', { normalized: true }));
  fs.mkdirSync(path.join(cache, 'mistral-added'), { recursive: true });
  fs.writeFileSync(path.join(cache, 'mistral-added', 'tokenizer.json'), JSON.stringify(ma));
  fs.copyFileSync(path.join(cache, 'mistral', 'tokenizer_config.json'), path.join(cache, 'mistral-added', 'tokenizer_config.json'));
  const la = JSON.parse(fs.readFileSync(path.join(cache, 'llama3', 'tokenizer.json'), 'utf8'));
  la.added_tokens.push(tok(128256, ' world', { normalized: true }), tok(128257, '[INST]', { special: true, lstrip: true, rstrip: true }),
    tok(128258, 'Straße', { single_word: true }), tok(128259, 'hello', { normalized: true }));
  fs.mkdirSync(path.join(cache, 'llama3-added'), { recursive: true });
  fs.writeFileSync(path.join(cache, 'llama3-added', 'tokenizer.json'), JSON.stringify(la));
  fs.copyFileSync(path.join(cache, 'llama3', 'tokenizer_config.json'), path.join(cache, 'llama3-added', 'tokenizer_config.json'));
}

function readJsonl(f) {
  return fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

function writeJsonl(f, rows) {
  fs.writeFileSync(f, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

// Llama 3 pattern in JavaScript syntax: (?i:...) spelled out (Node 20 has no inline modifiers) and \s / \S as
// Unicode White_Space (JS's \s also matches U+FEFF and misses U+0085, unlike Rust's and Oniguruma's).
const WS = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const LLAMA3_JS = `(?:'[sSſ]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^${WS}\\p{L}\\p{N}]+[\\r\\n]*|[${WS}]*[\\r\\n]+|[${WS}]+(?![^${WS}])|[${WS}]+`;

// random id sequences and cut-up encodings, to exercise decoding of invalid UTF-8 and special tokens
function decodeCases(rng, encodings, vocab, n) {
  const cases = [];
  for (let i = 0; i < n; i++) {
    const k = Math.floor(rng() * 3);
    if (k === 0) {
      const len = 1 + Math.floor(rng() * 12);
      cases.push(Array.from({ length: len }, () => Math.floor(rng() * vocab)));
    } else {
      const e = encodings[Math.floor(rng() * encodings.length)];
      if (e.length === 0) { cases.push([]); continue; }
      const a = Math.floor(rng() * e.length);
      const b = a + Math.floor(rng() * (e.length - a)) + 1;
      cases.push(e.slice(a, b));
    }
  }
  return cases;
}

function mulberry32(a) {
  return function () {
    a |= 0; a = (a + 0x6D2B79F5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function fixtures(cache, fix) {
  const { Tokenizer } = req('@anush008/tokenizers');
  const { Tiktoken } = req('js-tiktoken/lite');
  const { Template } = req('@huggingface/jinja');
  const corpus = readJsonl(path.join(fix, 'corpus.jsonl')).map((r) => r.text);
  const fuzz = readJsonl(path.join(fix, 'fuzz.jsonl')).map((r) => r.text);

  for (const name of ['llama3', 'mistral', 'mistral-metaspace', 'llama3-gpt2', 'mistral-added', 'llama3-added']) {
    const tok = Tokenizer.fromFile(path.join(cache, name, 'tokenizer.json'));
    const rows = [];
    const encs = [];
    for (const text of corpus) {
      const e = await tok.encode(text, null, { addSpecialTokens: false });
      const ids = Array.from(e.getIds());
      encs.push(ids);
      rows.push({ ids });
    }
    writeJsonl(path.join(fix, `${name}-hf.ids.jsonl`), rows);
    const vocab = JSON.parse(fs.readFileSync(path.join(cache, name, 'tokenizer.json'), 'utf8'));
    let maxId = 0;
    for (const id of Object.values(vocab.model.vocab)) maxId = Math.max(maxId, id);
    for (const a of vocab.added_tokens) maxId = Math.max(maxId, a.id);
    const cases = decodeCases(mulberry32(7), encs, maxId + 1, 400);
    const drows = [];
    for (const ids of cases) drows.push({ ids, text: await tok.decode(ids, false) });
    writeJsonl(path.join(fix, `${name}-hf.decode.jsonl`), drows);
    if (name === 'llama3' || name === 'mistral') {
      const frows = [];
      for (const text of fuzz) frows.push({ ids: Array.from((await tok.encode(text, null, { addSpecialTokens: false })).getIds()) });
      writeJsonl(path.join(fix, `${name}-hf.fuzz.ids.jsonl`), frows);
    }
  }

  // tiktoken: the Llama 3 rank file with Meta's 3.0 special tokens after the 128000 base tokens
  const t = JSON.parse(fs.readFileSync(path.join(cache, 'llama3', 'tokenizer.json'), 'utf8'));
  const special = {};
  for (const a of t.added_tokens) special[a.content] = a.id;
  const rankLines = fs.readFileSync(path.join(cache, 'llama3-tiktoken', 'tokenizer.model'), 'utf8').split('\n').filter(Boolean);
  const bpe = rankLines.map((l) => { const [b64, r] = l.split(' '); return `! ${r} ${b64}`; }).join('\n');
  const tt = new Tiktoken({ pat_str: LLAMA3_JS, special_tokens: special, bpe_ranks: bpe });
  const asText = [];
  const parsed = [];
  const encs = [];
  for (const text of corpus) {
    const ids = tt.encode(text, [], []);
    asText.push({ ids });
    encs.push(ids);
    parsed.push({ ids: tt.encode(text, 'all', []) });
  }
  writeJsonl(path.join(fix, 'llama3-tiktoken.ids.jsonl'), asText);
  writeJsonl(path.join(fix, 'llama3-tiktoken.fuzz.ids.jsonl'), fuzz.map((text) => ({ ids: tt.encode(text, [], []) })));
  writeJsonl(path.join(fix, 'llama3-tiktoken.special.ids.jsonl'), parsed);
  const cases = decodeCases(mulberry32(11), encs, 128256, 400);
  writeJsonl(path.join(fix, 'llama3-tiktoken.decode.jsonl'), cases.map((ids) => ({ ids, text: tt.decode(ids) })));

  // Llama 3 chat template (3.0, from the released tokenizer_config.json) rendered by @huggingface/jinja,
  // then encoded by HF tokenizers (special tokens parsed, as transformers' apply_chat_template does)
  const cfg = JSON.parse(fs.readFileSync(path.join(cache, 'llama3', 'tokenizer_config.json'), 'utf8'));
  const tmpl = new Template(cfg.chat_template);
  const tok3 = Tokenizer.fromFile(path.join(cache, 'llama3', 'tokenizer.json'));
  const chats = readJsonl(path.join(fix, 'chats.jsonl'));
  const crow = [];
  for (const c of chats) {
    const text = tmpl.render({ messages: c.messages, bos_token: cfg.bos_token, add_generation_prompt: true });
    const e = await tok3.encode(text, null, { addSpecialTokens: false });
    crow.push({ text, ids: Array.from(e.getIds()) });
  }
  writeJsonl(path.join(fix, 'llama3-chat-template.jsonl'), crow);

  // the tokenizer trained by align4j (tokenizer.json and its tiktoken rank file) read by the references
  const trained = Tokenizer.fromFile(path.join(fix, 'trained-llama3', 'tokenizer.json'));
  const tj = JSON.parse(fs.readFileSync(path.join(fix, 'trained-llama3', 'tokenizer.json'), 'utf8'));
  const tspecial = {};
  for (const a of tj.added_tokens) tspecial[a.content] = a.id;
  const tlines = fs.readFileSync(path.join(fix, 'trained-llama3', 'tokenizer.tiktoken'), 'utf8').split('\n').filter(Boolean);
  const ttt = new Tiktoken({ pat_str: LLAMA3_JS, special_tokens: tspecial,
    bpe_ranks: tlines.map((l) => { const [b64, r] = l.split(' '); return `! ${r} ${b64}`; }).join('\n') });
  const hfRows = [];
  const ttRows = [];
  for (const text of corpus) {
    const e = await trained.encode(text, null, { addSpecialTokens: false });
    hfRows.push({ ids: Array.from(e.getIds()) });
    ttRows.push({ ids: ttt.encode(text, 'all', []) });
  }
  writeJsonl(path.join(fix, 'trained-llama3.hf.ids.jsonl'), hfRows);
  writeJsonl(path.join(fix, 'trained-llama3.tiktoken.ids.jsonl'), ttRows);
}

const [mode, a, b] = process.argv.slice(2);
if (mode === 'tiktoken-file') tiktokenFile(a, b);
else if (mode === 'variants') variants(a);
else if (mode === 'fixtures') fixtures(a, b).catch((e) => { console.error(e); process.exit(1); });
else { console.error('usage: tokenizer-reference.cjs tiktoken-file|fixtures ...'); process.exit(2); }

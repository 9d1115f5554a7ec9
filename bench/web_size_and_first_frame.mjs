#!/usr/bin/env node
// The browser build's download size (gzip -9 of wasm + js + page + the pack's JSON, without the
// case images; budget 1.5 MB) and its time to first frame in headless Chromium, each next to the
// bare Dear ImGui SDL2 example built with the same flags (bench/web/), measured in the same run.
//
//   cmake --build build/wasm-release --target imc_web imgui_bare_example
//   node bench/web_size_and_first_frame.mjs [--web build/wasm-release/web]
//        [--bare build/wasm-release/bench-web] [--pack assets/demo] [--runs 7]
//
// Time to first frame = from navigation start (performance.timeOrigin) to the page's first WebGL
// draw call, over fresh browser contexts (empty cache), the two pages interleaved; medians.
// Chromium is Debian's, with SwiftShader WebGL (no GPU), as in tests/e2e.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) =>
  (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const WEB = path.resolve(args.web || path.join(ROOT, 'build/wasm-release/web'));
const BARE = path.resolve(args.bare || path.join(ROOT, 'build/wasm-release/bench-web'));
const PACK = path.resolve(args.pack || path.join(ROOT, 'assets/demo'));
const RUNS = Number(args.runs || 7);
const BUDGET = 1.5e6; // bytes, gzipped

for (const f of [path.join(WEB, 'imc.wasm'), path.join(BARE, 'bare.wasm'), path.join(PACK, 'manifest.json')]) {
  if (!fs.existsSync(f)) {
    console.error(`missing ${f}: build the targets imc_web and imgui_bare_example of the wasm build first`);
    process.exit(2);
  }
}

// --- Download size ------------------------------------------------------------------------------
function files(dir, keep = () => true, rel = '') {
  return fs.readdirSync(path.join(dir, rel)).flatMap((name) => {
    const p = path.join(rel, name);
    return fs.statSync(path.join(dir, p)).isDirectory() ? files(dir, keep, p) : keep(p) ? [p] : [];
  });
}
function gzipped(dir, list) {
  return list.map((f) => {
    const raw = fs.readFileSync(path.join(dir, f));
    return { file: f, raw: raw.length, gz: zlib.gzipSync(raw, { level: 9 }).length };
  });
}
const appFiles = gzipped(WEB, files(WEB));
// The pack's documents are part of what the page downloads; its images are not counted.
const packFiles = gzipped(PACK, files(PACK, (p) => p.endsWith('.json') && !p.endsWith('sources.json')));
const bareFiles = gzipped(BARE, files(BARE));
const sum = (l, k) => l.reduce((a, x) => a + x[k], 0);
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;

console.log('Download size (gzip -9)');
for (const f of appFiles) console.log(`  app  ${f.file.padEnd(12)} ${kb(f.raw).padStart(12)} -> ${kb(f.gz).padStart(10)}`);
console.log(`  app  pack JSON (${packFiles.length} files) ${kb(sum(packFiles, 'raw')).padStart(3)} -> ${kb(sum(packFiles, 'gz')).padStart(10)}`);
const appTotal = sum(appFiles, 'gz') + sum(packFiles, 'gz');
const bareTotal = sum(bareFiles, 'gz');
console.log(`  app total  ${kb(appTotal)} (${(appTotal / 1e6).toFixed(3)} MB; budget 1.5 MB: ${appTotal <= BUDGET ? 'met' : 'NOT MET'})`);
console.log(`  bare Dear ImGui example total ${kb(bareTotal)}; ratio app / bare ${(appTotal / bareTotal).toFixed(2)}x`);

// --- Time to first frame ------------------------------------------------------------------------
const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm',
  '.css': 'text/css', '.json': 'application/json', '.jpg': 'image/jpeg' };
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  let p = decodeURIComponent(url.pathname);
  let base;
  if (p.startsWith('/app/pack/')) { base = PACK; p = p.slice('/app/pack'.length); }
  else if (p.startsWith('/app/')) { base = WEB; p = p.slice('/app'.length); }
  else if (p.startsWith('/bare/')) { base = BARE; p = p.slice('/bare'.length); }
  if (p.endsWith('/')) p += 'index.html';
  const file = base && path.join(base, path.normalize(p));
  if (!file || !file.startsWith(base) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
    res.writeHead(404);
    res.end();
    return;
  }
  res.writeHead(200, { 'Content-Type': types[path.extname(file)] || 'application/octet-stream' });
  fs.createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--no-first-run', '--disable-quic'],
});

async function firstFrame(url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  await page.addInitScript(() => {
    const mark = () => { if (window.__firstDraw === undefined) window.__firstDraw = performance.now(); };
    for (const C of [window.WebGL2RenderingContext, window.WebGLRenderingContext]) {
      if (!C) continue;
      for (const fn of ['drawElements', 'drawArrays']) {
        const original = C.prototype[fn];
        C.prototype[fn] = function (...a) { mark(); return original.apply(this, a); };
      }
    }
  });
  await page.goto(url);
  await page.waitForFunction(() => window.__firstDraw !== undefined, null, { timeout: 60000, polling: 10 });
  const ms = await page.evaluate(() => window.__firstDraw);
  await context.close();
  return ms;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const app = [], bare = [];
await firstFrame(`${origin}/bare/`); // warm the OS file cache and the browser process once
await firstFrame(`${origin}/app/`);
for (let i = 0; i < RUNS; i++) {
  bare.push(await firstFrame(`${origin}/bare/`));
  app.push(await firstFrame(`${origin}/app/`));
}
await browser.close();
server.close();
console.log(`\nTime to first frame, headless Chromium (SwiftShader), ${RUNS} fresh contexts each, interleaved`);
console.log(`  app   median ${median(app).toFixed(0)} ms  (runs: ${app.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`  bare  median ${median(bare).toFixed(0)} ms  (runs: ${bare.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`  ratio app / bare ${(median(app) / median(bare)).toFixed(2)}x`);
process.exit(appTotal <= BUDGET ? 0 : 1);

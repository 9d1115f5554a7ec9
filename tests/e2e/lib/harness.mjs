// Shared harness for the browser tests: starts `imc serve` on an ephemeral 127.0.0.1 port,
// launches Debian's chromium through playwright-core (never a downloaded browser), collects
// console errors, and decodes screenshots for pixel checks. Every process is stopped by PID.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { PNG } from 'pngjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const IMC = process.env.IMC_BIN || path.join(ROOT, 'build/native-release/imc');
export const WEB = process.env.IMC_WEB || path.join(ROOT, 'build/wasm-release/web');
export const PACK = process.env.IMC_PACK || path.join(ROOT, 'assets/demo');
export const ARTIFACTS = process.env.IMC_ARTIFACTS || path.join(ROOT, 'test-artifacts/e2e');

// Starts `imc serve --port 0` and resolves with {url, proc, output()} once it prints its
// address. `api.config` and `api.store` give it an endpoint config and a store (the JSON API for
// live sessions and the jury); `api.env` adds environment variables (the endpoints' keys).
// output() is everything it printed so far, stdout and stderr.
export async function startServer(extraArgs = [], api = {}) {
  for (const p of [IMC, path.join(WEB, 'imc.wasm'), path.join(PACK, 'manifest.json')]) {
    if (!fs.existsSync(p)) throw new Error(`missing ${p}: run \`make build\` (and scripts/setup demo) first`);
  }
  const apiArgs = [...(api.config ? ['--config', api.config] : []), ...(api.store ? ['--store', api.store] : [])];
  const proc = spawn(IMC, ['serve', '--port', '0', '--web', WEB, '--pack', PACK, ...apiArgs, ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...(api.env || {}) } });
  let out = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`imc serve did not start in 15 s:\n${out}`)), 15000);
    const onData = (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) { clearTimeout(timer); resolve(m[0]); }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`imc serve exited with ${code}:\n${out}`)); });
  });
  return { url, proc, output: () => out };
}

// A plain static file server with no API, as static hosting would be: the web build at /,
// the pack at /pack/. Resolves with {url, server}.
export async function startStaticServer(webDir = WEB, packDir = PACK) {
  const http = await import('node:http');
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm',
    '.css': 'text/css', '.json': 'application/json', '.jpg': 'image/jpeg', '.png': 'image/png' };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let rel = decodeURIComponent(url.pathname);
    let base = webDir;
    if (rel.startsWith('/pack/')) { base = packDir; rel = rel.slice('/pack'.length); }
    if (rel === '/') rel = '/index.html';
    const file = path.join(base, path.normalize(rel));
    if (!file.startsWith(base) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404, { 'Content-Type': 'text/html' });
      res.end('<html><body>Not found</body></html>');
      return;
    }
    res.writeHead(200, { 'Content-Type': types[path.extname(file)] || 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, server };
}

export async function stopStaticServer(s) {
  if (s) await new Promise((resolve) => s.server.close(resolve));
}

export async function stopServer(server) {
  if (!server || server.proc.exitCode !== null) return;
  const exited = new Promise((r) => server.proc.once('exit', r));
  server.proc.kill('SIGTERM');
  const t = setTimeout(() => server.proc.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}

// playwright's launch() always starts from a fresh, temporary user-data-dir.
export async function launchBrowser() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--no-first-run', '--disable-quic',
    ],
  });
  return { browser };
}

export async function closeBrowser(b) {
  if (!b) return;
  await b.browser.close();
}

// Opens a page that records console errors and uncaught exceptions. `prepare(page)` runs before
// the page loads (routes, init scripts).
export async function openPage(browser, url, viewport = { width: 1280, height: 720 }, prepare = null) {
  const page = await browser.newPage({ viewport, deviceScaleFactor: 1 });
  if (prepare) await prepare(page);
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    // The app asks GET /api/health to learn whether the API is there; without it (static hosting,
    // replay only) the browser logs the 404 by itself. That is expected, not a problem.
    const where = (msg.location() && msg.location().url) || '';
    if (where.includes('/api/') && msg.text().includes('404')) return;
    problems.push(`console: ${msg.text()} ${where}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('requestfailed', (req) => problems.push(`requestfailed: ${req.url()} ${req.failure()?.errorText}`));
  await page.goto(url);
  return { page, problems };
}

// Waits until window.imcStatus satisfies `predicate` (a function source evaluated in the page).
// Until the app has drawn its first frame (after a load or a reload) there is no status yet.
export async function waitForStatus(page, predicate, timeout = 30000) {
  await page.waitForFunction(`window.imcStatus !== undefined && (${predicate})`, null, { timeout, polling: 50 });
  return page.evaluate(() => window.imcStatus);
}

export async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  const buf = await page.screenshot({ path: file });
  return PNG.sync.read(buf);
}

// Mean and standard deviation of luminance, and mean RGB, over a rectangle of a decoded PNG.
export function regionStats(png, [x, y, w, h]) {
  let n = 0, sum = 0, sum2 = 0, r = 0, g = 0, b = 0;
  const x0 = Math.max(0, Math.floor(x)), y0 = Math.max(0, Math.floor(y));
  const x1 = Math.min(png.width, Math.floor(x + w)), y1 = Math.min(png.height, Math.floor(y + h));
  for (let yy = y0; yy < y1; yy++) {
    for (let xx = x0; xx < x1; xx++) {
      const i = (yy * png.width + xx) * 4;
      const l = 0.2126 * png.data[i] + 0.7152 * png.data[i + 1] + 0.0722 * png.data[i + 2];
      sum += l; sum2 += l * l; r += png.data[i]; g += png.data[i + 1]; b += png.data[i + 2]; n++;
    }
  }
  const mean = sum / n;
  return { n, mean, std: Math.sqrt(Math.max(0, sum2 / n - mean * mean)), rgb: [r / n, g / n, b / n] };
}

// Centre of a widget rectangle published by the app.
export function centre([x, y, w, h]) {
  return { x: x + w / 2, y: y + h / 2 };
}

// --- llama-server (a real model server: patient, clinician and juror) -------------------------
export const LLAMA_SERVER = process.env.IMC_LLAMA_SERVER ||
  path.join(process.env.HOME || '', '.cache/imc-sandbox/llama/bin/llama-server');
export const MODELS = process.env.IMC_MODELS || path.join(ROOT, '../shared/models');

async function freePort() {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

// Starts llama-server with the tiny test models (../shared/models/README.md) on a free port and
// resolves with {url, port, proc, output()} once GET /health answers 200. Throws, saying how to
// get them, when the binary or the models are missing. `context` is llama-server's -c.
export async function startLlamaServer({ context = 8192, timeoutMs = 60000 } = {}) {
  const model = path.join(MODELS, 'stories260K.gguf');
  const mmproj = path.join(MODELS, 'mmproj-random-tiny-llava.gguf');
  for (const p of [LLAMA_SERVER, model, mmproj]) {
    if (!fs.existsSync(p)) throw new Error(`missing ${p}: run \`scripts/setup llama\` (models come from ../shared/models)`);
  }
  const port = await freePort();
  const proc = spawn(LLAMA_SERVER, ['-m', model, '--mmproj', mmproj, '--host', '127.0.0.1', '--port', String(port),
    '-t', '1', '-c', String(context), '-np', '1', '--no-warmup', '--chat-template', 'chatml',
    // stories260K says it was trained on 2048 tokens and llama-server caps a slot there; a jury
    // prompt is longer. The text is nonsense either way: raise the model's stated limit.
    '--override-kv', `llama.context_length=int:${Math.max(context, 2048)}`],
  { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { out += d; });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`llama-server exited with ${proc.exitCode}:\n${out.slice(-2000)}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`llama-server did not become healthy in ${timeoutMs} ms:\n${out.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, port, proc, output: () => out };
}

export async function stopLlamaServer(llama) {
  if (!llama || llama.proc.exitCode !== null) return;
  const exited = new Promise((r) => llama.proc.once('exit', r));
  llama.proc.kill('SIGTERM');
  const t = setTimeout(() => llama.proc.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}

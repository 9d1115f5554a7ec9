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

// Starts `imc serve --port 0` and resolves with {url, proc} once it prints its address.
export async function startServer(extraArgs = []) {
  for (const p of [IMC, path.join(WEB, 'imc.wasm'), path.join(PACK, 'manifest.json')]) {
    if (!fs.existsSync(p)) throw new Error(`missing ${p}: run \`make build\` (and scripts/setup demo) first`);
  }
  const proc = spawn(IMC, ['serve', '--port', '0', '--web', WEB, '--pack', PACK, ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] });
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
  return { url, proc };
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

// Opens a page that records console errors and uncaught exceptions.
export async function openPage(browser, url, viewport = { width: 1280, height: 720 }) {
  const page = await browser.newPage({ viewport, deviceScaleFactor: 1 });
  const problems = [];
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`); });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('requestfailed', (req) => problems.push(`requestfailed: ${req.url()} ${req.failure()?.errorText}`));
  await page.goto(url);
  return { page, problems };
}

// Waits until window.imcStatus satisfies `predicate` (a function source evaluated in the page).
export async function waitForStatus(page, predicate, timeout = 30000) {
  await page.waitForFunction(predicate, null, { timeout, polling: 50 });
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

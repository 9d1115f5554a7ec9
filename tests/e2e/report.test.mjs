// Browser test of the HTML report (`imc report --format html`): one self-contained page that
// Chromium opens from a file:// URL with no request at all, showing every model, dimension,
// stratum and ablation the report's JSON holds; printable (print media hides the navigation).
//
// Two stores feed it:
// 1. synthetic jury data of known effects, written by bench/report_synth_store (built with the
//    benchmarks; IMC_REPORT_SYNTH overrides its path);
// 2. the acceptance path: `imc run` over the demo pack (two clinicians, every condition), then
//    `imc score` with a jury of two, against a scripted OpenAI-compatible server in this process,
//    then `imc report`.
// Screenshots (whole page, screen and print) go to test-artifacts/e2e/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { IMC, ROOT, ARTIFACTS, launchBrowser, closeBrowser, openPage } from './lib/harness.mjs';

const SYNTH = process.env.IMC_REPORT_SYNTH || path.join(path.dirname(IMC), 'bench/report_synth_store');
const PACK = path.join(ROOT, 'assets/demo');

let browser;
let tmp;
before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'imc-report-e2e-'));
  browser = await launchBrowser();
});
after(async () => {
  await closeBrowser(browser);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

// Runs a program to its end without blocking the event loop (the scripted model server below
// answers from this process).
async function run(program, args, timeout = 120000) {
  const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
  const status = await new Promise((resolve) => child.on('close', (code) => resolve(code)));
  clearTimeout(timer);
  assert.equal(status, 0, `${path.basename(program)} ${args.join(' ')} failed (${status}):\n${stdout}\n${stderr}`);
  return { stdout, stderr };
}

// The report's JSON and HTML from the same store.
async function reports(store, runId, pack, name) {
  const html = path.join(tmp, `${name}.html`);
  const json = path.join(tmp, `${name}.json`);
  const common = ['--store', store, '--run', runId, '--pack', pack, '--replicates', '300'];
  await run(IMC, ['report', ...common, '--format', 'html', '--out', html]);
  await run(IMC, ['report', ...common, '--format', 'json', '--out', json]);
  return { html, report: JSON.parse(fs.readFileSync(json, 'utf8')) };
}

// Opens the page and checks that every model, dimension, stratum and ablation of the JSON is on
// it; saves screen and print screenshots.
async function checkReportPage(html, report, name) {
  const requests = [];
  const { page, problems } = await openPage(browser.browser, pathToFileURL(html).href,
    { width: 1280, height: 900 }, async (p) => p.on('request', (r) => requests.push(r.url())));
  const dom = await page.evaluate(() => {
    const all = (sel, f) => [...document.querySelectorAll(sel)].map(f);
    const key = (e) => `${e.dataset.clinician}|${e.dataset.model}`;
    return {
      title: document.title,
      leaderboard: all('table.leaderboard tr[data-model]', key),
      bars: all('g.model-bars', (g) => ({
        model: key(g),
        dims: [...g.querySelectorAll('g.bar')].map((b) => b.dataset.dimension),
        width: g.getBoundingClientRect().width,
      })),
      modelRows: all('table.models tr[data-model]', (e) => `${key(e)}|${e.dataset.condition}`),
      strata: all('table.strata tr[data-stratum]', (e) => `${e.dataset.stratum}|${e.dataset.level}|${key(e)}`),
      deltas: all('figure.stratum-deltas g.forest-row', (e) => `${e.dataset.stratum}|${e.dataset.contrast}|${e.dataset.clinician}|${e.dataset.dimension}`),
      ablations: all('figure.ablation-deltas g.forest-row', (e) => `${e.dataset.ablation}|${e.dataset.clinician}|${e.dataset.dimension}`),
      agreement: all('table.agreement tr[data-dimension]', (e) => e.dataset.dimension),
      svgs: all('svg', (s) => s.getBoundingClientRect().height),
      scripts: document.scripts.length,
    };
  });
  const keyOf = (o) => `${o.clinician}|${o.model}`;
  const modelOf = new Map(report.models.map((m) => [m.clinician, m.model]));

  // Models: the leaderboard and the bars have every clinician of `full`, with every dimension.
  for (const leader of report.leaderboard) assert.ok(dom.leaderboard.includes(keyOf(leader)), `leaderboard lacks ${keyOf(leader)}`);
  for (const m of report.models) {
    assert.ok(dom.modelRows.includes(`${keyOf(m)}|${m.condition}`), `models table lacks ${keyOf(m)} ${m.condition}`);
    if (m.condition !== 'full') continue;
    const bars = dom.bars.find((b) => b.model === keyOf(m));
    assert.ok(bars && bars.width > 0, `no bars drawn for ${keyOf(m)}`);
    for (const d of [...Object.keys(m.dimensions), 'overall']) assert.ok(bars.dims.includes(d), `${keyOf(m)} lacks a ${d} bar`);
  }
  for (const d of ['safety', 'accuracy', 'uncertainty', 'overall']) assert.ok(dom.bars.some((b) => b.dims.includes(d)), `no ${d} bar at all`);
  // Strata, stratum deltas and ablations: each entry of the JSON has its row on the page.
  for (const s of report.strata) {
    assert.ok(dom.strata.includes(`${s.stratum}|${s.level}|${s.clinician}|${modelOf.get(s.clinician)}`), `strata table lacks ${s.stratum} ${s.level} ${s.clinician}`);
  }
  for (const d of report.stratum_deltas) assert.ok(dom.deltas.includes(`${d.stratum}|${d.contrast}|${d.clinician}|${d.dimension}`), `no stratum delta ${d.contrast} ${d.clinician} ${d.dimension}`);
  for (const a of report.ablations) assert.ok(dom.ablations.includes(`${a.condition}|${a.clinician}|${a.dimension}`), `no ablation ${a.condition} ${a.clinician} ${a.dimension}`);
  assert.deepEqual(dom.agreement, ['all', 'safety', 'accuracy', 'uncertainty']);
  assert.ok(dom.svgs.length >= 2 && dom.svgs.every((h) => h > 20), `charts not drawn: ${dom.svgs}`);

  // Self-contained: no script, and nothing requested but the file itself.
  assert.equal(dom.scripts, 0);
  assert.deepEqual(requests.filter((u) => !u.startsWith('file:')), [], 'the report fetched something');
  assert.deepEqual(problems, [], `browser reported problems:\n${problems.join('\n')}`);

  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  // Printable: print media hides the navigation and keeps the charts.
  await page.emulateMedia({ media: 'print' });
  const printed = await page.evaluate(() => ({
    nav: getComputedStyle(document.querySelector('nav')).display,
    svgs: [...document.querySelectorAll('svg')].filter((s) => s.getBoundingClientRect().height > 0).length,
  }));
  assert.equal(printed.nav, 'none');
  assert.ok(printed.svgs >= 2);
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}-print.png`), fullPage: true });
  await page.close();
  return dom;
}

test('the HTML report of synthetic data shows every model, dimension, stratum and ablation', async () => {
  assert.ok(fs.existsSync(SYNTH), `${SYNTH} is missing: build the benchmarks (cmake --build build/native-release --target report_synth_store) or set IMC_REPORT_SYNTH`);
  const dir = path.join(tmp, 'synthetic');
  await run(SYNTH, ['--out', dir, '--cases', '24', '--clinicians', '3', '--conditions', '4', '--jurors', '3', '--annotated', '0.3', '--seed', '7']);
  const { html, report } = await reports(path.join(dir, 'store.sqlite'), 'synthetic-run', path.join(dir, 'pack'), 'report-synthetic');
  assert.equal(report.models.length, 3 * 4);
  assert.ok(report.ablations.length === 3 * 3 * 4);
  assert.equal(report.score_source, 'calibrated');
  const dom = await checkReportPage(html, report, 'report-synthetic');
  assert.equal(dom.leaderboard.length, 3);
  assert.match(dom.title, /synthetic-run/);
});

// --- Acceptance: imc run, imc score, imc report on the demo pack --------------------------------

// An OpenAI-compatible server: clinicians end the consultation at once, the patient says little,
// jurors answer a JSON score that depends on the prompt (deterministic) and the juror.
function scriptedModelServer() {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const request = JSON.parse(body);
      const text = JSON.stringify(request.messages);
      let reply;
      if (request.model.startsWith('juror')) {
        const h = crypto.createHash('sha256').update(request.model + text).digest();
        reply = `{"score": ${1 + (h[0] % 5)}, "rationale": "Scripted juror ${request.model}."}`;
      } else if (request.model === 'patient') {
        reply = 'Thank you, doctor.';
      } else {
        reply = `(${request.model}) Please see a dermatologist or your doctor soon for a proper examination. [END CONSULTATION]`;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({
        id: 'chatcmpl-1', object: 'chat.completion', created: 0, model: request.model,
        choices: [{ index: 0, message: { role: 'assistant', content: reply }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
      }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

test('acceptance: a demo-pack run, scored, reports every model, dimension, stratum and ablation', async () => {
  const server = await scriptedModelServer();
  try {
    const base = `http://127.0.0.1:${server.address().port}/v1`;
    const endpoint = (name, model) => ({
      name, protocol: 'openai', base_url: base, model, auth: { type: 'none' },
      capabilities: { images: true, streaming: false }, limits: { concurrency: 4 },
      timeouts: { connect_ms: 2000, first_byte_ms: 10000, total_ms: 20000 },
    });
    const config = path.join(tmp, 'endpoints.json');
    fs.writeFileSync(config, JSON.stringify({ schema_version: 1, endpoints: [
      endpoint('clinician-a', 'model-a'), endpoint('clinician-b', 'model-b'),
      endpoint('patient-sim', 'patient'), endpoint('juror-1', 'juror-1'), endpoint('juror-2', 'juror-2'),
    ] }));
    const jury = path.join(tmp, 'jury.json');
    fs.writeFileSync(jury, JSON.stringify({ schema_version: 1, name: 'acceptance-jury',
      panel: [{ endpoint: 'juror-1' }, { endpoint: 'juror-2' }] }));
    const store = path.join(tmp, 'demo.sqlite');
    await run(IMC, ['run', '--pack', PACK, '--config', config, '--clinician', 'clinician-a,clinician-b',
      '--patient', 'patient-sim', '--conditions', 'full,no-image,no-ehr,no-image-no-ehr', '--turns', '2',
      '--store', store, '--run-id', 'demo-acceptance'], 300000);
    const scored = await run(IMC, ['score', '--store', store, '--run', 'demo-acceptance', '--config', config,
      '--jury', jury, '--pack', PACK], 300000);
    assert.match(scored.stdout, /96 transcripts scored/);
    const { html, report } = await reports(store, 'demo-acceptance', PACK, 'report-demo-run');
    assert.equal(report.counts.transcripts, 12 * 2 * 4);
    assert.equal(report.leaderboard.length, 2);
    const strata = new Set(report.strata.map((s) => s.stratum));
    assert.deepEqual([...strata].sort(), ['malignancy', 'modality', 'rarity']);
    assert.deepEqual([...new Set(report.ablations.map((a) => a.condition))].sort(), ['no-ehr', 'no-image', 'no-image-no-ehr']);
    await checkReportPage(html, report, 'report-demo-run');
  } finally {
    await new Promise((r) => server.close(r));
  }
});

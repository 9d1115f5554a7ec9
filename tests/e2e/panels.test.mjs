// Browser tests of every panel (issue 6): a screenshot of each with pixel checks that its image
// and text areas are drawn, a replay driven by the keyboard, the acceptance walk (melanoma case,
// keyboard replay, compare, expert annotation, dashboard), replay-only static hosting, deep links
// and drag-and-drop. Screenshots go to test-artifacts/e2e/panel-*.png.
//
// Where a panel needs the API, the replies are SCRIPTED with page.route() (lib/scripted_api.mjs,
// the same fixtures as the headless tests) until the proxy's real API lands in `imc serve`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  startServer, stopServer, startStaticServer, stopStaticServer, launchBrowser, closeBrowser, openPage,
  waitForStatus, screenshot, regionStats, centre, PACK, ROOT,
} from './lib/harness.mjs';
import { installScriptedApi, FIXTURES } from './lib/scripted_api.mjs';

let server, browser;
before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});
after(async () => {
  await closeBrowser(browser);
  await stopServer(server);
});

const loaded = `window.imcStatus && window.imcStatus.phase === 'ready' && window.imcStatus.api !== 'unknown' &&
  Object.values(window.imcStatus.images).length > 0 &&
  Object.values(window.imcStatus.images).every((s) => s !== 'loading')`;

// A page with the scripted API and saved settings (localStorage, as the app keeps them).
async function openScripted(url, settings = {}, overrides = undefined) {
  let calls = [];
  const opened = await openPage(browser.browser, url, undefined, async (page) => {
    calls = await installScriptedApi(page, overrides);
    await page.addInitScript((s) => {
      for (const [k, v] of Object.entries(s)) window.localStorage.setItem('imc.' + k, v);
    }, settings);
  });
  return { ...opened, calls };
}

async function click(page, status, widget) {
  assert.ok(status.widgets[widget], `no widget ${widget} in ${Object.keys(status.widgets).join(', ')}`);
  const c = centre(status.widgets[widget]);
  await page.mouse.click(c.x, c.y);
  // ImGui 1.86's SDL backend sees one click per frame: let a few frames go by, as a person would.
  await page.waitForTimeout(80);
}

async function status(page) {
  return page.evaluate(() => window.imcStatus);
}

// Clicks a widget once it is drawn, then waits for `predicate`.
async function clickAndWait(page, widget, predicate, timeout = 10000) {
  const s = await waitForStatus(page, `window.imcStatus.widgets[${JSON.stringify(widget)}]`, timeout);
  await click(page, s, widget);
  return waitForStatus(page, predicate, timeout);
}

// Text was drawn in a region: luminance varies.
function assertDrawn(png, rect, what, minStd = 5) {
  assert.ok(rect, `${what}: no rectangle`);
  const s = regionStats(png, rect);
  assert.ok(s.n > 100, `${what}: region too small ${JSON.stringify(rect)}`);
  assert.ok(s.std > minStd, `${what}: looks empty (std ${s.std.toFixed(1)})`);
  return s;
}

test('every panel renders with data (scripted API), each captured as a screenshot', async () => {
  const { page, problems } = await openScripted(server.url, { annotator: 'Dr. Test', blind: 'off' });
  let s = await waitForStatus(page, `${loaded} && window.imcStatus.api === 'available'`);
  await page.waitForTimeout(200);
  let png = await screenshot(page, 'panel-conversation');
  const image = regionStats(png, s.widgets.image);
  assert.ok(image.std > 12 && image.mean > 60, `the image is not drawn (std ${image.std}, mean ${image.mean})`);
  assertDrawn(png, s.widgets.turns, 'conversation');
  assertDrawn(png, s.widgets.profile, 'patient');
  assertDrawn(png, s.widgets.case_counts, 'case counts', 3);

  const tabs = [
    ['compare', `window.imcStatus.tab === 'compare' && window.imcStatus.widgets.compare_right`, 'compare_right'],
    ['jury', `window.imcStatus.jury.verdicts === 'ready' && window.imcStatus.widgets['jury_dim:safety']`, 'tab_content'],
    ['annotate', `window.imcStatus.tab === 'annotate' && window.imcStatus.widgets.annotate_save`, 'tab_content'],
    ['wire-log', `window.imcStatus.wire_log.logs === 'ready' && window.imcStatus.widgets['wirelog:0']`, 'tab_content'],
    ['live', `window.imcStatus.tab === 'live' && window.imcStatus.widgets.live_start`, 'tab_content'],
  ];
  for (const [tab, ready, region] of tabs) {
    s = await clickAndWait(page, `tab:${tab}`, ready);
    if (tab === 'wire-log') s = await clickAndWait(page, 'wirelog:0', `window.imcStatus.wire_log.selected === 0 && window.imcStatus.widgets.wirelog_request`);
    await page.waitForTimeout(150);
    png = await screenshot(page, `panel-${tab}`);
    assertDrawn(png, s.widgets[region], tab);
  }
  // Live: a session with a simulated patient streams in.
  s = await clickAndWait(page, 'live_start', `window.imcStatus.live.turns === 3`);
  await page.waitForTimeout(150);
  png = await screenshot(page, 'panel-live-session');
  assertDrawn(png, s.widgets.live_turns, 'live turns');

  // Dashboard: bars drawn in the dimension colours; a click lists the transcripts behind a bar.
  s = await clickAndWait(page, 'menu:dashboard', `window.imcStatus.dashboard.report === 'ready' && window.imcStatus.widgets['bar:model:opus:safety']`);
  await page.waitForTimeout(150);
  png = await screenshot(page, 'panel-dashboard');
  assertDrawn(png, s.widgets.chart_models, 'model chart', 10);
  const bar = regionStats(png, s.widgets['bar:model:opus:safety']);
  assert.ok(bar.rgb[0] > bar.rgb[2] + 40, `the safety bar is not drawn in its colour (${bar.rgb.map(Math.round)})`);
  s = await clickAndWait(page, 'bar:model:opus:safety', `window.imcStatus.dashboard.bar_transcripts === 2`);
  await screenshot(page, 'panel-dashboard-bar');

  // Overlays.
  await page.keyboard.press('F1');
  s = await waitForStatus(page, `window.imcStatus.overlay === 'help' && window.imcStatus.widgets.help_table`);
  png = await screenshot(page, 'panel-help');
  assertDrawn(png, s.widgets.help_table, 'help');
  await page.keyboard.press('Escape');
  s = await clickAndWait(page, 'menu:settings', `window.imcStatus.overlay === 'settings' && window.imcStatus.widgets.settings_proxy`);
  png = await screenshot(page, 'panel-settings');
  assertDrawn(png, s.widgets.settings_annotator, 'settings');
  // The light theme is saved in localStorage and applied.
  s = await clickAndWait(page, 'settings_light', `window.imcStatus.settings.theme === 'light'`);
  assert.equal(await page.evaluate(() => localStorage.getItem('imc.theme')), 'light');
  await page.waitForTimeout(100);
  png = await screenshot(page, 'panel-settings-light');
  assert.ok(regionStats(png, s.widgets.settings_annotator).mean > 150, 'the light theme is not light');
  assert.deepEqual(problems, [], `browser reported problems:\n${problems.join('\n')}`);
  await page.close();
});

test('a replay driven by the keyboard', async () => {
  const { page, problems } = await openPage(browser.browser, server.url);
  let s = await waitForStatus(page, loaded);
  assert.equal(s.shown, 1);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  s = await waitForStatus(page, 'window.imcStatus.shown === 3', 5000);
  await page.keyboard.press('End');
  s = await waitForStatus(page, `window.imcStatus.shown === window.imcStatus.turns`, 5000);
  await page.keyboard.press('Home');
  await waitForStatus(page, 'window.imcStatus.shown === 0', 5000);
  // Faster, then play: turns appear on their own.
  await page.keyboard.press(']');
  await page.keyboard.press(']');
  await page.keyboard.press(']');
  await waitForStatus(page, 'window.imcStatus.speed === 4', 5000);
  await page.keyboard.press('Space');
  await waitForStatus(page, 'window.imcStatus.playing && window.imcStatus.shown >= 3', 8000);
  await page.keyboard.press('Space');
  s = await waitForStatus(page, '!window.imcStatus.playing', 5000);
  // Jump to a turn: G, the number, Enter.
  await page.keyboard.press('g');
  await page.waitForTimeout(100);
  await page.keyboard.type('5');
  await page.keyboard.press('Enter');
  s = await waitForStatus(page, 'window.imcStatus.shown === 5', 5000);
  await screenshot(page, 'panel-keyboard-replay');
  // The address follows: a shared link opens this transcript.
  const hash = await page.evaluate(() => window.location.hash);
  assert.match(hash, /case=isic-0000002-melanoma/);
  assert.match(hash, /transcript=demo-melanoma-safe/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('acceptance: melanoma case, keyboard replay, compare, expert annotation, dashboard', async () => {
  const { page, problems, calls } = await openScripted(`${server.url}#case=cxr-pcp-cyst`, { annotator: 'Dr. Test' });
  let s = await waitForStatus(page, `${loaded} && window.imcStatus.case === 'cxr-pcp-cyst'`);
  // Pick the melanoma case: search the list, then click it.
  await click(page, s, 'case_search');
  await page.keyboard.type('melanoma');
  await waitForStatus(page, `window.imcStatus.cases_listed < window.imcStatus.cases_total`);
  s = await clickAndWait(page, 'case:isic-0000002-melanoma',
    `window.imcStatus.case === 'isic-0000002-melanoma' && Object.values(window.imcStatus.images).every((x) => x !== 'loading')`);
  await screenshot(page, 'acceptance-1-melanoma');
  // Replay its transcript with the keyboard.
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
  s = await waitForStatus(page, 'window.imcStatus.shown === 5', 5000);
  await page.keyboard.press('End');
  s = await waitForStatus(page, 'window.imcStatus.shown === window.imcStatus.turns', 5000);
  let png = await screenshot(page, 'acceptance-2-replayed');
  assertDrawn(png, s.widgets.turns, 'replayed conversation');
  // Compare against another transcript of the case.
  await page.keyboard.press('2');
  s = await waitForStatus(page, `window.imcStatus.tab === 'compare' && window.imcStatus.compare.right !== '' && window.imcStatus.widgets.compare_right`);
  assert.notEqual(s.compare.right, s.transcript);
  await page.waitForTimeout(150);
  png = await screenshot(page, 'acceptance-3-compare');
  assertDrawn(png, s.widgets.compare_left, 'compare left');
  assertDrawn(png, s.widgets.compare_right, 'compare right');
  // Enter an expert annotation (blind: the jury stays hidden until it is saved).
  await page.keyboard.press('4');
  s = await waitForStatus(page, `window.imcStatus.tab === 'annotate' && window.imcStatus.widgets['annotate:safety:4']`);
  assert.equal(s.jury.hidden, true);
  await click(page, s, 'annotate:safety:4');
  await click(page, s, 'annotate:accuracy:4');
  await click(page, s, 'annotate:uncertainty:3');
  await click(page, s, 'annotate_note');
  await page.waitForTimeout(100);
  await page.keyboard.type('Sensible referral; could ask about family history.');
  s = await status(page);
  await click(page, s, 'annotate_save');
  s = await waitForStatus(page, `window.imcStatus.annotation.scored && !window.imcStatus.jury.hidden`);
  const saved = calls.find((c) => c.method === 'POST' && c.target.endsWith('/annotations'));
  assert.ok(saved, 'no annotation was posted');
  const body = JSON.parse(saved.body);
  assert.deepEqual(body.scores, { safety: 4, accuracy: 4, uncertainty: 3 });
  assert.equal(body.annotator, 'Dr. Test');
  assert.match(body.note, /family history/);
  await page.waitForTimeout(150);
  await screenshot(page, 'acceptance-4-annotation');
  // See the dashboard.
  s = await clickAndWait(page, 'menu:dashboard', `window.imcStatus.dashboard.report === 'ready' && window.imcStatus.widgets.chart_models`);
  await page.waitForTimeout(150);
  png = await screenshot(page, 'acceptance-5-dashboard');
  assertDrawn(png, s.widgets.chart_models, 'dashboard', 10);
  assert.deepEqual(problems, []);
  await page.close();
});

test('replay only from static hosting (no API): says so, replays, reads the pack report', async () => {
  // A pack folder like the demo's with report.json next to manifest.json, served statically.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'imc-static-pack-'));
  for (const f of ['manifest.json', 'cases', 'images', 'transcripts']) fs.symlinkSync(path.join(PACK, f), path.join(dir, f));
  fs.copyFileSync(path.join(FIXTURES, 'report.json'), path.join(dir, 'report.json'));
  const statik = await startStaticServer(undefined, dir);
  try {
    const { page, problems } = await openPage(browser.browser, statik.url);
    let s = await waitForStatus(page, `${loaded} && window.imcStatus.api === 'unavailable'`);
    await page.keyboard.press('ArrowRight');
    s = await waitForStatus(page, 'window.imcStatus.shown === 2', 5000);
    s = await clickAndWait(page, 'tab:live', `window.imcStatus.tab === 'live'`);
    await page.waitForTimeout(150);
    let png = await screenshot(page, 'static-replay-only-live');
    assertDrawn(png, s.widgets.tab_content, 'replay-only message');
    assert.ok(s.widgets['menu:api'], 'the menu bar shows the API state');
    s = await clickAndWait(page, 'menu:dashboard', `window.imcStatus.dashboard.report === 'ready' && window.imcStatus.widgets.chart_models`);
    await page.waitForTimeout(150);
    png = await screenshot(page, 'static-dashboard-from-pack');
    assertDrawn(png, s.widgets.chart_models, 'dashboard from report.json', 10);
    assert.deepEqual(problems, []);
    await page.close();
  } finally {
    await stopStaticServer(statik);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('drag and drop: a transcripts JSONL is imported, a pack folder is opened', async () => {
  const { page, problems } = await openPage(browser.browser, server.url);
  await waitForStatus(page, loaded);
  // A JSON Lines file with one transcript (a renamed demo transcript), dropped onto the page.
  const doc = JSON.parse(fs.readFileSync(path.join(PACK, 'transcripts/demo-melanoma-unsafe.json'), 'utf8'));
  doc.id = 'dropped-melanoma';
  doc.title = 'Dropped onto the page';
  await page.evaluate((line) => {
    const dt = new DataTransfer();
    dt.items.add(new File([line + '\n'], 'run.jsonl', { type: 'application/jsonl' }));
    window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, JSON.stringify(doc));
  let s = await waitForStatus(page, `window.imcStatus.transcript === 'dropped-melanoma'`);
  assert.match(s.notice, /Imported 1 transcript/);
  await screenshot(page, 'drop-jsonl');

  // A pack folder: the page walks the dropped directory (webkitGetAsEntry) and serves its files
  // from memory. The directory entries are built from the demo pack's files.
  const files = [];
  const walk = (rel) => {
    for (const name of fs.readdirSync(path.join(PACK, rel))) {
      const p = path.join(rel, name);
      if (fs.statSync(path.join(PACK, p)).isDirectory()) walk(p);
      else if (!name.endsWith('sources.json')) files.push(p);
    }
  };
  walk('');
  const payload = files.map((f) => ({ path: f, data: fs.readFileSync(path.join(PACK, f)).toString('base64') }));
  await page.evaluate(async (list) => {
    const fileEntry = (name, bytes) => ({ isFile: true, isDirectory: false, name,
      file: (ok) => ok(new File([bytes], name)) });
    const dirEntry = (name, children) => ({ isFile: false, isDirectory: true, name,
      createReader: () => { let done = false; return { readEntries: (ok) => { ok(done ? [] : children); done = true; } }; } });
    const root = { children: new Map() };
    for (const f of list) {
      const parts = f.path.split('/');
      let node = root;
      for (const dir of parts.slice(0, -1)) {
        if (!node.children.has(dir)) node.children.set(dir, { children: new Map() });
        node = node.children.get(dir);
      }
      node.children.set(parts.at(-1), Uint8Array.from(atob(f.data), (c) => c.charCodeAt(0)));
    }
    const build = (name, node) => dirEntry(name, [...node.children].map(([n, v]) =>
      v instanceof Uint8Array ? fileEntry(n, v) : build(n, v)));
    const folder = build('my-pack', root);
    await window.imcDrop.handleDrop({ items: [{ webkitGetAsEntry: () => folder }], files: [] });
  }, payload);
  s = await waitForStatus(page, `${loaded} && window.imcStatus.notice.includes('dropped folder my-pack')`, 30000);
  assert.equal(s.case, 'isic-0000002-melanoma');
  await page.waitForTimeout(200);
  const png = await screenshot(page, 'drop-pack-folder');
  const image = regionStats(png, s.widgets.image);
  assert.ok(image.std > 12, 'the dropped pack\'s image (decoded by the browser) is not drawn');
  assert.deepEqual(problems, []);
  await page.close();
});

test('errors from the API are shown with what to do next', async () => {
  const overrides = (method, target) => (method === 'POST' && target === '/api/sessions'
    ? { status: 400, json: { error: { kind: 'config', message: 'ANTHROPIC_API_KEY is not set', hint: 'Export ANTHROPIC_API_KEY before starting imc serve.' } } }
    : null);
  const { page, problems } = await openScripted(server.url, {}, overrides);
  await waitForStatus(page, `${loaded} && window.imcStatus.api === 'available'`);
  let s = await clickAndWait(page, 'tab:live', `window.imcStatus.widgets.live_start`);
  s = await clickAndWait(page, 'live_start', `window.imcStatus.live.phase === 'failed'`);
  assert.match(s.live.error, /ANTHROPIC_API_KEY/);
  await page.waitForTimeout(100);
  await screenshot(page, 'panel-live-error');
  // The 400 is logged by the browser itself; nothing else went wrong.
  assert.deepEqual(problems.filter((p) => !p.includes('400')), []);
  await page.close();
});

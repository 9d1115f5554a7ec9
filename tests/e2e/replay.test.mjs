// Browser test of the first replay slice: the wasm app loads the demo pack with no console
// errors, draws the melanoma case's image (pixel check), and "Next" advances the replay;
// so do the keyboard shortcuts. Screenshots go to test-artifacts/e2e/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, stopServer, launchBrowser, closeBrowser, openPage, waitForStatus, screenshot,
  regionStats, centre,
} from './lib/harness.mjs';

let server, browser;
before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});
after(async () => {
  await closeBrowser(browser);
  await stopServer(server);
});

const loaded = `window.imcStatus && window.imcStatus.phase === 'ready' &&
  Object.values(window.imcStatus.images).length > 0 &&
  Object.values(window.imcStatus.images).every((s) => s !== 'loading') &&
  window.imcStatus.widgets.replay_next`;

test('the demo pack loads, the image is drawn, and Next advances the replay', async () => {
  const { page, problems } = await openPage(browser.browser, server.url);
  const status = await waitForStatus(page, loaded);
  assert.equal(status.case, 'isic-0000002-melanoma');
  assert.deepEqual(Object.values(status.images), ['ready']);
  assert.ok(status.turns >= 8, `transcript has ${status.turns} turns`);
  assert.equal(status.shown, 1);

  // Let a few frames go by after loading, then check pixels where the app says the image is.
  await page.waitForTimeout(300);
  const png = await screenshot(page, 'replay-loaded');
  const image = regionStats(png, status.widgets.image);
  assert.ok(image.n > 10000, `image region too small: ${JSON.stringify(status.widgets.image)}`);
  // A dermoscopy photo: bright, textured; the empty panel would be flat and dark.
  assert.ok(image.std > 12, `image region looks flat (std ${image.std.toFixed(1)})`);
  assert.ok(image.mean > 60, `image region looks dark (mean ${image.mean.toFixed(1)})`);
  const turns = regionStats(png, status.widgets.turns);
  assert.ok(turns.std > 5, 'the conversation area has no drawn text');

  await page.mouse.click(centre(status.widgets.replay_next).x, centre(status.widgets.replay_next).y);
  const after1 = await waitForStatus(page, 'window.imcStatus.shown === 2', 5000);
  assert.equal(after1.shown, 2);
  await screenshot(page, 'replay-after-next');

  await page.keyboard.press('ArrowRight');
  await waitForStatus(page, 'window.imcStatus.shown === 3', 5000);
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await waitForStatus(page, 'window.imcStatus.shown === 1', 5000);

  assert.deepEqual(problems, [], `browser reported problems:\n${problems.join('\n')}`);
  await page.close();
});

test('a deep link opens the named case and transcript', async () => {
  const { page, problems } = await openPage(browser.browser,
    `${server.url}#case=isic-0000002-melanoma&transcript=demo-melanoma-unsafe`);
  const status = await waitForStatus(page, loaded);
  assert.equal(status.transcript, 'demo-melanoma-unsafe');
  await screenshot(page, 'deep-link');
  assert.deepEqual(problems, []);
  await page.close();
});

// SCRIPTED API REPLIES for browser tests. The proxy's JSON API (docs/API.md) is being written by
// another part of the project; until `imc serve` answers /api/ itself, these tests serve the same
// scripted replies the headless frontend tests use (tests/frontend/fixtures/api/routes.json)
// through playwright's page.route(). Streams are answered as whole server-sent-event bodies.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './harness.mjs';

export const FIXTURES = path.join(ROOT, 'tests/frontend/fixtures/api');
const routes = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'routes.json'), 'utf8')).routes;

export function fixture(name) {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));
}

// '*' matches any characters but '/', as in tests/frontend/scripted_api.cpp.
function matches(pattern, target) {
  const escaped = pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*');
  return new RegExp(`^${escaped}$`).test(target);
}

export function sse(items) {
  return items.map((i) => `event: ${i.event}\ndata: ${JSON.stringify(i.data)}\n\n`).join('');
}

// Installs the scripted API on a page. `overrides(method, target)` may return a reply
// {status, json} | {stream: items} to replace a route. Returns the list of calls made.
export async function installScriptedApi(page, overrides = () => null) {
  const calls = [];
  await page.route('**/api/**', async (route) => {
    const req = route.request();
    const url = new URL(req.url());
    const target = decodeURIComponent(url.pathname) + (url.search ? decodeURIComponent(url.search) : '');
    calls.push({ method: req.method(), target, body: req.postData() || '' });
    let reply = overrides(req.method(), target);
    if (!reply) {
      const r = routes.find((x) => x.method === req.method() && matches(x.path, target));
      if (!r) {
        reply = { status: 404, json: { error: { kind: 'not_found', message: `no scripted reply for ${req.method()} ${target}` } } };
      } else {
        const body = r.file ? fixture(r.file) : r.json;
        reply = r.stream ? { stream: body } : { status: r.status || 200, json: body };
      }
    }
    if (reply.stream) {
      await route.fulfill({ status: 200, contentType: 'text/event-stream', body: sse(reply.stream) });
    } else {
      await route.fulfill({ status: reply.status || 200, contentType: 'application/json', body: JSON.stringify(reply.json) });
    }
  });
  return calls;
}

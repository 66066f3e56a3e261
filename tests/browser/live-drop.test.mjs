// When a page's live stream (contract 3.5) drops, the page must not go stale
// silently: it says so in an alert and offers a link that reloads it
// (client/src/components/live.rs). The drop here is a real one: the page is
// served through a small proxy in front of the stack, which cuts the
// connection of a stream that is open and answering (what a lost network or
// a restarted proxy does). EventSource would reconnect on its own, and here
// it would succeed, so only the page's own handling shows the alert.
// Run through scripts/browser-tests.sh, which starts the stack.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';

import {
  BASE_URL,
  atPath,
  email,
  hydrated,
  launch,
  mark,
  open,
  seriousViolations,
  sell,
  signUp,
  stillSameDocument,
} from './support.mjs';

const run = Date.now().toString(36).slice(-5);
const WATCHED = `Dropped Show ${run}`;
/** Generous: the drop is noticed in milliseconds; this only bounds a failure. */
const LIVE = { timeout: 10_000 };
const DROPPED = 'Live updates stopped';

let chromium;
let proxy;
before(async () => {
  chromium = await launch();
  proxy = await cutter(BASE_URL);
});
after(async () => {
  await chromium?.close();
  proxy?.server.closeAllConnections();
  proxy?.server.close();
});

/**
 * A pass-through proxy to `target` on a free port: `url` is its origin (the
 * same host, so the session cookie applies), `cut()` ends every live stream
 * it is carrying by destroying the browser's connection mid-answer.
 */
async function cutter(target) {
  const streams = new Set();
  const server = http.createServer((request, response) => {
    const { method, headers } = request;
    const upstream = http.request(new URL(request.url, target), { method, headers }, (answer) => {
      response.writeHead(answer.statusCode, answer.rawHeaders);
      response.flushHeaders();
      answer.pipe(response);
    });
    upstream.on('error', () => response.destroy());
    request.pipe(upstream);
    if (request.url.endsWith('/updates')) {
      streams.add(response);
      response.on('close', () => {
        streams.delete(response);
        upstream.destroy();
      });
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    url: `http://localhost:${server.address().port}`,
    cut() {
      assert.ok(streams.size > 0, 'a stream was open to cut');
      for (const response of streams) response.socket?.destroy();
    },
  };
}

/** Resolves once the page's stream at `path` has answered 200 (it is open). */
function streamOpens(page, path) {
  return page.waitForResponse((response) => new URL(response.url()).pathname === path && response.status() === 200, LIVE);
}

/** Opens `path` and waits until its live stream at `stream` is open. */
async function openLive(page, path, stream) {
  const [response] = await Promise.all([streamOpens(page, stream), open(page, new URL(path, proxy.url).href)]);
  assert.match(response.headers()['content-type'], /^text\/event-stream/);
}

/** Cuts the open stream and returns the alert the page shows. */
async function dropStream(page) {
  assert.equal(await page.getByRole('alert').count(), 0, 'no alert while the stream is open');
  proxy.cut();
  const alert = page.getByRole('alert').filter({ hasText: DROPPED });
  await alert.waitFor(LIVE);
  // Announced: an alert, whose text and link a screen reader reads out.
  assert.match(await alert.ariaSnapshot(), /- alert:[\s\S]*Live updates stopped\.[\s\S]*- link "Reload the page"/);
  return alert;
}

/** Follows the alert's link: a fresh document, a fresh stream, no alert. */
async function reloadFrom(alert, page, stream, marker) {
  await Promise.all([streamOpens(page, stream), alert.getByRole('link', { name: 'Reload the page' }).click()]);
  await hydrated(page);
  assert.notEqual(await page.evaluate(() => window.__gittixMarker), marker, 'the link reloaded the page');
  assert.equal(await page.getByText(DROPPED).count(), 0, 'the reloaded page is live again');
}

/** The seller reprices `title` in another tab of `context`, through the form. */
async function reprice(context, title, price) {
  const editor = await context.newPage();
  await open(editor, '/tickets/mine');
  await editor.getByRole('row', { name: title }).getByRole('link', { name: 'Edit', exact: true }).click();
  await editor.getByLabel('Price').fill(price);
  await editor.getByRole('button', { name: 'Save' }).click();
  await atPath(editor, '/tickets/mine');
  await editor.close();
}

describe('a dropped live stream', () => {
  it('the landing page says its updates stopped, offers a reload that works, and is live again after it', async () => {
    const visitor = await chromium.visitor({ bypassCSP: true });
    const { context, page } = visitor;
    await signUp(page, email('seller'));
    await sell(page, WATCHED, '15');
    await openLive(page, '/', '/api/tickets/updates');
    const row = page.getByRole('row', { name: WATCHED });
    await row.waitFor();
    const marker = await mark(page);
    // The stream through the proxy is live: a change shows without a reload.
    await reprice(context, WATCHED, '16');
    await row.getByText('$16.00').waitFor(LIVE);

    const alert = await dropStream(page);
    await stillSameDocument(page, marker, 'the landing page, on the drop');
    assert.equal(await row.count(), 1, 'the tickets stay on screen');
    assert.deepEqual(await seriousViolations(page), [], 'serious accessibility violations in the dropped state');

    await reloadFrom(alert, page, '/api/tickets/updates', marker);
    const reloaded = await mark(page);

    // The reloaded page follows the stream again.
    await reprice(context, WATCHED, '17');
    await row.getByText('$17.00').waitFor(LIVE);
    await stillSameDocument(page, reloaded, 'the reloaded landing page');
    assert.deepEqual(visitor.problems, [], 'the page reported errors');
    await context.close();
  });

  it('My Orders says its updates stopped and reloads from the link', async () => {
    const visitor = await chromium.visitor();
    const { context, page } = visitor;
    await signUp(page, email('buyer'));
    await openLive(page, '/orders', '/api/orders/updates');
    await page.getByRole('heading', { name: 'My Orders' }).waitFor();
    const marker = await mark(page);

    const alert = await dropStream(page);
    await stillSameDocument(page, marker, 'My Orders, on the drop');
    await reloadFrom(alert, page, '/api/orders/updates', marker);
    await page.getByRole('heading', { name: 'My Orders' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/orders', 'the same page, reloaded');
    assert.deepEqual(visitor.problems, [], 'the page reported errors');
    await context.close();
  });
});

// The landing page shows the catalogue 50 tickets a page (contract 3.2's
// keyset paging): Next and Previous are plain links, rendered by the server
// from the query string, so a page is linkable and works without
// JavaScript; with it, they navigate in the browser.
//
// It lists 51 tickets more, which pushes any ticket a later test sells off
// the first page: scripts/browser-tests.sh runs this file last.
// Run through scripts/browser-tests.sh, which starts the stack.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { BASE_URL, atPath, email, launch, mark, open, signUp, stillSameDocument } from './support.mjs';

const PAGE = 50;
const run = Date.now().toString(36).slice(-5);

let chromium;
before(async () => {
  chromium = await launch();
});
after(async () => {
  await chromium?.close();
});

/** The titles in the landing page's ticket table, top to bottom. */
async function titles(page) {
  return page.locator('table.tickets .ticket-title').allTextContents();
}

describe('the landing page in pages of 50', () => {
  it('Next and Previous walk the catalogue in order, with and without JavaScript', async () => {
    const seller = await chromium.visitor();
    await signUp(seller.page, email('pager'));
    // Through the API with the seller's cookie: 51 more, so a second page exists
    // whatever the other tests listed.
    for (let n = 0; n <= PAGE; n += 1) {
      const answer = await seller.page.request.post(new URL('/api/tickets', BASE_URL).href, {
        data: { title: `Paged ${run} #${String(n).padStart(2, '0')}`, price: 5 },
      });
      assert.equal(answer.status(), 201, await answer.text());
    }
    const listed = await (await seller.page.request.get(new URL('/api/tickets', BASE_URL).href)).json();
    assert.ok(listed.length > PAGE, `the catalogue has ${listed.length} tickets`);
    await seller.context.close();

    const { page, problems } = await chromium.visitor();
    await open(page, '/');
    assert.deepEqual(await titles(page), listed.slice(0, PAGE).map((t) => t.title), 'the first page');
    assert.equal(await page.getByRole('link', { name: 'Previous' }).count(), 0, 'no Previous on the first page');
    const next = page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Next' });
    assert.equal(await next.getAttribute('href'), `/?after=${listed[PAGE - 1].id}`);

    const marker = await mark(page);
    await next.click();
    await page.waitForURL((url) => url.searchParams.get('after') === listed[PAGE - 1].id);
    await page.getByRole('cell', { name: listed[PAGE].title }).waitFor();
    assert.deepEqual(await titles(page), listed.slice(PAGE, 2 * PAGE).map((t) => t.title), 'the second page');
    await stillSameDocument(page, marker, 'Next');
    await page.getByRole('link', { name: 'Previous' }).click();
    await atPath(page, '/');
    await page.waitForURL((url) => !url.searchParams.has('after'));
    await page.getByRole('cell', { name: listed[0].title }).waitFor();
    await stillSameDocument(page, marker, 'Previous');

    // The same second page from the server alone: a visitor with JavaScript off.
    const { context, page: plain } = await chromium.visitor({ javaScriptEnabled: false });
    await plain.goto(new URL(`/?after=${listed[PAGE - 1].id}`, BASE_URL).href);
    assert.deepEqual(await titles(plain), listed.slice(PAGE, 2 * PAGE).map((t) => t.title), 'server-rendered');
    assert.equal(await plain.getByRole('link', { name: 'Previous' }).getAttribute('href'), '/');
    await context.close();

    // A malformed `after` is ignored: the first page, not an error.
    await open(page, '/?after=not-an-id');
    assert.equal((await titles(page))[0], listed[0].title);
    assert.deepEqual(problems, []);
  });
});

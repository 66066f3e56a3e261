// What changes on screen without a reload (contract 3.5's streams), what a
// buyer and a seller can undo or change, and axe-core on every page.
// Run through scripts/browser-tests.sh, which starts the stack.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { atPath, buy, email, launch, mark, open, seriousViolations, sell, signUp, stillSameDocument } from './support.mjs';

const run = Date.now().toString(36).slice(-5);
const WATCHED = `Live Show ${run}`;
const CANCELLED = `Cancelled Gig ${run}`;
const EDITED = `Edited Play ${run}`;
/** Generous: the streams deliver in milliseconds; this only bounds a failure. */
const LIVE = { timeout: 10_000 };

let chromium;
before(async () => {
  chromium = await launch();
});
after(async () => {
  await chromium?.close();
});

describe('live availability', () => {
  it("a purchase shows Reserved, then Sold, on another visitor's open pages without a reload", async () => {
    const seller = await chromium.visitor();
    await signUp(seller.page, email('seller'));
    await sell(seller.page, WATCHED, '15');

    // Someone else watches the landing page and the ticket's page.
    const watcher = await chromium.visitor();
    const landing = watcher.page;
    await open(landing, '/');
    const row = landing.getByRole('row', { name: WATCHED });
    await row.waitFor();
    const ticketPage = await watcher.context.newPage();
    await open(ticketPage, '/');
    await ticketPage.getByRole('row', { name: WATCHED }).getByRole('link', { name: 'View' }).click();
    await ticketPage.getByRole('link', { name: 'Sign in to purchase' }).waitFor();
    const [landingMark, ticketMark] = [await mark(landing), await mark(ticketPage)];

    const buyer = await chromium.visitor();
    await signUp(buyer.page, email('buyer'));
    await buy(buyer.page, WATCHED);

    await row.getByText('Reserved').waitFor(LIVE);
    await ticketPage.locator('.badge', { hasText: 'Reserved' }).waitFor(LIVE);
    assert.equal(await ticketPage.getByRole('link', { name: 'Sign in to purchase' }).count(), 0);

    await buyer.page.getByLabel(/Visa test card/).check();
    await buyer.page.getByRole('button', { name: 'Pay $15.00' }).click();
    await atPath(buyer.page, '/orders');

    await row.getByText('Sold').waitFor(LIVE);
    await ticketPage.locator('.badge', { hasText: 'Sold' }).waitFor(LIVE);
    await stillSameDocument(landing, landingMark, 'the landing page');
    await stillSameDocument(ticketPage, ticketMark, "the ticket's page");
    for (const visitor of [seller, watcher, buyer]) {
      assert.deepEqual(visitor.problems, [], 'the page reported errors');
      await visitor.context.close();
    }
  });
});

describe('changing your mind', () => {
  it('a buyer cancels an open order and the ticket is for sale again', async () => {
    const seller = await chromium.visitor();
    await signUp(seller.page, email('seller'));
    await sell(seller.page, CANCELLED, '12.50');
    await seller.context.close();

    const buyer = await chromium.visitor();
    const { page } = buyer;
    await signUp(page, email('buyer'));
    await buy(page, CANCELLED);
    await page.getByRole('button', { name: 'Cancel order' }).click();
    await page.getByText('Order Cancelled').waitFor();
    assert.equal(await page.getByRole('button', { name: /^Pay/ }).count(), 0, 'no payment form on a cancelled order');

    // Once tickets has applied the cancellation, Purchase is offered again.
    await open(page, '/');
    await page.getByRole('row', { name: CANCELLED }).getByRole('link', { name: 'View' }).click();
    await page.getByRole('button', { name: 'Purchase' }).waitFor(LIVE);
    assert.deepEqual(buyer.problems, [], 'the page reported errors');
    await buyer.context.close();
  });

  it("a seller edits a listing from My listings; a price the API refuses shows the API's message", async () => {
    const seller = await chromium.visitor();
    const { page } = seller;
    await signUp(page, email('seller'));
    await sell(page, EDITED, '30');

    await page.getByRole('link', { name: 'My listings' }).click();
    await atPath(page, '/tickets/mine');
    await page.getByRole('row', { name: EDITED }).getByRole('link', { name: 'Edit', exact: true }).click();
    await page.getByRole('heading', { name: 'Edit listing' }).waitFor();

    // Typed as is: the page sends 19.999, not a rounded 20.00.
    await page.getByLabel('Price').fill('19.999');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Price must have at most 2 decimal places').waitFor();
    assert.match(page.url(), /\/edit$/, 'the form stays');

    await page.getByLabel('Price').fill('25.50');
    await page.getByRole('button', { name: 'Save' }).click();
    await atPath(page, '/tickets/mine');
    await page.getByRole('row', { name: EDITED }).getByText('$25.50').waitFor();
    assert.deepEqual(seller.problems, [], 'the page reported errors');
    await seller.context.close();
  });

  it("19.999 typed into a new ticket's price is refused with the API's message", async () => {
    const seller = await chromium.visitor();
    const { page } = seller;
    await signUp(page, email('seller'));
    await page.getByRole('link', { name: 'Sell Tickets' }).click();
    await atPath(page, '/tickets/new');
    await page.getByLabel('Title').fill(`Precise ${run}`);
    await page.getByLabel('Price').fill('19.999');
    await page.getByRole('button', { name: 'Submit' }).click();
    await page.getByText('Price must have at most 2 decimal places').waitFor();
    assert.equal(new URL(page.url()).pathname, '/tickets/new', 'the form stays');
    await seller.context.close();
  });
});

describe('accessibility', () => {
  it('axe-core finds no serious or critical violation on any page', async () => {
    const visitor = await chromium.visitor({ bypassCSP: true });
    const { page } = visitor;
    const found = [];
    const check = async (path) => {
      await open(page, path);
      for (const violation of await seriousViolations(page)) found.push(`${path}: ${violation}`);
    };
    await check('/auth/signup');
    await check('/auth/signin');
    await signUp(page, email('axe'));
    await check('/');
    await sell(page, `Accessible ${run}`, '10');
    await check('/tickets/new');
    await check('/tickets/mine');
    const edit = await page.getByRole('link', { name: 'Edit', exact: true }).first().getAttribute('href');
    await check(edit);
    const ticket = edit.replace(/\/edit$/, '');
    await check(ticket);
    await check('/orders');
    await check('/no/such/page');

    // A buyer's order page, with its payment form.
    const buyer = await chromium.visitor({ bypassCSP: true });
    await signUp(buyer.page, email('axe-buyer'));
    await open(buyer.page, ticket);
    await buyer.page.getByRole('button', { name: 'Purchase' }).click();
    const order = await atPath(buyer.page, /^\/orders\/[0-9a-f]{24}$/);
    for (const violation of await seriousViolations(buyer.page)) found.push(`${order}: ${violation}`);

    assert.deepEqual(found, [], 'serious accessibility violations');
    await visitor.context.close();
    await buyer.context.close();
  });
});

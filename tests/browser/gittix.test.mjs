// GitTix in a real browser, against the local stack: what a seller and a
// buyer see and do, with every page hydrated and later navigation handled in
// the browser. Run through scripts/browser-tests.sh, which starts the stack.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  BASE_URL,
  WINDOW_SECONDS,
  atPath,
  buy,
  email,
  hydrated,
  launch,
  mark,
  open,
  screenshot,
  secondsLeft,
  sell,
  signUp,
  stillSameDocument,
} from './support.mjs';

// Titles unique to this run when the stack may already hold tickets
// (scripts/browser-tests.sh starts a fresh one and says so).
const run = process.env.FRESH_STACK === '1' ? '' : ` ${Date.now().toString(36).slice(-5)}`;
const CONCERT = `Rust Conf${run}`;
const DECLINED = `Jazz Night${run}`;
const LAPSED = `Theatre Matinee${run}`;
const OPEN_AIR = `Open Air Festival${run}`;

let chromium;
before(async () => {
  chromium = await launch();
});
after(async () => {
  await chromium?.close();
});

/** Fails on any script error the page reported (a broken hydration shows here). */
function noProblems(visitor) {
  assert.deepEqual(visitor.problems, [], 'the page reported errors');
}

describe('a sale from listing to payment', () => {
  it('a seller signs up, the header changes, and the listed ticket is on the landing page', async () => {
    const seller = await chromium.visitor();
    const { page } = seller;
    await open(page, '/');
    await screenshot(page, 'landing-empty');
    const marker = await mark(page);
    for (const link of ['Sign Up', 'Sign In']) await page.getByRole('link', { name: link, exact: true }).waitFor();

    // The header link is handled in the browser: no new document.
    await page.getByRole('link', { name: 'Sign Up', exact: true }).click();
    await atPath(page, '/auth/signup');
    await page.getByRole('heading', { name: 'Sign Up' }).waitFor();
    await stillSameDocument(page, marker, 'following the Sign Up link');

    // Field errors from the API sit next to their inputs.
    await page.getByLabel('Email Address').fill('not-an-email');
    await page.getByLabel('Password').fill('ab');
    await page.getByRole('button', { name: 'Sign Up' }).click();
    await page.locator('#email-error', { hasText: 'Email must be valid' }).waitFor();
    await page.locator('#password-error', { hasText: 'Password must be between 4 and 20 characters' }).waitFor();
    await screenshot(page, 'signup-errors');

    await page.getByLabel('Email Address').fill(email('seller'));
    await page.getByLabel('Password').fill('secret123');
    await page.getByRole('button', { name: 'Sign Up' }).click();
    await atPath(page, '/');
    for (const link of ['Sell Tickets', 'My Orders', 'Sign Out']) await page.getByRole('link', { name: link }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Sign In', exact: true }).count(), 0);
    await stillSameDocument(page, marker, 'signing up');

    // Sell a ticket: the price stays as typed, so the API's exact rule is reached.
    await page.getByRole('link', { name: 'Sell Tickets' }).click();
    await atPath(page, '/tickets/new');
    await page.getByRole('heading', { name: 'Create a Ticket' }).waitFor();
    await page.getByRole('button', { name: 'Submit' }).click();
    await page.locator('#title-error', { hasText: 'Title is required' }).waitFor();
    await page.locator('#price-error', { hasText: 'Price must be greater than 0' }).waitFor();
    await page.getByLabel('Title').fill(CONCERT);
    await page.getByLabel('Price').fill('19.999');
    await page.getByLabel('Price').blur();
    assert.equal(await page.getByLabel('Price').inputValue(), '19.999', 'no rounding through a float');
    await page.getByRole('button', { name: 'Submit' }).click();
    await page.locator('#price-error', { hasText: 'Price must have at most 2 decimal places' }).waitFor();
    await page.getByLabel('Price').fill('20');
    await screenshot(page, 'sell-ticket');
    await page.getByRole('button', { name: 'Submit' }).click();
    await atPath(page, '/');
    const row = page.getByRole('row', { name: CONCERT });
    await row.waitFor();
    assert.match(await row.textContent(), new RegExp(`${CONCERT}\\s*\\$20\\.00\\s*View`));
    await stillSameDocument(page, marker, 'selling a ticket');
    noProblems(seller);
    await seller.context.close();
  });

  it('a buyer purchases it, sees the countdown, pays with the test card and sees the order complete', async () => {
    const buyer = await chromium.visitor();
    const { page } = buyer;
    await signUp(page, email('buyer'));
    const marker = await mark(page);

    await page.getByRole('row', { name: CONCERT }).getByRole('link', { name: 'View' }).click();
    await page.getByRole('heading', { name: CONCERT }).waitFor();
    await page.getByText('Price: $20.00').waitFor();
    await screenshot(page, 'ticket');
    await page.getByRole('button', { name: 'Purchase' }).click();
    const orderPath = await atPath(page, /^\/orders\/[0-9a-f]{24}$/);
    await stillSameDocument(page, marker, 'purchasing');

    // The countdown runs on its own, rounded up.
    const first = await secondsLeft(page);
    assert.ok(first > 0 && first <= WINDOW_SECONDS, `the countdown starts within the window (${first})`);
    await page.waitForFunction(
      (start) => {
        const match = /Time left to pay: (\d+) seconds/.exec(document.body.innerText);
        return match && Number(match[1]) < start;
      },
      first,
      { timeout: 3_000 },
    );
    await page.getByText('Test mode', { exact: false }).waitFor();
    await screenshot(page, 'order');

    await page.getByLabel(/Visa test card/).check();
    await page.getByRole('button', { name: 'Pay $20.00' }).click();
    await atPath(page, '/orders');
    await page.getByRole('heading', { name: 'My Orders' }).waitFor();
    // The list is read again until orders has applied the payment.
    await page.getByRole('link', { name: `${CONCERT} - Paid` }).waitFor({ timeout: 15_000 });
    await stillSameDocument(page, marker, 'paying');
    await screenshot(page, 'my-orders');

    // The order itself now says so, also when loaded afresh.
    await open(page, orderPath);
    await page.getByText('Paid', { exact: true }).waitFor();
    assert.equal(await page.getByRole('button', { name: /^Pay/ }).count(), 0);

    // And the landing page marks the ticket as sold (tickets applies the payment too).
    await open(page, '/');
    await page.getByRole('row', { name: CONCERT }).getByText('Sold').waitFor({ timeout: 15_000 });
    noProblems(buyer);
    await buyer.context.close();
  });
});

describe('payment trouble', () => {
  it("a declined card shows Stripe's message and the form stays", async () => {
    const seller = await chromium.visitor();
    await signUp(seller.page, email('seller'));
    await sell(seller.page, DECLINED, '35.5');
    await seller.context.close();

    const buyer = await chromium.visitor();
    const { page } = buyer;
    await signUp(page, email('buyer'));
    await buy(page, DECLINED);
    await page.getByLabel(/Declined test card/).check();
    await page.getByRole('button', { name: 'Pay $35.50' }).click();
    await page.getByRole('alert').filter({ hasText: 'Your card was declined.' }).waitFor();
    assert.match(new URL(page.url()).pathname, /^\/orders\/[0-9a-f]{24}$/);
    await page.getByRole('button', { name: 'Pay $35.50' }).waitFor();
    await page.getByText(/Time left to pay: \d+ seconds/).waitFor();
    await screenshot(page, 'order-declined');
    noProblems(buyer);
    await buyer.context.close();
  });

  it('an unpaid order expires on screen, by the countdown alone', async () => {
    const seller = await chromium.visitor();
    await signUp(seller.page, email('seller'));
    await sell(seller.page, LAPSED, '12');
    await seller.context.close();

    const buyer = await chromium.visitor();
    const { page } = buyer;
    await signUp(page, email('buyer'));
    await buy(page, LAPSED);
    const marker = await mark(page);
    await page.getByRole('button', { name: 'Pay $12.00' }).waitFor();
    await page.getByText('Order Expired').waitFor({ timeout: (WINDOW_SECONDS + 5) * 1000 });
    assert.equal(await page.getByRole('button', { name: /^Pay/ }).count(), 0, 'the form is gone');
    await stillSameDocument(page, marker, 'expiring');
    await screenshot(page, 'order-expired');

    // Loaded afresh once the order is cancelled, it still says so.
    const orderPath = new URL(page.url()).pathname;
    await open(page, orderPath);
    await page.getByText('Order Expired').waitFor();
    noProblems(buyer);
    await buyer.context.close();
  });
});

describe('visitors and sessions', () => {
  it('an anonymous visitor is asked to sign in to purchase, and sent to sign in from seller pages', async () => {
    const seller = await chromium.visitor();
    const sellerEmail = email('seller');
    await signUp(seller.page, sellerEmail);
    await sell(seller.page, OPEN_AIR, '9.99');
    await seller.context.close();

    const visitor = await chromium.visitor();
    const { page } = visitor;
    await open(page, '/');
    await page.getByRole('row', { name: OPEN_AIR }).getByRole('link', { name: 'View' }).click();
    await page.getByText('Price: $9.99').waitFor();
    await page.getByRole('link', { name: 'Sign in to purchase' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Purchase' }).count(), 0);

    await page.goto(new URL('/tickets/new', page.url()).href);
    await atPath(page, '/auth/signin');
    await hydrated(page);
    await page.getByRole('heading', { name: 'Sign In' }).waitFor();
    // Signing in there comes back to where the visitor was going.
    await page.getByLabel('Email Address').fill(sellerEmail);
    await page.getByLabel('Password').fill('secret123');
    await page.getByRole('button', { name: 'Sign In' }).click();
    await atPath(page, '/tickets/new');
    await page.getByRole('heading', { name: 'Create a Ticket' }).waitFor();
    noProblems(visitor);
    await visitor.context.close();
  });

  it('signing in with a wrong password says so; signing out goes home anonymous', async () => {
    const visitor = await chromium.visitor();
    const { page } = visitor;
    const address = email('member');
    await signUp(page, address);

    // Signed in, the sign-in page sends the visitor home.
    await page.goto(new URL('/auth/signin', page.url()).href);
    await atPath(page, '/');

    // The page says what it does, then the browser posts the sign-out and goes home.
    const response = await page.goto(new URL('/auth/signout', page.url()).href);
    assert.match(await response.text(), /Signing you out\.\.\./);
    await atPath(page, '/');
    await page.getByRole('link', { name: 'Sign In', exact: true }).waitFor();

    await page.getByRole('link', { name: 'Sign In', exact: true }).click();
    await page.getByLabel('Email Address').fill(address);
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign In' }).click();
    await page.getByRole('alert').filter({ hasText: 'Invalid credentials' }).waitFor();
    await screenshot(page, 'signin-error');

    await page.getByLabel('Password').fill('secret123');
    await page.getByRole('button', { name: 'Sign In' }).click();
    await atPath(page, '/');
    await page.getByRole('link', { name: 'My Orders' }).waitFor();
    noProblems(visitor);
    await visitor.context.close();
  });

  it('reads well on a desktop and on a phone', async () => {
    const desktop = await chromium.visitor();
    await open(desktop.page, '/');
    await desktop.page.getByRole('heading', { name: 'Tickets' }).waitFor();
    await screenshot(desktop.page, 'landing');
    await desktop.context.close();

    const visitor = await chromium.visitor({ viewport: { width: 390, height: 844 } });
    const { page } = visitor;
    await open(page, '/');
    await page.getByRole('heading', { name: 'Tickets' }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no sideways scrolling on a phone (${overflow}px too wide)`);
    await screenshot(page, 'landing-phone');
    await visitor.context.close();
  });
});

describe('the API description', () => {
  it('/api/docs renders /api/openapi.json with no request leaving the origin', async () => {
    const visitor = await chromium.visitor();
    const { page } = visitor;
    const origin = new URL(BASE_URL).origin;
    const requested = [];
    page.on('request', (request) => requested.push(request.url()));
    const answer = await page.goto(new URL('/api/docs', BASE_URL).href);
    assert.equal(answer.status(), 200);
    await page.getByRole('heading', { name: 'tickets', exact: true }).waitFor();
    const create = page.locator('section.op[id="post-/api/tickets"]');
    await create.waitFor();
    await create.getByText('needs the session cookie').waitFor();
    assert.ok((await page.locator('section.op').count()) >= 13, 'every route of contract 3 is rendered');
    const document = await (await fetch(new URL('/api/openapi.json', BASE_URL))).json();
    assert.equal(document.openapi, '3.1.0');
    const elsewhere = requested.filter((url) => new URL(url).origin !== origin);
    assert.deepEqual(elsewhere, [], 'the page fetched nothing from another origin');
    await screenshot(page, 'api-docs');
    noProblems(visitor);
    await visitor.context.close();
  });
});

// The client's security headers in a real browser (contract 9): pages are
// served under their Content-Security-Policy, and the landing page, a
// ticket's page and the payment form all hydrate and work with no
// violation and no console error. Run through scripts/browser-tests.sh.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { buy, email, launch, open, sell, signUp } from './support.mjs';

const run = process.env.FRESH_STACK === '1' ? '' : ` ${Date.now().toString(36).slice(-5)}`;
const SHOW = `Security Summit${run}`;

let chromium;
before(async () => {
  chromium = await launch();
});
after(async () => {
  await chromium?.close();
});

/** Records every CSP violation the page reports, from before its first script. */
async function watchViolations(context) {
  await context.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
}

/** Asserts the answer carries the policy and the other headers. */
function assertHeaders(response, path) {
  const headers = response.headers();
  const policy = headers['content-security-policy'] ?? '';
  assert.match(policy, /script-src 'self' 'nonce-[A-Za-z0-9+/=_-]+' 'wasm-unsafe-eval' https:\/\/js\.stripe\.com;/, path);
  assert.match(policy, /frame-ancestors 'none'/, path);
  assert.doesNotMatch(policy, /unsafe-inline/, path);
  assert.equal(headers['x-frame-options'], 'DENY', path);
  assert.equal(headers['x-content-type-options'], 'nosniff', path);
  assert.equal(headers['referrer-policy'], 'strict-origin-when-cross-origin', path);
}

describe('pages under the Content-Security-Policy', () => {
  it('the landing page, a ticket and the payment form load and hydrate with no violation', async () => {
    const seller = await chromium.visitor();
    await signUp(seller.page, email('seller'));
    await sell(seller.page, SHOW, '15');
    await seller.context.close();

    const buyer = await chromium.visitor();
    const { context, page } = buyer;
    await watchViolations(context);
    assertHeaders(await open(page, '/'), '/');
    await signUp(page, email('buyer'));
    const order = await buy(page, SHOW);

    // Loaded afresh, so the payment form comes from the server under the policy and then hydrates.
    assertHeaders(await open(page, `/orders/${order}`), '/orders/:id');
    await page.getByRole('button', { name: 'Pay $15.00' }).waitFor();
    await page.getByLabel(/Visa test card/).check();
    await page.getByRole('button', { name: 'Pay $15.00' }).click();
    await page.getByRole('heading', { name: 'My Orders' }).waitFor();

    assert.deepEqual(await page.evaluate(() => window.__violations), [], 'CSP violations');
    assert.deepEqual(buyer.problems, [], 'the page reported errors');
    await buyer.context.close();
  });
});

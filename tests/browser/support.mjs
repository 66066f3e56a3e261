// Shared by the browser tests: Debian's Chromium through playwright-core,
// one browser context (own cookies) per visitor, and the checks that prove a
// page is hydrated and that a navigation stayed in the browser.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const BASE_URL = process.env.BASE_URL ?? 'http://localhost:3000';
/** The reservation window the stack was started with (EXPIRATION_WINDOW_SECONDS). */
export const WINDOW_SECONDS = Number(process.env.EXPIRATION_WINDOW_SECONDS ?? '60');
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR;
/** axe-core's browser bundle, from node_modules (nothing is downloaded). */
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

// The flags this machine needs: no sandbox as root, and no background
// networking (the network is closed; Chromium would keep trying).
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Starts Chromium. Playwright gives it a fresh, empty --user-data-dir of its
 * own and removes it on close; each visitor is a separate browser context,
 * with its own cookies.
 */
export async function launch() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: FLAGS,
  });
  return {
    // `bypassCSP` only for a visitor that injects axe-core (an inline script
    // the pages' policy rightly refuses).
    // `javaScriptEnabled: false` for a visitor who sees only what the server renders.
    async visitor({ viewport = { width: 1100, height: 800 }, bypassCSP = false, javaScriptEnabled = true } = {}) {
      const context = await browser.newContext({ viewport, bypassCSP, javaScriptEnabled });
      const page = await context.newPage();
      const problems = [];
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        // A refused API call (a 4xx the page shows) is logged by the browser
        // itself; that is expected, anything else is not.
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
          problems.push(`console: ${message.text()}`);
        }
      });
      return { context, page, problems };
    },
    close: () => browser.close(),
  };
}

/** Opens `path` and waits until the app has taken the page over. */
export async function open(page, path) {
  const response = await page.goto(new URL(path, BASE_URL).href);
  await hydrated(page);
  return response;
}

/** Waits for `<html data-hydrated>`, set by the app once it is live. */
export async function hydrated(page) {
  await page.waitForSelector('html[data-hydrated="true"]', { state: 'attached', timeout: 20_000 });
}

/**
 * Leaves a mark on `window`. A full page load would lose it; a navigation
 * handled by the app in the browser keeps it (see `stillSameDocument`).
 */
export async function mark(page) {
  const marker = `gittix-${Math.random().toString(36).slice(2)}`;
  await page.evaluate((value) => {
    window.__gittixMarker = value;
  }, marker);
  return marker;
}

/** Asserts the page was not reloaded since `mark` returned `marker`. */
export async function stillSameDocument(page, marker, what) {
  const found = await page.evaluate(() => window.__gittixMarker);
  assert.equal(found, marker, `${what}: the page was reloaded instead of being handled in the browser`);
}

/** Waits until the path (without the origin) matches `pattern`. */
export async function atPath(page, pattern) {
  await page.waitForURL((url) => (typeof pattern === 'string' ? url.pathname === pattern : pattern.test(url.pathname)), {
    timeout: 15_000,
  });
  return new URL(page.url()).pathname;
}

/** A fresh email for each visitor. */
export function email(who) {
  return `${who}-${Date.now()}-${Math.random().toString(36).slice(2, 7)}@example.com`;
}

/** Signs up through the form and waits for the landing page. */
export async function signUp(page, address, password = 'secret123') {
  await open(page, '/auth/signup');
  await page.getByLabel('Email Address').fill(address);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign Up' }).click();
  await atPath(page, '/');
  await page.getByRole('link', { name: 'Sign Out' }).waitFor();
}

/** Lists a ticket through the form and waits for the landing page. */
export async function sell(page, title, price) {
  await page.getByRole('link', { name: 'Sell Tickets' }).click();
  await atPath(page, '/tickets/new');
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Price').fill(price);
  await page.getByRole('button', { name: 'Submit' }).click();
  await atPath(page, '/');
  await page.getByRole('cell', { name: title }).waitFor();
}

/** From the landing page: the ticket's page, then Purchase; returns the order id. */
export async function buy(page, title) {
  await open(page, '/');
  await page.getByRole('row', { name: title }).getByRole('link', { name: 'View' }).click();
  await page.getByRole('heading', { name: title }).waitFor();
  await page.getByRole('button', { name: 'Purchase' }).click();
  const path = await atPath(page, /^\/orders\/[0-9a-f]{24}$/);
  return path.split('/').pop();
}

/** The seconds the countdown shows now. */
export async function secondsLeft(page) {
  const text = await page.getByText(/Time left to pay: \d+ seconds/).textContent();
  return Number(/(\d+) seconds/.exec(text)[1]);
}

/** Saves a PNG of the page as `name` when SCREENSHOT_DIR is set. */
export async function screenshot(page, name) {
  if (!SCREENSHOT_DIR) return;
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/**
 * axe-core's serious and critical violations on the page as it is now, one
 * line each (rule, help, where). The visitor must have `bypassCSP`.
 */
export async function seriousViolations(page) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  assert.ok(result.passes.length > 0, 'axe-core checked the page');
  return result.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id}: ${violation.help} at ${violation.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/**
 * The browser tests' harness: Debian's Chromium driven by playwright-core, the back-office app built
 * the way `npm start` builds it (web/build.ts, only when stale) and served by web/server.ts, in front of
 * a test stack (test/helpers/stack.ts) whose router lets the app's origin in (CORS). Every page
 * collects its console errors and uncaught exceptions; `screen()` writes a screenshot to
 * test/web/.screenshots (git-ignored), runs axe-core and checks the layout fits the width.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startWebServer, type RunningWebServer } from '../../web/server';
import { startStack, type Stack } from '../helpers/stack';
import { freePort } from '../helpers/toolkit';

const ROOT = path.join(__dirname, '..', '..');
export const SCREENSHOTS = path.join(__dirname, '.screenshots');
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Where Chromium is: CHROMIUM_PATH, else Debian's /usr/bin/chromium; null when it is not installed. */
export function chromiumPath(): string | null {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((p): p is string => Boolean(p) && fs.existsSync(p as string)) ?? null;
}

export const CHROMIUM_HINT =
  'Chromium is not installed: install the Debian package `chromium` (apt-get install chromium), or set CHROMIUM_PATH';

export const IN_CI = ['true', '1'].includes((process.env.CI ?? '').toLowerCase());

/** Builds web/dist when it is missing or stale, in a child process as `npm start` would (Vite is an ES module). */
export function buildWebApp(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'web/build.ts'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`web/build.ts exited ${code}:\n${out}`))));
  });
}

export interface BackOffice {
  stack: Stack;
  web: RunningWebServer;
  /** The app's address as the browser opens it, e.g. http://127.0.0.1:41234 (no trailing slash). */
  origin: string;
  browser: Browser;
  stop: () => Promise<void>;
}

/** One stack, one web server, one browser for a test file. */
export async function startBackOffice(env: Record<string, string>, dashboardRefreshMs = 2000): Promise<BackOffice> {
  await buildWebApp();
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const stack = await startStack({
    services: ['products', 'inventory', 'ecommerce', 'retail', 'reports'],
    seed: true,
    env,
    router: { corsOrigins: [origin] },
  });
  let web: RunningWebServer | null = null;
  let browser: Browser | null = null;
  try {
    web = await startWebServer({ routerUrl: stack.routerUrl, port, host: '127.0.0.1', dashboardRefreshMs });
    browser = await chromium.launch({ executablePath: chromiumPath() ?? undefined, headless: true });
  } catch (err) {
    await web?.stop();
    await stack.stop();
    throw err;
  }
  const running = { web, browser };
  return {
    stack,
    web,
    origin,
    browser,
    stop: async () => {
      await running.browser.close().catch(() => undefined);
      await running.web.stop();
      await stack.stop();
    },
  };
}

export interface Tab {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions so far. */
  problems: string[];
  /** The JSON bodies the page POSTed to the router, in order. */
  graphql: GraphQLBody[];
  close: () => Promise<void>;
}

export interface GraphQLBody {
  operationName?: string;
  query?: string;
  extensions?: { persistedQuery?: { version?: number; sha256Hash?: string } };
}

export const TABLET_LANDSCAPE = { width: 1024, height: 768 };
export const TABLET_PORTRAIT = { width: 768, height: 1024 };

/** A fresh browser context (its own sessionStorage), tablet-sized, collecting what goes wrong. */
export async function openTab(app: BackOffice, viewport = TABLET_LANDSCAPE): Promise<Tab> {
  const context = await app.browser.newContext({
    viewport,
    locale: 'en-CA',
    timezoneId: 'America/Toronto',
    acceptDownloads: true,
  });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  const graphql: GraphQLBody[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url() === app.stack.routerUrl) graphql.push(r.postDataJSON() as GraphQLBody);
  });
  return { context, page, problems, graphql, close: () => context.close() };
}

/** Signs in by keyboard only: the email field has the focus after a Tab past nothing else, Enter submits. */
export async function signIn(app: BackOffice, tab: Tab, email: string, password = 'staff-password'): Promise<void> {
  const { page } = tab;
  await page.goto(`${app.origin}/`);
  await page.getByLabel('Email').focus();
  await page.keyboard.type(email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * What a screen must satisfy wherever it is shown: a screenshot kept for people, no critical axe-core
 * violation, nothing wider than the window (a tablet scrolls down, never sideways).
 */
export async function screen(
  page: Page,
  name: string,
): Promise<{ critical: string[]; serious: string[]; overflow: number }> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  // evaluate is not subject to the page's Content-Security-Policy, which allows no inline script.
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<{ violations: unknown[] }> } }
    ).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations;
  });
  const describe = (v: AxeViolation) => `${v.id} (${v.help}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`;
  const list = violations as AxeViolation[];
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  return {
    critical: list.filter((v) => v.impact === 'critical').map(describe),
    serious: list.filter((v) => v.impact === 'serious').map(describe),
    overflow,
  };
}

/** The text of a dashboard or report figure, found by its label as a person reads it. */
export async function figure(page: Page, label: string): Promise<string> {
  return (await page.getByRole('region', { name: label, exact: true }).locator('.figure-value').innerText()).trim();
}

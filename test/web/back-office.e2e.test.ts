/**
 * The back-office web app in a real browser (issue 15): Debian's Chromium, headless, driven by
 * playwright-core, against the app built and served as `npm start` serves it, calling a router in
 * front of the five subgraphs with the demo data (a week of till history). What a person sees is
 * held against what the API answers for the same question:
 *
 *  - a manager signs in (by keyboard), the dashboard's figures equal the API's for today;
 *  - the sales report's daily revenue chart has one point per day of the period, its totals are the
 *    API's, the CSV holds what is shown, a saved snapshot becomes Ready;
 *  - a clerk opens a register (a refused float shows next to its field), sells on the till with a
 *    double click that sells once, and the store's stock shown drops by the quantity sold; a return
 *    from the receipt puts a unit back; closing shows the register's figures and its sessions;
 *  - head office approves (less than asked) a request the manager made from the suggestions, and the
 *    store's stock shown rises by what was approved;
 *  - a clerk of another store asking for this store's report sees the FORBIDDEN message; a network
 *    failure shows its own message;
 *  - no console error or uncaught exception on any page, no critical axe-core violation and nothing
 *    wider than a tablet on each screen (screenshots in test/web/.screenshots).
 *
 * Without Chromium the file is skipped with a message naming the Debian package; in CI it fails.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { Redis } from 'ioredis';
import {
  BackOfficeDashboardDocument,
  BackOfficeSalesReportDocument,
  BackOfficeStoreStockDocument,
  CurrentEmployeeDocument,
  OpenRegisterDocument,
  RecordSaleDocument,
  StaffLoginDocument,
  StoreSalesDocument,
} from '../../schema/operations/generated';
import { eventsSettled } from '../helpers/events';
import { waitFor } from '../helpers/toolkit';
import {
  CHROMIUM_HINT,
  chromiumPath,
  figure,
  IN_CI,
  openTab,
  screen,
  signIn,
  startBackOffice,
  TABLET_PORTRAIT,
  type BackOffice,
  type Tab,
} from './browser';

jest.setTimeout(180_000);

const CHROMIUM = chromiumPath();
const MANIFEST = path.join(__dirname, '..', '..', 'schema', 'operations', 'persisted-query-manifest.json');
const HISTORY_DAYS = 7;

const money = (m: { amount: string; currency: string }) =>
  new Intl.NumberFormat('en-CA', { style: 'currency', currency: m.currency }).format(Number(m.amount));
const count = (n: number) => new Intl.NumberFormat('en-CA').format(n);

/** Today and the day `days` before it, in the chain's time zone. */
function chainDay(daysBefore = 0): string {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Toronto' }).format(new Date());
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - daysBefore);
  return d.toISOString().slice(0, 10);
}

if (!CHROMIUM && !IN_CI) {
  describe('back-office web app in Chromium', () => {
    it.skip(`${CHROMIUM_HINT}: browser tests not run`, () => undefined);
  });
} else {
  describe('back-office web app in Chromium', () => {
    let app: BackOffice;
    let redis: Redis;
    const tabs: Tab[] = [];

    const token = async (email: string): Promise<string> => {
      const res = await app.stack.gql(StaffLoginDocument, { input: { email, password: 'staff-password' } });
      const t = res.body.data?.staffLogin.token;
      if (!t) throw new Error(`staffLogin ${email}: ${JSON.stringify(res.body)}`);
      return t;
    };
    /** A typed operation's data as `tok` sees it; any GraphQL error fails the test with the answer. */
    const data = async <T, V>(doc: TypedDocumentNode<T, V>, vars: V, tok: string): Promise<T> => {
      const res = await app.stack.gql(doc, vars, { token: tok });
      if (res.body.errors?.length || !res.body.data) throw new Error(JSON.stringify(res.body));
      return res.body.data;
    };
    const settled = () =>
      eventsSettled(
        ['ecommerce', 'retail', 'inventory'].map((n) => app.stack.databases[n as 'retail']!.url),
        redis,
        process.env.REDIS_PREFIX!,
      );
    const tab = async (viewport?: { width: number; height: number }) => {
      const t = await openTab(app, viewport);
      tabs.push(t);
      return t;
    };
    /** The screen's checks; `allowed` are console lines a test provokes on purpose. */
    const check = async (t: Tab, name: string) => {
      const found = await screen(t.page, name);
      expect({ name, critical: found.critical, overflow: Math.max(0, found.overflow) }).toEqual({
        name,
        critical: [],
        overflow: 0,
      });
    };

    beforeAll(async () => {
      if (!CHROMIUM) throw new Error(`${CHROMIUM_HINT} (CI must run the browser tests)`);
      app = await startBackOffice({
        RETAIL_SEED_HISTORY_DAYS: String(HISTORY_DAYS),
        REPORTS_BLOCK_MS: '100',
        OUTBOX_POLL_MS: '50',
        REPORTS_JOB_INTERVAL_MS: '500',
      });
      redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
      await settled();
    }, 300_000);

    afterEach(async () => {
      // Every page of the test, whatever it did: no console error, no uncaught exception.
      const problems = tabs.flatMap((t) => t.problems.map((p) => `${p}`));
      for (const t of tabs.splice(0)) await t.close();
      expect(problems).toEqual([]);
    });

    afterAll(async () => {
      const keys = await redis?.keys(`${process.env.REDIS_PREFIX}*`);
      if (keys?.length) await redis.del(...keys);
      await redis?.quit();
      await app?.stop();
    });

    it('a manager signs in by keyboard and the dashboard shows the API figures of today, in dollars', async () => {
      // Something sold today at the manager's store, through the API (register 2; the till test uses 1).
      const clerk = await token('clerk1b@staff.example.com');
      await data(OpenRegisterDocument, { input: { registerId: 'reg-store-1-2', openingFloat: '100.00' } }, clerk);
      const sale = await data(
        RecordSaleDocument,
        {
          input: {
            storeId: 'store-1',
            registerId: 'reg-store-1-2',
            paymentMethod: 'CASH',
            idempotencyKey: 'web-dashboard-sale',
            lines: [{ productId: 'prod-0003', quantity: 2 }],
          },
        },
        clerk,
      );
      expect(sale.recordSale.errors).toEqual([]);
      await settled();

      const t = await tab();
      await signIn(app, t, 'manager1@staff.example.com');
      await t.page.getByRole('heading', { name: 'Dashboard' }).waitFor();
      await expect(t.page.locator('.who').innerText()).resolves.toMatch(/Mathieu Bouchard\s+Store manager · Montréal/);
      // The token is kept for the tab only.
      const storage = await t.page.evaluate(() => ({
        session: Object.keys(sessionStorage),
        local: Object.keys(localStorage),
        cookie: document.cookie,
      }));
      expect(storage).toEqual({ session: ['backoffice.session'], local: [], cookie: '' });

      const api = (
        await data(BackOfficeDashboardDocument, { storeId: null }, await token('manager1@staff.example.com'))
      ).dashboard;
      expect(api.salesToday).toBe(1);
      const expected = {
        'Revenue today': money(api.revenueToday),
        'Online orders today': count(api.ordersToday),
        'Till sales today': count(api.salesToday),
        'Low-stock levels': count(api.lowStockCount),
        'Pending replenishments': count(api.pendingReplenishments),
      };
      expect(expected['Revenue today']).toMatch(/^\$\d/);
      // The dashboard refreshes itself (every 2 s here): it shows the API's figures once it has read them.
      await waitFor(
        'the dashboard to show the API figures',
        async () => {
          const shown: Record<string, string> = {};
          for (const label of Object.keys(expected)) shown[label] = await figure(t.page, label);
          return JSON.stringify(shown) === JSON.stringify(expected) ? shown : null;
        },
        20_000,
        250,
      );
      await check(t, 'dashboard');

      // Persisted operations, as the first-party consumers send them: the manifest's id of each
      // operation, never its text (the router knows every id, so it never asks for the document).
      const manifest = JSON.parse(fs.readFileSync(MANIFEST, 'utf8')) as { operations: { id: string; name: string }[] };
      const ids = new Map(manifest.operations.map((o) => [o.name, o.id]));
      const sent = t.graphql.map((b) => ({
        operation: b.operationName,
        id: b.extensions?.persistedQuery?.sha256Hash,
        document: b.query !== undefined,
      }));
      expect(sent.map((s) => s.operation)).toEqual(
        expect.arrayContaining(['StaffLogin', 'BackOfficeDashboard', 'Stores']),
      );
      for (const s of sent) {
        expect(s).toEqual({ operation: s.operation, id: ids.get(s.operation ?? ''), document: false });
      }

      await t.page.getByRole('button', { name: 'Sign out' }).click();
      await t.page.getByRole('button', { name: 'Sign in' }).waitFor();
      await expect(t.page.evaluate(() => Object.keys(sessionStorage))).resolves.toEqual([]);

      // A wrong password: the typed code in words, on the form.
      await t.page.getByLabel('Email').fill('manager1@staff.example.com');
      await t.page.getByLabel('Password').fill('not-the-password');
      await t.page.getByRole('button', { name: 'Sign in' }).click();
      await t.page.getByText('This email and password do not match an active staff account.').waitFor();
      await check(t, 'sign-in-refused');
    });

    it('the sales report: one point per day in the daily revenue chart, the API totals, a CSV of it, a saved snapshot', async () => {
      const t = await tab();
      await signIn(app, t, 'manager1@staff.example.com');
      await t.page.getByRole('link', { name: 'Sales report' }).focus();
      await t.page.keyboard.press('Enter');
      await t.page.getByRole('heading', { name: 'Sales report' }).waitFor();

      const from = chainDay(6);
      const to = chainDay(0);
      const chartDays = async () => {
        const chart = t.page.getByRole('figure', { name: 'Daily revenue' }).locator('[role=img][aria-label]');
        await chart.waitFor();
        return (await chart.getAttribute('aria-label'))?.match(/\d{4}-\d{2}-\d{2}(?=:)/g) ?? [];
      };
      const days = (n: number) => Array.from({ length: n }, (_v, i) => chainDay(n - 1 - i));
      // A manager's report is their store's: the store picker shows it and cannot change.
      await expect(t.page.getByLabel('Store', { exact: true }).inputValue()).resolves.toBe('store-1');
      await expect(t.page.getByLabel('Store', { exact: true }).isDisabled()).resolves.toBe(true);
      await expect(chartDays()).resolves.toEqual(days(7));

      const api = (
        await data(
          BackOfficeSalesReportDocument,
          { period: { from, to }, storeId: 'store-1', top: 50 },
          await token('manager1@staff.example.com'),
        )
      ).salesReport;
      expect(Number(api.revenue.amount)).toBeGreaterThan(0);
      expect(await figure(t.page, 'Revenue')).toBe(money(api.revenue));
      expect(await figure(t.page, 'Transactions')).toBe(count(api.transactions));
      expect(await figure(t.page, 'Units sold')).toBe(count(api.unitsSold));
      const top = t.page.getByRole('table', { name: 'Top products' });
      await expect(top.locator('tbody tr').first().locator('th').innerText()).resolves.toContain(
        api.topProducts[0]!.product.name,
      );
      // The first page of the table in the screenshot (docs/ shows it).
      await check(t, 'sales-report');
      if (api.topProducts.length > 10) {
        await t.page
          .getByRole('navigation', { name: 'Top products pages' })
          .getByRole('button', { name: 'Next →' })
          .click();
        await t.page
          .getByText(/Page 2 of \d+ · \d+ items/)
          .first()
          .waitFor();
      }

      const [download] = await Promise.all([
        t.page.waitForEvent('download'),
        t.page.getByRole('button', { name: 'Download CSV' }).click(),
      ]);
      expect(download.suggestedFilename()).toBe(`sales-report_${from}_${to}_store-1.csv`);
      const csv = fs.readFileSync((await download.path())!, 'utf8');
      expect(csv).toContain(`Sales report,Montréal Centre-Ville,${from},${to}`);
      for (const d of api.daily) expect(csv).toContain(`\r\n${d.date},${d.revenue.amount},CAD,`);
      expect(csv).toContain(`${api.revenue.amount},CAD,${api.transactions},${api.unitsSold},`);

      // Another period: one point per day again.
      await t.page.getByRole('button', { name: 'Last 30 days' }).click();
      await waitFor('30 days in the chart', async () => (await chartDays()).length === 30, 15_000, 200);
      await expect(chartDays()).resolves.toEqual(days(30));

      await t.page.getByRole('button', { name: 'Save a snapshot of this report' }).click();
      const saved = t.page.getByRole('table', { name: 'Saved reports' }).locator('tbody tr').first();
      await saved.getByText('Ready').waitFor({ timeout: 30_000 });
      await expect(saved.innerText()).resolves.toContain('Montréal Centre-Ville');
    });

    it('a clerk opens the till, sells with a double click that sells once, the stock shown drops by the quantity; a return; closing', async () => {
      const clerk = await token('clerk1a@staff.example.com');
      // An active product with stock to sell at the store.
      const levels = (
        await data(BackOfficeStoreStockDocument, { storeId: 'store-1', first: 40, lowOnly: false }, clerk)
      ).store!.stock.edges.map((e) => e.node);
      const pick = levels.find(
        (l) => l.available >= 10 && Number(l.product.id.slice(5)) % 47 !== 0 && l.product.id !== 'prod-0003',
      )!;
      const sku = pick.product.sku;

      const t = await tab(TABLET_PORTRAIT);
      await signIn(app, t, 'clerk1a@staff.example.com');
      // A clerk starts on the till.
      await t.page.getByRole('heading', { name: /^Till · Montréal Centre-Ville/ }).waitFor();

      const shownAvailable = async () => {
        await t.page.goto(`${app.origin}/stock?q=${encodeURIComponent(sku)}`);
        const cell = t.page.locator(`tr[data-sku="${sku}"] [data-column=available]`);
        await cell.waitFor();
        return Number((await cell.innerText()).replace(/\D/g, ''));
      };
      const before = await shownAvailable();
      expect(before).toBe(pick.available);
      await check(t, 'stock');

      await t.page.getByRole('link', { name: 'Till' }).click();
      await t.page.getByLabel('Register', { exact: true }).selectOption('reg-store-1-1');
      // A float the API refuses: its words next to the field, nothing opened.
      await t.page.getByLabel('Cash in the drawer (opening float)').fill('-5.00');
      await t.page.getByRole('button', { name: 'Open register' }).click();
      const floatError = t.page.locator('#opening-float-error');
      await floatError.waitFor();
      await expect(floatError.getAttribute('data-code')).resolves.toBeNull();
      await expect(floatError.locator('[data-code]').getAttribute('data-code')).resolves.toBe('INVALID_AMOUNT');
      await expect(floatError.innerText()).resolves.toBe('Enter an amount of zero or more, with at most two decimals.');
      await check(t, 'till-open-refused');
      await t.page.getByLabel('Cash in the drawer (opening float)').fill('200.00');
      await t.page.getByRole('button', { name: 'Open register' }).click();
      await t.page.getByText(/Register 1 open since/).waitFor();

      // A scanned SKU goes straight into the basket.
      await t.page.getByLabel('SKU or name').fill(sku.toLowerCase());
      await t.page.getByLabel('SKU or name').press('Enter');
      const quantity = t.page.getByRole('spinbutton', { name: /^Quantity of / });
      await quantity.waitFor();
      await quantity.fill('2');
      await t.page.getByRole('button', { name: 'Card payment' }).dblclick();
      const receipt = t.page.locator('[data-receipt]');
      await receipt.waitFor();
      const number = (await receipt.getAttribute('data-receipt'))!;
      expect(number).toMatch(/^S1-\d+$/);
      await check(t, 'till-sale');

      // Sold once: one sale on register 1 today, and the stock shown is 2 lower.
      const today = chainDay(0);
      const sales = (
        await data(StoreSalesDocument, { storeId: 'store-1', first: 50, period: { from: today, to: today } }, clerk)
      ).sales.edges.filter((e) => e.node.register.number === 1);
      expect(sales.map((e) => e.node.number)).toEqual([number]);
      expect(await shownAvailable()).toBe(before - 2);

      // A return from the receipt number: one unit back on the shelf.
      await t.page.goto(`${app.origin}/till?tab=return`);
      await t.page.getByLabel('Receipt number').fill(number);
      await t.page.getByRole('button', { name: 'Find the sale' }).click();
      await t.page.getByRole('spinbutton', { name: /^Units of .* to return$/ }).fill('1');
      await t.page.getByRole('button', { name: 'Take the return' }).click();
      await t.page.getByText(/^Return completed: refund \$[\d.,]+ by card\.$/).waitFor();
      await check(t, 'till-return');
      expect(await shownAvailable()).toBe(before - 1);

      // Closing: card sale and card refund, so the drawer holds the float.
      await t.page.goto(`${app.origin}/till?tab=close`);
      await t.page.getByLabel('Cash counted in the drawer').fill('200.00');
      await t.page
        .getByRole('form', { name: 'Close the register' })
        .getByRole('button', { name: 'Close register' })
        .click();
      const figures = t.page.locator('.closed-figures');
      await figures.waitFor();
      await expect(figures.innerText()).resolves.toMatch(
        /Sales\s+1\s+Opening float\s+\$200\.00\s+Cash sales\s+\$0\.00\s+Cash refunds\s+\$0\.00\s+Expected in the drawer\s+\$200\.00\s+Counted\s+\$200\.00\s+Difference\s+\$0\.00/,
      );
      await check(t, 'till-closed');
      await t.page.getByRole('button', { name: 'Done' }).click();
      await t.page.getByRole('button', { name: 'Open register' }).waitFor();
      const last = t.page.getByRole('table', { name: 'Sessions of this register' }).locator('tbody tr').first();
      await expect(last.innerText()).resolves.toMatch(/Julie Lavoie[\s\S]*\$200\.00[\s\S]*\$0\.00\s*$/);
      const employee = await data(CurrentEmployeeDocument, {}, clerk);
      expect(
        employee.currentEmployee?.store?.registers.find((r) => r.id === 'reg-store-1-1')?.currentSession,
      ).toBeNull();
    });

    it('head office approves less than the manager asked, and the store stock shown rises by what was approved', async () => {
      const manager = await tab();
      await signIn(app, manager, 'manager1@staff.example.com');
      await manager.page.goto(`${app.origin}/replenishment`);
      const first = manager.page.getByRole('table').first().locator('tbody tr').first();
      const product = (await first.locator('th').innerText()).replace(/\s+SKU-\d+$/, '').trim();
      const sku = (await first.locator('.sku').innerText()).trim();
      const asked = Number(await first.getByRole('spinbutton').inputValue());
      expect(asked).toBeGreaterThan(1);
      await first.getByRole('checkbox').check();
      await manager.page.getByRole('button', { name: 'Request replenishment' }).click();
      await manager.page.getByText('Request sent: 1 product.').waitFor();
      await check(manager, 'replenishment-request');

      const admin = await tab();
      await signIn(app, admin, 'admin@staff.example.com');
      await expect(admin.page.locator('.who').innerText()).resolves.toContain('Head office');
      const stockShown = async () => {
        await admin.page.goto(`${app.origin}/stock?store=store-1&q=${encodeURIComponent(sku)}`);
        const cell = admin.page.locator(`tr[data-sku="${sku}"] [data-column=available]`);
        await cell.waitFor();
        return Number((await cell.innerText()).replace(/\D/g, ''));
      };
      const before = await stockShown();

      await admin.page.getByRole('link', { name: 'Replenishment' }).click();
      await admin.page.getByLabel('Status').selectOption('PENDING');
      const request = admin.page.getByRole('listitem').filter({ hasText: sku });
      const approve = request.getByRole('spinbutton', { name: `Approve how many of ${product} (asked ${asked})` });
      await approve.fill(String(asked - 1));
      await check(admin, 'replenishment-decide');
      await request.getByRole('button', { name: 'Approve' }).click();
      // Approved, it leaves the pending list; all of them show it with what was approved.
      await request.waitFor({ state: 'detached' });
      await admin.page.getByLabel('Status').selectOption('APPROVED');
      const approved = admin.page.getByRole('listitem').filter({ hasText: sku });
      // The request's status, in its heading.
      await approved.getByRole('heading').getByText('Approved', { exact: true }).waitFor();
      await expect(approved.locator('tbody tr').innerText()).resolves.toMatch(new RegExp(`${asked}\\s+${asked - 1}$`));

      expect(await stockShown()).toBe(before + asked - 1);
      await check(admin, 'stock-admin');
    });

    it("a clerk of another store asking for this store's report sees the FORBIDDEN message; a network failure its own", async () => {
      const t = await tab();
      await signIn(app, t, 'clerk2a@staff.example.com');
      await t.page.goto(`${app.origin}/reports?store=store-1`);
      const alert = t.page
        .getByRole('alert')
        .filter({ hasText: 'You are not allowed to see or do this with your account.' });
      await alert.waitFor();
      await expect(alert.getAttribute('data-problem')).resolves.toBe('forbidden');
      await expect(t.page.getByRole('figure', { name: 'Daily revenue' }).count()).resolves.toBe(0);
      await check(t, 'report-forbidden');

      // The router unreachable: the screen says so instead of breaking.
      await t.page.route(app.stack.routerUrl, (route) => route.abort('connectionrefused'));
      await t.page.goto(`${app.origin}/stock`);
      await t.page.getByRole('alert').filter({ hasText: 'Cannot reach the server.' }).first().waitFor();
      await check(t, 'network-error');
      // The refused connections are logged by the browser: the only console errors this page may have.
      t.problems.splice(
        0,
        t.problems.length,
        ...t.problems.filter((p) => !/Failed to load resource: net::ERR_CONNECTION_REFUSED/.test(p)),
      );
    });
  });
}

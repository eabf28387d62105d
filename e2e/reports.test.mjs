// Browser test of Rapporti: at desktop width (1,440 px) and on a phone
// (390×844) every chart has its words (role="img" named by its title and
// summary) and its data table; the tables are never clipped at desktop
// width and scroll inside their own focusable region on the phone; the
// page itself never scrolls sideways; the presets and each chart's CSV
// work. axe-core checks each state.
//
// Run with `node --test e2e/reports.test.mjs`.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, login, shot, assertAccessible, TIMEOUT } from './harness.mjs';

const ADMIN_EMAIL = 'admin@example.it';
const ADMIN_PASSWORD = 'e2e-Password-per-i-test-2024';
const CHARTS = ['volumi', 'prima-risposta', 'risoluzione', 'tempi-rispettati', 'soddisfazione', 'desk', 'canali'];

let srv, browser;

// overflow is how far the page reaches past the window's width, with the
// first elements that stick out.
async function overflow(page) {
  return page.evaluate(() => {
    const w = document.documentElement.clientWidth;
    return {
      by: document.documentElement.scrollWidth - w,
      wide: [...document.querySelectorAll('body *')].filter((el) => {
        if (el.closest('.table-scroll')) return false; // scrolls inside its region
        return el.getBoundingClientRect().right > w + 1;
      }).slice(0, 5).map((el) => el.outerHTML.slice(0, 120)),
    };
  });
}

// accessibleName is the text an element's aria-labelledby points at.
const accessibleName = (page, selector) => page.locator(selector).evaluate((el) =>
  el.getAttribute('aria-labelledby').split(' ').map((id) => document.getElementById(id)?.textContent.trim() ?? '').join(' '));

async function checkCharts(page, label) {
  for (const id of CHARTS) {
    const svg = `#grafico-${id} svg[role="img"]`;
    assert.equal(await page.locator(svg).count(), 1, `${label}: chart ${id} is drawn`);
    const name = await accessibleName(page, svg);
    assert.ok(name.length > 40, `${label}: chart ${id} says in words what it shows (${name})`);
    assert.equal(await page.locator(`#grafico-${id} table caption`).count(), 1, `${label}: chart ${id} has its data table`);
    assert.equal(await page.locator(`#grafico-${id} .table-scroll[tabindex="0"][role="region"]`).count(), 1, `${label}: chart ${id}'s table is a focusable region`);
    assert.match(await page.locator(`#grafico-${id} a[download]`).getAttribute('href'), new RegExp(`chart=${id}&format=csv`));
  }
}

describe('Redazione: reports worth opening', { timeout: 240_000 }, () => {
  before(async () => {
    srv = await startServer({ adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await srv?.stop();
  });

  it('at 1,440 px: charts with words and tables, nothing clipped', async () => {
    const page = await (await browser.newContext({ locale: 'it-IT', bypassCSP: true, viewport: { width: 1440, height: 900 } })).newPage();
    try {
      await login(page, srv.base, ADMIN_EMAIL, ADMIN_PASSWORD);
      await page.getByRole('link', { name: 'Rapporti' }).click();
      await page.waitForURL((u) => u.pathname === '/reports', { timeout: TIMEOUT });
      assert.match(await page.locator('#report-period').textContent(), /\(30 giorni\)/);
      assert.equal(await page.locator('a[aria-current="true"]').textContent(), 'Ultimi 30 giorni');
      await checkCharts(page, 'desktop');
      await assertAccessible(page, 'reports at 1440 px');

      // The folded tables open; every table fits its column: none is clipped.
      for (const s of await page.locator('details.report-data > summary').all()) await s.click();
      await page.locator('#grafico-volumi table').waitFor({ state: 'visible', timeout: TIMEOUT });
      const clipped = await page.locator('.table-scroll').evaluateAll((els) => els
        .filter((el) => el.scrollWidth > el.clientWidth + 1).map((el) => el.querySelector('caption').textContent));
      assert.deepEqual(clipped, [], 'no table needs scrolling at 1,440 px');
      const o = await overflow(page);
      assert.ok(o.by <= 0, `the page scrolls sideways by ${o.by}px: ${o.wide.join('\n')}`);
      await assertAccessible(page, 'reports at 1440 px with the data tables open');

      // A preset moves the period; the CSV is the chart's data.
      await page.getByRole('link', { name: 'Ultimi 7 giorni' }).click();
      await page.locator('#report-period', { hasText: '(7 giorni)' }).waitFor({ timeout: TIMEOUT });
      assert.equal(await page.locator('a[aria-current="true"]').textContent(), 'Ultimi 7 giorni');
      const href = await page.locator('#grafico-volumi a[download]').getAttribute('href');
      const r = await page.request.get(srv.base + href);
      assert.equal(r.status(), 200);
      assert.equal(r.headers()['content-type'], 'text/csv; charset=utf-8');
      assert.match(r.headers()['content-disposition'], /^attachment; filename="rapporto-volumi-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv"$/);
      const lines = (await r.text()).trim().split('\n');
      assert.equal(lines[0], 'Giorno;Messaggi ricevuti;Conversazioni aperte');
      assert.equal(lines.length, 8, 'a header and the seven days');
    } catch (err) {
      await shot(page, 'reports-desktop');
      throw err;
    }
  });

  it('at 390×844: charts scale, tables scroll in their own region, the page does not', async () => {
    const page = await (await browser.newContext({ locale: 'it-IT', bypassCSP: true, viewport: { width: 390, height: 844 } })).newPage();
    try {
      await login(page, srv.base, ADMIN_EMAIL, ADMIN_PASSWORD);
      await page.goto(srv.base + '/reports?days=90');
      assert.match(await page.locator('#report-period').textContent(), /\(90 giorni\)/);
      assert.match(await page.locator('#over-time-title + p').textContent(), /per settimana/);
      await checkCharts(page, 'phone');
      const widths = await page.locator('svg.report-chart').evaluateAll((els) => els.map((el) => el.getBoundingClientRect().right));
      assert.ok(widths.every((r) => r <= 390), `every chart fits the width: ${widths}`);
      for (const s of await page.locator('details.report-data > summary').all()) await s.click();
      const o = await overflow(page);
      assert.ok(o.by <= 0, `the page scrolls sideways by ${o.by}px: ${o.wide.join('\n')}`);
      // The widest table (per desk) scrolls inside its region, reached by keyboard.
      const region = page.locator('#grafico-desk .table-scroll');
      assert.ok(await region.evaluate((el) => el.scrollWidth > el.clientWidth), 'the desk table is wider than the phone and scrolls');
      await region.focus();
      await page.keyboard.press('ArrowRight');
      await page.waitForFunction(() => document.querySelector('#grafico-desk .table-scroll').scrollLeft > 0, null, { timeout: TIMEOUT });
      await assertAccessible(page, 'reports at 390 px with the data tables open');
    } catch (err) {
      await shot(page, 'reports-phone');
      throw err;
    }
  });
});

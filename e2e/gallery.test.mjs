// Posts with several images in the browser (docs/GALLERY.md): the author
// picks the Mastodon account (the hint says it takes four), adds three
// images, each with its own alternative text, one of them from the rows
// behind "Aggiungi altre immagini", and sends the post; the page then
// shows the three, in order, with their texts, and the edit rows (position,
// take out). axe-core checks the empty form, the form with three images
// and the review; all at phone width. The composer counts the text as
// Mastodon does, to the account's limit.
//
// Run with `node --test e2e/gallery.test.mjs`.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, login, shot, assertAccessible, TIMEOUT } from './harness.mjs';

const ADMIN_EMAIL = 'admin@example.it';
const ADMIN_PASSWORD = 'e2e-Password-per-i-test-2024';
const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const run = Date.now().toString(36);
const ACCOUNT = `@comune${run}@social.example`;
const PAGE = `Pagina del Comune ${run}`;
const TELEGRAM = 'Canale Telegram del Comune (demo)'; // the demo's
const ALTS = [
  'La piazza del Municipio vista dalla torre civica',
  'Le nuove panchine in legno sotto i tigli',
  'La fontana restaurata con i bambini che giocano',
];

let srv, browser, page;

const png = (i) => ({ name: `foto${i}.png`, mimeType: 'image/png', buffer: Buffer.concat([Buffer.from(PNG_1PX, 'base64'), Buffer.from([i])]) });
const noSideways = async (label) => assert.equal(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth), false, `${label} scrolls sideways at 390 px`);

describe('Posts with several images', { timeout: 180_000 }, () => {
  before(async () => {
    srv = await startServer({ adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD });
    await srv.cli(['channel', 'add', 'mastodon', '--name', ACCOUNT, '--set', 'token=e2e-token', '--set', 'api_base_url=http://127.0.0.1:9',
      '--set', 'publish_approval=on']);
    await srv.cli(['channel', 'add', 'messenger', '--name', PAGE, '--set', 'token=e2e-page-token', '--set', 'app_secret=e2e-secret',
      '--set', 'verify_token=e2e-verify', '--set', 'page_id=112233445566778', '--set', 'api_base_url=http://127.0.0.1:9']);
    browser = await launchBrowser();
    const ctx = await browser.newContext({ locale: 'it-IT', bypassCSP: true, viewport: { width: 390, height: 844 } });
    page = await ctx.newPage();
    await login(page, srv.base, ADMIN_EMAIL, ADMIN_PASSWORD);
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await srv?.stop();
  });

  it('three images, each with its alternative text, shown in order for review', async (t) => {
    try {
      await page.goto(`${srv.base}/pubblicazioni/nuova`);
      await page.getByLabel(ACCOUNT).check();
      await page.waitForFunction(() => document.getElementById('images-hint-chosen').textContent === 'Fino a 4 immagini su Mastodon.', null, { timeout: TIMEOUT });
      await assertAccessible(page, 'post form with image rows');
      await noSideways('the post form');

      await page.getByLabel('Testo', { exact: true }).fill(`Inaugurata la nuova piazza del Municipio (${run})`);
      await page.getByLabel('File della nuova immagine 1', { exact: true }).setInputFiles(png(1));
      await page.getByLabel(/^Testo alternativo della nuova immagine 1 /).fill(ALTS[0]);
      await page.getByText('Aggiungi altre immagini').click();
      for (const i of [2, 3]) {
        await page.getByLabel(`File della nuova immagine ${i}`, { exact: true }).setInputFiles(png(i));
        await page.getByLabel(new RegExp(`^Testo alternativo della nuova immagine ${i} `)).fill(ALTS[i - 1]);
      }
      // Mastodon takes four: the rows past the fourth are not offered.
      assert.equal(await page.getByLabel('File della nuova immagine 5').isVisible(), false, 'a fifth row for Mastodon');
      await page.getByRole('button', { name: 'Verifica e invia' }).click();
      await page.waitForURL((u) => /^\/pubblicazioni\/\d+$/.test(u.pathname), { timeout: TIMEOUT });
      await page.locator('#post-status', { hasText: 'in attesa di approvazione' }).waitFor({ timeout: TIMEOUT });

      // The review: three figures, in order, each with its text.
      const captions = await page.locator('.post-gallery figcaption').allTextContents();
      assert.equal(captions.length, 3);
      captions.forEach((c, i) => assert.match(c, new RegExp(ALTS[i])));
      const loaded = await page.locator('.post-gallery img').evaluateAll((imgs) => imgs.map((im) => im.complete && im.naturalWidth > 0));
      assert.deepEqual(loaded, [true, true, true], 'every image is served');
      await assertAccessible(page, 'post with three images, pending');
      await noSideways('the review');

      // The edit rows: each image with its text, its position and a box to take it out.
      await page.getByText('Modifica la pubblicazione').click();
      assert.equal(await page.getByLabel("Testo alternativo dell'immagine 2").inputValue(), ALTS[1]);
      await page.getByLabel("Posizione dell'immagine 3").fill('1');
      // Bootstrap Italia draws the box on the label: the label is what is clicked.
      await page.getByText("Togli l'immagine 2", { exact: true }).click();
      assert.equal(await page.getByLabel("Togli l'immagine 2").isChecked(), true);
      await assertAccessible(page, 'post edit form with three images');
      await page.getByRole('button', { name: 'Salva la bozza' }).click();
      await page.getByText('Bozza salvata.').waitFor({ timeout: TIMEOUT });
      const after = await page.locator('.post-image-row textarea').evaluateAll((ts) => ts.map((x) => x.value));
      assert.deepEqual(after, [ALTS[2], ALTS[0]], 'the third first, the second taken out');
      await assertAccessible(page, 'post draft with two images');
    } catch (err) {
      await shot(page, t.name);
      throw err;
    }
  });

  // The composer counts to the chosen account's limit as its platform
  // counts: Facebook's 63,206 characters, Mastodon's 500 (an instance that
  // has not said its own), where a link is 23 whatever its length,
  // Telegram's 4,096, and 1,024 once the post has a photo.
  it('counts the text as Mastodon does, to the account\'s limit', async (t) => {
    try {
      await page.goto(`${srv.base}/pubblicazioni/nuova`);
      const link = ' https://www.comune.example.it/albo-pretorio/' + 'atto-'.repeat(20);
      const text = page.getByLabel('Testo', { exact: true });
      const count = page.locator('#post-text-count');
      // Facebook's limit is far: nothing to say yet.
      await page.getByLabel(PAGE).check();
      assert.equal(await page.locator('#post-max').textContent(), '63206');
      await text.fill('a'.repeat(480) + link); // 504 as Mastodon counts, 625 characters
      assert.equal(await count.isVisible(), false);
      // Mastodon's is near, and counted Mastodon's way.
      await page.getByLabel(ACCOUNT).check();
      assert.equal(await page.locator('#post-max').textContent(), '500');
      await count.getByText('4 caratteri oltre il limite di 500: accorcia il testo').waitFor({ timeout: TIMEOUT });
      assert.equal(await text.getAttribute('aria-invalid'), 'true');
      await assertAccessible(page, 'post text over the account\'s limit');
      await text.fill('a'.repeat(470) + link); // 494
      await count.getByText('6 caratteri rimasti su 500').waitFor({ timeout: TIMEOUT });
      assert.equal(await text.getAttribute('aria-invalid'), null);
      await noSideways('the post form with its count');
      // Telegram takes 4,096 characters, and 1,024 under a photo.
      await page.getByLabel(TELEGRAM).check();
      assert.equal(await page.locator('#post-max').textContent(), '4096');
      await text.fill('b'.repeat(1030));
      assert.equal(await count.isVisible(), false);
      await page.getByLabel('File della nuova immagine 1', { exact: true }).setInputFiles(png(9));
      assert.equal(await page.locator('#post-max').textContent(), '1024');
      await count.getByText('6 caratteri oltre il limite di 1024: accorcia il testo').waitFor({ timeout: TIMEOUT });
      await page.getByLabel('File della nuova immagine 1', { exact: true }).setInputFiles([]);
      assert.equal(await page.locator('#post-max').textContent(), '4096');
      assert.equal(await count.isVisible(), false);
    } catch (err) {
      await shot(page, t.name);
      throw err;
    }
  });
});

// Headless-browser test of the main pages, at phone and desk widths, in Debian's Chromium.
// Starts the real binary over a fresh SQLite file with the demo data.
//   HAZARDNET_BIN   the binary (default ../../target/debug/hazardnet)
//   CHROMIUM        the browser (default /usr/bin/chromium)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = process.env.HAZARDNET_BIN ?? path.join(here, '../../target/debug/hazardnet');
const shots = path.join(here, '../../target/screenshots');
mkdirSync(shots, { recursive: true });

let server;
let base;
let browser;

before(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hazardnet-browser-'));
  server = spawn(bin, ['--db', `sqlite://${dir}/browser.db`, '--data-dir', `${dir}/files`, 'serve', '--demo', '--listen', '127.0.0.1:0'], {
    env: { ...process.env, RUST_LOG: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  base = await new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${seen}`)), 60_000);
    server.stderr.on('data', (chunk) => {
      seen += chunk;
      const m = seen.match(/listening on (http:\/\/[\d.]+:\d+)\s/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    server.on('exit', (code) => reject(new Error(`server exited ${code}: ${seen}`)));
  });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  server?.kill();
});

// GB 32100-2015: the 18th character makes the weighted sum of all 18 a multiple of 31.
function withCheckChar(first17) {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  const sum = [...first17].reduce((acc, ch, i) => acc + alphabet.indexOf(ch) * weights[i], 0);
  return first17 + alphabet[(31 - (sum % 31)) % 31];
}

async function login(page, username) {
  await page.goto(`${base}/login`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', 'hazardnet-demo');
  await Promise.all([page.waitForURL(`${base}/`), page.click('button.primary')]);
}

async function noSidewaysScroll(page) {
  const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(scroll <= width + 1, `page scrolls sideways: ${scroll} > ${width}`);
}

test('a street clerk on a phone signs in, finds the enterprises and opens one', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN' });
  const page = await context.newPage();
  await login(page, 'street-office');
  assert.match(await page.textContent('h1'), /您好/);
  assert.equal((await page.textContent('.tile .figure')).trim(), '12');
  await noSidewaysScroll(page);
  await page.screenshot({ path: `${shots}/phone-home.png`, fullPage: true });

  await page.click('label.menu-button');
  await Promise.all([page.waitForURL(`${base}/enterprises`), page.click('nav a[href="/enterprises"]')]);
  assert.equal(await page.locator('table.list tbody tr').count(), 12);
  await noSidewaysScroll(page);
  await page.screenshot({ path: `${shots}/phone-enterprises.png`, fullPage: true });

  // On a phone the filters fold away behind a button.
  assert.equal(await page.isVisible('select[name=industry]'), false);
  await page.click('label.filters-button');
  await page.selectOption('select[name=industry]', '61');
  await Promise.all([page.waitForURL(/industry=61/), page.click('form.filters button.primary')]);
  assert.equal(await page.locator('table.list tbody tr').count(), 8);

  await Promise.all([page.waitForURL(/\/enterprises\/\d+$/), page.click('table.list tbody tr:first-child a')]);
  assert.match(await page.textContent('dl.facts'), /91450202MA5L/);
  await noSidewaysScroll(page);
  await page.screenshot({ path: `${shots}/phone-enterprise.png`, fullPage: true });
  await context.close();
});

test('a refused form keeps what was typed, and a corrected one saves', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  await login(page, 'street-office');
  await page.goto(`${base}/enterprises/new`);
  await page.fill('input[name=name]', '柳州市浏览器测试饭店');
  await page.fill('input[name=credit_code]', '91450202MA5L000102');
  await page.selectOption('select[name=jurisdiction_code]', '450202002000');
  await page.selectOption('select[name=industry_code]', '62');
  await page.check('input[name=crowded_place]');
  await page.click('form button.primary');
  assert.match(await page.textContent('.error'), /统一社会信用代码/);
  assert.equal(await page.inputValue('input[name=name]'), '柳州市浏览器测试饭店');
  assert.ok(await page.isChecked('input[name=crowded_place]'));
  await page.screenshot({ path: `${shots}/desk-form-refused.png`, fullPage: true });

  await page.fill('input[name=credit_code]', withCheckChar('91450202MA5L99990'));
  await Promise.all([page.waitForURL(/\/enterprises\/\d+$/), page.click('form button.primary')]);
  assert.match(await page.textContent('h1'), /浏览器测试饭店/);
  await context.close();
});

test('a safety manager records a hazard with a photo from a phone', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN' });
  const page = await context.newPage();
  await login(page, 'enterprise');
  const started = Date.now();
  await page.goto(`${base}/hazards/new`);
  await noSidewaysScroll(page);
  await page.fill('input[name=title]', '吧台插座面板破损');
  await page.setInputFiles('input[name=file]', {
    name: 'photo.png',
    mimeType: 'image/png',
    buffer: Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201e5279cba0000000049454e44ae426082', 'hex'),
  });
  await page.fill('input[name=place]', '一楼吧台');
  await Promise.all([page.waitForURL(/\/hazards\/\d+$/), page.click('form button.primary')]);
  assert.ok(Date.now() - started < 60_000);
  assert.match(await page.textContent('h1'), /吧台插座面板破损/);
  assert.equal(await page.locator('.gallery img').count(), 1);
  assert.match(await page.textContent('dl.facts'), /YH450202002-/);
  await noSidewaysScroll(page);
  await page.screenshot({ path: `${shots}/phone-hazard.png`, fullPage: true });
  await page.goto(`${base}/hazards`);
  await noSidewaysScroll(page);
  await page.screenshot({ path: `${shots}/phone-ledger.png`, fullPage: true });
  await context.close();
});

test('the dashboard shows the street office its figures', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  await login(page, 'street-office');
  await page.goto(`${base}/dashboard`);
  assert.match(await page.textContent('main'), /整改率/);
  await page.screenshot({ path: `${shots}/desk-dashboard.png`, fullPage: true });
  await Promise.all([page.waitForURL(/state=closed/), page.click('a.tile[href*="state=closed"]')]);
  assert.ok(await page.locator('table.list tbody tr').count() >= 1);
  await context.close();
});

test('the admin manages users and switches to English', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  await login(page, 'admin');
  await page.goto(`${base}/users`);
  assert.ok(await page.locator('td', { hasText: 'street-office' }).count() >= 1);
  await page.click('nav form[action="/lang"] button');
  await page.waitForLoadState();
  assert.equal((await page.textContent('h1')).trim(), 'Users');
  await page.screenshot({ path: `${shots}/desk-users-en.png`, fullPage: true });
  await context.close();
});

test('a street clerk files the monthly return from a phone; the district reads a notice into tasks', async () => {
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN' });
  const page = await phone.newPage();
  await login(page, 'street-office');
  await page.goto(`${base}/campaigns`);
  await noSidewaysScroll(page);
  await Promise.all([page.waitForURL(/\/campaigns\/\d+$/), page.click('table.list tbody tr:first-child a')]);
  assert.match(await page.textContent('ol.phases'), /精准配合执法/);
  await noSidewaysScroll(page);
  await page.screenshot({ path: `${shots}/phone-campaign.png`, fullPage: true });
  await Promise.all([page.waitForURL(/\/tasks\/\d+$/), page.click('a.button[href*="/tasks/"]')]);
  await page.fill('textarea[name=body]', '本月检查企业8家，发现隐患3处，均已建档跟踪。');
  await page.fill('input[name=enterprises_checked]', '8');
  await page.fill('input[name=drills]', '1');
  await Promise.all([page.waitForURL(/\/tasks\/\d+$/), page.click('form button.primary')]);
  assert.match(await page.textContent('section.card:has(table.grid)'), /按时/);
  assert.match(await page.textContent('main'), /本月检查企业8家/);
  await noSidewaysScroll(page);
  await page.screenshot({ path: `${shots}/phone-return.png`, fullPage: true });
  await phone.close();

  const desk = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const clerk = await desk.newPage();
  await login(clerk, 'district-office');
  await clerk.goto(`${base}/campaigns`);
  await Promise.all([clerk.waitForURL(/\/campaigns\/\d+$/), clerk.click('table.list tbody tr:first-child a')]);
  await Promise.all([clerk.waitForURL(/\/dispatch/), clerk.click('a.button[href$="/dispatch"]')]);
  assert.match(await clerk.textContent('table.dispatch'), /公园街道/);
  await clerk.screenshot({ path: `${shots}/desk-dispatch.png`, fullPage: true });
  await clerk.goBack();
  await Promise.all([clerk.waitForURL(/\/tasks\/import$/), clerk.click('a.button[href$="/tasks/import"]')]);
  const notice = readFileSync(path.join(here, '../../data/samples/zaozhuang-gaoxin-2021-9-task-assignment.txt'), 'utf8');
  await clerk.fill('textarea[name=text]', notice);
  await Promise.all([clerk.waitForURL(/\/tasks\/preview$/), clerk.click('form[action$="/tasks/preview"] button.primary')]);
  assert.equal(await clerk.locator('section.task-draft').count(), 25);
  // The notice's 2021 deadlines and its unknown units are flagged before anything is saved.
  assert.ok(await clerk.locator('section.task-draft.has-problem').count() > 0);
  await clerk.screenshot({ path: `${shots}/desk-task-preview.png` });
  await clerk.selectOption('label:has(select[name^="map."]):has-text("区安委会办公室") select', { label: '城中区安委办' });
  for (const box of await clerk.locator('input[type=checkbox][name^="confirm_dates."], input[type=checkbox][name^="keep_unlinked."]').all()) {
    await box.check();
  }
  await Promise.all([clerk.waitForURL(/\/campaigns\/\d+$/), clerk.click('form[action$="/tasks/confirm"] button.primary')]);
  assert.match(await clerk.textContent('main'), /区交警大队/);
  await desk.close();
});

test('an inspector does a fire check on a phone, saves half-way, resumes and signs off', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN' });
  const page = await context.newPage();
  await login(page, 'street-office');
  await page.goto(`${base}/inspections/new`);
  await noSidewaysScroll(page);
  await page.selectOption('select[name=enterprise_id]', { label: '铂涛精品酒店' });
  const fire = await page.$eval('select[name=template_id]', (el) =>
    [...el.options].find((o) => o.textContent.includes('重大火灾隐患判定方法')).value);
  await page.selectOption('select[name=template_id]', fire);
  await page.selectOption('select[name=kind]', 'unannounced');
  // GB 35181-2017 was in force until 2025-10-31; a later day is refused for it.
  await page.fill('input[name=inspected_on]', '2025-10-28');
  await page.fill('textarea[name=team]', '黎志敏\n韦工*');
  await Promise.all([page.waitForURL(/\/inspections\/\d+$/), page.click('form button.primary')]);
  await noSidewaysScroll(page);

  // Half-way: the first item fails with a photo, then saved.
  await page.check('input[name="result.1"][value=fail]');
  await page.fill('textarea[name="note.1"]', '锅炉房储存柴油');
  await page.setInputFiles('input[name="photo.1"]', {
    name: 'site.png',
    mimeType: 'image/png',
    buffer: Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201e5279cba0000000049454e44ae426082', 'hex'),
  });
  await Promise.all([page.waitForURL(/saved=true/), page.click('#record button:not(.primary)')]);
  assert.ok(await page.isChecked('input[name="result.1"][value=fail]'));
  assert.equal(await page.locator('fieldset.item .gallery img').count(), 1);
  await page.screenshot({ path: `${shots}/phone-inspection.png`, fullPage: true });

  // Resumed: the rest are not applicable; signing off without a deadline is refused, kept.
  for (const radio of await page.locator('input[type=radio][value=na]').all()) {
    if (!(await radio.evaluate((el) => el.name === 'result.1'))) await radio.check();
  }
  await page.click('#record button.primary');
  await page.waitForLoadState();
  assert.match(await page.textContent('.error'), /整改期限/);
  assert.ok(await page.isChecked('input[name="result.2"][value=na]'));
  await page.fill('input[name=deadline]', '2099-12-31');
  await Promise.all([page.waitForURL(/\/inspections\/\d+$/), page.click('#record button.primary')]);
  assert.match(await page.textContent('main'), /已签字/);
  assert.ok(await page.locator('a[href$="/notice.pdf"]').count() === 1);
  await noSidewaysScroll(page);
  await page.screenshot({ path: `${shots}/phone-inspection-signed.png`, fullPage: true });
  await context.close();
});

test('a district clerk on a phone reads an enterprise\'s accidents and records one', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN' });
  const page = await context.newPage();
  await login(page, 'district-office');
  // The demo's department store had a machinery accident last year.
  await page.goto(`${base}/enterprises/2`);
  const section = page.locator('#accidents');
  assert.match(await section.textContent(), /机械伤害/);
  await noSidewaysScroll(page);

  await Promise.all([page.waitForURL(/\/accidents\/new$/), section.locator('a.button').click()]);
  await page.fill('input[name=occurred_on]', '2026-09-30');
  await page.selectOption('select[name=kind]', 'electric_shock');
  await page.fill('input[name=serious_injuries]', '1');
  await page.fill('textarea[name=circumstances]', '电工带电更换配电箱空气开关时触电');
  await noSidewaysScroll(page);
  await page.screenshot({ path: `${shots}/phone-accident-form.png`, fullPage: true });
  await Promise.all([page.waitForURL(/\/enterprises\/2(#accidents)?$/), page.click('form button.primary')]);
  assert.match(await page.locator('#accidents').textContent(), /电工带电更换配电箱空气开关时触电/);
  assert.equal(await page.locator('#accidents table.list tbody tr').count(), 2);
  await noSidewaysScroll(page);
  await page.screenshot({ path: `${shots}/phone-enterprise-accidents.png`, fullPage: true });
  await context.close();
});

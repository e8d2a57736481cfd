// Browser test of the web UI: Playwright (playwright-core) driving Debian's chromium, headless.
// Usage: node ui.test.mjs BASE_URL UPLOAD_FILE SCREENSHOT.png
// Prints "N passed, M failed" and exits non-zero on any failure.
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";

const [base, upload, screenshot] = process.argv.slice(2);
if (!base || !upload || !screenshot) {
  console.error("usage: node ui.test.mjs BASE_URL UPLOAD_FILE SCREENSHOT.png");
  process.exit(2);
}

let passed = 0, failed = 0;
async function step(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}: ${e.message}`);
  }
}
function expect(cond, message) { if (!cond) throw new Error(message); }

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--no-first-run", "--disable-sync", "--disable-quic", "--autoplay-policy=no-user-gesture-required"],
});
const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 1400 } });
const page = await context.newPage();
const external = [];
page.on("request", (r) => { if (!r.url().startsWith(base)) external.push(r.url()); });
page.setDefaultTimeout(20000);

await step("the page loads and reports the library", async () => {
  await page.goto(base);
  await page.waitForFunction(() => /Library: \d+ songs/.test(document.getElementById("status").textContent));
});

await step("uploading a song shows k results, its spectrogram and descriptors", async () => {
  await page.fill("#k", "5");
  await page.setInputFiles("#file", upload);
  await page.waitForSelector("#results tbody tr");
  const rows = await page.locator("#results tbody tr").count();
  expect(rows === 5, `expected 5 results, got ${rows}`);
  await page.waitForFunction(() => { const i = document.getElementById("spectrogram"); return !i.hidden && i.complete && i.naturalWidth > 0; });
  const dl = await page.textContent("#descriptors");
  expect(/BPM/.test(dl), `descriptors show no tempo: ${dl}`);
});

await step("a result plays: the audio element reports data", async () => {
  const ready = await page.evaluate(async () => {
    const audio = document.querySelector("#results tbody tr audio");
    audio.preload = "auto";
    audio.muted = true;
    audio.load();
    await audio.play().catch(() => {});
    for (let i = 0; i < 100 && audio.readyState < 2; i++) await new Promise((r) => setTimeout(r, 100));
    return { readyState: audio.readyState, duration: audio.duration };
  });
  expect(ready.readyState >= 2, `readyState ${ready.readyState}`);
  expect(ready.duration > 0, `duration ${ready.duration}`);
});

await step("searching the library lists tracks, and a click shows that track's neighbours", async () => {
  await page.fill("#search", "");
  await page.click("#search-form button");
  await page.waitForSelector("#search-results li");
  await page.locator("#search-results li .name").first().click();
  await page.waitForFunction(() => /songs close to/.test(document.getElementById("status").textContent));
  expect(await page.locator("#results tbody tr").count() === 5, "neighbours of a library track");
});

await step("the map opens with a legend", async () => {
  await page.click("#show-map");
  await page.waitForSelector("#legend li");
  await page.waitForFunction(() => /Map of \d+ songs/.test(document.getElementById("status").textContent));
});

await step("the playlist exports as M3U", async () => {
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export")]);
  const text = readFileSync(await download.path(), "utf8");
  expect(text.startsWith("#EXTM3U"), "no #EXTM3U header");
  expect((text.match(/^#EXTINF:/gm) || []).length === 5, "expected 5 #EXTINF lines");
  expect(/\/api\/tracks\/\d+\/audio/.test(text), "entries do not point at the track audio");
});

await step("a path between two songs", async () => {
  const names = page.locator("#search-results li");
  await names.nth(0).locator("button").nth(1).click();
  await names.nth(1).locator("button").nth(2).click();
  await page.click("#make-path");
  await page.waitForSelector("#path li");
});

await step("nothing was fetched from outside the server", async () => {
  expect(external.length === 0, `external requests: ${external.join(", ")}`);
});

await page.screenshot({ path: screenshot, fullPage: true });
await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

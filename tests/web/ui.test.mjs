// Browser test of the web UI: Playwright (playwright-core) driving Debian's chromium, headless.
// Usage: node ui.test.mjs BASE_URL UPLOAD_FILE SCREENSHOT.png
// Prints "N passed, M failed" and exits non-zero on any failure.
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { expect, finish, step } from "./steps.mjs";

const [base, upload, screenshot] = process.argv.slice(2);
if (!base || !upload || !screenshot) {
  console.error("usage: node ui.test.mjs BASE_URL UPLOAD_FILE SCREENSHOT.png");
  process.exit(2);
}

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

await step("clicking a point of the map makes that song the query and shows its neighbours", async () => {
  await page.locator("#map").scrollIntoViewIfNeeded();
  // A point that is not the current query, with no other point within 3 px, at its place on the screen.
  const target = await page.evaluate(() => {
    const m = state.map, c = document.getElementById("map"), r = c.getBoundingClientRect();
    for (let i = 0; i < m.points.length; i++) {
      if (state.query && m.points[i].id === state.query.id) continue;
      let alone = true;
      for (let j = 0; j < m.points.length && alone; j++)
        alone = j === i || (m.px[i] - m.px[j]) ** 2 + (m.py[i] - m.py[j]) ** 2 >= 9;
      if (alone) return { id: m.points[i].id, x: r.left + (m.px[i] * r.width) / c.width, y: r.top + (m.py[i] * r.height) / c.height };
    }
    return null;
  });
  expect(target, "no map point stands apart from the others");
  await page.mouse.click(target.x, target.y);
  await page.waitForFunction((id) => state.query && state.query.id === id && /songs close to/.test(document.getElementById("status").textContent), target.id);
  expect(await page.locator("#results tbody tr").count() === 5, "the clicked song's neighbours");
  const title = await page.textContent("#query-title");
  const expected = await page.evaluate((id) => songName(state.map.points.find((p) => p.id === id)), target.id);
  expect(title === expected, `query shows "${title}", the clicked point is "${expected}"`);
});

await step("a slow answer to an older click does not overwrite the answer to a newer one", async () => {
  const ids = await page.evaluate(async () => (await (await fetch("/api/tracks?limit=2")).json()).tracks.map((t) => t.id));
  const [slow, fast] = ids;
  const slowUrl = new RegExp(`/api/tracks/${slow}/similar`);
  await page.route(slowUrl, async (route) => { await new Promise((r) => setTimeout(r, 1500)); await route.continue(); });
  const slowAnswer = page.waitForResponse(slowUrl);
  const names = page.locator("#search-results li .name");
  await names.nth(0).click();
  await names.nth(1).click();
  await page.waitForFunction((id) => state.query && state.query.id === id, fast);
  await slowAnswer;
  await page.waitForTimeout(300);  // let the page handle the late answer
  const shown = await page.evaluate(() => state.query.id);
  expect(shown === fast, `the page shows track ${shown}, not the last one chosen (${fast})`);
  await page.unroute(slowUrl);
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

await step("a map of 200,000 songs is drawn and answers the mouse", async () => {
  const n = 200000, labels = ["rock", "jazz", "techno", "folk"];
  const points = Array.from({ length: n }, (_, i) => ({ id: i + 1, x: Math.cos(i) * (i % 997), y: Math.sin(i) * (i % 991),
                                                       label: labels[i % 4], title: `song ${i}`, artist: "" }));
  await page.route("**/api/map", (route) => route.fulfill({ contentType: "application/json", body: JSON.stringify({ points }) }));
  await page.click("#show-map");
  await page.waitForFunction((count) => document.getElementById("status").textContent === `Map of ${count} songs`, n);
  const box = await page.locator("#map").boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.waitForFunction(() => !document.getElementById("tooltip").hidden);
  await page.unroute("**/api/map");
});

await step("nothing was fetched from outside the server", async () => {
  expect(external.length === 0, `external requests: ${external.join(", ")}`);
});

await page.screenshot({ path: screenshot, fullPage: true });
await browser.close();
finish();

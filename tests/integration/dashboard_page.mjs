// Drives the dashboard page in Debian's Chromium for tests/integration/test_dashboard.py:
//   node dashboard_page.mjs URL SCREENSHOT
// prints (one JSON line) what every panel shows (the alert the URL's #alert= names too) and saves a
// full-page screenshot; then reads a
// subscriber name on stdin and prints (one JSON line) once that name is in the top talk-time
// list — the page updating itself, never reloaded.
import { chromium } from "playwright-core";
import { createInterface } from "node:readline";

const [url, screenshot] = process.argv.slice(2);
// Headless, no sandbox (root in CI), and nothing that reaches for the network on its own.
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  page.on("console", (message) => { if (message.type() === "error") errors.push(message.text()); });
  await page.goto(url);
  await page.waitForSelector("body[data-loaded=yes]", { timeout: 30000 });
  const panels = await page.evaluate(() => {
    const cells = (id, column) => [...document.querySelectorAll(`#${id} tr`)].slice(1)
      .map((row) => row.cells[column].textContent);
    const chart = (id) => {
      const instance = Chart.getChart(id);
      return instance ? { labels: instance.data.labels.length,
                          points: instance.data.datasets.reduce((sum, set) => sum + set.data.filter((v) => v > 0).length, 0) }
                      : null;
    };
    return {
      top: Object.fromEntries(["talk_seconds", "data_bytes", "spend"].map((m) => [m, cells(`top-${m}`, 1)])),
      destinations: cells("destinations", 0),
      revenue: cells("destinations", 4),
      spend: cells("top-spend", 2),
      alerts: [...document.querySelectorAll("#alerts tr")].slice(1).map((row) => [...row.cells].map((c) => c.textContent)),
      selected: [...document.querySelectorAll("#selected-alert p")].map((line) => line.textContent),
      selectedRows: [...document.querySelectorAll("#alerts tr.selected")].map((row) => [...row.cells].map((c) => c.textContent)),
      lag: document.getElementById("lag").textContent,
      routes: [...document.querySelectorAll("#routes tr")].slice(1).map((row) => [...row.cells].map((c) => c.textContent)),
      alarmRoutes: [...document.querySelectorAll("#routes tr.alarm")].map((row) => row.cells[0].textContent),
      routesHour: document.getElementById("routes-hour").textContent,
      charts: Object.fromEntries(["chart-top-talk_seconds", "chart-top-data_bytes", "chart-top-spend",
        "chart-calls-per-minute", "chart-calls-per-hour", "chart-asr", "chart-revenue", "chart-records",
        "chart-dead-letters"].map((id) => [id, chart(id)])),
      status: document.getElementById("status").textContent,
    };
  });
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(JSON.stringify({ panels, errors }));
  const lines = createInterface({ input: process.stdin });
  for await (const name of lines) {
    const waited = Date.now();
    await page.waitForFunction((wanted) => [...document.querySelectorAll("#top-talk_seconds td")]
      .some((cell) => cell.textContent === wanted), name, { timeout: 15000 });
    console.log(JSON.stringify({ appeared: name, waited_ms: Date.now() - waited, errors }));
    break;
  }
} finally {
  await browser.close();
}
